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
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from communet.apply import Options, Result, apply_all, plannable
from communet.connect import LabOverlayError, Reacher, direct, lab_overlay, netmiko_connector
from communet.errors import CommunetError, InventoryError
from communet.inventory import load_inventory
from communet.inventory.export import in_scope
from communet.secrets import EnvVaultResolver
from communet_cli.i18n import text
from communet_cli.options import load_vault_vars


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


def _common(function: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.argument("scope"),
        click.option(
            "--inventory",
            "inventory_path",
            type=click.Path(path_type=Path, file_okay=False),
            default=Path("inventory/demo"),
            show_default=True,
        ),
        click.option(
            "--lab",
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="State dir of a running lab ('communet lab up'): devices are reached there.",
        ),
        click.option(
            "--known-hosts",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            default=None,
            help="OpenSSH known_hosts for real devices (host keys are always verified).",
        ),
        click.option(
            "--vault-vars",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            default=None,
            help="YAML mapping of vault variables (for 'vault:name' references).",
        ),
        click.option(
            "--workers",
            type=click.IntRange(1, 200),
            default=20,
            show_default=True,
            help="Concurrent SSH sessions in all.",
        ),
        click.option(
            "--processes",
            type=click.IntRange(1, 64),
            default=os.cpu_count() or 1,
            show_default="number of CPUs",
            help="Processes to plan in (from 40 hosts per process; planning is CPU-bound).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Per-host results as JSON."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.command()
@_common
@click.pass_context
def plan(
    ctx: click.Context,
    *,
    scope: str,
    inventory_path: Path,
    lab: Path | None,
    known_hosts: Path | None,
    vault_vars: Path | None,
    workers: int,
    processes: int,
    as_json: bool,
) -> None:
    """Show what apply would change on each device of SCOPE (nothing is changed)."""
    _run(
        ctx,
        scope=scope,
        inventory_path=inventory_path,
        reach=_reach(lab, known_hosts),
        vault_vars=vault_vars,
        options=Options(check=True, workers=workers, processes=processes),
        as_json=as_json,
    )


@click.command()
@_common
@click.option("--check", is_flag=True, help="Plan only (same as 'communet plan').")
@click.option("--force", is_flag=True, help="Push plans with destructive lines (trial armed).")
@click.option("--no-save", is_flag=True, help="Leave the change unsaved (startup untouched).")
@click.option("--trial-minutes", type=click.IntRange(1, 60), default=5, show_default=True)
@click.option(
    "--backup-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("backups"),
    show_default=True,
    help="Pre-change backups (secrets masked) go here before anything is pushed.",
)
@click.pass_context
def apply(
    ctx: click.Context,
    *,
    scope: str,
    inventory_path: Path,
    lab: Path | None,
    known_hosts: Path | None,
    vault_vars: Path | None,
    workers: int,
    processes: int,
    as_json: bool,
    check: bool,
    force: bool,
    no_save: bool,
    trial_minutes: int,
    backup_dir: Path,
) -> None:
    """Bring every device of SCOPE to its intended config: backup, trial commit, verify."""
    options = Options(
        check=check,
        force=force,
        save=not no_save,
        trial_minutes=trial_minutes,
        workers=workers,
        processes=processes,
        backup_dir=backup_dir,
    )
    _run(
        ctx,
        scope=scope,
        inventory_path=inventory_path,
        reach=_reach(lab, known_hosts),
        vault_vars=vault_vars,
        options=options,
        as_json=as_json,
    )


def _run(
    ctx: click.Context,
    *,
    scope: str,
    inventory_path: Path,
    reach: Reacher,
    vault_vars: Path | None,
    options: Options,
    as_json: bool,
) -> None:
    lang = _lang(ctx)
    try:
        loaded = load_inventory(inventory_path)
    except InventoryError as error:
        click.echo(str(error), err=True)
        ctx.exit(1)
    devices = plannable(in_scope(loaded, scope))
    if not devices:
        click.echo(text("no_match", lang, scope=scope), err=True)
        ctx.exit(1)
    secrets = EnvVaultResolver(vault=load_vault_vars(vault_vars))
    connect = netmiko_connector(reach, secrets)
    progress = _Progress(len(devices), lang, quiet=as_json)
    began = time.monotonic()
    try:
        results = apply_all(loaded, devices, secrets, connect, options, progress=progress)
    except (LabOverlayError, CommunetError) as error:
        click.echo(f"error: {error}", err=True)
        ctx.exit(2)
    elapsed = time.monotonic() - began
    if as_json:
        click.echo(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1))
    else:
        _summary(results, options, elapsed, lang)
    ctx.exit(1 if any(r.failed for r in results) else 0)


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
