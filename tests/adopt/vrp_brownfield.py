"""Huawei switches at a brownfield address with brownfield credentials, to adopt.

Two hand-built configs in the shape of the real ones under tests/fixtures/real (see
``vrp/README.md``): a commune S5720 on VRP5 (V200R011) managed today on VLAN 100 at
192.168.100.254 as ``admin``, and a hub S5735 on VRPv8 (V600R022) managed on VLAN 200 at
10.0.44.23 as ``administrator`` with ``undo ssh authentication-type default password`` (every
SSH user needs its own ``ssh user``). The demo inventory wants them on VLAN 10 at their planned
addresses with the province's credentials (vault references).
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from communet.inventory import load_inventory
from communet.lab import Lab, specs_from_inventory
from communet.lab.vrp import lab_cipher

from .brownfield import Brownfield, write_secrets

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
HERE = Path(__file__).resolve().parent / "vrp"
NEW = {"new_user": "noc-admin", "new_pass": "Tinh-38-noc-pass", "new_enable": "Tinh-38-enable"}
SNMP = {"snmp_user": "noc", "snmp_auth_key": "AuthKey2024x", "snmp_priv_key": "PrivKey2024x"}


@dataclass(frozen=True)
class Case:
    """One Huawei switch to adopt: where the inventory has it and what it runs today."""

    name: str
    host: str
    platform: str
    config: str  # file under vrp/
    old_address: str
    old_gateway: str  # today's default route goes there
    old_vlan: int
    old_user: str
    old_pass: str
    uplink: str
    # (text in the district file that introduces the device, what replaces it)
    anchor: tuple[str, str]
    new_address: str

    @property
    def vault(self) -> dict[str, str]:
        return {**SNMP, **NEW, "old_user": self.old_user, "old_pass": self.old_pass}

    def text(self) -> str:
        raw = (HERE / self.config).read_text("utf-8")
        return raw.replace("OLDCIPHER", lab_cipher(self.old_pass))


def _entry(indent: str, head: str, address: str) -> str:
    return (
        f"{head}"
        f"{indent}credentials: {{username: vault:new_user, password: vault:new_pass}}\n"
        f"{indent}reach:\n"
        f"{indent}  address: {address}\n"
        f"{indent}  credentials: {{username: vault:old_user, password: vault:old_pass}}\n"
    )


S5720 = Case(
    name="vrp5-s5720",
    host="thanh-son-sw1",
    platform="huawei_vrp",
    config="commune-s5720.cfg",
    old_address="192.168.100.254",
    old_gateway="192.168.100.1",
    old_vlan=100,
    old_user="admin",
    old_pass="Xa-ThanhSon-2019",
    uplink="GigabitEthernet0/0/24",
    anchor=(
        "      - role: access_switch\n        platform: huawei_vrp\n"
        "        model: S5720-28X-SI-AC\n",
        "      - role: access_switch\n        platform: huawei_vrp\n"
        "        model: S5720-28X-SI-AC\n",
    ),
    new_address="10.59.41.2",
)
S5735 = Case(
    name="v600-s5735",
    host="hub-thach-thanh-agg1",
    platform="huawei_vrpv8",
    config="hub-s5735.cfg",
    old_address="10.0.44.23",
    old_gateway="10.0.44.1",
    old_vlan=200,
    old_user="administrator",
    old_pass="Huyen-TT-2021",
    uplink="GigabitEthernet0/0/1",
    anchor=("  devices:\n    - role: aggregation_switch\n",) * 2,
    new_address="10.129.135.2",
)
CASES = (S5720, S5735)
_networks = itertools.count()


def vrp_inventory(target: Path, case: Case, address: str | None = None) -> Path:
    """The demo province with ``case.host`` reached today at ``address`` (its old one)."""
    shutil.copytree(DEMO, target)
    district = target / "districts" / "thach-thanh.yml"
    text = district.read_text("utf-8")
    anchor, head = case.anchor
    assert text.count(anchor) == 1, anchor
    last = head.splitlines()[-1]
    indent = " " * (len(last) - len(last.lstrip(" -")))  # the column of the device's keys
    replacement = _entry(indent, head, address or case.old_address)
    district.write_text(text.replace(anchor, replacement), "utf-8")
    return target


def vrp_secrets(path: Path, case: Case, **drop_or_change: str | None) -> Path:
    return write_secrets(path, case.vault, **drop_or_change)


@dataclass
class VrpBrownfield(Brownfield):
    case: Case = field(kw_only=True)


def start(tmp_path: Path, case: Case) -> Iterator[VrpBrownfield]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    network = f"127.{220 + int(worker or 0) % 8}.{next(_networks) % 250}.0/24"
    inventory = vrp_inventory(tmp_path / "inventory", case)
    state = tmp_path / "lab"
    with Lab(specs_from_inventory(inventory), network=network, state_dir=state) as lab:
        lab.load_config(case.host, case.text())
        secrets = vrp_secrets(tmp_path / "s.yml", case)
        loaded = load_inventory(inventory)
        yield VrpBrownfield(
            lab, inventory, loaded, state, secrets, case.host, case.vault, case=case
        )
