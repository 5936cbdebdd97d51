"""What the 2025/2026 additions to the corpus showed the lint (tests/fixtures/real).

The complete Catalyst 9200L config (LibGR) keeps ``switchport trunk allowed vlan 53`` on eight
ports that are ``switchport mode access``: a leftover the switch ignores. Removing it cuts
nothing, so it is no ``trunk-allowed-reset``; the same line on a port that may be trunking
still is (an up trunk the planner leaves alone, so the counter-case is a port in the default
dynamic mode).
"""

from __future__ import annotations

from communet.plan import Context, plan_config

from .real_configs import REAL, device_for, render_for, session_address

C9200 = (REAL / "cisco_ios" / "libgr--switchlv3-c9200l-24t-4g.cfg").read_text("utf-8")
ACCESS_LEFTOVER = "interface GigabitEthernet1/0/1\n switchport access vlan 53\n"


def _plan(running: str) -> tuple[list[str], list[str]]:
    device = device_for("cisco_ios")
    context = Context(login_user="admin", session_address=session_address(running))
    plan = plan_config(device.hostname, "cisco_ios", running, render_for(device).text, context)
    return list(plan.commands), [f.render() for f in plan.findings]


def test_an_allowed_list_left_on_access_ports_is_removed_without_a_finding() -> None:
    assert C9200.count(" switchport trunk allowed vlan 53\n switchport mode access\n") == 8
    commands, findings = _plan(C9200)
    assert commands.count(" no switchport trunk allowed vlan 53") == 8  # still cleaned up
    assert not [f for f in findings if f.startswith("trunk-allowed-reset")]


def test_the_same_reset_on_a_port_that_may_trunk_is_still_blocked() -> None:
    running = C9200.replace(
        ACCESS_LEFTOVER + " switchport trunk allowed vlan 53\n switchport mode access\n",
        ACCESS_LEFTOVER + " switchport trunk allowed vlan 53\n",  # dynamic: may negotiate a trunk
        1,
    )
    assert running != C9200
    _, findings = _plan(running)
    resets = [f for f in findings if f.startswith("trunk-allowed-reset")]
    assert resets == [
        "trunk-allowed-reset: 'no switchport trunk allowed vlan 53': resets a trunk's allowed "
        "list: the uplink briefly carries nothing or everything (prefer: switchport trunk "
        "allowed vlan add|remove <ids>)"
    ]


def test_the_session_does_not_arrive_on_a_shut_svi() -> None:
    """The 9200's factory ``Vlan1`` address is shut down: it is reached on ``Vlan10``."""
    assert "interface Vlan1\n ip address 172.16.1.23 255.255.255.0\n shutdown\n" in C9200
    assert session_address(C9200) == "192.168.3.190"
