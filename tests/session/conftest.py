"""One running lab per test module, reached over real SSH by the real session layer.

A module lists its devices in ``LAB_DEVICES`` (hostname, platform, model, firmware); every
test that changes state uses its own device, so tests run in any order and under xdist.
Each module's lab gets its own 127.x.y.0/24 (per xdist worker, per process, per module).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest

from communet.lab import DeviceSpec, Lab
from communet.session.netmiko_session import NetmikoSession, Timeouts, open_session

MODELS = {
    "cisco_ios": ("WS-C2960X-24TS-L", None),
    "huawei_vrp": ("S5720-28X-SI-AC", None),
    "huawei_vrpv8": ("S5735-L24T4X-A", None),
    "cisco_roomos": ("Room Kit", "roomos"),
}
PLATFORMS = tuple(MODELS)
FAST = Timeouts(connect=2.0, command=5.0, save=10.0)


def device(hostname: str, platform: str) -> DeviceSpec:
    model, firmware = MODELS[platform]
    return DeviceSpec(
        hostname=hostname,
        platform=platform,
        model=model,
        firmware=firmware,
        management=IPv4Address("10.64.114.2"),
        management_subnet=IPv4Network("10.64.114.0/27"),
        management_vlan=10,
        registrars=("10.250.0.10",),
    )


def module_network(module: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    number = int(worker) if worker.isdigit() else 0
    second = 60 + (number * 13 + os.getpid() % 47) % 60
    third = zlib.crc32(module.encode()) % 250 + 1
    return f"127.{second}.{third}.0/24"


@pytest.fixture(scope="module")
def lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    specs: list[DeviceSpec] = list(request.module.LAB_DEVICES)
    state = tmp_path_factory.mktemp("session-lab")
    with Lab(specs, network=module_network(request.module.__name__), state_dir=state) as running:
        yield running


def connect(lab: Lab, hostname: str, **overrides: Any) -> NetmikoSession:
    """A session to ``hostname`` in ``lab``, verifying its host key with its own file."""
    credentials = lab.credentials
    params: dict[str, Any] = {
        "username": credentials.username,
        "password": credentials.password,
        "enable": credentials.enable,
        "known_hosts": lab.known_hosts(hostname),
        "timeouts": FAST,
    }
    params.update(overrides)
    platform = lab.device(hostname).spec.platform
    return open_session(hostname, platform, lab.addresses[hostname], lab.port, **params)


def state_dir(lab: Lab) -> Path:
    assert lab.state_dir is not None
    return lab.state_dir
