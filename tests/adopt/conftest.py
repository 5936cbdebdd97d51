"""A lab switch at a brownfield address with brownfield credentials, to adopt.

The demo province is copied and its dinh-hai-sw1 given what adoption needs: ``reach`` (the
hand-built commune 2960's management today: VLAN 1 at 192.168.1.250, user ``admin`` with the
config's own password) apart from its intended management address and credentials (vault
references). The lab device runs that config; it answers on the lab address standing for
192.168.1.250 and, only once the config carries it, on the one standing for its intended
address.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from communet.inventory import load_inventory
from communet.lab import Lab, specs_from_inventory

from .brownfield import Brownfield, write_secrets
from .vrp_brownfield import CASES, VrpBrownfield, start

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
BROWNFIELD = REPO / "tests" / "plan" / "brownfield" / "commune-2960.cfg"
HOST = "dinh-hai-sw1"
OLD_ADDRESS = "192.168.1.250"
# The commune 2960's own login: 'username admin ... secret 5 $1$mERr$hx5r...' is md5-crypt of
# "cisco" (openssl passwd -1 -salt mERr cisco), and so is its enable secret.
OLD = {"old_user": "admin", "old_pass": "cisco", "old_enable": "cisco"}
NEW = {"new_user": "noc-admin", "new_pass": "Tinh-38-noc-pass", "new_enable": "Tinh-38-enable"}
VAULT = {
    "snmp_user": "noc",
    "snmp_auth_key": "AuthKey2024x",
    "snmp_priv_key": "PrivKey2024x",
    **OLD,
    **NEW,
}


def reach_yaml(address: str) -> str:
    """dinh-hai-sw1's inventory entry: reached today at ``address`` with the old login."""
    return (
        "      - role: access_switch\n"
        "        credentials: {username: vault:new_user, password: vault:new_pass, "
        "enable: vault:new_enable}\n"
        "        reach:\n"
        f"          address: {address}\n"
        "          credentials: {username: vault:old_user, password: vault:old_pass, "
        "enable: vault:old_enable}\n"
    )


REACH = reach_yaml(OLD_ADDRESS)
_networks = itertools.count()


def brownfield_inventory(target: Path, reach: str = REACH) -> Path:
    """The demo province with dinh-hai-sw1 to adopt (its first access switch)."""
    shutil.copytree(DEMO, target)
    district = target / "districts" / "nghi-son.yml"
    text = district.read_text("utf-8")
    anchor = "    vlan_ids: {CANBO: 21}\n    devices:\n      - role: access_switch\n"
    assert anchor in text
    district.write_text(
        text.replace(anchor, "    vlan_ids: {CANBO: 21}\n    devices:\n" + reach), "utf-8"
    )
    return target


def secrets_file(path: Path, **drop_or_change: str | None) -> Path:
    return write_secrets(path, VAULT, **drop_or_change)


@pytest.fixture
def bf(tmp_path: Path) -> Iterator[Brownfield]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    network = f"127.{180 + int(worker or 0) % 8}.{next(_networks) % 250}.0/24"
    inventory = brownfield_inventory(tmp_path / "inventory")
    state = tmp_path / "lab"
    with Lab(specs_from_inventory(inventory), network=network, state_dir=state) as lab:
        lab.load_config(HOST, BROWNFIELD.read_text("utf-8"))
        yield Brownfield(
            lab,
            inventory,
            load_inventory(inventory),
            state,
            secrets_file(tmp_path / "s.yml"),
            HOST,
            VAULT,
        )


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def vbf(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VrpBrownfield]:
    """A Huawei switch to adopt: the VRP5 S5720, then the V600 S5735 (vrp_brownfield)."""
    yield from start(tmp_path, request.param)
