"""Secret references → values, and masking for backups, diffs and logs.

The inventory holds references only: ``env:NAME`` (an environment variable) or
``vault:name`` (a variable the caller passes in, e.g. Ansible Vault vars). A resolved value
is a :class:`Secret`, whose ``str``/``repr``/``format`` are masked so that it cannot leak
into a log by accident; templates ask for the value explicitly (``| secret``).

Previews and golden tests run offline: :class:`PlaceholderResolver` renders a stable
``<secret:vault:snmp_auth_key>`` instead of a value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import yaml

from communet.errors import CommunetError
from communet.platforms import PLATFORMS, mask_line_secrets
from communet.platforms.spec import PlatformSpec

MASKED = "********"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class SecretError(CommunetError):
    """A secret reference cannot be resolved, or its value cannot be used."""

    def __init__(self, ref: str, host: str, problem: str, hint: str) -> None:
        self.ref = ref
        self.host = host
        super().__init__(f"{host}: secret {ref}: {problem}\n    fix: {hint}")


SECRETS_FILE_PREFIX = "vault_"


class SecretsFileError(CommunetError):
    """A secrets file is not a mapping of ``vault_NAME: value`` lines."""


def secrets_from_mapping(data: object, source: str) -> dict[str, str]:
    """``vault:NAME`` values from a parsed secrets file: one format for the CLI, the exporter
    and Ansible (``vault_NAME: value``, the file ansible-playbook reads with ``-e @FILE``)."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SecretsFileError(f"{source} must hold a mapping of vault_NAME: value")
    values: dict[str, str] = {}
    for key, value in data.items():
        name = str(key)
        if not name.startswith(SECRETS_FILE_PREFIX) or name == SECRETS_FILE_PREFIX:
            raise SecretsFileError(
                f"{source}: key {name!r}: a secrets file holds 'vault_NAME: value' lines (the "
                f"inventory's vault:NAME; the same file works as ansible-playbook -e @FILE): "
                f"write vault_{name}"
            )
        values[name.removeprefix(SECRETS_FILE_PREFIX)] = "" if value is None else str(value)
    return values


def read_secrets_file(path: Path, option: str = "--secrets") -> dict[str, str]:
    """``vault:NAME`` values from the secrets file ``path`` given with ``option``: read,
    parsed as YAML and checked by :func:`secrets_from_mapping`; every problem is one
    :class:`SecretsFileError` line that names the option and the file (never a value).

    Keep the file encrypted with ansible-vault and decrypt it into a pipe or a systemd
    credential, e.g. ``--secrets <(ansible-vault view secrets.yml)``."""
    source = f"{option} {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretsFileError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise SecretsFileError(f"{source}: cannot read it: {reason}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "unparseable"
        raise SecretsFileError(f"{source}: not YAML{where}: {problem}") from None
    return secrets_from_mapping(data, source)


class Secret:
    """A secret value that prints as ``********``; :meth:`reveal` gives the value."""

    __slots__ = ("_value", "ref")

    def __init__(self, ref: str, value: str) -> None:
        self.ref = ref
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASKED

    def __repr__(self) -> str:
        return f"Secret({self.ref!r}, {MASKED!r})"

    def __format__(self, spec: str) -> str:
        return format(MASKED, spec)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and (self.ref, self._value) == (other.ref, other._value)

    def __hash__(self) -> int:
        return hash(self.ref)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


class SecretResolver(Protocol):
    """Turns a reference into a :class:`Secret` for one host, or raises SecretError."""

    def resolve(self, ref: str, host: str) -> Secret: ...


def _split(ref: str, host: str) -> tuple[str, str]:
    kind, _, name = ref.partition(":")
    if kind not in ("env", "vault") or not name:
        raise SecretError(
            ref, host, "is not a reference", "use 'env:NAME' or 'vault:name' in the inventory"
        )
    return kind, name


class EnvVaultResolver:
    """``env:NAME`` from the environment, ``vault:name`` from a mapping given by the caller.

    Values must be one line without whitespace: a newline in a password would otherwise add
    a config line, and most device CLIs split arguments on spaces.
    """

    def __init__(
        self, vault: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        self._vault = dict(vault or {})
        self._environ = os.environ if environ is None else environ

    def resolve(self, ref: str, host: str) -> Secret:
        kind, name = _split(ref, host)
        if kind == "env":
            value = self._environ.get(name)
            hint = f"export {name}=… before running (or pass it to Ansible's environment)"
        else:
            value = self._vault.get(name)
            hint = self.vault_hint(name)
        if value is None:
            raise SecretError(ref, host, "is not set", hint)
        if not value:
            raise SecretError(ref, host, "is empty", hint)
        if _CONTROL.search(value) or any(ch.isspace() for ch in value):
            raise SecretError(
                ref,
                host,
                "contains whitespace or a control character",
                "use a value of printable characters without spaces",
            )
        return Secret(ref, value)

    def vault_hint(self, name: str) -> str:
        """How to provide the ``vault:name`` secret (said when it is missing)."""
        return (
            f"define the variable {name!r} in the vault passed to communet "
            "(ansible-vault encrypted group_vars, or --vault-file)"
        )


class PlaceholderResolver:
    """Offline previews and golden tests: a stable placeholder instead of every value."""

    def resolve(self, ref: str, host: str) -> Secret:
        _split(ref, host)
        return Secret(ref, placeholder(ref))


# Lines seen to carry no secret, per platform: the same lines recur on thousands of devices.
# Only clean lines are remembered, so no secret is kept here.
_CLEAN: dict[str, set[str]] = {}
_CLEAN_LIMIT = 200_000


def _mask_line(spec: PlatformSpec, line: str) -> str:
    negation = spec.syntax.negation if spec.syntax else ""
    marker = line[:1] if line[:1] in ("+", "-") and not line.startswith(("+++", "---")) else ""
    body = line[len(marker) :]
    masked = mask_line_secrets(spec.secrets, body)
    if masked == body and body[:1] == " ":
        masked = " " + mask_line_secrets(spec.secrets, body[1:])
    if masked == body and negation and body.lstrip().startswith(negation):
        # 'no snmp-server community X RO' carries the secret as much as the line itself
        indent = body[: len(body) - len(body.lstrip())]
        rest = body.lstrip()[len(negation) :]
        masked = indent + negation + mask_line_secrets(spec.secrets, rest)
    return marker + masked


def placeholder(ref: str) -> str:
    return f"<secret:{ref}>"


def mask_secrets(platform: str, text: str, known: Iterable[Secret] = ()) -> str:
    """``text`` (a config, backup, diff or log) with every secret of ``platform`` masked.

    Uses the platform's secret-line patterns; a diff's leading ``+``/``-``/space is kept.
    ``known`` secrets are also replaced wherever they appear verbatim (defence in depth for
    free-form logs).
    """
    spec = PLATFORMS[platform]
    clean = _CLEAN.setdefault(platform, set())
    if len(clean) > _CLEAN_LIMIT:
        clean.clear()
    out = []
    for line in text.split("\n"):
        if line in clean:
            out.append(line)
            continue
        masked = _mask_line(spec, line)
        if masked == line:
            clean.add(line)
        out.append(masked)
    result = "\n".join(out)
    for secret in known:
        value = secret.reveal()
        if len(value) >= 4:
            result = result.replace(value, MASKED)
    return result
