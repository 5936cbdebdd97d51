"""The destructive-change catalogue, and the planner's two guards built on it.

A plan is judged by what it does, not by how its lines look: the device's state is read from
the running config and from the config the plan predicts (:mod:`communet.plan.facts`), and
every entry of :data:`CATALOGUE` compares the two. Each platform says which of its lines
typically causes each hazard (``StateRules.causes``), so a finding names that line.

Before that, :func:`fit_intended` avoids what it can by construction: a live trunk, bundle
member or routed port that the intended config would turn into something else is left as
it is and reported (declare it in the inventory to manage it), and an interface the device
does not have is never planned.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from communet.plan.diff import Change, compiled
from communet.plan.facts import Facts, PortState, port_state, walk
from communet.plan.tree import Node
from communet.platforms.spec import PlatformSpec, StateRules


@dataclass(frozen=True)
class Hazard:
    """One kind of destructive change: what it breaks and what to do instead."""

    name: str
    reason: str
    safe_form: str = ""
    blocking: bool = True  # False: reported as a warning, the push goes on


CATALOGUE: tuple[Hazard, ...] = (
    Hazard(
        "port-shut",
        "shuts a live trunk, bundle member, routed port or a port with a link now: whatever "
        "hangs off it is cut off",
        "leave the port as it is, or declare its role in the inventory",
    ),
    Hazard(
        "trunk-remode",
        "moves a live trunk to another mode: every VLAN but one stops crossing it",
        "declare the port as uplink/chain in the inventory (ports: uplink: NAME)",
    ),
    Hazard(
        "live-port-remode",
        "moves a port that has a link now to another mode (access/trunk/routed): what is "
        "plugged in stops working",
        "leave the port as it is, or declare its role in the inventory (ports: keep/uplink)",
    ),
    Hazard(
        "routed-port",
        "turns a routed port into a switchport: its address and routes go",
        "leave the port as it is, or move the link to another port first",
    ),
    Hazard(
        "access-vlan-reset",
        "moves a live access port back to VLAN 1 (its VLAN line removed, none given)",
        "switchport access vlan <id> / port default vlan <id>: a direct move",
    ),
    Hazard(
        "lag-member",
        "removes a port from its port-channel/Eth-Trunk: the bundle loses a link or breaks",
        "configure the bundle interface, not its members",
    ),
    Hazard(
        "native-vlan",
        "changes the native VLAN/PVID of a live trunk: untagged traffic lands in another VLAN "
        "(the far end still sends it in the old one)",
        "change both ends in one maintenance window, from the console",
    ),
    Hazard(
        "trunk-vlan-in-use",
        "removes from a live trunk a VLAN that ports or the management SVI still use",
        "move the ports off the VLAN first; then prune it with 'remove'",
    ),
    Hazard(
        "vlan-in-use",
        "deletes a VLAN that live ports or an SVI still use: they stop forwarding",
        "move the ports off the VLAN first",
    ),
    Hazard(
        "management-path",
        "changes the interface or address that carries the management session now",
        "move management in its own step (communet adopt), or change it from the console",
    ),
    Hazard(
        "management-moved",
        "moves the management address between a routed port and its own subinterfaces",
        "check that the new interface is up and routed before the old one goes",
        blocking=False,
    ),
    Hazard(
        "address-overlap",
        "gives an interface an address in a subnet another interface has: the device refuses "
        "the line, and the push stops there",
        "renumber or remove the other interface first, or declare this port in the inventory",
    ),
    Hazard(
        "default-route",
        "removes or changes the default route/gateway the management session returns by",
        "add the new route first, prove a new session, then remove the old one",
    ),
    Hazard(
        "default-route-replaced",
        "removes a default route the intended config does not have (not the one the "
        "management session returns by): what it carried now follows the intended route",
        "check that the intended next hop carries the site's traffic",
        blocking=False,
    ),
    Hazard(
        "vty-acl",
        "changes the ACL on the vty lines that lets the management session in",
        "change it from the console, or force it with the trial commit armed",
    ),
    Hazard(
        "vty-acl-added",
        "puts an ACL on vty lines that had none: a session from outside it is refused",
        "check that the NOC networks cover where you connect from",
        blocking=False,
    ),
    Hazard(
        "vty-acl-noc",
        "leaves the vty lines with an ACL that does not let the NOC in: no SSH session from "
        "the NOC gets a login prompt (nor the session that proves this push)",
        "permit the NOC networks in that ACL (or let the intended config's ACL replace it)",
    ),
    Hazard(
        "login-removed",
        "removes the login the session runs as",
        "keep the account until the new one is proven",
    ),
    Hazard(
        "last-user",
        "removes every local user: nobody can log in any more",
        "keep at least one local user",
    ),
    Hazard(
        "aaa-removed",
        "removes an AAA authentication method or domain that logins may depend on",
        "leave it, or replace it in the same step",
    ),
    Hazard(
        "interface-removed",
        "removes a live interface",
        "shut it first, check nothing depends on it, then remove it",
    ),
    Hazard(
        "stp-mode",
        "changes the spanning-tree mode: the whole switched network reconverges (a short outage)",
        "do it in a maintenance window",
        blocking=False,
    ),
)
HAZARDS = {h.name: h for h in CATALOGUE}
# The hazards that take away the address the management session arrives on, or the default
# route it may return by: forcing them is only safe where a trial commit takes the device
# back when the session is lost.
SESSION_HAZARDS = frozenset({"management-path", "management-moved", "default-route"})
# The hazards that leave the session in place but refuse the next one from where it came:
# where no trial commit takes the device back, the engine's own rollback after a dropped
# session reconnects that way and is shut out, so they cannot be forced there either.
LOCKOUT_HAZARDS = frozenset({"vty-acl", "vty-acl-noc"})
# The hazards that only threaten the session on the management path: over the serial
# console that path does not carry the session, and a session on it proves it before the
# trial commit is confirmed (else the device goes back), so they do not block there.
OFF_PATH_SAFE = frozenset({"management-path", "default-route", "vty-acl", "login-removed"})


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Hit:
    hazard: Hazard
    line: str  # the plan line that causes it (or the section it is about)
    detail: str


# ------------------------------------------------------------------ avoid by construction
@dataclass(frozen=True)
class Fitted:
    intended: Node
    notes: tuple[str, ...]  # reported with the unmanaged lines
    left: frozenset[str] = frozenset()  # the section headers left alone


def fit_intended(
    spec: PlatformSpec, running: dict[str, PortState], intended: Node, rules: StateRules
) -> Fitted:
    """The intended tree without the interfaces it must not touch, and why each was left."""
    has_physical = any(p.kind == "physical" for p in running.values())
    physical = compiled(rules.physical)
    kept: list[Node] = []
    notes: list[str] = []
    for node in intended.children:
        found = compiled(rules.interface).match(node.text)
        if found is None:
            kept.append(node)
            continue
        name = found.group("name")
        current = running.get(name)
        if current is None:
            if has_physical and physical.match(name):
                notes.append(f"{node.text}: the device has no such interface; not planned")
                continue
            kept.append(node)
            continue
        if (
            current.live
            and current.special
            and _changes_role(current, port_state(spec, rules, name, node))
        ):
            notes.append(
                f"{node.text}: {current.summary()}; left as it is (to manage it, declare it "
                "in the inventory: ports: uplink/chain/keep)"
            )
            continue
        kept.append(node)
    left = frozenset(n.text for n in intended.children) - {n.text for n in kept}
    return Fitted(Node(intended.text, tuple(kept)), tuple(notes), left)


def _changes_role(current: PortState, wanted: PortState) -> bool:
    if current.link_up and (wanted.shutdown or _mode(wanted) != _mode(current)):
        return True  # something is plugged in and up: never shut or re-moded by a layout
    if current.group:
        return True  # a bundle member is configured through its bundle, never one by one
    if current.mode == "routed" or (current.addresses and current.kind == "physical"):
        return wanted.mode in ("access", "trunk", "hybrid")  # a switchport now
    if current.trunk:
        return not wanted.trunk or wanted.shutdown
    return False


def _mode(port: PortState) -> str:
    return port.mode or "access"


# ------------------------------------------------------------------------- the checks
Check = Callable[["_Judge"], list[Hit]]


@dataclass(frozen=True)
class GuardContext:
    login_user: str = ""
    session_address: str = ""  # where the management session reaches the device now
    mgmt_vlan: int = 10
    noc_networks: tuple[str, ...] = ()  # where the NOC's SSH sessions come from


@dataclass(frozen=True)
class _Judge:
    before: Facts
    after: Facts
    changes: Sequence[Change]
    rules: StateRules
    context: GuardContext

    def cause(self, hazard: str, section: str = "") -> str:
        """The plan line (under ``section`` when given) that matches the hazard's cause."""
        pattern = self.rules.cause(hazard)
        fallback = ""
        for change in self.changes:
            inside = change.path[:1] == (section,) or (
                not change.path and change.node.text == section
            )
            if section and not inside:
                continue
            for text in walk(Node("", (change.node,)), change.path):
                fallback = fallback or text
                if pattern and compiled(pattern).search(text.rpartition(" > ")[2]):
                    return text
        return fallback or section

    def hit(self, hazard: str, detail: str, section: str = "") -> Hit:
        return Hit(HAZARDS[hazard], self.cause(hazard, section), detail)


