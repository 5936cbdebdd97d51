"""VRP changes a port's link type only once the port's VLAN lines of its old type are back at
their defaults: otherwise ``Error: Please renew the default configurations.`` (Huawei KB
EKB1000017070; S2700 notes). So a trunk that becomes an access port loses its allowed VLANs
(and gets VLAN 1 back) *before* ``port link-type access``, and a restore that makes it a trunk
again takes the access VLAN away first — on a real config (huangxuxiao's S5700, whose
GE0/0/2 is a trunk that the commune layout makes an access port)."""

from __future__ import annotations

from communet.plan import plan_config
from communet.plan.diff import Context
from communet.plan.facts import interfaces_in

from .real_configs import device_for, entries, render_for

CONFIG = "huangxuxiao--agg-sw1-s5700"
PORT = "interface GigabitEthernet0/0/2"


def _real() -> str:
    (entry,) = [e for e in entries() if e.file.endswith(f"/{CONFIG}.cfg")]
    return entry.text


def _intended() -> str:
    device = device_for("huawei_vrp")
    return render_for(device, interfaces_in("huawei_vrp", _real())).text


def _block(commands: tuple[str, ...]) -> list[str]:
    start = commands.index(PORT)
    return [c.strip() for c in commands[start + 1 : commands.index("quit", start)]]


def test_a_trunks_allowed_vlans_go_before_it_becomes_an_access_port() -> None:
    # the trunk shut down (the only edit of the real config): a port that carries nothing,
    # the plan's to re-mode (a live trunk is left alone, tests/plan/test_links.py)
    running = _real().replace(f"{PORT}\n", f"{PORT}\n shutdown\n", 1)
    context = Context(login_user="admin", session_address="10.0.0.2", links_up=frozenset())
    plan = plan_config("sw", "huawei_vrp", running, _intended(), context)
    block = _block(plan.commands)
    mode = block.index("port link-type access")
    assert "undo port trunk allow-pass vlan 10 30 50" in block[:mode]
    assert block.index("port default vlan 20") > mode


def test_a_restore_takes_the_access_vlan_away_before_the_port_is_a_trunk_again() -> None:
    context = Context(login_user="admin", links_up=frozenset())
    pushed = plan_config("sw", "huawei_vrp", _real(), _intended(), context)
    assert pushed.commands  # the commune layout changes the port
    after = _intended()  # the device as the push left it
    restore = plan_config("sw", "huawei_vrp", after, _real(), Context(restore=True))
    block = _block(restore.commands)
    mode = block.index("port link-type trunk")
    assert "undo port default vlan" in block[:mode]
    assert block.index("port trunk allow-pass vlan 10 30 50") > mode
