"""A brownfield device in a lab, as the adoption tests (IOS and VRP) drive it: where it
answers today and where it should, the secrets file the CLI and Ansible read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from communet.adopt import Adoption, adopt_all, paths_for
from communet.apply import Options
from communet.connect import lab_overlay, netmiko_connector
from communet.inventory import LoadedInventory, ResolvedDevice
from communet.lab import Lab
from communet.secrets import EnvVaultResolver
from communet.session import DeviceSession
from communet.session.netmiko_session import Timeouts


def write_secrets(path: Path, vault: Mapping[str, str], **drop_or_change: str | None) -> Path:
    """``vault`` as a secrets file (``vault_NAME: value``), a None dropping that name."""
    values = {f"vault_{k}": v for k, v in vault.items()}
    for key, value in drop_or_change.items():
        if value is None:
            values.pop(f"vault_{key}", None)
        else:
            values[f"vault_{key}"] = value
    path.write_text(yaml.safe_dump(values), "utf-8")
    return path


@dataclass
class Brownfield:
    lab: Lab
    inventory: Path
    loaded: LoadedInventory
    state: Path
    secrets: Path
    host: str
    vault: Mapping[str, str]

    @property
    def device(self) -> ResolvedDevice:
        return next(d for d in self.loaded.devices if d.hostname == self.host)

    def session(self, *, today: bool, **vault: str) -> DeviceSession:
        """A verified session on today's path (old address, old login) or the intended one."""
        resolver = EnvVaultResolver(vault={**self.vault, **vault}, environ={})
        reach = lab_overlay(self.state, today=today)
        timeouts = Timeouts(connect=4.0, command=6.0, save=20.0)
        return netmiko_connector(reach, resolver, timeouts, today=today)(self.device)

    def running(self, *, today: bool = False) -> str:
        session = self.session(today=today)
        try:
            return session.fetch_running()
        finally:
            session.close()


# A lab answers at once: a session that does not is a finding, not a slow device.
QUICK = Timeouts(connect=3.0, command=6.0, save=20.0)


@dataclass(frozen=True)
class Adoptee:
    """One loaded lab device reached the ways adoption reaches it: on today's path (old
    address, old login) or the intended one."""

    loaded: LoadedInventory
    device: ResolvedDevice
    state: Path
    secrets: EnvVaultResolver
    timeouts: Timeouts = QUICK

    def running(self, *, today: bool) -> str:
        reach = lab_overlay(self.state, today=today)
        session = netmiko_connector(reach, self.secrets, self.timeouts, today=today)(self.device)
        try:
            return session.fetch_running()
        finally:
            session.close()

    def adopt(self, backups: Path) -> Adoption:
        """``communet adopt`` on this device alone (the engine the CLI and Ansible run)."""
        today, intended = lab_overlay(self.state, today=True), lab_overlay(self.state)
        paths = paths_for(today, intended, self.secrets, self.timeouts)
        options = Options(workers=1, backup_dir=backups)
        [adoption] = adopt_all(self.loaded, [self.device], self.secrets, paths, options)
        return adoption
