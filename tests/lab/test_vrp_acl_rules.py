"""A VRP ACL rule is named by its ID in the lab as on the switch: typed again it is edited,
'undo rule N' removes it, and the ACL shows its rules in ID order (S5720 command reference,
'rule'). Driven through the pure terminal (no sockets)."""

from __future__ import annotations

from communet.lab.core import Terminal
from communet.lab.vrp import VrpDevice
from tests.lab.conftest import Console, FakeClock, spec


def test_an_acl_rule_typed_again_is_edited_and_rules_show_in_id_order() -> None:
    device = VrpDevice(spec("huawei_vrp", "S5720-28X-SI-AC"), clock=FakeClock())
    con = Console(Terminal(device, device.open_shell("admin")))
    con.send("screen-length 0 temporary")
    con.run("system-view", "acl number 2001", "rule 10 deny", "rule 5 permit source 10.0.0.0 0")
    con.run("rule 5 permit source 10.38.250.0 0.0.0.255")
    shown = con.send("display current-configuration")
    rules = [line.strip() for line in shown.splitlines() if line.strip().startswith("rule ")]
    assert rules == ["rule 5 permit source 10.38.250.0 0.0.0.255", "rule 10 deny"]
    con.run("undo rule 5")
    shown = con.send("display current-configuration")
    assert [line.strip() for line in shown.splitlines() if line.strip().startswith("rule ")] == [
        "rule 10 deny"
    ]
