"""Fixtures for the lab tests: pure engines with a fake clock, and one running lab per worker.

The running lab maps every demo device (twice: ``--scale 2``) onto its own 127.x address;
each xdist worker gets its own /16 so that parallel workers never collide.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest

from communet.lab import DeviceSpec, Lab
from communet.lab.core import Terminal

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "inventory" / "demo"


class FakeClock:
    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def spec(platform: str, model: str, hostname: str = "dut", **extra: Any) -> DeviceSpec:
    return DeviceSpec(
        hostname=hostname,
        platform=platform,
        model=model,
        management=IPv4Address("10.64.114.2"),
        management_subnet=IPv4Network("10.64.114.0/27"),
        management_vlan=10,
        **extra,
    )


class Console:
    """A pure terminal session: type lines, get the transcript back (``\\n`` line ends)."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.banner = terminal.start().replace("\r\n", "\n")

    def send(self, line: str) -> str:
        """The device's answer to ``line`` without the echo of the line itself."""
        echo = self.terminal.shell.echo
        out = self.terminal.receive(line + "\r").replace("\r\n", "\n")
        if echo and out.startswith(line):
            out = out[len(line) :]
        return out.removeprefix("\n")

    def run(self, *lines: str) -> list[str]:
        return [self.send(line) for line in lines]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def worker_network() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    number = int(worker) if worker.isdigit() else 0
    return f"127.{(120 + number + os.getpid() % 8 * 16) % 250 + 1}.0.0/16"


REGISTRAR = "10.250.0.10"

# One device per test that changes state, so tests can run in any order and in parallel.
LAB_SPECS = [
    spec("cisco_ios", "WS-C2960X-24TS-L", "ios-show"),
    spec("cisco_ios", "WS-C2960X-24TS-L", "ios-config"),
    spec("cisco_ios", "WS-C2960X-24TS-L", "ios-persist"),
    spec("cisco_ios", "WS-C2960X-24TS-L", "ios-reboot"),
    spec("cisco_ios", "WS-C2960X-24TS-L", "ios-faults"),
    spec("cisco_ios", "WS-C2960X-24TS-L", "ios-down"),
    spec("cisco_ios", "ISR4321/K9", "ios-router"),
    spec("cisco_ios", "ISR4321/K9", "snmp-router"),
    spec("huawei_vrp", "S5720-28X-SI-AC", "vrp-switch"),
    spec("huawei_vrpv8", "S5735-L24T4X-A", "vrpv8-switch"),
    spec("cisco_roomos", "SX20", "codec-ce8", firmware="ce8", registrars=(REGISTRAR,)),
    spec("cisco_roomos", "Room Kit", "codec-roomos", firmware="roomos", registrars=(REGISTRAR,)),
    spec("cisco_ios", "WS-C2960X-24TS-L", "console-ios"),
    spec("cisco_ios", "WS-C2960X-24TS-L", "console-ios-setup"),
    spec("huawei_vrp", "S5720-28X-SI-AC", "console-vrp"),
    spec("cisco_roomos", "Room Kit", "console-codec", firmware="roomos"),
]


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    state = tmp_path_factory.mktemp("lab")
    with Lab(LAB_SPECS, network=worker_network(), state_dir=state) as running:
        yield running


@pytest.fixture(scope="session")
def known_hosts(lab: Lab) -> Path:
    assert lab.state_dir is not None
    return lab.state_dir / "known_hosts"
