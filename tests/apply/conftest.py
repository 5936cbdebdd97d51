"""A fresh lab of the demo province per test, reached over real SSH like production."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from communet.apply import Connector, Options, Result, apply_all
from communet.connect import lab_overlay, netmiko_connector
from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.lab import Lab, specs_from_inventory
from communet.secrets import EnvVaultResolver
from communet.session.netmiko_session import Timeouts

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
VAULT = {"snmp_user": "noc", "snmp_auth_key": "AuthKey2024x", "snmp_priv_key": "PrivKey2024x"}
_networks = itertools.count()


@dataclass
class Site:
    lab: Lab
    loaded: LoadedInventory
    secrets: EnvVaultResolver
    connect: Connector
    state: Path

    def device(self, hostname: str) -> ResolvedDevice:
        return next(d for d in self.loaded.devices if d.hostname == hostname)

    def apply(self, **options: object) -> dict[str, Result]:
        opts = Options(backup_dir=self.state / "backups", **options)  # type: ignore[arg-type]
        results = apply_all(self.loaded, self.loaded.devices, self.secrets, self.connect, opts)
        return {r.hostname: r for r in results}

    def running(self, hostname: str) -> str:
        session = self.connect(self.device(hostname))
        try:
            return session.fetch_running()
        finally:
            session.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    network = f"127.{200 + int(worker or 0) % 8}.{next(_networks) % 250}.0/24"
    loaded = load_inventory(DEMO)
    with Lab(specs_from_inventory(DEMO), network=network, state_dir=tmp_path / "lab") as lab:
        creds = lab.credentials
        secrets = EnvVaultResolver(
            vault=VAULT,
            environ={
                "COMMUNET_USERNAME": creds.username,
                "COMMUNET_PASSWORD": creds.password,
                "COMMUNET_ENABLE": creds.enable,
            },
        )
        timeouts = Timeouts(connect=8.0, command=6.0, save=20.0)
        connect = netmiko_connector(lab_overlay(tmp_path / "lab"), secrets, timeouts)
        yield Site(lab, loaded, secrets, connect, tmp_path)
