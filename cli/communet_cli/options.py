"""Options and loaders shared by the commands: the secrets file, the inventory to use.

One secrets file format for the CLI and Ansible: a YAML mapping of ``vault_NAME: value``
(the ``vault:NAME`` reference in the inventory). Ansible reads it with ``-e @FILE`` (or as an
ansible-vault encrypted ``group_vars/all/vault.yml``); the CLI with ``--secrets FILE``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import click

from communet.secrets import EnvVaultResolver, SecretsFileError, read_secrets_file

INVENTORY_ENV = "COMMUNET_INVENTORY"
PROJECT_FILE = "communet.toml"


def load_secrets_file(path: Path | None) -> dict[str, str]:
    """``vault:NAME`` values from a secrets file (``vault_NAME: value`` lines).

    Keep the file encrypted with ansible-vault and decrypt it into a pipe when running, e.g.
    ``--secrets <(ansible-vault view secrets.yml)``; it is never written anywhere else.
    """
    if path is None:
        return {}
    try:
        return read_secrets_file(path)
    except SecretsFileError as error:  # names the option and the file already
        raise click.UsageError(str(error)) from None


class CliVaultResolver(EnvVaultResolver):
    """Names the CLI's own option when a ``vault:`` reference is missing."""

    def vault_hint(self, name: str) -> str:
        return f"add the line 'vault_{name}: VALUE' to the secrets file given with --secrets FILE"


def find_inventory(given: Path | None, *, start: Path | None = None) -> Path:
    """``--inventory``, else $COMMUNET_INVENTORY, else ``inventory`` in the nearest
    ``communet.toml`` (the working directory or a parent, relative to that file); never a
    built-in default: a forgotten option must not quietly reach another province."""
    if given is not None:
        return given
    from_env = os.environ.get(INVENTORY_ENV)
    if from_env:
        return Path(from_env)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        config = folder / PROJECT_FILE
        if config.is_file():
            return _from_project(config)
    raise click.UsageError(
        f"no inventory given: pass --inventory DIR, set {INVENTORY_ENV}=DIR, or write "
        f'inventory = "DIR" in a {PROJECT_FILE} of the project (looked in {here} and its '
        "parents)"
    )


def _from_project(config: Path) -> Path:
    try:
        data = tomllib.loads(config.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise click.UsageError(f"{config}: {error}") from None
    value = data.get("inventory")
    if not isinstance(value, str) or not value:
        raise click.UsageError(f'{config}: needs inventory = "DIR" (the inventory directory)')
    return config.parent / value
