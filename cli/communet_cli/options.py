"""Options and loaders shared by the commands that need secrets."""

from __future__ import annotations

from pathlib import Path

import click
import yaml


def load_vault_vars(path: Path | None) -> dict[str, str]:
    """Vault variables for ``vault:name`` references: a YAML mapping of name to value.

    Keep the file encrypted with ansible-vault and decrypt it into a pipe when running, e.g.
    ``--vault-vars <(ansible-vault view vault.yml)``; it is never written anywhere else.
    """
    if path is None:
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path} must hold a mapping of name: value")
    return {str(k): str(v) for k, v in data.items()}
