"""``communet inventory validate|show|graph|export|scaffold``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from communet.errors import InventoryError, ScaffoldError
from communet.inventory import LoadedInventory, load_inventory
from communet.inventory.export import export_document, in_scope
from communet.inventory.model import Structure
from communet.inventory.resolve import district_slug
from communet_cli.i18n import text

INVENTORY_ARG = click.argument(
    "path", type=click.Path(path_type=Path, file_okay=False), default=Path("inventory/demo")
)


def _lang(ctx: click.Context) -> str:
    obj = ctx.find_root().obj or {}
    return str(obj.get("lang", "en"))


def _fail_invalid(ctx: click.Context, error: InventoryError, as_json: bool) -> NoReturn:
    if as_json:
        problems = [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "path": p.path,
                "message": p.message,
                "hint": p.hint,
            }
            for p in error.problems
        ]
        click.echo(json.dumps({"valid": False, "problems": problems}, ensure_ascii=False, indent=2))
    else:
        click.echo(str(error), err=True)
        click.echo(text("invalid", _lang(ctx)), err=True)
    ctx.exit(1)


def _load(ctx: click.Context, path: Path, as_json: bool = False) -> LoadedInventory:
    try:
        return load_inventory(path)
    except InventoryError as error:
        _fail_invalid(ctx, error, as_json)


def counts(loaded: LoadedInventory) -> dict[str, int]:
    provinces = loaded.inventory.provinces
    return {
        "provinces": len(provinces),
        "districts": sum(len(p.districts) for p in provinces),
        "communes": sum(len(d.communes) for p in provinces for d in p.districts),
        "devices": len(loaded.devices),
    }


@click.group()
def inventory() -> None:
    """Validate, show and build the shared inventory."""


@inventory.command()
@INVENTORY_ARG
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
@click.pass_context
def validate(ctx: click.Context, path: Path, as_json: bool) -> None:
    """Load and cross-check an inventory; every problem is named by file:line:column."""
    loaded = _load(ctx, path, as_json)
    summary = counts(loaded)
    if as_json:
        click.echo(json.dumps({"valid": True, **summary}))
    else:
        click.echo(text("valid", _lang(ctx), **summary))


@inventory.command()
@INVENTORY_ARG
@click.option("--scope", default=None, help="Province, district/hub, commune slug or hostname.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result.")
@click.pass_context
def show(ctx: click.Context, path: Path, scope: str | None, as_json: bool) -> None:
    """A table of devices: hostname, role, platform, management address, site."""
    loaded = _load(ctx, path, as_json)
    devices = in_scope(loaded, scope)
    lang = _lang(ctx)
    if not devices:
        click.echo(text("no_match", lang, scope=scope), err=True)
        ctx.exit(1)
    if as_json:
        click.echo(json.dumps(export_document(loaded, devices)["devices"], ensure_ascii=False))
        return
    names = ", ".join(p.name for p in loaded.inventory.provinces)
    table = Table(title=text("title.devices", lang, province=names))
    for key in ("hostname", "role", "platform", "address", "site", "district", "status"):
        table.add_column(text(f"col.{key}", lang), no_wrap=key not in {"site", "district"})
    for d in devices:
        table.add_row(
            d.hostname,
            str(d.role),
            d.platform + (f" ({d.firmware})" if d.firmware else ""),
            str(d.management),
            d.site.name,
            d.district,
            str(d.status),
        )
    Console(width=max(140, Console().width)).print(table)


@inventory.command()
@INVENTORY_ARG
@click.pass_context
def graph(ctx: click.Context, path: Path) -> None:
    """The tree province → district/hub → commune → devices."""
    loaded = _load(ctx, path)
    console = Console()
    for plan in loaded.plans:
        root = Tree(f"[bold]{plan.province.name}[/] ({plan.province.slug}, {plan.province.code})")
        by_site: dict[tuple[str, str], list[str]] = {}
        for d in plan.devices:
            by_site.setdefault((d.site.kind, d.site.slug), []).append(
                f"{d.hostname} [dim]{d.role} {d.platform} {d.management}[/]"
            )
        sites = {(s.kind, s.slug): s for s in plan.sites}
        for district in plan.province.districts:
            slug = district_slug(district)
            branch = root.add(f"[bold]{district.name}[/] ({slug}, {district.kind})")
            hub = sites.get(("hub", f"hub-{slug}"))
            if hub is not None:
                hub_branch = branch.add(f"hub {hub.lan_block}")
                for line in by_site.get(("hub", hub.slug), []):
                    hub_branch.add(line)
            for commune in district.communes:
                site = next(
                    (s for s in plan.sites if s.kind == "commune" and s.code == commune.code), None
                )
                if site is None:
                    continue
                leaf = branch.add(f"{commune.name} ({site.slug}, {site.code}) {site.lan_block}")
                for line in by_site.get(("commune", site.slug), []):
                    leaf.add(line)
        console.print(root)


@inventory.command()
@INVENTORY_ARG
@click.option("--scope", default=None, help="Province, district/hub, commune slug or hostname.")
@click.option("--json", "as_json", is_flag=True, required=True, help="Export as JSON.")
@click.pass_context
def export(ctx: click.Context, path: Path, scope: str | None, as_json: bool) -> None:
    """The resolved inventory (sites, VLAN subnets, links, devices) as JSON."""
    del as_json  # JSON is the only export format; the flag keeps scripts explicit
    loaded = _load(ctx, path, as_json=True)
    document: dict[str, Any] = export_document(loaded, in_scope(loaded, scope))
    json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


@inventory.command()
@click.option("--province", "province", required=True, help='Name or code, e.g. "Thanh Hóa".')
@click.option(
    "--structure",
    type=click.Choice([s.value for s in Structure]),
    default=Structure.THREE_LEVEL.value,
    show_default=True,
    help="three_level: pre-July-2025 register; two_level: current register, communes under hubs.",
)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("--force", is_flag=True, help="Overwrite an existing inventory directory.")
@click.pass_context
def scaffold(
    ctx: click.Context, province: str, structure: str, out: Path | None, force: bool
) -> None:
    """Build a complete inventory from the official administrative register."""
    from communet.scaffold import scaffold_province, write_province  # noqa: PLC0415 - heavy data

    try:
        built = scaffold_province(province, Structure(structure))
        target = out or Path("inventory") / built.slug
        written = write_province(built, target, force=force)
    except ScaffoldError as error:
        click.echo(f"error: {error}", err=True)
        ctx.exit(2)
    loaded = _load(ctx, target)
    summary = counts(loaded)
    click.echo(
        text(
            "scaffolded",
            _lang(ctx),
            files=len(written),
            province=loaded.inventory.provinces[0].name,
            out=target,
            districts=summary["districts"],
            communes=summary["communes"],
        )
    )
    click.echo(text("valid", _lang(ctx), **summary))
