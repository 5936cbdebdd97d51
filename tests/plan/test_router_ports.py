"""A CE router's intended interfaces are laid over the router's own (its running config's
list), never typed on an interface it does not have; a router that does not fit fails in
one line that says what to declare (``ports: {uplink, lan}``).

The routers are real configs of the corpus: a Huawei AR2220 (GE0/0/0-2), a Cisco router with
FastEthernet0/0-1 only, planned as the demo province's CE router of their platform.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from communet.converge import fit_to_device
from communet.errors import InventoryError
from communet.inventory import ResolvedDevice, load_inventory
from communet.inventory.model import Ports
from communet.plan import Context, plan_config
from communet.plan.facts import interfaces_in
from communet.render import RenderError, render_device

from .real_configs import REAL, SECRETS, _demo

DEMO_ROUTER = {"cisco_ios": "dinh-hai-ce1", "huawei_vrp": "thanh-son-ce1"}


def _router(platform: str, **ports: str) -> ResolvedDevice:
    device = next(d for d in _demo().devices if d.hostname == DEMO_ROUTER[platform])
    return replace(device, platform=platform, ports=Ports(**ports) if ports else None)


def _planned(file: str, device: ResolvedDevice) -> tuple[str, list[str]]:
    running = (REAL / file).read_text("utf-8")
    plan_of = next(p for p in _demo().plans if p.province.slug == device.province)
    offline = render_device(plan_of, device, SECRETS)
    intended = fit_to_device(plan_of, device, SECRETS, offline, running)
    plan = plan_config(device.hostname, device.platform, running, intended.text, Context())
    typed = [line.split()[1] for line in plan.commands if line.startswith("interface ")]
    return running, typed


def _physical(name: str) -> str:
    return name.split(".", maxsplit=1)[0]  # a subinterface lives on its physical port


def test_an_ar_router_is_planned_over_its_own_ports() -> None:
    device = _router("huawei_vrp")
    running, typed = _planned("huawei_vrp/eyadnasr--interas-option-a-spoke-ce1.cfg", device)
    have = set(interfaces_in("huawei_vrp", running))
    assert have == {"GigabitEthernet0/0/0", "GigabitEthernet0/0/1", "GigabitEthernet0/0/2"}
    physical = {_physical(n) for n in typed if re.match(r"GigabitEthernet\d", n)}
    assert physical == {"GigabitEthernet0/0/0", "GigabitEthernet0/0/1"}  # WAN and LAN
    assert any(n.startswith("GigabitEthernet0/0/1.") for n in typed)  # the VLAN subinterfaces


def test_a_router_that_does_not_fit_fails_in_one_line_saying_what_to_declare() -> None:
    device = _router("cisco_ios")
    with pytest.raises(RenderError) as raised:
        _planned("cisco_ios/rodrigo-serpa--alpha-config.cfg", device)
    assert str(raised.value) == (
        "dinh-hai-ce1: the router has FastEthernet0/0-1 (its model's are GigabitEthernet0/0/0 "
        "and GigabitEthernet0/0/1): none is known as the telecom's (ports.uplink) or the LAN's "
        "(ports.lan) port\n"
        "    fix: declare them in the inventory as the device names them: ports: {uplink: "
        "<port to the telecom>, lan: <port to the commune switch>}"
    )


def test_declared_router_ports_are_used_and_checked() -> None:
    device = _router("cisco_ios", uplink="FastEthernet0/0", lan="FastEthernet0/1")
    _, typed = _planned("cisco_ios/rodrigo-serpa--alpha-config.cfg", device)
    assert {_physical(n) for n in typed if "Ethernet" in n} == {
        "FastEthernet0/0",
        "FastEthernet0/1",
    }
    wrong = _router("cisco_ios", uplink="GigabitEthernet0/0/0", lan="FastEthernet0/1")
    with pytest.raises(RenderError, match=r"ports.uplink GigabitEthernet0/0/0 is not an "):
        _planned("cisco_ios/rodrigo-serpa--alpha-config.cfg", wrong)


def test_the_inventory_takes_router_ports_on_a_ce_router_only(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parents[2] / "inventory" / "demo"
    root = tmp_path / "inv"
    (root / "districts").mkdir(parents=True)
    (root / "province.yml").write_text((demo / "province.yml").read_text("utf-8"), "utf-8")
    district = (demo / "districts" / "thach-thanh.yml").read_text("utf-8")
    ok = district.replace(
        "      - role: ce_router\n      - role: internet_router",
        "      - role: ce_router\n        ports: {uplink: Gi0/0/0, lan: Gi0/0/1}\n"
        "      - role: internet_router",
        1,
    )
    assert ok != district
    (root / "districts" / "thach-thanh.yml").write_text(ok, "utf-8")
    loaded = load_inventory(root)
    router = next(d for d in loaded.devices if d.hostname == "phu-son-thach-thanh-ce1")
    assert router.ports == Ports(uplink="Gi0/0/0", lan="Gi0/0/1")
    bad = ok.replace("ports: {uplink: Gi0/0/0, lan: Gi0/0/1}", "ports: {chain: Gi0/0/2}")
    (root / "districts" / "thach-thanh.yml").write_text(bad, "utf-8")
    with pytest.raises(InventoryError, match=r"a ce_router takes no ports.chain"):
        load_inventory(root)
