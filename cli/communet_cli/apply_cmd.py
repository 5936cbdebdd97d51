"""``communet plan SCOPE`` and ``communet apply SCOPE``: the push engine for people.

Both connect to the devices (plan only reads); progress goes to stderr, one line per host,
and a table people can scan closes the run. ``--json`` prints the per-host results instead.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal, TypeVar

import click
from rich.console import Console
from rich.table import Table

from communet.apply import Options, Result, apply_all, plannable
from communet.connect import (
    LabOverlayError,
    Reacher,
    console_connector,
    direct,
    lab_overlay,
    netmiko_connector,
)
from communet.converge import describe
from communet.errors import InventoryError
from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.inventory.export import in_scope
from communet.run_options import CliSpec, cli_specs
from communet.session import Connector, DeviceSession, SessionError
from communet.session.console import ConsoleProblem
from communet.session.netmiko_session import Timeouts
from communet_cli.i18n import text
from communet_cli.options import CliVaultResolver, find_inventory, load_secrets_file

FC = TypeVar("FC", bound=Callable[..., Any])


def _lang(ctx: click.Context) -> str:
    obj = ctx.find_root().obj or {}
    return str(obj.get("lang", "en"))


def _reach(lab: Path | None, known_hosts: Path | None) -> Reacher:
    if lab is not None:
        try:
            return lab_overlay(lab)
        except LabOverlayError as error:
            raise click.ClickException(str(error)) from None
    if known_hosts is None:
        default = Path.home() / ".ssh" / "known_hosts"
        raise click.UsageError(
            f"give --known-hosts FILE (SSH host keys are always verified; {default} is not "
            "used implicitly) or --lab STATE_DIR for a running lab"
        )
    return direct(known_hosts)


# click.Path settings per path option (presentation only; the rest is the schema's)
_PATHS: dict[str, dict[str, bool]] = {
    "inventory": {"file_okay": False},
    "state_dir": {"file_okay": False},
    "backup_dir": {"file_okay": False},
    "known_hosts": {"dir_okay": False, "exists": True},
    "secrets_file": {"dir_okay": False, "exists": True},
}


def _click_option(spec: CliSpec) -> Callable[[FC], FC]:
    """One click option from the run-options schema."""
    kind: click.ParamType[Any] | type
    default = spec.default
    if spec.kind == "bool":
        flag_value = not spec.default  # --force turns on, --no-save turns off
        return click.option(
            spec.flag,
            spec.name,
            is_flag=True,
            flag_value=flag_value,
            default=spec.default,
            help=spec.help,
        )
    if spec.kind == "path":
        kind = click.Path(path_type=Path, **_PATHS.get(spec.name, {}))
        default = Path(default) if default is not None else None
    elif spec.kind == "int":
        kind = (
            click.IntRange(int(spec.bounds[0]), int(spec.bounds[1])) if spec.bounds else click.INT
        )
    elif spec.kind == "float":
        kind = click.FloatRange(spec.bounds[0], spec.bounds[1]) if spec.bounds else click.FLOAT
    else:
        kind = click.Choice(spec.choices) if spec.choices else click.STRING
    if spec.name == "processes":
        default = os.cpu_count() or 1
    return click.option(
        spec.flag,
        spec.name,
        type=kind,
        default=default,
        show_default="number of CPUs" if spec.name == "processes" else default is not None,
        help=spec.help,
    )


def _options_of(command: Literal["plan", "apply"]) -> Callable[[FC], FC]:
    def decorate(function: FC) -> FC:
        for spec in reversed(cli_specs(command)):
            function = _click_option(spec)(function)
        function = click.option(
            "--json", "as_json", is_flag=True, help="Per-host results as JSON."
        )(function)
        function = click.option(
            "--console-password",
            "console_password",
            metavar="REF",
            help="The console line's own password, by reference (env:NAME or vault:NAME), "
            "for a console that asks a password without a user name.",
        )(function)
        function = click.option(
            "--console",
            "console_path",
            metavar="DEVICE",
            help="Reach the one device of SCOPE over its serial console at DEVICE (e.g. "
            "/dev/ttyUSB0) instead of SSH: for a device whose config gives communet no SSH. "
            "The whole intended config goes in one run; the trial commit is confirmed only "
            "after SSH on the intended management address gets in.",
        )(function)
        return click.argument("scope")(function)

    return decorate


@click.command()
@_options_of("plan")
@click.pass_context
def plan(ctx: click.Context, /, scope: str, as_json: bool, **values: Any) -> None:
    """Show what apply would change on each device of SCOPE (nothing is changed)."""
    _run(ctx, scope, values, as_json=as_json, check=True)


@click.command()
@_options_of("apply")
@click.option("--check", is_flag=True, help="Plan only (same as 'communet plan').")
@click.pass_context
def apply(ctx: click.Context, /, scope: str, as_json: bool, check: bool, **values: Any) -> None:
    """Bring every device of SCOPE to its intended config: backup, trial commit, verify."""
    _run(ctx, scope, values, as_json=as_json, check=check)


def _options(values: dict[str, Any], *, check: bool) -> Options:
    backup_dir = values.get("backup_dir")
    return Options(
        check=check,
        force=bool(values.get("force", False)),
        save=bool(values.get("save", True)),
        trial_minutes=int(values.get("trial_minutes", 5)),
        verify_reconnect=True,
        workers=int(values["workers"]),
        processes=int(values["processes"]),
        backup_dir=Path(backup_dir) if backup_dir is not None else None,
    )


def load_scope(
    ctx: click.Context, scope: str, values: dict[str, Any], lang: str
) -> tuple[LoadedInventory, list[ResolvedDevice], CliVaultResolver, Timeouts]:
    """The inventory, the plannable devices of SCOPE, the secrets and the timeouts of a run;
    exits with one line when the inventory is invalid or SCOPE matches nothing."""
    inventory_path = find_inventory(values.get("inventory"))
    secrets = CliVaultResolver(vault=load_secrets_file(values.get("secrets_file")))
    try:
        loaded = load_inventory(inventory_path)
    except InventoryError as error:
        click.echo(str(error), err=True)
        ctx.exit(1)
    devices = plannable(in_scope(loaded, scope))
    if not devices:
        click.echo(text("no_match", lang, scope=scope), err=True)
        ctx.exit(1)
    return loaded, devices, secrets, Timeouts(connect=float(values["connect_timeout"]))


def _run(
    ctx: click.Context, scope: str, values: dict[str, Any], *, as_json: bool, check: bool
) -> None:
    lang = _lang(ctx)
    console_path = values.pop("console_path", None)
    line_password = values.pop("console_password", None)
    loaded, devices, secrets, timeouts = load_scope(ctx, scope, values, lang)
    options = _options(values, check=check)
    progress = _Progress(len(devices), lang, quiet=as_json)
    began = time.monotonic()
    if console_path is None:
        reach = _reach(values.get("state_dir"), values.get("known_hosts"))
        connect = netmiko_connector(reach, secrets, timeouts)
        results = apply_all(loaded, devices, secrets, connect, options, progress=progress)
    else:
        ssh = _management(values, secrets, timeouts, check=check)
        console = console_connector(console_path, secrets, timeouts, line_password=line_password)
        connect = open_console_first(ctx, devices, scope, console, lang, as_json=as_json)
        if not as_json:
            click.echo(text("console.via", lang, host=devices[0].hostname, path=console_path))
        results = apply_all(
            loaded,
            devices,
            secrets,
            connect,
            options,
            progress=progress,
            management=ssh,
            transport="console",
        )
    elapsed = time.monotonic() - began
    if as_json:
        click.echo(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1))
    else:
        _summary(results, options, elapsed, lang)
    ctx.exit(1 if any(r.failed for r in results) else 0)


def _management(
    values: dict[str, Any], secrets: CliVaultResolver, timeouts: Timeouts, *, check: bool
) -> Connector:
    """The SSH sessions that prove the management path after a console push (apply needs
    --lab or --known-hosts for them; a plan never opens one)."""
    if not check or values.get("state_dir") or values.get("known_hosts"):
        reach = _reach(values.get("state_dir"), values.get("known_hosts"))
        return netmiko_connector(reach, secrets, timeouts)

    def unused(device: ResolvedDevice) -> DeviceSession:
        raise SessionError(device.hostname, "a plan proves no management path")

    return unused


def open_console_first(
    ctx: click.Context,
    devices: list[ResolvedDevice],
    scope: str,
    console: Connector,
    lang: str,
    *,
    as_json: bool,
) -> Connector:
    """Log in on the console before the run, so that what a technician at the cable must
    fix (no such device, no permission, nothing answering, login refused) is one line in
    their language; the run then uses that session."""
    if len(devices) != 1:
        click.echo(text("console.scope", lang, scope=scope, count=len(devices)), err=True)
        ctx.exit(2)
    device = devices[0]
    try:
        opened: DeviceSession | None = console(device)
    except Exception as error:
        line = console_line(device.hostname, error, lang)
        if as_json:
            result = Result(
                device.hostname, device.platform, failed=True, error=line, transport="console"
            )
            click.echo(json.dumps([asdict(result)], ensure_ascii=False, indent=1))
        else:
            click.echo(line, err=True)
        ctx.exit(1)

    def connect(device: ResolvedDevice) -> DeviceSession:
        nonlocal opened
        session, opened = opened, None
        return session if session is not None else console(device)

    return connect


def console_line(hostname: str, error: Exception, lang: str) -> str:
    """The console failure in one line: the engine's English, or the technician's words."""
    if lang != "en" and isinstance(error, ConsoleProblem):
        return text(f"console.{error.kind}", lang, host=hostname, **error.params)
    return describe(hostname, error)


class _Progress:
    """One line per finished host on stderr: done/total, status, host, seconds."""

    def __init__(self, total: int, lang: str, *, quiet: bool) -> None:
        self.total = total
        self.done = 0
        self.lang = lang
        self.quiet = quiet
        self.lock = threading.Lock()

    def __call__(self, result: Result) -> None:
        with self.lock:
            self.done += 1
            if self.quiet:
                return
            word = text(f"status.{result.status}", self.lang)
            sys.stderr.write(
                f"[{self.done:>{len(str(self.total))}}/{self.total}] {word:<10} "
                f"{result.hostname} ({result.seconds:.1f} s)\n"
            )
            sys.stderr.flush()


def _summary(results: list[Result], options: Options, elapsed: float, lang: str) -> None:
    console = Console(width=max(140, Console().width))
    title = text("title.plan" if options.check else "title.apply", lang)
    table = Table(title=title)
    for key in ("hostname", "platform", "status", "lines", "seconds", "detail"):
        table.add_column(text(f"col.{key}", lang), overflow="fold")
    for result in results:
        detail = ("↩ " if result.rolled_back else "") + result.error
        if result.blocked and not result.failed:  # check mode: say what apply would do
            detail = "apply would refuse: destructive lines: " + "; ".join(result.findings)
        if result.blocked:
            detail += " (pass --force to push them under a trial commit)"
        if result.skipped:
            detail = text("monitored_only", lang)
        table.add_row(
            result.hostname,
            result.platform,
            text(f"status.{result.status}", lang),
            str(len(result.commands)),
            f"{result.seconds:.1f}",
            detail,
        )
    console.print(table)
    statuses = ("ok", "changed", "skipped", "failed")
    counts = {s: sum(1 for r in results if r.status == s) for s in statuses}
    console.print(text("totals", lang, seconds=f"{elapsed:.1f}", **counts))
    if options.backup_dir is not None and any(r.backup for r in results):
        console.print(text("backups", lang, path=options.backup_dir))
    if options.check:
        for result in results:
            left = [u for u in result.unmanaged if u.startswith("interface ") and "; " in u]
            if result.commands or left:
                console.print(f"\n[bold]{result.hostname}[/]")
            if result.commands:
                console.print("\n".join(result.commands), markup=False, highlight=False)
            for note in left:  # what the planner would not touch, and how to change that
                console.print(f"! {note}", markup=False, highlight=False, soft_wrap=True)
