"""Static default routes hold several values (IOS 'ip route', VRP 'ip route-static').

A second default route with another next hop is added beside the first on both platforms
(equal-cost, or floating with a distance/preference), so the plan adds the intended route
and then removes the others by destination, mask as shown and next hop; and removing the
one today's management session returns by is a blocking management-path change. Real
configs from tests/fixtures/real (index.yaml) with their own default routes, edited the way
an operator's intended config would differ, plus hand-built management cases.
"""

from __future__ import annotations

import pytest

from communet.plan import Context, Plan, plan_config
from communet.plan.diff import Planner, predict
from communet.plan.tree import parse, render
from communet.platforms import get_platform

from .real_configs import REAL, entries, plan_entry

DPR_R1 = "cisco_ios/warmoni--project-dpr-r1.cfg"  # two default routes, floating, one tracked
SAMPLE_01 = "cisco_ios/mpenning--tests-fixtures-sample-01.cfg"  # via Dialer1, and a host route
LAB06_SW2 = "cisco_ios/warmoni--lab06-sw2.cfg"  # an L3 switch, both routes via its SVI
S5700A = "huawei_vrp/index-24709222996--s5700a.cfg"  # one default route via Vlanif601
# sourced: a real S2700-52P (V100), reached on Vlanif1000, its default route via that subnet
S2700 = "huawei_vrp/iyifanx--vrpcfg-s2700-52p.cfg"


def real(name: str) -> str:
    return (REAL / name).read_text("utf-8")


def edited(text: str, *pairs: tuple[str, str]) -> str:
    """``text`` with each old line replaced by the new one ('' drops it)."""
    for old, new in pairs:
        assert f"\n{old}\n" in text, old
        text = text.replace(f"\n{old}\n", f"\n{new}\n" if new else "\n")
    return text


def plan_of(platform: str, running: str, intended: str, session: str = "") -> Plan:
    context = Context(login_user="admin", session_address=session)
    return plan_config("r1", platform, running, intended, context)


def assert_converges(platform: str, plan: Plan, intended: str) -> None:
    """The predicted result needs nothing more (the second plan is empty)."""
    again = plan_config("r1", platform, plan.after, intended, Context(login_user="admin"))
    assert again.commands == (), again.commands


def route_findings(plan: Plan) -> list[tuple[str, str, bool]]:
    return [(f.rule, f.line, f.blocking) for f in plan.findings if "default-route" in f.rule]


# --------------------------------------------------------------- the corpus has them
def test_the_corpus_carries_default_routes_of_every_kind() -> None:
    files = {e.file for e in entries()}
    assert {DPR_R1, SAMPLE_01, LAB06_SW2, S5700A, S2700} <= files
    assert "ip route 0.0.0.0 0.0.0.0 176.96.184.5 50 track 1\n" in real(DPR_R1)
    assert "ip route 0.0.0.0 0.0.0.0 Dialer1 250\n" in real(SAMPLE_01)
    assert "ip route-static 0.0.0.0 0.0.0.0 59.252.101.62\n" in real(S5700A)
    assert "ip route-static 0.0.0.0 0.0.0.0 172.31.1.1\n" in real(S2700)


