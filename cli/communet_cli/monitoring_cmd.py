"""``communet monitoring generate``: the NOC's Prometheus and Alertmanager files."""

from __future__ import annotations

import time
from pathlib import Path

import click

from communet.errors import InventoryError
from communet.inventory import load_inventory
from communet.monitoring.configs import Endpoints
from communet.monitoring.generate import generate
from communet.monitoring.topology import EXPORTER_PORT

MESSAGES = {
    "done": {
        "en": "wrote {files} files to {out} ({provinces} province(s), {devices} devices, "
        "{exporters} hub exporters) in {seconds:.2f} s",
        "vi": "đã ghi {files} tệp vào {out} ({provinces} tỉnh, {devices} thiết bị, "
        "{exporters} exporter cụm) trong {seconds:.2f} s",
    },
    "next": {
        "en": "next: promtool check config {out}/<province>/prometheus/prometheus.yml; "
        "amtool check-config {out}/<province>/alertmanager/alertmanager.yml",
        "vi": "tiếp theo: promtool check config {out}/<tỉnh>/prometheus/prometheus.yml; "
        "amtool check-config {out}/<tỉnh>/alertmanager/alertmanager.yml",
    },
    "unwritable": {
        "en": "cannot write {path}: {reason}; nothing else was written",
        "vi": "không ghi được {path}: {reason}; không tệp nào khác được ghi",
    },
}


def _say(ctx: click.Context, key: str, **values: object) -> str:
    lang = str((ctx.find_root().obj or {}).get("lang", "en"))
    return MESSAGES[key][lang if lang in MESSAGES[key] else "en"].format(**values)


@click.group()
def monitoring() -> None:
    """The NOC's monitoring stack, generated from the inventory."""


@monitoring.command("generate")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
    help="Directory for <province>/prometheus, <province>/alertmanager and national/.",
)  # fmt: skip
@click.option("--alertmanager", default=Endpoints.alertmanager, show_default=True,
              help="host:port of the province's Alertmanager.")  # fmt: skip
@click.option("--webhook-url", default=Endpoints.webhook_url, show_default=True,
              help="Where Alertmanager sends the NOC's notifications.")  # fmt: skip
@click.option("--exporter-port", type=click.IntRange(1, 65535), default=EXPORTER_PORT,
              show_default=True, help="The exporter's port on each hub exporter host.")  # fmt: skip
@click.pass_context
def generate_cmd(
    ctx: click.Context,
    *,
    path: Path,
    out: Path,
    alertmanager: str,
    webhook_url: str,
    exporter_port: int,
) -> None:
    """Scrape configs with file_sd targets, rules, alerts and Alertmanager inhibit rules.

    Deterministic: re-run it on every inventory change and commit or diff the output.
    """
    began = time.perf_counter()
    try:
        loaded = load_inventory(path)
    except InventoryError as error:
        click.echo(str(error), err=True)
        ctx.exit(1)
    where = Endpoints(alertmanager=alertmanager, webhook_url=webhook_url)
    result = generate(loaded, where=where, exporter_port=exporter_port)
    try:
        _write_all(out, result.files)
    except OSError as error:
        click.echo(
            _say(ctx, "unwritable", path=error.filename or out, reason=error.strerror), err=True
        )
        ctx.exit(1)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        _say(
            ctx,
            "done",
            files=len(result.files),
            out=out,
            provinces=len(result.topologies),
            devices=sum(t.devices for t in result.topologies),
            exporters=sum(len(t.exporters) for t in result.topologies),
            seconds=time.perf_counter() - began,
        )
    )
    click.echo(_say(ctx, "next", out=out))


def _write_all(out: Path, files: dict[str, str]) -> None:
    """Every file to a temporary name first, then renamed: a failed run leaves the old set."""
    staged: list[tuple[Path, Path]] = []
    try:
        for relative, content in sorted(files.items()):
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.tmp")
            temporary.write_text(content, encoding="utf-8")
            staged.append((temporary, target))
    except OSError:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in staged:
        temporary.replace(target)
