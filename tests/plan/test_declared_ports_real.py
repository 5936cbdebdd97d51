"""A switch whose port count falls between two access layouts, on a real config (eNSP's
S3700: Ethernet0/0/1-22 + GigabitEthernet0/0/1-2): the error names a layout and an uplink of
THIS device, and once a user declares them as told, the plan goes on over the device's own
ports (issue 9)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from communet.inventory.loader import load_inventory
from communet.inventory.model import Ports
from communet.plan import Context, plan_config
from communet.plan.facts import interfaces_in
from communet.render import RenderError
from tests.apply.corpus_run import write_inventory
from tests.lab.corpus import real_configs

from .real_configs import device_for, render_for

NAME = "huangxuxiao--mkt-switch-s3700"
CONFIG = next(c for c in real_configs() if c.name == NAME)
FOUND = tuple(interfaces_in("huawei_vrp", CONFIG.text))


def test_the_hint_names_a_layout_and_an_uplink_the_device_has() -> None:
    with pytest.raises(RenderError) as caught:
        render_for(replace(device_for("huawei_vrp"), model=None), FOUND)
    assert str(caught.value).endswith(
        "the device has 22 front-panel ports (Ethernet0/0/1-22), which fit no access layout "
        "(8, 16, 24, 48 ports)\n    fix: declare the layout and the uplink for this device in "
        "the inventory, e.g. ports: {layout: access16, uplink: GigabitEthernet0/0/2}"
    )
    assert "GigabitEthernet0/0/2" in FOUND


def test_declared_as_told_the_plan_goes_on_and_keeps_the_live_uplink() -> None:
    declared = Ports(layout="access16", uplink="Ethernet0/0/1")
    device = replace(device_for("huawei_vrp"), model=None, ports=declared)
    intended = render_for(device, FOUND)
    plan = plan_config(device.hostname, "huawei_vrp", CONFIG.text, intended.text, Context())
    # the live trunk to the aggregation switch is the uplink: its PVID change is flagged
    assert [f.rule for f in plan.blocking] == ["native-vlan"]
    assert "Ethernet0/0/1: native VLAN 1 → 999" in plan.blocking[0].render()
    assert "interface Ethernet0/0/17" in plan.commands  # an access port of the layout


def test_a_province_default_model_of_another_platform_is_not_inherited(tmp_path: Path) -> None:
    """The demo province's access-switch default is a WS-C2960X (cisco_ios): a huawei_vrp
    switch does not take its port table (its declared uplink was checked against the
    2960-X's GigabitEthernet1/0/1-28 and refused before any session)."""
    write_inventory(tmp_path / "inv", [CONFIG], [1])
    (device,) = [d for d in load_inventory(tmp_path / "inv").devices if d.hostname == "real-01"]
    assert device.platform == "huawei_vrp"
    assert device.model is None
    assert device.ports == Ports(layout="access16", uplink="Ethernet0/0/1")