def _ports(judge: _Judge) -> list[Hit]:
    hits: list[Hit] = []
    in_use = judge.after.vlans_in_use() | _still_used(judge)
    for name, old in judge.before.ports.items():
        section = f"interface {name}"
        new = judge.after.ports.get(name)
        if new is None:
            if old.live and old.kind != "other":
                hits.append(judge.hit("interface-removed", f"{name} ({old.summary()})", section))
            continue
        if new == old or not old.live:
            continue
        hits += _port(judge, section, old, new, in_use)
    return hits


def _still_used(judge: _Judge) -> set[int]:
    """VLANs the session needs whatever the plan does: the SVI it runs through, MGMT."""
    held = judge.before.holding(judge.context.session_address)
    vlans = {judge.context.mgmt_vlan}
    if held is not None and held.svi_vlan is not None:
        vlans.add(held.svi_vlan)
    return vlans


def _port(
    judge: _Judge, section: str, old: PortState, new: PortState, in_use: set[int]
) -> list[Hit]:
    hits: list[Hit] = []
    name = old.name
    # An SVI's shutdown is judged by the management check when the session's address is known
    svi_judged = old.kind == "svi" and bool(judge.context.session_address)
    if new.shutdown and old.special and not svi_judged:
        hits.append(judge.hit("port-shut", f"{name} ({old.summary()})", section))
    if old.group and new.group != old.group:
        hits.append(judge.hit("lag-member", f"{name} leaves {old.group}", section))
    if old.mode == "routed" and new.mode != "routed":
        hits.append(judge.hit("routed-port", f"{name} ({old.summary()})", section))
    elif old.trunk and not new.trunk:
        mode = new.mode or "the default mode"
        hits.append(judge.hit("trunk-remode", f"{name}: {old.mode} → {mode}", section))
    elif old.link_up and _mode(new) != _mode(old):
        detail = f"{name} has a link now: {_mode(old)} → {_mode(new)}"
        hits.append(judge.hit("live-port-remode", detail, section))
    access = ("access", "")
    if (
        old.mode in access
        and new.mode in access
        and old.access_vlan
        and not new.access_vlan
        and not new.shutdown
    ):
        detail = f"{name}: VLAN {old.access_vlan} → 1"
        hits.append(judge.hit("access-vlan-reset", detail, section))
    if old.trunk and new.trunk:
        if old.native_vlan != new.native_vlan:
            detail = f"{name}: native VLAN {old.native_vlan} → {new.native_vlan}"
            hits.append(judge.hit("native-vlan", detail, section))
        dropped = (old.allowed - new.allowed) & in_use
        if dropped:
            ids = ",".join(str(v) for v in sorted(dropped))
            detail = f"{name} stops carrying VLAN {ids}, still in use"
            hits.append(judge.hit("trunk-vlan-in-use", detail, section))
    return hits