# ----------------------------------------------------------------- IOS, real routers
def test_a_new_primary_route_is_added_before_the_old_one_goes() -> None:
    """dpr-r1 reached over its backup line (Ethernet1/0): the primary ISP changes."""
    running = real(DPR_R1)
    intended = edited(
        running,
        (
            "ip route 0.0.0.0 0.0.0.0 176.96.184.5 50 track 1",
            "ip route 0.0.0.0 0.0.0.0 176.96.184.9 50 track 1",
        ),
    )
    plan = plan_of("cisco_ios", running, intended, session="31.133.48.2")
    assert plan.commands == (
        "ip route 0.0.0.0 0.0.0.0 176.96.184.9 50 track 1",
        "no ip route 0.0.0.0 0.0.0.0 176.96.184.5",
    )
    # undone in the reverse order: the old route back first, then the new one away
    assert plan.rollback == (
        "ip route 0.0.0.0 0.0.0.0 176.96.184.5 50 track 1",
        "no ip route 0.0.0.0 0.0.0.0 176.96.184.9",
    )
    # the session returns by the backup route, which stays: a warning, the push goes on
    assert route_findings(plan) == [
        ("default-route-replaced", "no ip route 0.0.0.0 0.0.0.0 176.96.184.5", False)
    ]
    assert plan.blocking == ()
    assert [f.render() for f in plan.findings] == [
        "warning: default-route-replaced: 'no ip route 0.0.0.0 0.0.0.0 176.96.184.5': removes "
        "a default route the intended config does not have (not the one the management "
        "session returns by): what it carried now follows the intended route (ip route "
        "0.0.0.0 0.0.0.0 176.96.184.5; the session returns by ip route 0.0.0.0 0.0.0.0 "
        "31.133.48.1) (prefer: check that the intended next hop carries the site's traffic)"
    ]
    assert "ip route 0.0.0.0 0.0.0.0 31.133.48.1 100" in plan.after
    assert "ip route 0.0.0.0 0.0.0.0 176.96.184.5" not in plan.after
    assert_converges("cisco_ios", plan, intended)


def test_removing_the_route_the_session_returns_by_is_blocking() -> None:
    """The same change, with the session arriving on the primary line (Ethernet0/0)."""
    running = real(DPR_R1)
    intended = edited(
        running,
        (
            "ip route 0.0.0.0 0.0.0.0 176.96.184.5 50 track 1",
            "ip route 0.0.0.0 0.0.0.0 176.96.184.9 50 track 1",
        ),
    )
    plan = plan_of("cisco_ios", running, intended, session="176.96.184.6")
    assert [f.render() for f in plan.blocking] == [
        "default-route: 'no ip route 0.0.0.0 0.0.0.0 176.96.184.5': removes or changes the "
        "default route/gateway the management session returns by (ip route 0.0.0.0 0.0.0.0 "
        "176.96.184.5) (prefer: add the new route first, prove a new session, then remove "
        "the old one)"
    ]


def test_a_distance_change_retypes_the_route_in_place() -> None:
    """sample-01: the route via 172.16.2.254 gets another distance (IOS replaces a route
    with the same next hop), the one via Dialer1 goes, the host route to Null0 stays."""
    running = real(SAMPLE_01)
    intended = edited(
        running,
        ("ip route 0.0.0.0 0.0.0.0 Dialer1 250", ""),
        ("ip route 0.0.0.0 0.0.0.0 172.16.2.254 254", "ip route 0.0.0.0 0.0.0.0 172.16.2.254 200"),
    )
    plan = plan_of("cisco_ios", running, intended, session="172.16.2.1")
    assert plan.commands == (
        "ip route 0.0.0.0 0.0.0.0 172.16.2.254 200",
        "no ip route 0.0.0.0 0.0.0.0 Dialer1",
    )
    assert plan.rollback == (
        "ip route 0.0.0.0 0.0.0.0 Dialer1 250",
        "ip route 0.0.0.0 0.0.0.0 172.16.2.254 254",
    )
    assert route_findings(plan) == [
        ("default-route-replaced", "no ip route 0.0.0.0 0.0.0.0 Dialer1", False)
    ]
    assert "ip route 172.16.255.254 255.255.255.255 Null0" in plan.after
    assert_converges("cisco_ios", plan, intended)


def test_a_floating_route_via_the_session_s_own_subnet_is_the_session_s() -> None:
    """lab06-sw2, an L3 switch reached on Vlan333: both routes lead out of it."""
    running = real(LAB06_SW2)
    intended = edited(running, ("ip route 0.0.0.0 0.0.0.0 192.168.3.4 15", ""))
    plan = plan_of("cisco_ios", running, intended, session="192.168.3.2")
    assert plan.commands == ("no ip route 0.0.0.0 0.0.0.0 192.168.3.4",)
    assert route_findings(plan) == [
        ("default-route", "no ip route 0.0.0.0 0.0.0.0 192.168.3.4", True)
    ]


