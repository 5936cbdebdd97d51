"""Static default routes on the lab over real SSH: a route the intended config lacks goes,
after the intended one is in; the one today's session returns by needs --force, and on VRP5
(no trial commit) not even that pushes it.

Each device is first converged, then given the brownfield route(s) by typing them over a
session, as a technician would have; the lab keeps several static default routes side by
side, as IOS and VRP do.
"""

from __future__ import annotations

from dataclasses import dataclass

from communet.apply import Options, Result, apply_device
from communet.render import RenderedConfig, render_device

from .conftest import Site


@dataclass(frozen=True)
class Case:
    hostname: str
    intended: str  # the route the rendered config has
    brownfield: tuple[str, ...]  # what is typed to make the device brownfield
    removal: str  # what the plan types to take the brownfield route away


# thanh-son-sw1 (VRP5): reached on Vlanif10 10.59.41.2/27, its route via 10.59.41.1
VRP5_STALE = Case(
    "thanh-son-sw1",
    "ip route-static 0.0.0.0 0.0.0.0 10.59.41.1 description MGMT-DEFAULT",
    ("ip route-static 0.0.0.0 0.0.0.0 192.0.2.1 preference 70",),
    "undo ip route-static 0.0.0.0 0.0.0.0 192.0.2.1",
)
# the same switch reached today through another gateway of its management subnet
VRP5_TODAYS = Case(
    "thanh-son-sw1",
    "ip route-static 0.0.0.0 0.0.0.0 10.59.41.1 description MGMT-DEFAULT",
    (
        "undo ip route-static 0.0.0.0 0.0.0.0 10.59.41.1",
        "ip route-static 0.0.0.0 0.0.0.0 10.59.41.30",
    ),
    "undo ip route-static 0.0.0.0 0.0.0.0 10.59.41.30",
)
# hub-thach-thanh-agg1 (VRPv8): the same, its old route typed with the mask length
VRP8_TODAYS = Case(
    "hub-thach-thanh-agg1",
    "ip route-static 0.0.0.0 0.0.0.0 10.129.135.1 description MGMT-DEFAULT",
    (
        "undo ip route-static 0.0.0.0 0.0.0.0 10.129.135.1",
        "ip route-static 0.0.0.0 0 10.129.135.30",
    ),
    "undo ip route-static 0.0.0.0 0 10.129.135.30",
)
# dinh-hai-ce1 (IOS): a CE router reached on its LAN address; its route leads to the WAN
IOS_OLD_ISP = Case(
    "dinh-hai-ce1",
    "ip route 0.0.0.0 0.0.0.0 100.64.10.2 name TSLCD-DEFAULT",
    (
        "no ip route 0.0.0.0 0.0.0.0 100.64.10.2",
        "ip route 0.0.0.0 0.0.0.0 198.51.100.1 name OLD-ISP",
    ),
    "no ip route 0.0.0.0 0.0.0.0 198.51.100.1",
)


def intended_for(site: Site, hostname: str) -> RenderedConfig:
    device = site.device(hostname)
    province = next(p for p in site.loaded.plans if p.province.slug == device.province)
    return render_device(province, device, site.secrets)


def apply(site: Site, hostname: str, **options: object) -> Result:
    opts = Options(backup_dir=site.state / "backups", **options)  # type: ignore[arg-type]
    device = site.device(hostname)
    intended = intended_for(site, hostname)
    return apply_device(device, intended, site.connect, opts, login_user="admin")


def brownfield(site: Site, case: Case) -> str:
    """Converge the device, then type the case's brownfield lines; its running config."""
    first = apply(site, case.hostname)
    assert first.status == "changed", first.error
    session = site.connect(site.device(case.hostname))
    try:
        session.begin(0)
        session.push(case.brownfield)
        session.end(0)
        session.confirm()
    finally:
        session.close()
    running = site.running(case.hostname)
    assert case.removal.split(" ", 1)[1] in running
    return running


def assert_converged(site: Site, case: Case) -> None:
    """The second plan is empty, the old route gone, the intended one there, management
    answering (a new session)."""
    running = site.running(case.hostname)
    assert case.removal.split(" ", 1)[1] not in running
    assert case.intended in running
    assert running.count(case.intended.split(" 0.0.0.0 ")[0] + " 0.0.0.0 ") == 1
    again = apply(site, case.hostname, check=True)  # the second plan, over a new session
    assert (again.status, again.commands) == ("ok", ())
    assert site.lab.call(site.lab.device(case.hostname).management_up)


def test_a_stale_route_beside_the_management_route_goes_on_a_plain_apply(site: Site) -> None:
    """The defect: the route an earlier apply left beside the intended one goes now."""
    case = VRP5_STALE
    brownfield(site, case)
    result = apply(site, case.hostname)
    assert result.status == "changed", result.error
    assert result.commands[-1] == case.removal
    assert [f for f in result.findings if "default-route" in f] == [
        f"warning: default-route-replaced: {case.removal!r}: removes a default route the "
        "intended config does not have (not the one the management session returns by): what "
        "it carried now follows the intended route (ip route-static 0.0.0.0 0.0.0.0 192.0.2.1;"
        " the session returns by ip route-static 0.0.0.0 0.0.0.0 10.59.41.1) (prefer: check "
        "that the intended next hop carries the site's traffic)"
    ]
    assert_converged(site, case)


def test_the_route_today_s_session_returns_by_is_refused_then_forced(site: Site) -> None:
    """VRPv8: the intended gateway replaces the one the switch is reached through today:
    refused without --force; forced (trial commit armed), added first, then removed."""
    case = VRP8_TODAYS
    before = brownfield(site, case)
    refused = apply(site, case.hostname)
    assert refused.blocked
    assert not refused.changed
    assert f"default-route: {case.removal!r}: removes or changes the default route" in (
        refused.error
    )
    assert site.running(case.hostname) == before
    forced = apply(site, case.hostname, force=True, trial_minutes=1)
    assert forced.status == "changed", forced.error
    commands = list(forced.commands)
    assert commands.index(case.intended) < commands.index(case.removal)
    assert_converged(site, case)


def test_a_router_s_only_default_route_is_replaced_make_before_break(site: Site) -> None:
    """IOS CE router reached from a remote NOC: every default route may carry the session,
    so the change needs --force; forced under the revert timer it converges."""
    case = IOS_OLD_ISP
    brownfield(site, case)
    refused = apply(site, case.hostname)
    assert refused.blocked
    assert f"default-route: {case.removal!r}" in refused.error
    forced = apply(site, case.hostname, force=True, trial_minutes=1)
    assert forced.status == "changed", forced.error
    commands = list(forced.commands)
    assert commands.index(case.intended) < commands.index(case.removal)
    assert_converged(site, case)


def test_vrp5_never_forces_the_session_s_route_away(site: Site) -> None:
    case = VRP5_TODAYS
    before = brownfield(site, case)
    result = apply(site, case.hostname, force=True)
    assert result.failed
    assert result.blocked
    assert result.error == (
        f"{case.hostname}: not pushed, even with --force: default-route may end the "
        "management session, and huawei_vrp has no trial commit to take the device back if "
        "it does; make this change from the console"
    )
    assert site.running(case.hostname) == before