def _management(judge: _Judge) -> list[Hit]:
    """The address the session reaches now must stay on a live interface (same VLAN)."""
    address = judge.context.session_address
    held = judge.before.holding(address) if address else None
    if held is None:
        return []
    section = f"interface {held.name}"
    now = judge.after.holding(address)
    if now is None or now.shutdown:
        what = f"{address} removed" if now is None else f"{now.name} shut"
        return [judge.hit("management-path", f"{held.name} carries {address} now: {what}", section)]
    if now.name == held.name:
        twice = [p.name for p in judge.after.ports.values() if address in p.addresses]
        if len(twice) > 1:  # the device refuses the second: the plan cannot be pushed
            detail = f"{address} would be on {' and '.join(twice)} at once"
            return [judge.hit("management-path", detail, f"interface {twice[1]}")]
        return _session_vlan(judge, held)
    detail = f"{address} moves from {held.name} to {now.name}"
    same_wire = held.name.split(".", 1)[0] == now.name.split(".", 1)[0]
    if held.svi_vlan is not None or not same_wire:  # another VLAN, or another port: cut
        return [judge.hit("management-path", detail, section)]
    return [judge.hit("management-moved", detail, section)]


def _session_vlan(judge: _Judge, held: PortState) -> list[Hit]:
    """The session's SVI stays reachable only while some port still forwards its VLAN."""
    vlan = held.svi_vlan
    if vlan is None:
        return []
    before = judge.before.carrying(vlan)
    if not before or judge.after.carrying(vlan):
        return []
    ports = ", ".join(before[:3]) + (f" and {len(before) - 3} more" if len(before) > 3 else "")
    detail = f"no port forwards VLAN {vlan} of {held.name} any more (today: {ports})"
    return [judge.hit("management-path", detail, f"interface {before[0]}")]


