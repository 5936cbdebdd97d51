"""``communet readiness SCOPE...``: the pre-meeting matrix of a province, hub or communes.

Also the shared edge of ``communet check`` (check_cmd.py): loading, scope, reaching the
devices, running :func:`communet.readiness.probe.assess`, progress, the log file, and the
one-line failures (inventory invalid, commune unknown, no ICMP privilege) with exit code 3.
Exit codes: 0 every check passed, 1 the worst is a WARN, 2 something FAILed, 3 the run could
not be made.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from communet.errors import CommunetError, InventoryError
from communet.probe.icmp import IcmpUnavailableError
from communet.readiness import report
from communet.readiness.settings import Settings
from communet.readiness.verdict import State, Thresholds, exit_code
from communet_cli.options import CliVaultResolver, load_secrets_file
from communet_cli.readiness_text import STATE_WORDS, headers, wording

if TYPE_CHECKING:  # the heavy modules (netmiko, asyncssh) load only when a run starts
    from communet.connect import Reacher
    from communet.inventory.loader import LoadedInventory
    from communet.readiness.probe import CommuneReport
    from communet.readiness.scope import Commune

CANNOT_RUN = 3

ICMP_HELP = (
    "ICMP needs one of: net.ipv4.ping_group_range covering your group (sysctl -w "
    "net.ipv4.ping_group_range='0 2147483647'), root, or CAP_NET_RAW on the Python "
    "interpreter. In a lab started with --netns run it as 'communet lab exec -- communet ...'."
)

MESSAGES = {
    "no_icmp": {
        "en": "cannot send ping (ICMP) from this computer: {error}",
        "vi": "không gửi được gói ping (ICMP) từ máy này: {error}",
    },
    "no_icmp_fix": {
        "en": "  run as root (sudo), or allow ping for your group: "
        "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'",
        "vi": "  chạy bằng quyền root (sudo), hoặc cho phép ping: "
        "sudo sysctl -w net.ipv4.ping_group_range='0 2147483647'",
    },
    "ambiguous": {
        "en": "several communes are called {query!r}: {listed}; give one slug",
        "vi": "có nhiều xã/phường tên {query!r}: {listed}; hãy ghi rõ một mã (slug)",
    },
    "did_you_mean": {
        "en": "commune {query!r} is not in the inventory; did you mean: {listed}?",
        "vi": "không có xã/phường {query!r} trong dữ liệu kiểm kê; có phải: {listed}?",
    },
    "unknown": {
        "en": "commune, district or province {query!r} is not in the inventory",
        "vi": "không có xã/phường, huyện hay tỉnh {query!r} trong dữ liệu kiểm kê",
    },
    "invalid": {
        "en": "the inventory is not valid (nothing was checked): {first}",
        "vi": "dữ liệu kiểm kê không hợp lệ (chưa kiểm tra gì): {first}",
    },
    "lab": {"en": "lab: {error}", "vi": "phòng thử nghiệm: {error}"},
    "log": {"en": "log of this run: {path}", "vi": "nhật ký lần chạy này: {path}"},
    "summary": {
        "en": "{FAIL} FAIL, {WARN} WARN, {PASS} PASS of {total} commune(s) in {seconds} s",
        "vi": "{FAIL} không đạt, {WARN} cảnh báo, {PASS} đạt trên {total} xã/phường "
        "trong {seconds} giây",
    },
    "title": {
        "en": "Readiness for the online meeting: {scope}",
        "vi": "Sẵn sàng cho giao ban trực tuyến: {scope}",
    },
    "meta": {
        "en": "Measured {generated} (UTC) in {seconds} s; thresholds: RTT ≤ 300 ms, "
        "jitter ≤ 30 ms, loss ≤ 1 %, call rate + 20 % within the circuit.",
        "vi": "Đo lúc {generated} (UTC) trong {seconds} giây; ngưỡng: trễ khứ hồi ≤ 300 ms, "
        "jitter ≤ 30 ms, mất gói ≤ 1 %, tốc độ cuộc gọi + 20 % vừa băng thông.",
    },
    "progress.communes": {"en": "communes measured", "vi": "xã/phường đã đo"},
    "progress.drift": {"en": "devices compared", "vi": "thiết bị đã so cấu hình"},
}


def say(key: str, lang: str, **values: object) -> str:
    entry = MESSAGES[key]
    return entry.get(lang, entry["en"]).format(**values)


def lang_of(ctx: click.Context) -> str:
    obj = ctx.find_root().obj or {}
    return str(obj.get("lang", "en"))


def fail(ctx: click.Context, line: str, *more: str) -> NoReturn:
    click.echo(line, err=True)
    for extra in more:
        click.echo(extra, err=True)
    ctx.exit(CANNOT_RUN)
    raise AssertionError("unreachable")  # ctx.exit raises


@dataclass(frozen=True)
class Run:
    """What one check or readiness run measured, and how long it took."""

    reports: list[CommuneReport]
    seconds: float
    generated: str
    log: Path


def common_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
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
            help="State dir of a running lab ('communet lab up --netns'): devices are "
            "reached there; run the command inside it with 'communet lab exec --'.",
        ),
        click.option(
            "--known-hosts",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            default=None,
            help="OpenSSH known_hosts for real devices (host keys are always verified).",
        ),
        click.option(
            "--secrets",
            "secrets_file",
            type=click.Path(path_type=Path, dir_okay=False, exists=True),
            default=None,
            help="Secrets file: 'vault_NAME: value' lines for the inventory's vault:NAME "
            "references (the file ansible-playbook reads with -e @FILE).",
        ),
        click.option("--no-drift", is_flag=True, help="Skip the configuration comparison."),
        click.option(
            "--log-dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="Where the run's log (everything measured, JSON) goes "
            "[default: $COMMUNET_LOG_DIR or ~/.local/state/communet/runs].",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the results as JSON."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _reach(ctx: click.Context, lab: Path | None, known_hosts: Path | None) -> Reacher:
    from communet.connect import LabOverlayError, direct, lab_overlay  # noqa: PLC0415

    if lab is not None:
        try:
            return lab_overlay(lab)
        except LabOverlayError as error:
            fail(ctx, say("lab", lang_of(ctx), error=error))
    if known_hosts is None:
        raise click.UsageError(
            "give --known-hosts FILE (SSH host keys are always verified) or --lab STATE_DIR "
            "for a running lab"
        )
    return direct(known_hosts)


def lab_services(lab: Path | None) -> dict[str, str]:
    """Inventory address of each province service → the lab address answering for it (a
    lab in network mode stands in for the registrar/MCU and NTP); empty otherwise."""
    if lab is None:
        return {}
    try:
        overlay = json.loads((lab / "lab.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}  # the overlay's own problems are reported when devices are reached
    services = overlay.get("services") or {}
    return {str(k): str(v["address"]) for k, v in services.items() if isinstance(v, dict)}


def load(ctx: click.Context, path: Path) -> LoadedInventory:
    from communet.inventory import load_inventory  # noqa: PLC0415

    lang = lang_of(ctx)
    try:
        return load_inventory(path)
    except InventoryError as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        if len(lines) > 1 and lines[0].endswith(":"):  # "inventory has N problems:"
            lines = lines[1:]
        fail(ctx, say("invalid", lang, first=lines[0]), *lines[1:])


def choose(
    ctx: click.Context, loaded: LoadedInventory, scopes: Sequence[str], *, single: bool
) -> list[Commune]:
    from communet.readiness.scope import ScopeError, resolve, resolve_one  # noqa: PLC0415

    lang = lang_of(ctx)
    try:
        return resolve_one(loaded, scopes[0]) if single else resolve(loaded, scopes)
    except ScopeError as error:
        listed = "; ".join(c.label() for c in error.candidates)
        if error.ambiguous:
            fail(ctx, say("ambiguous", lang, query=error.query, listed=listed))
        if error.candidates:
            fail(ctx, say("did_you_mean", lang, query=error.query, listed=listed))
        fail(ctx, say("unknown", lang, query=error.query))


def log_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    if os.environ.get("COMMUNET_LOG_DIR"):
        return Path(os.environ["COMMUNET_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "communet" / "runs"


class _Progress:
    """Rich bars on a terminal; otherwise a plain line now and then on stderr."""

    def __init__(self, lang: str, *, quiet: bool) -> None:
        self.lang = lang
        self.quiet = quiet
        self.rich: Progress | None = None
        self.tasks: dict[str, Any] = {}
        self.shown: dict[str, int] = {}
        if not quiet and sys.stderr.isatty():
            self.rich = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )

    def __enter__(self) -> _Progress:
        if self.rich is not None:
            self.rich.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.rich is not None:
            self.rich.stop()

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.quiet:
            return
        label = say(f"progress.{what}", self.lang)
        if self.rich is not None:
            if what not in self.tasks:
                self.tasks[what] = self.rich.add_task(label, total=total)
            self.rich.update(self.tasks[what], completed=done)
            return
        step = max(1, total // 10)
        if done == total or done - self.shown.get(what, 0) >= step:
            self.shown[what] = done
            sys.stderr.write(f"[{done}/{total}] {label}\n")
            sys.stderr.flush()


def measure(
    ctx: click.Context,
    *,
    command: str,
    scopes: Sequence[str],
    inventory_path: Path,
    lab: Path | None,
    known_hosts: Path | None,
    secrets_file: Path | None,
    settings: Settings,
    log_directory: Path | None,
    quiet: bool,
) -> Run:
    from communet.readiness.probe import assess  # noqa: PLC0415

    lang = lang_of(ctx)
    loaded = load(ctx, inventory_path)
    chosen = choose(ctx, loaded, scopes, single=command == "check")
    reach = _reach(ctx, lab, known_hosts)
    secrets = CliVaultResolver(vault=load_secrets_file(secrets_file))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    began = time.monotonic()
    try:
        with _Progress(lang, quiet=quiet) as progress:
            reports = asyncio.run(
                assess(
                    loaded,
                    chosen,
                    reach=reach,
                    secrets=secrets,
                    settings=settings,
                    progress=progress,
                )
            )
    except IcmpUnavailableError as error:
        fail(ctx, say("no_icmp", lang, error=error), say("no_icmp_fix", lang))
    except CommunetError as error:
        fail(ctx, f"error: {error}")
    seconds = time.monotonic() - began
    log = _write_log(
        log_dir(log_directory),
        command,
        scopes=scopes,
        generated=generated,
        seconds=seconds,
        reports=reports,
        settings=settings,
    )
    return Run(reports, seconds, generated, log)


def _write_log(
    directory: Path,
    command: str,
    *,
    scopes: Sequence[str],
    generated: str,
    seconds: float,
    reports: list[CommuneReport],
    settings: Settings,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = generated.replace("-", "").replace(":", "").replace(" ", "T")
    name = "-".join(s.replace("/", "_") for s in scopes)[:60]
    path = directory / f"{command}-{name}-{stamp}-{os.getpid()}.json"
    document = {
        "command": command,
        "scopes": list(scopes),
        "generated": generated,
        "seconds": round(seconds, 2),
        "settings": {k: v for k, v in vars(settings).items() if k != "thresholds"},
        "thresholds": vars(settings.thresholds),
        "communes": [
            {
                "commune": r.commune.slug,
                "state": r.state.name,
                "seconds": round(r.seconds, 2),
                "findings": [
                    {
                        "check": f.check,
                        "device": f.subject,
                        "state": f.state.name,
                        "value": f.value,
                        "code": f.code,
                        "measured": f.measured,
                        "params": dict(f.params),
                    }
                    for f in r.findings
                ],
                "measured": r.measured,
            }
            for r in reports
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1, default=str), "utf-8")
    return path


def finish(ctx: click.Context, run: Run, lang: str) -> NoReturn:
    click.echo(say("log", lang, path=run.log), err=True)
    ctx.exit(exit_code(max((r.state for r in run.reports), default=State.SKIP)))
    raise AssertionError("unreachable")


def state_text(state: str, lang: str) -> str:
    return STATE_WORDS.get(lang, STATE_WORDS["en"])[state]


def _styled(state: str, lang: str) -> str:
    colour = {"FAIL": "bold red", "WARN": "bold yellow", "PASS": "green"}.get(state, "dim")
    return f"[{colour}]{state_text(state, lang)}[/]"


READINESS_HELP = (
    "Is every commune of SCOPES ready for the online meeting? SCOPES: a province, "
    "district/hub, communes or hostnames; several may be given.\n\n"
    "Communes are measured concurrently (their bursts in waves that keep within --echo-budget): "
    "a burst of echoes at a media-like rate to its video "
    "codec (RTT, RFC 3550 jitter, loss, burst loss), a few echoes to each of its devices and "
    "to its hub, the SSH port, the codec's SIP/SIP-TLS/H.323/HTTPS ports, registration and "
    "call rate against the circuit, the MCU/registrar (ping, same ports) and NTP servers "
    "(one query each, once per province), and each device's configuration against the "
    "inventory (read-only). Prints the matrix, "
    "worst commune first; exit code 0 all PASS, 1 WARN, 2 FAIL, 3 could not run.\n\n" + ICMP_HELP
)


@click.command(help=READINESS_HELP)
@click.argument("scopes", nargs=-1, required=True)
@common_options
@click.option(
    "--rate",
    type=click.FloatRange(1, 200),
    default=20.0,
    show_default=True,
    help="Echoes per second in each commune's media burst.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(1, 60),
    default=10.0,
    show_default=True,
    help="Length of each commune's media burst.",
)
@click.option(
    "--echo-budget",
    type=click.FloatRange(50, 100_000),
    default=4000.0,
    show_default=True,
    help="Echoes per second over all communes (bursts beyond it wait their turn).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 200),
    default=20,
    show_default=True,
    help="Concurrent SSH sessions for the configuration comparison.",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="number of CPUs",
    help="Processes for the configuration comparison.",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the matrix as CSV ('-': standard output).",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the matrix as one self-contained HTML page.",
)
@click.pass_context
def readiness(
    ctx: click.Context,
    *,
    scopes: tuple[str, ...],
    inventory_path: Path,
    lab: Path | None,
    known_hosts: Path | None,
    secrets_file: Path | None,
    no_drift: bool,
    log_dir: Path | None,
    as_json: bool,
    rate: float,
    seconds: float,
    echo_budget: float,
    workers: int,
    processes: int,
    csv_path: Path | None,
    html_path: Path | None,
) -> None:
    lang = lang_of(ctx)
    settings = Settings(
        rate=rate,
        seconds=seconds,
        echo_budget=echo_budget,
        drift=not no_drift,
        workers=workers,
        processes=processes,
        lab=lab is not None,
        lab_services=lab_services(lab),
        thresholds=Thresholds(),
    )
    run = measure(
        ctx,
        command="readiness",
        scopes=scopes,
        inventory_path=inventory_path,
        lab=lab,
        known_hosts=known_hosts,
        secrets_file=secrets_file,
        settings=settings,
        log_directory=log_dir,
        quiet=False,
    )
    words = wording(lang)
    items = report.rows(run.reports)
    scope = " ".join(scopes)
    names = headers(lang)
    if csv_path is not None:
        _write(csv_path, report.to_csv(items, words))
    if html_path is not None:
        page = report.to_html(
            items,
            words,
            title=say("title", lang, scope=scope),
            meta=say("meta", lang, generated=run.generated, seconds=f"{run.seconds:.0f}"),
            headers=names,
            state_words=STATE_WORDS.get(lang, STATE_WORDS["en"]),
            lang=lang,
        )
        _write(html_path, page)
    if as_json:
        click.echo(
            report.to_json(
                items,
                words,
                scope=scope,
                generated=run.generated,
                thresholds=settings.thresholds,
                seconds=run.seconds,
            )
        )
    elif csv_path != Path("-"):
        _matrix(items, words, names, lang)
        counts = report.summary(items)
        click.echo(say("summary", lang, total=len(items), seconds=f"{run.seconds:.0f}", **counts))
    finish(ctx, run, lang)


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        click.echo(text, nl=False)
    else:
        path.write_text(text, encoding="utf-8")


def _matrix(
    items: list[report.Row],
    words: report.Wording,
    names: dict[str, str],
    lang: str,
) -> None:
    columns = ["commune", "hub", "state", *report.COLUMNS, "worst_value", "reason"]
    if sys.stdout.isatty():
        table = Table(show_lines=False)
        for column in columns:
            table.add_column(names.get(column, column), overflow="fold")
        for item in items:
            reason, step = words(item.worst) if item.worst and item.state > State.PASS else ("", "")
            worst = f"{item.worst.subject}: {item.worst.value}" if reason and item.worst else ""
            table.add_row(
                item.report.commune.name + f"\n[dim]{item.report.commune.slug}[/]",
                item.report.hub,
                _styled(item.state.name, lang),
                *(_styled(s.name, lang) for s in item.states.values()),
                worst,
                reason + (f" → {step}" if step else ""),
            )
        Console(width=max(160, Console().width)).print(table)
        return
    for item in items:
        reason, step = words(item.worst) if item.worst and item.state > State.PASS else ("", "")
        cells = [
            f"{state_text(item.state.name, lang):<9}",
            item.report.commune.slug,
            f"({item.report.commune.name}, {item.report.hub})",
        ]
        if reason and item.worst is not None:
            cells.append(f"{item.worst.subject}: {item.worst.value}: {reason}")
            if step:
                cells.append(f"→ {step}")
        click.echo(" ".join(cells))