def test_routes_to_other_destinations_and_unnamed_sets_are_left_alone() -> None:
    running = real(SAMPLE_01)
    # the intended config names no default route: the device's stay, reported unmanaged
    intended = edited(
        running,
        ("ip route 0.0.0.0 0.0.0.0 Dialer1 250", ""),
        ("ip route 0.0.0.0 0.0.0.0 172.16.2.254 254", ""),
        ("ip route 172.16.255.254 255.255.255.255 Null0", ""),
    )
    plan = plan_of("cisco_ios", running, intended, session="172.16.2.1")
    assert plan.commands == ()
    assert {
        "ip route 0.0.0.0 0.0.0.0 Dialer1 250",
        "ip route 0.0.0.0 0.0.0.0 172.16.2.254 254",
        "ip route 172.16.255.254 255.255.255.255 Null0",
    } <= set(plan.unmanaged)


# ------------------------------------------------------------------ VRP, real switch
@pytest.mark.parametrize(
    ("file", "session", "gateway"),
    [
        (S2700, "172.31.1.2", "172.31.1.1"),  # sourced
        (S5700A, "192.168.3.254", "59.252.101.62"),  # unsourced extra data
    ],
)
def test_the_real_s5700_gets_the_management_route_before_its_own_goes(
    file: str, session: str, gateway: str
) -> None:
    """A real VRP5 switch planned as the demo's VRP access switch: the S2700 is reached on
    Vlanif1000 and its only default route leads out of that subnet; the S5700 is reached on
    Vlanif315 and its only default route leads out of Vlanif601. Either way every session
    from a remote NOC returns by it: removing it is the management-path change, blocking."""
    [entry] = [e for e in entries() if e.file == file]
    outcome = plan_entry(entry)
    assert outcome.plan is not None
    assert outcome.session_address == session
    plan = outcome.plan
    add = "ip route-static 0.0.0.0 0.0.0.0 10.59.41.1 description MGMT-DEFAULT"
    remove = f"undo ip route-static 0.0.0.0 0.0.0.0 {gateway}"
    assert add in plan.commands
    assert remove in plan.commands
    assert plan.commands.index(add) < plan.commands.index(remove)
    assert route_findings(plan) == [("default-route", remove, True)]
    assert f"ip route-static 0.0.0.0 0.0.0.0 {gateway}" not in plan.after


# ------------------------------------------------------------- hand-built, management
VRP_TODAY = (
    "sysname sw\n#\ninterface Vlanif1\n ip address 192.168.1.250 255.255.255.0\n#\n"
    "ip route-static 0.0.0.0 0.0.0.0 192.168.1.1\n#\n"
)
VRP_INTENDED = (
    "sysname sw\n#\ninterface Vlanif1\n ip address 192.168.1.250 255.255.255.0\n#\n"
    "interface Vlanif10\n ip address 10.59.38.2 255.255.255.224\n#\n"
    "ip route-static 0.0.0.0 0.0.0.0 10.59.38.1 description MGMT-DEFAULT\n#\n"
)
IOS_TODAY = (
    "hostname sw\n!\ninterface Vlan1\n ip address 192.168.1.250 255.255.255.0\n!\n"
    "ip route 0.0.0.0 0.0.0.0 192.168.1.1\n!\n"
)
IOS_INTENDED = (
    "hostname sw\n!\ninterface Vlan1\n ip address 192.168.1.250 255.255.255.0\n!\n"
    "interface Vlan10\n ip address 10.59.38.2 255.255.255.224\n!\n"
    "ip route 0.0.0.0 0.0.0.0 10.59.38.1 name MGMT-DEFAULT\n!\n"
)
MANAGEMENT_CASES = [
    ("cisco_ios", IOS_TODAY, IOS_INTENDED, "no ip route 0.0.0.0 0.0.0.0 192.168.1.1"),
    ("huawei_vrp", VRP_TODAY, VRP_INTENDED, "undo ip route-static 0.0.0.0 0.0.0.0 192.168.1.1"),
    ("huawei_vrpv8", VRP_TODAY, VRP_INTENDED, "undo ip route-static 0.0.0.0 0.0.0.0 192.168.1.1"),
]


