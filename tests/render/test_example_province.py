"""Every device of the shipped example province renders (offline; never connected to)."""

from __future__ import annotations

from communet.inventory import load_inventory
from communet.render import render_scope

from ..conftest import REPO


def test_every_thanh_hoa_device_renders() -> None:
    loaded = load_inventory(REPO / "inventory" / "thanh-hoa")
    configs = render_scope(loaded, None)
    assert len(configs) == len(loaded.devices) == 2274
    hubs = [c for c in configs if c.role == "aggregation_switch"]
    assert len(hubs) == 26
    # Thanh Hóa city has 49 communes: 49 downlinks and the CE uplink on one 52-port switch.
    city = next(c for c in hubs if c.hostname == "hub-thanh-hoa-agg1")
    assert sum(line.startswith(" description DOWNLINK") for line in city.lines) == 49
