"""``communet render SCOPE``: intended configs, offline (never connects to a device)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from communet.errors import CommunetError, InventoryError
from communet.inventory import load_inventory
from communet.platforms import PLATFORMS
from communet.render import RenderedConfig, render_scope
from communet.secrets import PlaceholderResolver, SecretResolver
from communet_cli.options import CliVaultResolver, load_secrets_file


def _header(config: RenderedConfig) -> str:
    syntax = PLATFORMS[config.platform].syntax
    prefix = syntax.comment_prefixes[0] if syntax and syntax.comment_prefixes else "#"
    return f"{prefix} ===== {config.hostname} ({config.platform}, {config.role})"


def _record(config: RenderedConfig) -> dict[str, Any]:
    return {
        "hostname": config.hostname,
        "platform": config.platform,
        "role": config.role,
        "templates": list(config.templates),
        "warnings": list(config.warnings),
        "config": config.text,
    }


@click.command()
@click.argument("scope")
@click.option(
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("inventory/demo"),
    show_default=True,
    help="Inventory directory (one province or a directory of provinces).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write one <hostname>.cfg per device here instead of printing.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--with-secrets",
    is_flag=True,
    help="Resolve env:/vault: references (default: stable <secret:…> placeholders).",
)
@click.option(
    "--secrets",
    "secrets_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="With --with-secrets: the secrets file (vault_NAME: value lines).",
)
@click.pass_context
def render(
    ctx: click.Context,
    *,
    scope: str,
    inventory_path: Path,
    out: Path | None,
    as_json: bool,
    with_secrets: bool,
    secrets_file: Path | None,
) -> None:
    """Render intended configs for SCOPE (province, district/hub, commune or hostname).

    Offline only: nothing is sent to any device. Secrets are placeholders unless
    --with-secrets is given.
    """
    resolver: SecretResolver = (
        CliVaultResolver(load_secrets_file(secrets_file)) if with_secrets else PlaceholderResolver()
    )
    try:
        loaded = load_inventory(inventory_path)
        configs = render_scope(loaded, scope, resolver)
    except InventoryError as error:
        click.echo(str(error), err=True)
        ctx.exit(1)
    except CommunetError as error:
        click.echo(f"error: {error}", err=True)
        ctx.exit(1)
    if not configs:
        click.echo(
            f"error: no device matches {scope!r}; give a province, district/hub or commune "
            "slug, or a hostname (see 'communet inventory show')",
            err=True,
        )
        ctx.exit(1)
    for config in configs:
        for warning in config.warnings:
            click.echo(f"warning: {config.hostname}: {warning}", err=True)
    if out is not None:
        _write(configs, out, secret=with_secrets)
        if as_json:
            click.echo(json.dumps({"written": [c.hostname for c in configs], "out": str(out)}))
        else:
            click.echo(f"wrote {len(configs)} config(s) to {out}")
        return
    if as_json:
        click.echo(json.dumps([_record(c) for c in configs], ensure_ascii=False, indent=2))
        return
    for config in configs:
        click.echo(_header(config))
        click.echo(config.text, nl=False)


def _write(configs: list[RenderedConfig], out: Path, *, secret: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for config in configs:
        path = out / f"{config.hostname}.cfg"
        # A config with real secrets is readable by its owner only.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(config.text)
