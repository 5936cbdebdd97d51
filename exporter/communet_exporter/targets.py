"""Targets from the shared inventory: which device is probed how, with which labels.

Pure except :func:`load_targets`, which reads the inventory, the lab overlay and resolves the
secrets once. Every problem a user can cause is a :class:`ConfigError` with one line.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from communet.errors import CommunetError, InventoryError
from communet.inventory import ResolvedDevice, load_inventory
from communet.inventory.model import Role, SnmpV3, Status
from communet.platforms.ports import router_model
from communet.probe.codec import CodecLogin
from communet.probe.snmp import SnmpAuth, SnmpV3User
from communet.probe.tcp import SERVICES
from communet.secrets import EnvVaultResolver, SecretError, SecretsFileError, read_secrets_file

# Roles whose uptime and WAN state are read over SNMP; codecs report theirs over xAPI.
SNMP_ROLES = frozenset(
    {Role.ACCESS_SWITCH, Role.AGGREGATION_SWITCH, Role.CE_ROUTER, Role.INTERNET_ROUTER}
)
CODEC_PLATFORMS = frozenset({"cisco_roomos"})
LABEL_NAMES = ("province", "district", "commune", "instance", "role", "platform")


class ConfigError(CommunetError):
    """A bad flag, scope, secret, inventory or web config: one line for the user."""


def one_line(error: BaseException) -> str:
    """An error's text on one line (multi-line inventory/secret errors joined with '; ')."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "; ".join(lines)


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as the user writes it
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        left, sep, right = text.partition("/")
        if not sep or not left.isdigit() or not right.isdigit():
            raise ConfigError(f"--shard {text!r}: write it as i/n, e.g. 1/4")
        index, count = int(left), int(right)
        if not 1 <= index <= count:
            raise ConfigError(f"--shard {text!r}: i must be between 1 and n")
        return cls(index, count)

    def owns(self, hostname: str) -> bool:
        """Stable across reloads and machines: a host moves only when n changes."""
        return zlib.crc32(hostname.encode()) % self.count == self.index - 1


@dataclass(frozen=True)
class Target:
    hostname: str
    address: str  # where probes go (the management address, or the lab's 127.x address)
    labels: tuple[tuple[str, str], ...]
    role: str
    snmp: SnmpAuth | None
    snmp_port: int
    wan_interface: str | None
    codec: CodecLogin | None
    ssh_port: int
    known_hosts: Path | None
    tcp: tuple[tuple[str, int], ...]  # (service name, port)

    @property
    def key(self) -> tuple[str, str]:
        return (self.hostname, self.address)


@dataclass(frozen=True)
class Selection:
    scope: str | None = None
    hub: str | None = None
    shard: Shard | None = None


@dataclass(frozen=True)
class Reach:
    """Where the probes of a device go: production (management address) or a lab overlay."""

    ssh_port: int = 22
    snmp_port: int = 161
    known_hosts: Path | None = None
    lab: Mapping[str, Mapping[str, str]] | None = None  # hostname -> {address, known_hosts}


def lab_reach(state_dir: Path) -> Reach:
    path = state_dir / "lab.json"
    try:
        overlay = json.loads(path.read_text("utf-8"))
        port = int(overlay["port"])
        snmp_port = int(overlay["snmp"]["port"] or port)
        devices = overlay["devices"]
    except FileNotFoundError:
        raise ConfigError(
            f"--lab {state_dir}: no lab overlay {path}; start one with 'communet lab up'"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"--lab {state_dir}: unreadable lab overlay {path}: {error}") from None
    return Reach(ssh_port=port, snmp_port=snmp_port, lab=devices)


def load_secrets(path: Path | None) -> dict[str, str]:
    """``vault:NAME`` values from ``--secrets FILE``: the project's one secrets format
    (``vault_NAME: value`` lines, as for the CLI and ``ansible-playbook -e @FILE``), read
    and checked by :func:`communet.secrets.read_secrets_file`."""
    if path is None:
        return {}
    try:
        return read_secrets_file(path, "--secrets")
    except SecretsFileError as error:
        raise ConfigError(str(error)) from None


class _Resolver(EnvVaultResolver):
    def vault_hint(self, name: str) -> str:
        return f"add the line 'vault_{name}: VALUE' to the file given with --secrets FILE"


