"""Link state in the guard: a port the device says is up is never shut or re-moded by a
layout (left as it is and reported); without the device's word, the config alone decides.

The output formats are Cisco's ``show ip interface brief`` and Huawei's ``display interface
brief`` as the vendors document them (interface names in full, as the running config has
them); the platform data (``StateRules.link_command`` / ``link_line``) reads them.
"""

from __future__ import annotations

from dataclasses import replace

from communet.plan import Context, plan_config
from communet.plan.diff import Change
from communet.plan.facts import facts, links_in
from communet.plan.guard import GuardContext, judge
from communet.plan.tree import Node, parse
from communet.platforms import PLATFORMS
from communet.platforms.spec import StateRules

IOS_BRIEF = """\
Interface              IP-Address      OK? Method Status                Protocol
Vlan1                  unassigned      YES NVRAM  administratively down down
Vlan10                 10.59.38.2      YES NVRAM  up                    up
FastEthernet0/1        unassigned      YES unset  up                    up
FastEthernet0/2        unassigned      YES unset  down                  down
FastEthernet0/3        unassigned      YES unset  administratively down down
GigabitEthernet0/1     unassigned      YES unset  up                    up
"""
VRP_BRIEF = """\
PHY: Physical
*down: administratively down
^down: standby
(l): loopback
(s): spoofing
InUti/OutUti: input utility/output utility
Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors
GigabitEthernet0/0/1        up    up           0%     0%          0          0
GigabitEthernet0/0/2        down  down         0%     0%          0          0
GigabitEthernet0/0/3        *down down         0%     0%          0          0
GigabitEthernet0/0/4        ^down down         0%     0%          0          0
NULL0                       up    up(s)        0%     0%          0          0
Vlanif10                    up    up           --     --          0          0
"""


def _rules(platform: str) -> StateRules:
    state = PLATFORMS[platform].plan.state  # type: ignore[union-attr]
    assert state is not None
    return state


def test_the_platforms_read_their_link_tables() -> None:
    ios = links_in(_rules("cisco_ios"), IOS_BRIEF)
    assert ios == {"Vlan10", "FastEthernet0/1", "GigabitEthernet0/1"}
    vrp = links_in(_rules("huawei_vrp"), VRP_BRIEF)
    assert vrp == {"GigabitEthernet0/0/1", "NULL0", "Vlanif10"}
    assert _rules("huawei_vrpv8").link_command == "display interface brief"


SPARE_IOS = "interface FastEthernet0/2\n switchport mode access\n"
SHUT_IOS = (
    "interface FastEthernet0/2\n description UNUSED\n switchport access vlan 999\n"
    " switchport mode access\n shutdown\n"
)


def test_a_port_with_a_link_is_left_up_and_reported() -> None:
    up = plan_config(
        "sw", "cisco_ios", SPARE_IOS, SHUT_IOS, Context(links_up=frozenset({"FastEthernet0/2"}))
    )
    assert up.commands == ()
    assert up.unmanaged == (
        "interface FastEthernet0/2: access port, up; left as it is (to manage it, declare it "
        "in the inventory: ports: uplink/chain/keep)",
    )


def test_the_same_port_without_a_link_is_shut() -> None:
    down = plan_config("sw", "cisco_ios", SPARE_IOS, SHUT_IOS, Context(links_up=frozenset()))
    assert " shutdown" in down.commands
    unknown = plan_config("sw", "cisco_ios", SPARE_IOS, SHUT_IOS)  # the device did not say
    assert " shutdown" in unknown.commands


def test_a_vrp_port_with_a_link_is_not_made_a_trunk() -> None:
    running = "interface GigabitEthernet0/0/1\n port link-type access\n port default vlan 20\n"
    intended = "interface GigabitEthernet0/0/1\n port link-type trunk\n"
    plan = plan_config(
        "sw", "huawei_vrp", running, intended, Context(links_up=frozenset({"GigabitEthernet0/0/1"}))
    )
    assert plan.commands == ()
    assert plan.unmanaged[0].startswith("interface GigabitEthernet0/0/1: access port, up;")


def test_the_guard_names_a_forced_remode_of_a_port_with_a_link() -> None:
    spec = PLATFORMS["cisco_ios"]
    rules = _rules("cisco_ios")
    before = facts("cisco_ios", parse(spec, SPARE_IOS))
    after = facts("cisco_ios", parse(spec, "interface FastEthernet0/2\n switchport mode trunk\n"))
    assert before is not None
    assert after is not None
    up = replace(before.ports["FastEthernet0/2"], link_up=True)
    before = replace(before, ports={"FastEthernet0/2": up})
    typed = [Change(("interface FastEthernet0/2",), Node("switchport mode trunk"), (), "add")]
    hits = judge(before, after, typed, rules, GuardContext())
    assert [(h.hazard.name, h.line, h.detail) for h in hits] == [
        (
            "live-port-remode",
            "interface FastEthernet0/2 > switchport mode trunk",
            "FastEthernet0/2 has a link now: access → trunk",
        )
    ]
    assert hits[0].hazard.blocking
