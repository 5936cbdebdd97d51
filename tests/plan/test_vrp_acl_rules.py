"""A VRP ACL rule is named by its ID: typing ``rule 5 ...`` again edits rule 5 and ``undo rule
5`` removes it (S5720/AR command references, ``rule``). On huangxuxiao's AR2220 (acl 2000
rules 5-30), the commune router's plan edits rule 5 in place and removes the others by ID;
it never types ``undo rule 5 <old text>`` after the new rule 5 is in (which would take the
NOC's rule away and leave only ``rule 10 deny`` on the vty)."""

from __future__ import annotations

from communet.plan import plan_config
from communet.plan.diff import Context

from .real_configs import device_for, entries, render_for

CONFIG = "huangxuxiao--ar1-ar2220"


def _acl_block(commands: tuple[str, ...]) -> list[str]:
    start = commands.index("acl number 2000")
    return [c.strip() for c in commands[start + 1 : commands.index("quit", start)]]


def test_a_rule_is_edited_by_its_id_and_the_rest_removed_by_id() -> None:
    (entry,) = [e for e in entries() if e.file.endswith(f"/{CONFIG}.cfg")]
    device = device_for("huawei_vrp")
    intended = render_for(device).text
    plan = plan_config("r", "huawei_vrp", entry.text, intended, Context(login_user="admin"))
    block = _acl_block(plan.commands)
    assert block[0].startswith("rule 5 permit source 10.38.250.0")
    assert "undo rule 15" in block
    assert "undo rule 30" in block
    assert not [line for line in block if line.startswith("undo rule 5")]
    back = _acl_block(plan.rollback)
    assert "rule 5 permit source 192.168.10.0 0.0.0.255" in back
