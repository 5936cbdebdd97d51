"""``communet check COMMUNE``: one command on site, "is this commune ready for the meeting?".

One line per check: PASS / WARN / FAIL, the device, the measured value, the reason and the
next step, worst first; the exit code is the worst result (3: the check could not run).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from communet.readiness.report import Wording, finding_record
from communet.readiness.settings import Settings
from communet.readiness.verdict import Finding, State, Thresholds
from communet_cli.readiness_cmd import (
    ICMP_HELP,
    _styled,
    common_options,
    finish,
    lab_services,
    lang_of,
    measure,
    state_text,
)
from communet_cli.readiness_text import check_label, headers, wording

CHECK_HELP = (
    "Check one commune (slug, name or one of its hostnames) before an online meeting: a "
    "burst of 50 echoes a second for 10 s to the meeting-room codec (RTT, RFC 3550 jitter, "
    "loss, burst loss; limits RTT 300 ms, jitter 30 ms, loss 1 %), ping of the switch, CE "
    "router and hub, the SSH port of each device, the codec's HTTPS 443 and H.323 1720 "
    "ports (SIP 5060/5061 too when it listens for inbound SIP: 'SIP ListenPort' not Off), "
    "its SIP/H.323 registration and call rate against the "
    "circuit, the MCU/registrar (ping and the same ports) and each NTP server (one NTP "
    "query: answer, stratum, offset), and each device's configuration against the "
    "inventory (read-only). Exit code: 0 PASS, 1 WARN, 2 FAIL, 3 could not run.\n\n" + ICMP_HELP
)


@click.command(help=CHECK_HELP)
@click.argument("commune")
@common_options
@click.option(
    "--rate",
    type=click.FloatRange(1, 200),
    default=50.0,
    show_default=True,
    help="Echoes per second in the media burst.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(1, 60),
    default=10.0,
    show_default=True,
    help="Length of the media burst.",
)
@click.pass_context
def check(
    ctx: click.Context,
    *,
    commune: str,
    inventory_path: Path,
    lab: Path | None,
    known_hosts: Path | None,
    secrets_file: Path | None,
    no_drift: bool,
    log_dir: Path | None,
    as_json: bool,
    rate: float,
    seconds: float,
) -> None:
    lang = lang_of(ctx)
    settings = Settings(
        rate=rate,
        seconds=seconds,
        drift=not no_drift,
        lab=lab is not None,
        lab_services=lab_services(lab),
        thresholds=Thresholds(),
    )
    run = measure(
        ctx,
        command="check",
        scopes=[commune],
        inventory_path=inventory_path,
        lab=lab,
        known_hosts=known_hosts,
        secrets_file=secrets_file,
        settings=settings,
        log_directory=log_dir,
        quiet=as_json,
    )
    words = wording(lang)
    for result in run.reports:
        findings = sorted(result.findings, key=lambda f: -int(f.state))
        if as_json:
            click.echo(
                json.dumps(
                    _json(result.commune.slug, result.state, findings, words),
                    ensure_ascii=False,
                    indent=1,
                )
            )
            continue
        title = f"{result.commune.name} ({result.commune.slug}, {result.commune.district_name})"
        if sys.stdout.isatty():
            names = headers(lang)
            table = Table(title=title)
            for key in ("state", "check", "device", "value", "reason"):
                table.add_column(names[key], overflow="fold")
            for f in findings:
                reason, step = words(f)
                table.add_row(
                    _styled(f.state.name, lang),
                    check_label(f, lang),
                    f.subject,
                    f.value,
                    reason + (f"\n→ {step}" if step else ""),
                )
            Console(width=max(140, Console().width)).print(table)
        else:
            click.echo(title)
            for f in findings:
                click.echo(_line(f, words(f), lang))
        click.echo(f"{state_text(result.state.name, lang)}: {title} ({run.seconds:.1f} s)")
    finish(ctx, run, lang)


def _line(finding: Finding, wording_: tuple[str, str], lang: str) -> str:
    reason, step = wording_
    parts = [
        f"{state_text(finding.state.name, lang):<9}",
        f"{check_label(finding, lang):<12}",
        finding.subject,
    ]
    if finding.value:
        parts.append(finding.value)
    line = "  ".join(parts) + f": {reason}"
    return line + (f" → {step}" if step else "")


def _json(slug: str, state: State, findings: list[Finding], words: Wording) -> dict[str, object]:
    out = [finding_record(f, words) for f in findings]
    return {"commune": slug, "state": state.name, "findings": out}
