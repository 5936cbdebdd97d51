"""``communet adopt SCOPE``: move brownfield devices onto their intended management path.

Each device with a ``reach`` in the inventory (where and as whom it answers today) goes through
:mod:`communet.adopt`'s stages: converge all but the management path over today's session,
prove a new session on the intended address, credentials and host key, remove the old path
over it, confirm. ``--dry-run`` shows the stages per device without changing anything;
progress goes to stderr, a table closes the run, ``--json`` prints the results instead.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from communet.adopt import (
    NOT_BROWNFIELD,
    STAGES,
    Adoption,
    adopt_all,
    paths_for,
    stage_key,
    stage_titles,
)
from communet.apply import Options, Result
from communet.connect import LabOverlayError, Reacher, direct, lab_overlay
from communet.run_options import cli_specs
from communet_cli.apply_cmd import _click_option, _lang, _options, _Progress, load_scope
from communet_cli.i18n import text

FC = TypeVar("FC", bound=Callable[..., Any])


def _adopt_options(function: FC) -> FC:
    for spec in reversed(cli_specs("apply")):
        function = _click_option(spec)(function)
    function = click.option("--json", "as_json", is_flag=True, help="Per-host results as JSON.")(
        function
    )
    function = click.option(
        "--dry-run",
        is_flag=True,
        help="Show the stages per device (reads the devices over today's path; changes nothing).",
    )(function)
    return click.argument("scope")(function)


def _reachers(lab: Path | None, known_hosts: Path | None) -> tuple[Reacher, Reacher]:
    """Today's path and the intended one: a lab's overlay, or the operator's known_hosts."""
    if lab is not None:
        try:
            return lab_overlay(lab, today=True), lab_overlay(lab)
        except LabOverlayError as error:
            raise click.ClickException(str(error)) from None
    if known_hosts is None:
        raise click.UsageError(
            "give --known-hosts FILE (SSH host keys are always verified; adoption adds the "
            "device's verified key for its new address there) or --lab STATE_DIR for a lab"
        )
    return direct(known_hosts, today=True), direct(known_hosts)


@click.command()
@_adopt_options
@click.pass_context
def adopt(ctx: click.Context, /, scope: str, as_json: bool, dry_run: bool, **values: Any) -> None:
    """Move the brownfield devices of SCOPE (those with 'reach' in the inventory) onto their
    intended management address and credentials, in verified stages (Cisco IOS: under one
    trial commit; Huawei VRP: make-before-break, each stage kept or undone on its own)."""
    lang = _lang(ctx)
    loaded, devices, secrets, timeouts = load_scope(ctx, scope, values, lang)
    today, intended = _reachers(values.get("state_dir"), values.get("known_hosts"))
    options = _options(values, check=dry_run)
    paths = paths_for(today, intended, secrets, timeouts)
    progress = _AdoptProgress(len(devices), lang, quiet=as_json)
    began = time.monotonic()
    adoptions = adopt_all(loaded, devices, secrets, paths, options, progress=progress)
    elapsed = time.monotonic() - began
    if as_json:
        click.echo(json.dumps([_record(a) for a in adoptions], ensure_ascii=False, indent=1))
    else:
        _summary(adoptions, options, elapsed, lang)
    ctx.exit(1 if any(a.result.failed for a in adoptions) else 0)


def _word(result: Result, lang: str) -> str:
    """The status word: a device without 'reach' is skipped, not 'monitored only'."""
    if result.skipped == NOT_BROWNFIELD:
        return text("status.not_brownfield", lang)
    return text(f"status.{result.status}", lang)


class _AdoptProgress(_Progress):
    def __call__(self, result: Result) -> None:
        with self.lock:
            self.done += 1
            if self.quiet:
                return
            width = len(str(self.total))
            sys.stderr.write(
                f"[{self.done:>{width}}/{self.total}] {_word(result, self.lang):<10} "
                f"{result.hostname} ({result.seconds:.1f} s)\n"
            )
            sys.stderr.flush()


def _record(adoption: Adoption) -> dict[str, Any]:
    record = asdict(adoption.result)
    record["stage"] = adoption.stage
    record["note"] = adoption.note
    staged = adoption.staged
    titles = stage_titles(adoption.result.platform)
    record["stages"] = (
        [
            {
                "stage": 1,
                "name": "converge",
                "title": titles["converge"],
                "commands": list(staged.converge),
            },
            {"stage": 2, "name": "prove", "title": titles["prove"], "commands": []},
            {"stage": 3, "name": "move", "title": titles["move"], "commands": list(staged.move)},
            {"stage": 4, "name": "confirm", "title": titles["confirm"], "commands": []},
        ]
        if staged is not None and adoption.result.commands
        else []
    )
    return record


def _summary(adoptions: list[Adoption], options: Options, elapsed: float, lang: str) -> None:
    console = Console(width=max(140, Console().width))
    table = Table(title=text("title.adopt_plan" if options.check else "title.adopt", lang))
    for key in ("hostname", "platform", "status", "stage", "lines", "seconds", "detail"):
        table.add_column(text(f"col.{key}", lang), overflow="fold")
    for adoption in adoptions:
        result = adoption.result
        status = _word(result, lang)
        detail = ("↩ " if result.rolled_back else "") + result.error
        if adoption.note:
            detail = f"{adoption.note}; {detail}" if detail else adoption.note
        if result.blocked and not result.failed:
            detail = text("adopt_refused", lang, findings="; ".join(result.findings))
        if result.skipped == NOT_BROWNFIELD:
            detail = text("not_brownfield", lang)
        elif result.skipped:
            detail = text("monitored_only", lang)
        stage = (
            text(stage_key(result.platform, adoption.stage), lang)
            if adoption.stage in STAGES
            else adoption.stage
        )
        table.add_row(
            result.hostname,
            result.platform,
            status,
            stage,
            str(len(result.commands)),
            f"{result.seconds:.1f}",
            detail,
        )
    console.print(table)
    statuses = ("ok", "changed", "skipped", "failed")
    counts = {s: sum(1 for a in adoptions if a.result.status == s) for s in statuses}
    console.print(text("adopt_totals", lang, seconds=f"{elapsed:.1f}", **counts))
    if options.backup_dir is not None and any(a.result.backup for a in adoptions):
        console.print(text("backups", lang, path=options.backup_dir))
    if not options.check:
        return
    for adoption in adoptions:
        staged = adoption.staged
        if staged is None or not staged.changed:
            continue
        console.print(f"\n[bold]{adoption.result.hostname}[/]")
        for name, lines in (
            ("converge", staged.converge),
            ("prove", ()),
            ("move", staged.move),
            ("confirm", ()),
        ):
            title = text(stage_key(adoption.result.platform, name), lang)
            console.print(f"# {title}", markup=False, highlight=False)
            if lines:
                console.print("\n".join(lines), markup=False, highlight=False)
