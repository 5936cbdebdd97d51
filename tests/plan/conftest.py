"""Plans are checked against the lab's device engines, driven directly (no SSH).

The lab models each platform independently from vendor documentation (it shares no code
with communet's planner), so a plan that a lab engine accepts, that leaves nothing to do on
a second pass and whose rollback restores the original text has been checked by a second,
independent implementation of the device.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from communet.inventory import LoadedInventory, ResolvedDevice, load_inventory
from communet.lab.core import Device, Terminal
from communet.lab.runtime import make_device, specs_from_inventory
from communet.lab.server import Credentials
from communet.plan import Context, Plan, plan_config
from communet.render import RenderedConfig, render_device
from communet.secrets import EnvVaultResolver

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"
BROWNFIELD = Path(__file__).resolve().parent / "brownfield"
LAB = Credentials()
SECRETS = EnvVaultResolver(
    vault={"snmp_user": "noc", "snmp_auth_key": "AuthKey2024x", "snmp_priv_key": "PrivKey2024x"},
    environ={
        "COMMUNET_USERNAME": LAB.username,
        "COMMUNET_PASSWORD": LAB.password,
        "COMMUNET_ENABLE": LAB.enable,
    },
)
SHOW = {
    "cisco_ios": "show running-config",
    "huawei_vrp": "display current-configuration",
    "huawei_vrpv8": "display current-configuration",
    "cisco_roomos": "xConfiguration",
}
ERRORS = ("% Invalid", "% Incomplete", "% Ambiguous", "Error:", "ERROR")


@dataclass
class Bench:
    """One device of the demo province: its lab engine, a session to it and its intent."""

    device: ResolvedDevice
    engine: Device
    terminal: Terminal
    intended: RenderedConfig

    @property
    def platform(self) -> str:
        return self.device.platform

    def send(self, line: str) -> str:
        return self.terminal.receive(line + "\r").replace("\r\n", "\n")

    def login(self) -> None:
        self.terminal.start()
        if self.platform == "cisco_ios":
            self.send("enable")
            self.send(LAB.enable)
            self.send("terminal length 0")
        elif self.platform.startswith("huawei"):
            self.send("screen-length 0 temporary")

    def running(self) -> str:
        lines = self.send(SHOW[self.platform]).split("\n")
        return "\n".join(lines[1:-1])  # drop the echo and the prompt

    def configure(self, lines: tuple[str, ...]) -> list[tuple[str, str]]:
        """Type ``lines`` in configuration mode; the (line, answer) pairs the device refused."""
        enter = {"cisco_ios": "configure terminal", "cisco_roomos": ""}.get(
            self.platform, "system-view"
        )
        if enter:
            self.send(enter)
        refused = []
        for line in lines:
            answer = self.send(line)
            if any(marker in answer for marker in ERRORS):
                refused.append((line, answer.strip()))
        leave = {"cisco_ios": ("end",), "huawei_vrpv8": ("commit", "return")}.get(
            self.platform, ("return",) if enter else ()
        )
        for line in leave:
            self.send(line)
        return refused

    def plan(self, running: str | None = None, intended: str | None = None) -> Plan:
        return plan_config(
            self.device.hostname,
            self.platform,
            self.running() if running is None else running,
            self.intended.text if intended is None else intended,
            Context(login_user=LAB.username),
        )


@pytest.fixture(scope="session")
def demo() -> LoadedInventory:
    return load_inventory(DEMO)


@pytest.fixture
def bench(demo: LoadedInventory, request: pytest.FixtureRequest) -> Bench:
    hostname = str(request.param)
    specs = {s.hostname: s for s in specs_from_inventory(DEMO)}
    engine = make_device(specs[hostname], LAB)
    device = next(d for d in demo.devices if d.hostname == hostname)
    plan = next(p for p in demo.plans if p.province.slug == device.province)
    terminal = Terminal(engine, engine.open_shell(LAB.username))
    bench = Bench(device, engine, terminal, render_device(plan, device, SECRETS))
    bench.login()
    return bench