@pytest.mark.parametrize(("platform", "running", "intended", "removal"), MANAGEMENT_CASES)
def test_the_intended_gateway_replacing_today_s_is_caught(
    platform: str, running: str, intended: str, removal: str
) -> None:
    """Reached today at 192.168.1.250 through 192.168.1.1; the intended route goes via the
    intended management gateway: added first, and the old one's removal blocks."""
    plan = plan_of(platform, running, intended, session="192.168.1.250")
    added = next(c for c in plan.commands if "10.59.38.1" in c)
    assert plan.commands.index(added) < plan.commands.index(removal)
    assert plan.commands[-1] == removal  # removals come last: make-before-break
    assert route_findings(plan) == [("default-route", removal, True)]
    assert_converges(platform, plan, intended)


@pytest.mark.parametrize(("platform", "running", "intended", "removal"), MANAGEMENT_CASES)
def test_without_the_session_s_address_every_removal_blocks(
    platform: str, running: str, intended: str, removal: str
) -> None:
    plan = plan_of(platform, running, intended)
    assert route_findings(plan) == [("default-route", removal, True)]


@pytest.mark.parametrize(("platform", "running", "intended", "removal"), MANAGEMENT_CASES)
def test_a_stale_route_beside_the_session_s_is_removed_with_a_warning(
    platform: str, running: str, intended: str, removal: str
) -> None:
    """The defect's own state: an earlier apply added the intended route and left the old
    one beside it (load-balancing to it); the session now runs on the intended path."""
    assert "192.168.1.1" in running
    now = intended + removal.split(" ", 1)[1] + "\n"  # what the old planner left: both
    plan = plan_of(platform, now, intended, session="10.59.38.2")
    assert plan.commands == (removal,)
    assert route_findings(plan) == [("default-route-replaced", removal, False)]
    assert plan.blocking == ()
    assert_converges(platform, plan, intended)


@pytest.mark.parametrize(("platform", "via"), [("cisco_ios", "Vlan1"), ("huawei_vrp", "Vlanif1")])
def test_a_route_out_of_the_session_s_interface_is_the_session_s(platform: str, via: str) -> None:
    today, intended = (
        (IOS_TODAY, IOS_INTENDED) if platform == "cisco_ios" else (VRP_TODAY, VRP_INTENDED)
    )
    running = today.replace("0.0.0.0 192.168.1.1", f"0.0.0.0 {via}")
    plan = plan_of(platform, running, intended, session="192.168.1.250")
    [finding] = route_findings(plan)
    assert finding[0] == "default-route"
    assert finding[1].endswith(f"0.0.0.0 0.0.0.0 {via}")


def test_vrp_s_mask_length_spelling_is_the_same_route() -> None:
    short = VRP_INTENDED.replace(
        "ip route-static 0.0.0.0 0.0.0.0 10.59.38.1", "ip route-static 0.0.0.0 0 10.59.38.1"
    )
    assert plan_of("huawei_vrp", short, VRP_INTENDED, session="10.59.38.2").commands == ()
    # a stale one shown with the length is undone as shown
    stale = short.replace(
        "#\nip route", "#\nip route-static 0.0.0.0 0 192.0.2.1 preference 70\nip route"
    )
    plan = plan_of("huawei_vrp", stale, VRP_INTENDED, session="10.59.38.2")
    assert plan.commands == ("undo ip route-static 0.0.0.0 0 192.0.2.1",)
    assert plan.rollback == ("ip route-static 0.0.0.0 0 192.0.2.1 preference 70",)


def test_restoring_a_backup_takes_away_the_route_a_failed_push_added() -> None:
    """Restoring (a failed push on VRP5): the backup's route set is put back exactly."""
    pushed = plan_of("huawei_vrp", VRP_TODAY, VRP_INTENDED, session="192.168.1.250")
    spec = get_platform("huawei_vrp")
    halfway = render(predict(Planner(spec, Context()), parse(spec, VRP_TODAY), pushed.changes[:-1]))
    assert "10.59.38.1" in halfway
    assert "192.168.1.1" in halfway
    back = plan_config("sw", "huawei_vrp", halfway, VRP_TODAY, Context(restore=True))
    assert "undo ip route-static 0.0.0.0 0.0.0.0 10.59.38.1" in back.commands
    assert not any("192.168.1.1" in c for c in back.commands)