def select(devices: list[ResolvedDevice], selection: Selection) -> list[ResolvedDevice]:
    chosen = [d for d in devices if d.status == Status.ACTIVE]
    if selection.scope:
        scope = selection.scope
        chosen = [
            d
            for d in chosen
            if scope in (d.province, d.district, d.hostname)
            or (d.site.kind == "commune" and d.site.slug == scope)
        ]
        if not chosen:
            raise ConfigError(
                f"--scope {scope!r}: no active device matches; "
                "give a province, district/hub or commune slug, or a hostname"
            )
    if selection.hub:
        hubs = {d.district for d in devices}
        if selection.hub not in hubs:
            known = ", ".join(sorted(hubs)[:12])
            raise ConfigError(f"--hub {selection.hub!r}: no such district/hub; known: {known}")
        chosen = [d for d in chosen if d.district == selection.hub]
    if selection.shard is not None:
        chosen = [d for d in chosen if selection.shard.owns(d.hostname)]
    return chosen


def labels_of(device: ResolvedDevice) -> tuple[tuple[str, str], ...]:
    base = device.labels  # province, district, commune, instance
    values = {**base, "role": str(device.role), "platform": device.platform}
    return tuple((name, values[name]) for name in LABEL_NAMES)


def build_targets(
    devices: list[ResolvedDevice],
    snmp_settings: Mapping[str, SnmpV3],
    reach: Reach,
    vault: Mapping[str, str],
    *,
    tcp_services: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> list[Target]:
    resolver = _Resolver(vault, environ)
    snmp_cache: dict[str, SnmpAuth] = {}
    ports = tuple((name, SERVICES[name]) for name in tcp_services)
    targets: list[Target] = []
    try:
        for device in devices:
            address, known_hosts = str(device.management), reach.known_hosts
            if reach.lab is not None:
                entry = reach.lab.get(device.hostname)
                if entry is None:  # a platform the lab does not simulate (the NOC's Linux)
                    continue
                address = entry["address"]
                known_hosts = Path(entry["known_hosts"]) if entry.get("known_hosts") else None
            snmp: SnmpAuth | None = None
            if device.role in SNMP_ROLES:
                snmp = snmp_cache.get(device.province)
                if snmp is None:
                    snmp = _snmp_user(device, snmp_settings[device.province], resolver)
                    snmp_cache[device.province] = snmp
            codec: CodecLogin | None = None
            if device.platform in CODEC_PLATFORMS:
                creds = device.credentials
                codec = CodecLogin(
                    resolver.resolve(creds.username, device.hostname).reveal(),
                    resolver.resolve(creds.password, device.hostname).reveal(),
                )
            wan = None
            if device.role == Role.CE_ROUTER and device.site.link is not None:
                model = router_model(device.model)
                wan = model.wan if model else None
            targets.append(
                Target(
                    hostname=device.hostname,
                    address=address,
                    labels=labels_of(device),
                    role=str(device.role),
                    snmp=snmp,
                    snmp_port=reach.snmp_port,
                    wan_interface=wan,
                    codec=codec,
                    ssh_port=reach.ssh_port,
                    known_hosts=known_hosts,
                    tcp=tuple((n, reach.ssh_port if n == "ssh" else p) for n, p in ports),
                )
            )
    except SecretError as error:
        raise ConfigError(f"missing secret: {one_line(error)}") from None
    return targets


def _snmp_user(device: ResolvedDevice, settings: SnmpV3, resolver: _Resolver) -> SnmpV3User:
    return SnmpV3User(
        resolver.resolve(settings.user, device.hostname).reveal(),
        resolver.resolve(settings.auth_key, device.hostname).reveal(),
        resolver.resolve(settings.priv_key, device.hostname).reveal(),
    )


def load_targets(
    inventory: Path,
    selection: Selection,
    reach: Reach,
    vault: Mapping[str, str],
    *,
    tcp_services: tuple[str, ...] = (),
    environ: Mapping[str, str] | None = None,
) -> list[Target]:
    try:
        loaded = load_inventory(inventory)
    except InventoryError as error:
        first = error.problems[0].render().splitlines()[0] if error.problems else str(error)
        more = len(error.problems) - 1
        extra = f" (and {more} more: run 'communet inventory validate')" if more > 0 else ""
        raise ConfigError(f"inventory {inventory}: {first}{extra}") from None
    except OSError as error:
        raise ConfigError(f"inventory {inventory}: cannot read it: {error.strerror}") from None
    devices = select(loaded.devices, selection)
    snmp = {plan.province.slug: plan.province.snmp for plan in loaded.plans}
    return build_targets(devices, snmp, reach, vault, tcp_services=tcp_services, environ=environ)
