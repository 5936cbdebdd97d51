"""The destructive-change catalogue, one small case per hazard and platform, messages pinned.

Each case is a running config and an intended one as a user would meet them; the finding
names the line that causes the hazard and says why, and only warnings let a push go on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from communet.inventory.model import Ports
from communet.plan import Context, PlanError, _from_hit, plan_config
from communet.plan.diff import Change
from communet.plan.facts import facts, interfaces_in
from communet.plan.guard import CATALOGUE, GuardContext, judge
from communet.plan.tree import Node, parse
from communet.platforms import PLATFORMS, ports
from communet.render import RenderError, render_device

from .real_configs import REAL, SECRETS, _demo, device_for

BROWNFIELD = Path(__file__).resolve().parent / "brownfield"


def findings(platform: str, running: str, intended: str, **context: str) -> list[str]:
    plan = plan_config("sw", platform, running, intended, Context(**context))  # type: ignore[arg-type]
    return [f.render() for f in plan.findings]


IOS_TRUNK = "interface Gi0/1\n description uplink VNPT\n switchport mode trunk\n"
VRP_TRUNK = "interface GigabitEthernet0/0/1\n description uplink VNPT\n port link-type trunk\n"

CASES = [
    (
        "cisco_ios",
        IOS_TRUNK + " switchport trunk native vlan 5\n",
        IOS_TRUNK + " switchport trunk native vlan 999\n",
        {},
        "native-vlan: 'interface Gi0/1 > switchport trunk native vlan 999': changes the native "
        "VLAN/PVID of a live trunk: untagged traffic lands in another VLAN (the far end still "
        "sends it in the old one) (Gi0/1: native VLAN 5 → 999) (prefer: change both ends in "
        "one maintenance window, from the console)",
    ),
    (
        "huawei_vrp",
        VRP_TRUNK + " port trunk pvid vlan 5\n",
        VRP_TRUNK + " port trunk pvid vlan 999\n",
        {},
        "native-vlan: 'interface GigabitEthernet0/0/1 > port trunk pvid vlan 999': changes the "
        "native VLAN/PVID of a live trunk: untagged traffic lands in another VLAN (the far end "
        "still sends it in the old one) (GigabitEthernet0/0/1: native VLAN 5 → 999) (prefer: "
        "change both ends in one maintenance window, from the console)",
    ),
    (
        "cisco_ios",
        "vlan 20\n name STAFF\ninterface Gi0/2\n switchport access vlan 20\n"
        " switchport mode access\n",
        "no vlan 20\ninterface Gi0/2\n switchport access vlan 20\n switchport mode access\n",
        {},
        "vlan-in-use: 'no vlan 20': deletes a VLAN that live ports or an SVI still use: they "
        "stop forwarding (VLAN 20 still in use) (prefer: move the ports off the VLAN first)",
    ),
    (
        "cisco_ios",
        "interface Gi0/3\n switchport access vlan 20\n switchport mode access\n",
        "interface Gi0/3\n no switchport access vlan\n switchport mode access\n",
        {},
        "access-vlan-reset: 'interface Gi0/3 > no switchport access vlan': moves a live access "
        "port back to VLAN 1 (its VLAN line removed, none given) (Gi0/3: VLAN 20 → 1) (prefer: "
        "switchport access vlan <id> / port default vlan <id>: a direct move)",
    ),
    (
        "cisco_ios",
        "interface Vlan1\n ip address 192.168.1.250 255.255.255.0\n",
        "interface Vlan1\n no ip address\n shutdown\n",
        {"session_address": "192.168.1.250"},
        "management-path: 'interface Vlan1 > no ip address': changes the interface or address "
        "that carries the management session now (Vlan1 carries 192.168.1.250 now: "
        "192.168.1.250 removed) (prefer: move management in its own step (communet adopt), or "
        "change it from the console)",
    ),
    (
        "huawei_vrp",
        "interface Vlanif1\n ip address 192.168.1.250 255.255.255.0\n",
        "interface Vlanif1\n undo ip address\n",
        {"session_address": "192.168.1.250"},
        "management-path: 'interface Vlanif1 > undo ip address': changes the interface or "
        "address that carries the management session now (Vlanif1 carries 192.168.1.250 now: "
        "192.168.1.250 removed) (prefer: move management in its own step (communet adopt), or "
        "change it from the console)",
    ),
    (
        "huawei_vrpv8",
        "interface Vlanif1\n ip address 10.0.44.23 255.255.255.0\ninterface GE1/0/1\n",
        "interface GE1/0/1\n port link-type access\n port default vlan 20\n",
        {"session_address": "10.0.44.23"},
        "management-path: 'interface GE1/0/1 > port link-type access': changes the interface "
        "or address that carries the management session now (no port forwards VLAN 1 of "
        "Vlanif1 any more (today: GE1/0/1)) (prefer: move management in its own step "
        "(communet adopt), or change it from the console)",
    ),
    (  # rodrigo-serpa alpha-config: a GRE tunnel in the subnet the LAN plan gives VLAN 10
        "cisco_ios",
        "interface Tunnel100\n ip address 192.168.18.2 255.255.255.252\n"
        "interface FastEthernet0/1.10\n encapsulation dot1Q 10\n",
        "interface Tunnel100\n ip address 192.168.18.2 255.255.255.252\n"
        "interface FastEthernet0/1.10\n encapsulation dot1Q 10\n"
        " ip address 192.168.18.1 255.255.255.224\n",
        {},
        "address-overlap: 'interface FastEthernet0/1.10 > ip address 192.168.18.1 "
        "255.255.255.224': gives an interface an address in a subnet another interface has: the "
        "device refuses the line, and the push stops there (192.168.18.1/27 on "
        "FastEthernet0/1.10 overlaps 192.168.18.2/30 on Tunnel100) (prefer: renumber or remove "
        "the other interface first, or declare this port in the inventory)",
    ),
    (  # the mask as a prefix length, as VRP prints it
        "huawei_vrpv8",
        "interface LoopBack0\n ip address 10.0.44.23 32\ninterface Vlanif10\n",
        "interface LoopBack0\n ip address 10.0.44.23 32\n"
        "interface Vlanif10\n ip address 10.0.44.1 255.255.255.224\n",
        {},
        "address-overlap: 'interface Vlanif10 > ip address 10.0.44.1 255.255.255.224': gives an "
        "interface an address in a subnet another interface has: the device refuses the line, "
        "and the push stops there (10.0.44.1/27 on Vlanif10 overlaps 10.0.44.23/32 on "
        "LoopBack0) (prefer: renumber or remove the other interface first, or declare this "
        "port in the inventory)",
    ),
    (
        "cisco_ios",
        "ip route 0.0.0.0 0.0.0.0 192.168.1.1\n",
        "no ip route 0.0.0.0 0.0.0.0 192.168.1.1\n",
        {},
        "default-route: 'no ip route 0.0.0.0 0.0.0.0 192.168.1.1': removes or changes the "
        "default route/gateway the management session returns by (ip route 0.0.0.0 0.0.0.0 "
        "192.168.1.1) (prefer: add the new route first, prove a new session, then remove the "
        "old one)",
    ),
    (
        "cisco_ios",
        "ip access-list standard MGMT\n permit 10.0.0.0 0.255.255.255\n"
        "line vty 0 4\n access-class MGMT in\n",
        "ip access-list standard MGMT\n permit 10.0.0.0 0.255.255.255\n"
        "line vty 0 4\n access-class CN-VTY in\n",
        {},
        "vty-acl: 'line vty 0 4 > access-class CN-VTY in': changes the ACL on the vty lines "
        "that lets the management session in (vty ACL MGMT → CN-VTY) (prefer: change it from "
        "the console, or force it with the trial commit armed)",
    ),
    (
        "huawei_vrp",
        "acl number 2001\n rule 5 permit source 10.0.0.0 0.255.255.255\n"
        "user-interface vty 0 4\n acl 2001 inbound\n",
        "acl number 2001\n rule 5 permit source 172.16.0.0 0.15.255.255\n"
        "user-interface vty 0 4\n acl 2001 inbound\n",
        {},
        "vty-acl: 'acl number 2001 > rule 5 permit source 172.16.0.0 0.15.255.255': changes the "
        "ACL on the vty lines that lets the management session in (the entries of ACL 2001 "
        "change) (prefer: change it from the console, or force it with the trial commit armed)",
    ),
    (
        "cisco_ios",
        "username admin privilege 15 secret 9 $9$abc\n",
        "no username admin privilege 15 secret 9 $9$abc\n",
        {},
        "last-user: 'no username admin privilege 15 secret 9 <masked>': removes every local "
        "user: nobody can log in any more (no local user would be left) (prefer: keep at least "
        "one local user)",
    ),
    (
        "cisco_ios",
        "aaa new-model\naaa authentication login default local\n",
        "aaa new-model\nno aaa authentication login default local\n",
        {},
        "aaa-removed: 'no aaa authentication login default local': removes an AAA "
        "authentication method or domain that logins may depend on (aaa authentication login "
        "default local) (prefer: leave it, or replace it in the same step)",
    ),
    (
        "cisco_ios",
        "spanning-tree mode pvst\n",
        "spanning-tree mode rapid-pvst\n",
        {},
        "warning: stp-mode: 'spanning-tree mode rapid-pvst': changes the spanning-tree mode: "
        "the whole switched network reconverges (a short outage) (pvst → rapid-pvst) (prefer: "
        "do it in a maintenance window)",
    ),
]


@pytest.mark.parametrize(("platform", "running", "intended", "context", "expected"), CASES)
def test_each_hazard_names_its_line_and_reason(
    platform: str, running: str, intended: str, context: dict[str, str], expected: str
) -> None:
    assert expected in findings(platform, running, intended, **context)


# What the planner avoids by construction (the port or login is never touched), the guard
# still judges when a forced push would type it: its messages are pinned here.
AVOIDED = [
    (
        "cisco_ios",
        "interface Gi0/1\n channel-group 1 mode active\n",
        "interface Gi0/1\n switchport mode access\n",
        "no channel-group 1 mode active",
        {},
        "lag-member: 'interface Gi0/1 > no channel-group 1 mode active': removes a port from its "
        "port-channel/Eth-Trunk: the bundle loses a link or breaks (Gi0/1 leaves 1) (prefer: "
        "configure the bundle interface, not its members)",
    ),
    (
        "huawei_vrp",
        "interface GigabitEthernet0/0/1\n eth-trunk 1\n",
        "interface GigabitEthernet0/0/1\n port link-type access\n",
        "undo eth-trunk 1",
        {},
        "lag-member: 'interface GigabitEthernet0/0/1 > undo eth-trunk 1': removes a port from "
        "its port-channel/Eth-Trunk: the bundle loses a link or breaks (GigabitEthernet0/0/1 "
        "leaves 1) (prefer: configure the bundle interface, not its members)",
    ),
    (
        "cisco_ios",
        "interface Gi0/4\n no switchport\n ip address 100.64.1.1 255.255.255.252\n",
        "interface Gi0/4\n switchport mode access\n",
        "switchport mode access",
        {},
        "routed-port: 'interface Gi0/4 > switchport mode access': turns a routed port into a "
        "switchport: its address and routes go (Gi0/4 (interface with 100.64.1.1, not shut)) "
        "(prefer: leave the port as it is, or move the link to another port first)",
    ),
    (
        "huawei_vrp",
        "aaa\n local-user old password irreversible-cipher $1a$x$\n"
        " local-user ops password irreversible-cipher $1a$y$\n",
        "aaa\n local-user ops password irreversible-cipher $1a$y$\n",
        "undo local-user old",
        {"login_user": "old"},
        "login-removed: 'aaa > undo local-user old': removes the login the session runs as (the "
        "session runs as 'old') (prefer: keep the account until the new one is proven)",
    ),
]


@pytest.mark.parametrize("case", AVOIDED, ids=[c[5].split(":")[0] + "-" + c[0] for c in AVOIDED])
def test_what_the_planner_avoids_is_left_and_the_guard_would_name_it(
    case: tuple[str, str, str, str, dict[str, str], str],
) -> None:
    platform, running, intended, typed, context, expected = case
    login = context.get("login_user", "")
    plan = plan_config("sw", platform, running, intended, Context(login_user=login))
    assert not any(line.strip() == typed for line in plan.commands)  # avoided
    assert plan.unmanaged or plan.protected  # and reported
    spec = PLATFORMS[platform]
    state = spec.plan.state  # type: ignore[union-attr]
    before = facts(platform, parse(spec, running))
    after = facts(platform, parse(spec, intended))
    assert state is not None
    assert before is not None
    assert after is not None
    forced = [Change((running.splitlines()[0],), Node(typed), (), "remove")]
    hits = judge(before, after, forced, state, GuardContext(login_user=login))
    assert expected in [_from_hit(spec, hit).render() for hit in hits]


def test_addresses_in_disjoint_subnets_or_kept_as_they_are_are_no_overlap() -> None:
    running = (
        "interface Tunnel100\n ip address 192.168.18.2 255.255.255.252\n"
        "interface FastEthernet0/1.10\n encapsulation dot1Q 10\n"
        " ip address 192.168.18.1 255.255.255.224\n"  # overlaps already: the device's own
    )
    moved = running.replace("192.168.18.1 255.255.255.224", "192.168.18.33 255.255.255.224")
    assert not any("address-overlap" in f for f in findings("cisco_ios", running, running))
    assert not any("address-overlap" in f for f in findings("cisco_ios", running, moved))
    assert any("address-overlap" in f for f in findings("cisco_ios", moved, running))


def test_every_hazard_has_a_cause_on_every_switch_platform() -> None:
    for name in ("cisco_ios", "huawei_vrp", "huawei_vrpv8"):
        state = PLATFORMS[name].plan.state  # type: ignore[union-attr]
        assert state is not None
        assert {h.name for h in CATALOGUE} - {"trunk-vlan-in-use"} <= dict(state.causes).keys()


def test_a_live_trunk_is_left_alone_rather_than_reset() -> None:
    plan = plan_config(
        "sw",
        "cisco_ios",
        IOS_TRUNK,
        "interface Gi0/1\n description UNUSED\n switchport access vlan 999\n"
        " switchport mode access\n shutdown\n",
    )
    assert plan.commands == ()
    assert plan.unmanaged == (
        "interface Gi0/1: trunk port 'uplink VNPT', not shut; left as it is (to manage it, "
        "declare it in the inventory: ports: uplink/chain/keep)",
    )


def test_a_port_the_device_does_not_have_is_never_planned() -> None:
    plan = plan_config(
        "sw",
        "cisco_ios",
        "interface FastEthernet0/1\n",
        "interface GigabitEthernet1/0/1\n description STAFF\n",
    )
    assert plan.commands == ()
    assert plan.unmanaged[0] == (
        "interface GigabitEthernet1/0/1: the device has no such interface; not planned"
    )


# ----------------------------------------------------------------- the pinned field case
def _commune(ports: Ports | None = None) -> tuple[str, str]:
    """The hand-built commune 2960 planned as dinh-hai-sw1, reached at 192.168.1.250."""
    running = (BROWNFIELD / "commune-2960.cfg").read_text("utf-8")
    device = replace(device_for("cisco_ios"), ports=ports)
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    found = interfaces_in("cisco_ios", running)
    return running, render_device(province, device, SECRETS, interfaces=found).text


def test_the_uplink_vnpt_trunk_is_never_shut_into_vlan_999() -> None:
    running, intended = _commune()
    context = Context(login_user="admin", session_address="192.168.1.250")
    plan = plan_config("dinh-hai-sw1", "cisco_ios", running, intended, context)
    typed = "\n".join(plan.commands)
    # the ports were laid over Fa0/1-24 (+ Gi0/1-2 spare): nothing for Gi1/0/x
    assert "interface FastEthernet0/1\n" in typed
    assert "GigabitEthernet1/0/" not in typed
    # the telecom's trunk and the LACP members are left as they are, and said so
    for name in ("GigabitEthernet0/1", "FastEthernet0/23", "FastEthernet0/24"):
        assert f"interface {name}\n" not in typed + "\n"
    assert (
        "interface GigabitEthernet0/1: trunk port 'uplink VNPT', not shut; left as it is (to "
        "manage it, declare it in the inventory: ports: uplink/chain/keep)"
    ) in plan.unmanaged
    assert (
        "interface FastEthernet0/23: member of bundle 1 'to SW2', not shut; left as it is (to "
        "manage it, declare it in the inventory: ports: uplink/chain/keep)"
    ) in plan.unmanaged
    # moving management off VLAN 1 is its own step: blocked, with the line
    blocking = {(f.rule, f.line) for f in plan.blocking}
    assert ("management-path", "interface Vlan1 > no ip address") in blocking
    assert ("default-route", "ip default-gateway 10.64.120.1") in blocking


def test_a_declared_uplink_is_planned_as_the_trunk_and_its_changes_flagged() -> None:
    running, intended = _commune(Ports(uplink="GigabitEthernet0/1", keep=("GigabitEthernet0/2",)))
    assert "interface GigabitEthernet0/2\n" not in intended  # kept: never configured
    context = Context(login_user="admin", session_address="192.168.1.250")
    plan = plan_config("dinh-hai-sw1", "cisco_ios", running, intended, context)
    rules = {f.rule: f for f in plan.blocking}
    assert rules["native-vlan"].line == (
        "interface GigabitEthernet0/1 > switchport trunk native vlan 999"
    )
    assert rules["trunk-vlan-in-use"].reason.endswith(
        "(GigabitEthernet0/1 stops carrying VLAN 1, still in use)"
    )


def test_a_device_whose_ports_fit_no_layout_fails_in_one_line() -> None:
    device = device_for("cisco_ios")
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    with pytest.raises(RenderError) as caught:
        render_device(province, device, SECRETS, interfaces=["Ethernet0/0", "Ethernet0/1"])
    assert str(caught.value) == (
        "dinh-hai-sw1: the device has 2 front-panel ports (Ethernet0/0-1), which fit no access "
        "layout (8, 16, 24, 48 ports)\n    fix: an access switch needs at least 8 front-panel "
        "ports: give this device another role, or set 'managed: false' to keep it monitored only"
    )


def test_a_device_between_layouts_is_told_the_largest_layout_it_can_take() -> None:
    device = device_for("cisco_ios")
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    names = [f"FastEthernet0/{n}" for n in range(1, 31)]
    with pytest.raises(RenderError) as caught:
        render_device(province, device, SECRETS, interfaces=names)
    assert str(caught.value) == (
        "dinh-hai-sw1: the device has 30 front-panel ports (FastEthernet0/1-30), which fit no "
        "access layout (8, 16, 24, 48 ports)\n    fix: declare the layout and the uplink for "
        "this device in the inventory, e.g. ports: {layout: access24, uplink: FastEthernet0/30}"
    )


def test_ports_named_by_their_speed_are_one_front_panel() -> None:
    """The real S6730-H24X6C-V2 (V600): 24 ``10GE1/0/x`` and 6 ``100GE1/0/x``; a type that
    starts with digits had made every port a kind of its own, and a 24-port switch 'one'."""
    config = REAL / "huawei_vrpv8" / "index-54670878180--sw1pop44-adylnet-s6730h-v2.cfg"
    front, rest = ports.front_panel(interfaces_in("huawei_vrpv8", config.read_text("utf-8")))
    assert front == [f"10GE1/0/{n}" for n in range(1, 25)]
    assert rest == [f"100GE1/0/{n}" for n in range(1, 7)]
    assert ports.describe(rest) == "100GE1/0/1-6"


def test_a_declared_uplink_the_device_lacks_fails_in_one_line() -> None:
    device = replace(device_for("cisco_ios"), ports=Ports(uplink="GigabitEthernet1/0/52"))
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    names = [f"FastEthernet0/{n}" for n in range(1, 25)] + ["GigabitEthernet0/1"]
    with pytest.raises(RenderError) as caught:
        render_device(province, device, SECRETS, interfaces=names)
    assert str(caught.value) == (
        "dinh-hai-sw1: ports.uplink GigabitEthernet1/0/52 is not an interface of this device; "
        "it has FastEthernet0/1-24, GigabitEthernet0/1\n    fix: write ports.uplink as the "
        "device names it"
    )


def test_a_declared_layout_larger_than_the_device_fails_in_one_line() -> None:
    device = replace(device_for("cisco_ios"), ports=Ports(layout="access48"))
    province = next(p for p in _demo().plans if p.province.slug == device.province)
    names = [f"FastEthernet0/{n}" for n in range(1, 25)]
    with pytest.raises(RenderError) as caught:
        render_device(province, device, SECRETS, interfaces=names)
    assert str(caught.value) == (
        "dinh-hai-sw1: layout access48 needs 48 front-panel ports; the device has 24 "
        "(FastEthernet0/1-24)\n    fix: declare a smaller layout (ports: {layout: access24}) "
        "for this device"
    )


# ------------------------------------------------------------------ unreadable configs
def test_a_config_the_planner_cannot_hold_fails_with_its_line() -> None:
    running = "hostname x\ninterface Fa0/5\n description a\n interface Fa0/6\n description a\n"
    with pytest.raises(PlanError) as caught:
        plan_config("sw", "cisco_ios", running, "hostname x\n")
    assert str(caught.value) == (
        "sw: cannot plan: running config line 5 'description a': the same line twice in the "
        "section 'interface Fa0/5' (hier_config cannot hold it; check the indentation there); "
        "nothing was changed on this device"
    )


def test_an_acl_with_the_same_remark_twice_is_planned() -> None:
    running = (
        "ip access-list extended OLD\n remark == office ==\n permit ip any any\n"
        " remark == office ==\n deny ip any any\n"
    )
    assert plan_config("sw", "cisco_ios", running, "hostname x\n").commands == ("hostname x",)
