"""The real-config corpus (tests/fixtures/real) planned as a commune access switch.

Each config is what a brownfield switch runs today; it is planned as the demo province's
access switch of its platform, with the ports laid over the config's own interfaces and the
management session arriving on the address the config gives its first addressed SVI (how the
device is reached today). Used by test_corpus.py and by tools/brownfield_table.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import yaml

from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.plan import Context, Plan, PlanError, plan_config
from communet.plan.facts import interfaces_in
from communet.render import RenderedConfig, RenderError, render_device
from communet.secrets import EnvVaultResolver

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "tests" / "fixtures" / "real"
DEMO = REPO / "inventory" / "demo"
SECRETS = EnvVaultResolver(
    vault={"snmp_user": "noc", "snmp_auth_key": "AuthKey2024x", "snmp_priv_key": "PrivKey2024x"},
    environ={"COMMUNET_USERNAME": "admin", "COMMUNET_PASSWORD": "lab", "COMMUNET_ENABLE": "lab"},
)
# The demo access switch each platform is planned as (VRPv8 takes the VRP5 switch's place).
AS_HOST = {
    "cisco_ios": "dinh-hai-sw1",
    "huawei_vrp": "thanh-son-sw1",
    "huawei_vrpv8": "thanh-son-sw1",
}
_SVI = re.compile(r"^interface (?:Vlan|Vlanif)\d+\n((?:[ \t].*\n)*)", re.M)
_ADDRESS = re.compile(r"^[ \t]+ip address (\d+\.\d+\.\d+\.\d+) ", re.M)


@dataclass(frozen=True)
class Entry:
    file: str
    platform: str
    model: str

    @property
    def text(self) -> str:
        return (REAL / self.file).read_text("utf-8")


@dataclass(frozen=True)
class Outcome:
    entry: Entry
    session_address: str
    plan: Plan | None = None
    refused: str = ""  # the one-line reason when it cannot be planned


def entries() -> list[Entry]:
    index = yaml.safe_load((REAL / "index.yaml").read_text("utf-8"))
    return [Entry(c["file"], c["platform"], str(c.get("model", ""))) for c in index["configs"]]


@cache
def _demo() -> LoadedInventory:
    return load_inventory(DEMO)


def device_for(platform: str) -> ResolvedDevice:
    device = next(d for d in _demo().devices if d.hostname == AS_HOST[platform])
    return replace(device, platform=platform)


def session_address(text: str) -> str:
    """Where the device is reached today: the first SVI with an address that is not shut
    down (a 9200 keeps its factory address on a shut ``Vlan1``), else none known."""
    for svi in _SVI.finditer(text.replace("\r\n", "\n")):
        body = svi.group(1)
        found = _ADDRESS.search(body)
        if found and not re.search(r"^[ \t]+shutdown$", body, re.M):
            return found.group(1)
    return ""


def plan_entry(entry: Entry) -> Outcome:
    text = entry.text
    device = device_for(entry.platform)
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    address = session_address(text)
    try:
        intended = render_device(
            province, device, SECRETS, interfaces=interfaces_in(entry.platform, text) or None
        )
        context = Context(login_user="admin", session_address=address)
        plan = plan_config(device.hostname, entry.platform, text, intended.text, context)
    except (RenderError, PlanError) as error:
        return Outcome(entry, address, refused=str(error).splitlines()[0])
    return Outcome(entry, address, plan)


def render_for(device: ResolvedDevice, interfaces: tuple[str, ...] = ()) -> RenderedConfig:
    """The device's intended config (over ``interfaces`` when given, else its model table)."""
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    return render_device(province, device, SECRETS, interfaces=interfaces or None)