def _overlaps(judge: _Judge) -> list[Hit]:
    """An address the plan adds must not share a subnet with another interface's (IOS:
    '% … overlaps with …', VRP: 'conflicts with another address'), whatever the order."""
    hits: list[Hit] = []
    others = [
        (port.name, net, ipaddress.ip_interface(net).network)
        for port in judge.after.ports.values()
        for net in port.networks
    ]
    for name, port in judge.after.ports.items():
        old = judge.before.ports.get(name)
        for net in port.networks:
            if old is not None and net in old.networks:
                continue
            mine = ipaddress.ip_interface(net).network
            clash = next(
                ((o, n) for o, n, network in others if o != name and network.overlaps(mine)), None
            )
            if clash is not None:
                detail = f"{net} on {name} overlaps {clash[1]} on {clash[0]}"
                hits.append(judge.hit("address-overlap", detail, f"interface {name}"))
    return hits


def _routes(judge: _Judge) -> list[Hit]:
    """A default route that goes is a management-path change when today's session may
    return by it; any other one that goes while one the session returns by stays is a
    warning (what it carried follows the routes left)."""
    gone = [r for r in judge.before.default_routes if r not in judge.after.default_routes]
    if not gone:
        return []
    returning = _return_routes(judge)
    kept = [r for r in returning if r in judge.after.default_routes]
    hits: list[Hit] = []
    for route in gone:
        line = _route_line(judge, route)
        if route in returning or not kept:
            hits.append(Hit(HAZARDS["default-route"], line, route))
        else:
            detail = f"{route}; the session returns by {'; '.join(kept)}"
            hits.append(Hit(HAZARDS["default-route-replaced"], line, detail))
    return hits


def _return_routes(judge: _Judge) -> list[str]:
    """The default routes today's session may return by: those via the interface that holds
    its address (a next hop in that interface's subnet, or the interface itself); when none
    is, or the session's address is not known, every one (a session from a remote NOC comes
    back by whichever default route is in use)."""
    routes = list(judge.before.default_routes)
    address = judge.context.session_address
    held = judge.before.holding(address) if address else None
    if held is None:
        return routes
    subnets = [ipaddress.ip_interface(n).network for n in held.networks]
    local = [r for r in routes if _via(r, held.name, subnets)]
    return local or routes


def _via(route: str, interface: str, subnets: Sequence[Network]) -> bool:
    """Whether ``route`` (its key: '... <next hop>') leads out through ``interface``."""
    hop = route.rsplit(maxsplit=1)[-1]
    try:
        address = ipaddress.ip_address(hop)
    except ValueError:
        return hop == interface  # a route out of an interface (its name), not an address
    return any(address in subnet for subnet in subnets)


def _route_line(judge: _Judge, route: str) -> str:
    """The plan line that takes ``route`` away: its removal, or the line replacing it."""
    pattern = compiled(judge.rules.default_route)
    for change in judge.changes:
        if change.path:
            continue
        for undone in change.undo:
            found = pattern.match(undone.text)
            if found is not None and found.group("key") == route:
                return change.node.text
    return judge.cause("default-route")


def _vty(judge: _Judge) -> list[Hit]:
    before, after = judge.before, judge.after
    if before.vty_acls != after.vty_acls:
        old, new = ",".join(before.vty_acls) or "none", ",".join(after.vty_acls) or "none"
        hazard = "vty-acl-added" if not before.vty_acls else "vty-acl"
        return [judge.hit(hazard, f"vty ACL {old} → {new}")]
    changed = [acl for acl in before.vty_acls if before.acl_lines[acl] != after.acl_lines.get(acl)]
    if changed:
        return [judge.hit("vty-acl", f"the entries of ACL {', '.join(changed)} change")]
    return []


