"""Hand-configured switches with leftovers converge without a single destructive line."""

from __future__ import annotations

import pytest

from .conftest import BROWNFIELD, Bench


def _brownfield(bench: Bench) -> str:
    bench.engine.load_config((BROWNFIELD / f"{bench.device.hostname}.cfg").read_text("utf-8"))
    return bench.running()


@pytest.mark.parametrize("bench", ["dinh-hai-sw1"], indirect=True)
def test_ios_switch_with_leftovers(bench: Bench) -> None:
    before = _brownfield(bench)
    plan = bench.plan(before)
    commands = [line.strip() for line in plan.commands]
    # The live uplink trunk keeps VLAN 1 untagged today: moving its native VLAN to 999 is
    # flagged (the router's end still sends untagged frames in VLAN 1); the rest is safe.
    assert [(f.rule, f.line, f.blocking) for f in plan.findings] == [
        (
            "native-vlan",
            "interface GigabitEthernet1/0/24 > switchport trunk native vlan 999",
            True,
        ),
        ("vty-acl-added", "line vty 0 4 > access-class CN-VTY in", False),
        ("stp-mode", "spanning-tree mode rapid-pvst", False),
    ]
    # Telnet goes, the v2c communities and the extra local user go, the web server goes.
    assert "transport input ssh" in commands
    assert "no snmp-server community public RO" in commands
    assert "no snmp-server community xahoi RW" in commands
    assert "no username tech" in commands
    assert "no ip http server" in commands
    # Ports move straight to their VLAN; the uplink is edited with add/remove only.
    assert not any(c.startswith(("no switchport access vlan", "no vlan")) for c in commands)
    assert "switchport trunk allowed vlan add 21,30,40" in commands
    assert "switchport trunk allowed vlan remove 5,77" in commands
    assert not any(c.startswith("no switchport trunk allowed vlan") for c in commands)
    # Stray VLANs are left where they are and reported.
    assert {"vlan 5", "vlan 77", "snmp-server location UBND xa"} <= set(plan.unmanaged)
    assert bench.configure(plan.commands) == []
    assert bench.plan().commands == ()
    assert bench.configure(plan.rollback) == []
    assert bench.plan(intended=before).commands == ()


@pytest.mark.parametrize("bench", ["thanh-son-sw1"], indirect=True)
def test_huawei_switch_with_leftovers(bench: Bench) -> None:
    before = _brownfield(bench)
    plan = bench.plan(before)
    commands = [line.strip() for line in plan.commands]
    assert [(f.rule, f.line, f.blocking) for f in plan.findings] == [
        ("native-vlan", "interface GigabitEthernet0/0/24 > port trunk pvid vlan 999", True),
        ("vty-acl-added", "user-interface vty 0 4 > acl 2000 inbound", False),
        ("stp-mode", "stp mode rstp", False),
    ]
    assert "undo telnet server enable" in commands
    assert "undo snmp-agent community read public" in commands
    assert "protocol inbound ssh" in commands
    assert "vlan batch 20 30 40 50 999" in commands  # additive: VLANs 5 and 77 stay
    assert not any(c.startswith(("undo vlan", "undo port default vlan")) for c in commands)
    assert "undo port trunk allow-pass vlan 5 77" in commands  # only the strays leave
    assert "vlan batch 5 77 (left in place)" in plan.unmanaged
    assert bench.configure(plan.commands) == []
    assert bench.plan().commands == ()
    assert bench.configure(plan.rollback) == []
    assert bench.plan(intended=before).commands == ()
