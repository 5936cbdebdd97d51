"""The VRP lab refuses a link-type change while the port holds VLAN lines of its old type, as
the switches do ('Error: Please renew the default configurations.', Huawei KB
EKB1000017070), and keeps VLAN 1 of a trunk as its own 'undo' line. Driven through the pure
terminal (no sockets)."""

from __future__ import annotations

from communet.lab.core import Terminal
from communet.lab.vrp import VrpDevice
from tests.lab.conftest import Console, FakeClock, spec

RENEW = "Error: Please renew the default configurations."


def _port(platform: str = "huawei_vrp") -> Console:
    model = "S5735-L24T4X-A" if platform == "huawei_vrpv8" else "S5720-28X-SI-AC"
    device = VrpDevice(spec(platform, model), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.send("screen-length 0 temporary")
    con.run("system-view", "vlan batch 10 20", "interface GigabitEthernet0/0/5")
    con.run("port link-type trunk", "port trunk allow-pass vlan 10 20")
    return con


def test_a_trunk_with_allowed_vlans_does_not_become_an_access_port() -> None:
    con = _port()
    assert RENEW in con.send("port link-type access")
    con.run("undo port trunk allow-pass vlan 10 20")
    assert "Error" not in con.send("port link-type access")
    assert "Error" not in con.send("port default vlan 20")
    assert RENEW in con.send("port link-type trunk")  # the access VLAN holds it now
    con.run("undo port default vlan")
    assert "Error" not in con.send("port link-type trunk")


def test_vlan_1_taken_off_a_trunk_is_its_own_line_and_holds_the_link_type() -> None:
    con = _port()
    con.run("undo port trunk allow-pass vlan 1 10 20")
    shown = con.send("display current-configuration interface GigabitEthernet0/0/5")
    assert " undo port trunk allow-pass vlan 1\n" in shown
    assert RENEW in con.send("port link-type access")
    con.run("port trunk allow-pass vlan 1")
    shown = con.send("display current-configuration interface GigabitEthernet0/0/5")
    assert "allow-pass" not in shown
    assert "Error" not in con.send("port link-type access")


def test_a_port_at_the_default_link_type_is_known_by_its_vlan_lines() -> None:
    # V600 (navegantes' S5735) and V100 (iyifanx's S2700) print an access port at the
    # release's default type as 'port default vlan 99' alone: typing its type is no change
    device = VrpDevice(spec("huawei_vrpv8", "S5735-L24T4X-A"), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.run(
        "system-view", "vlan batch 99", "interface GigabitEthernet0/0/6", "port default vlan 99"
    )
    assert "Error" not in con.send("port link-type access")
    assert RENEW in con.send("port link-type trunk")