def _vty_noc(judge: _Judge) -> list[Hit]:
    """Every vty ACL the device ends with must let the NOC in (a session may land on any vty
    line): judged on the first host of each NOC network, entry by entry as the device reads
    a standard/basic ACL (first match decides, implicit deny at the end). An entry the guard
    cannot read (an extended ACL's) gives no verdict: no finding."""
    after, networks = judge.after, judge.context.noc_networks
    if not networks:
        return []
    # iter(): hosts() of a /32 (a NOC station named alone) is a list, not an iterator
    stations = [next(iter(IPv4Network(n, strict=False).hosts())) for n in networks]
    refused = {
        acl: station
        for acl in after.vty_acls
        for station in stations
        if _acl_admits(after.acl_lines.get(acl, ()), judge.rules, station) is False
    }
    if not refused:
        return []
    detail = "; ".join(f"ACL {acl} refuses the NOC station {s}" for acl, s in refused.items())
    line = judge.cause("vty-acl-noc")
    pattern = compiled(judge.rules.cause("vty-acl-noc") or "$^")
    if not pattern.search(line.rpartition(" > ")[2]):
        # the plan does not touch the vty lines: the ACL is the device's, kept as it is
        line = f"vty ACL {', '.join(refused)} (kept as the device has it)"
    return [Hit(HAZARDS["vty-acl-noc"], line, detail)]


def _acl_admits(lines: Sequence[str], rules: StateRules, address: IPv4Address) -> bool | None:
    """Whether a standard (IOS) / basic (VRP) ACL permits ``address``; None: cannot tell."""
    if not rules.acl_entry:
        return None
    entry = compiled(rules.acl_entry)
    for line in lines:
        found = entry.search(line)
        if found is None:
            tail = line.rpartition(" > ")[2]
            if " > " not in line and not compiled(rules.acl_numbered).match(line):
                continue  # the ACL's own header
            if re.search(r"\b(?:remark|description)\b", tail):
                continue
            return None  # an entry the guard cannot read (an extended ACL's)
        if _entry_matches(found, address):
            return found.group("action") == "permit"
    return False  # the implicit deny at the end


def _entry_matches(found: re.Match[str], address: IPv4Address) -> bool:
    groups = found.groupdict()
    host = groups.get("host") or groups.get("address")
    if groups.get("any") or host is None:
        return True
    wildcard = groups.get("wildcard") or "0"
    wild = 0 if wildcard == "0" else int(IPv4Address(wildcard))
    return (int(address) & ~wild) == (int(IPv4Address(host)) & ~wild)


def _logins(judge: _Judge) -> list[Hit]:
    before, after, user = judge.before, judge.after, judge.context.login_user
    if before.users and not after.users:
        return [judge.hit("last-user", "no local user would be left")]
    if user and user in before.users and user not in after.users:
        return [judge.hit("login-removed", f"the session runs as {user!r}")]
    return []


def _aaa(judge: _Judge) -> list[Hit]:
    gone = [line for line in judge.before.aaa if line not in judge.after.aaa]
    return [judge.hit("aaa-removed", "; ".join(gone))] if gone else []


def _vlans(judge: _Judge) -> list[Hit]:
    used = judge.before.vlans_in_use() | judge.after.vlans_in_use()
    gone = sorted((judge.before.vlans - judge.after.vlans) & used)
    if not gone:
        return []
    return [judge.hit("vlan-in-use", "VLAN " + ",".join(str(v) for v in gone) + " still in use")]


def _stp(judge: _Judge) -> list[Hit]:
    old, new = judge.before.stp_mode, judge.after.stp_mode
    return [judge.hit("stp-mode", f"{old} → {new}")] if old != new else []


CHECKS: tuple[Check, ...] = (
    _ports,
    _management,
    _overlaps,
    _routes,
    _vty,
    _vty_noc,
    _logins,
    _aaa,
    _vlans,
    _stp,
)


def judge(
    before: Facts,
    after: Facts,
    changes: Sequence[Change],
    rules: StateRules,
    context: GuardContext,
) -> list[Hit]:
    """Every hazard of the catalogue the plan would cause, each with its line."""
    if not changes:
        return []
    judged = _Judge(before, after, changes, rules, context)
    return [hit for check in CHECKS for hit in check(judged)]
