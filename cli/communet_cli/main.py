"""Entry point: ``communet [--lang vi] COMMAND``."""

from __future__ import annotations

import click

from communet import __version__
from communet_cli.adopt_cmd import adopt
from communet_cli.apply_cmd import apply, plan
from communet_cli.check_cmd import check
from communet_cli.i18n import pick_language
from communet_cli.inventory_cmd import inventory
from communet_cli.lab_cmd import lab
from communet_cli.monitoring_cmd import monitoring
from communet_cli.readiness_cmd import readiness
from communet_cli.render_cmd import render


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="communet")
@click.option(
    "--lang",
    type=click.Choice(["en", "vi"]),
    default=None,
    help="Language of messages (default: from LANG; vi_VN gives Vietnamese).",
)
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    """communet: commune switches, TSLCD routers and video endpoints from one inventory."""
    ctx.obj = {"lang": pick_language(lang)}


cli.add_command(inventory)
cli.add_command(lab)
cli.add_command(monitoring)
cli.add_command(render)
cli.add_command(plan)
cli.add_command(apply)
cli.add_command(adopt)
cli.add_command(check)
cli.add_command(readiness)


def main() -> None:
    cli()
