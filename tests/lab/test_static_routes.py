"""Static routes in the lab as on the devices: one route per destination, mask and next hop.

Typing a route again with another distance, name or description changes that route in place
(IOS ``ip route``; VRP ``ip route-static``, which also takes a prefix length for the mask);
another next hop is a second route beside it; the negation names the route by its identity
and takes it away whatever its attributes. Driven through the pure terminal (no sockets)."""

from __future__ import annotations

import pytest

from communet.lab.core import Terminal, static_route_key
from communet.lab.ios import IosDevice
from communet.lab.vrp import VrpDevice
from tests.lab.conftest import Console, FakeClock, spec


def _routes(shown: str, head: str) -> list[str]:
    return [line.strip() for line in shown.splitlines() if line.strip().startswith(head + " ")]


def test_ios_retyping_a_route_changes_it_and_another_next_hop_adds_one() -> None:
    device = IosDevice(spec("cisco_ios", "WS-C2960X-24TS-L"), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.run("enable", "lab", "terminal length 0", "configure terminal")
    con.run("ip route 0.0.0.0 0.0.0.0 10.0.0.1", "ip route 0.0.0.0 0.0.0.0 10.0.0.1 5 name OLD")
    con.run("ip route 0.0.0.0 0.0.0.0 10.0.0.9", "end")
    assert _routes(con.send("show running-config"), "ip route") == [
        "ip route 0.0.0.0 0.0.0.0 10.0.0.1 5 name OLD",
        "ip route 0.0.0.0 0.0.0.0 10.0.0.9",
    ]
    con.run("configure terminal", "no ip route 0.0.0.0 0.0.0.0 10.0.0.1", "end")
    assert _routes(con.send("show running-config"), "ip route") == [
        "ip route 0.0.0.0 0.0.0.0 10.0.0.9"
    ]


def test_vrp_retyping_a_route_changes_it_and_the_undo_names_it_by_next_hop() -> None:
    device = VrpDevice(spec("huawei_vrp", "S5720-28X-SI-AC"), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.send("screen-length 0 temporary")
    con.run("system-view", "ip route-static 0.0.0.0 0 10.0.0.1")
    con.run("ip route-static 0.0.0.0 0.0.0.0 10.0.0.1 description MGMT-DEFAULT")
    con.run("ip route-static 0.0.0.0 0.0.0.0 10.0.0.9 preference 70")
    assert _routes(con.send("display current-configuration"), "ip route-static") == [
        "ip route-static 0.0.0.0 0.0.0.0 10.0.0.1 description MGMT-DEFAULT",
        "ip route-static 0.0.0.0 0.0.0.0 10.0.0.9 preference 70",
    ]
    con.run("undo ip route-static 0.0.0.0 0.0.0.0 10.0.0.9")
    assert _routes(con.send("display current-configuration"), "ip route-static") == [
        "ip route-static 0.0.0.0 0.0.0.0 10.0.0.1 description MGMT-DEFAULT"
    ]


@pytest.mark.parametrize(
    ("line", "head", "key"),
    [
        (
            "ip route 0.0.0.0 0.0.0.0 10.0.0.1 250 name B",
            "ip route",
            "ip route 0.0.0.0 0.0.0.0 10.0.0.1",
        ),
        (
            "ip route 0.0.0.0 0.0.0.0 Dialer1 permanent",
            "ip route",
            "ip route 0.0.0.0 0.0.0.0 Dialer1",
        ),
        (
            "ip route vrf X 10.0.0.0 255.0.0.0 Gi0/1 10.1.1.1 track 3",
            "ip route",
            "ip route vrf X 10.0.0.0 255.0.0.0 Gi0/1 10.1.1.1",
        ),
        (
            "ip route-static 0.0.0.0 0 192.0.2.1 preference 60",
            "ip route-static",
            "ip route-static 0.0.0.0 0.0.0.0 192.0.2.1",
        ),
        (
            "ip route-static 10.0.0.0 8 Vlanif10 10.9.9.9",
            "ip route-static",
            "ip route-static 10.0.0.0 255.0.0.0 Vlanif10 10.9.9.9",
        ),
        ("ip route-cache", "ip route", None),
    ],
)
def test_a_routes_identity_is_its_destination_mask_and_next_hop(
    line: str, head: str, key: str | None
) -> None:
    assert static_route_key(line, head) == key
