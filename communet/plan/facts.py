"""What a configuration says about the device: its ports, VLANs in use, logins and paths.

Pure: a parsed tree and the platform's :class:`~communet.platforms.spec.StateRules` give
:class:`Facts`. The planner reads them twice, from the running config and from the config a
plan would leave, and compares (:mod:`communet.plan.guard`); the same reading gives the
device's own interface list, so rendering never invents a port the device does not have.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from communet.plan.diff import compiled, parse_ids
from communet.plan.tree import Node
from communet.platforms import get_platform
from communet.platforms.spec import ListRule, PlatformSpec, StateRules

ALL_VLANS = frozenset(range(1, 4095))


@dataclass(frozen=True)
class PortState:
    """One interface as its configuration section describes it."""

    name: str
    kind: str  # physical | svi | lag | other
    shutdown: bool = False
    mode: str = ""  # access | trunk | hybrid | routed | "" (the platform's default)
    access_vlan: int | None = None
    native_vlan: int | None = None
    allowed: frozenset[int] = ALL_VLANS
    group: str = ""  # port-channel / Eth-Trunk it belongs to
    addresses: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()  # each address with its prefix ('10.0.0.1/27'), where known
    description: str = ""
    svi_vlan: int | None = None
    link_up: bool | None = None  # what the device says of its link (None: not known)

    @property
    def live(self) -> bool:
        return not self.shutdown

    @property
    def trunk(self) -> bool:
        return self.mode in ("trunk", "hybrid")

    @property
    def special(self) -> bool:
        """A port whose reset would cut something: trunk, bundle member, routed or addressed,
        or one the device says has a link now."""
        return (
            self.trunk
            or bool(self.group)
            or self.mode == "routed"
            or bool(self.addresses)
            or bool(self.link_up)
        )

    def carries(self) -> frozenset[int]:
        """The VLANs this port forwards (a port with no VLAN line is in VLAN 1)."""
        if self.shutdown or self.kind not in ("physical", "lag") or self.group:
            return frozenset()
        if self.trunk:
            return self.allowed | {self.native_vlan or 1}
        if self.mode in ("access", ""):
            return frozenset({self.access_vlan or 1})
        return frozenset()

    def summary(self) -> str:
        what = (
            f"member of bundle {self.group}"
            if self.group
            else f"interface with {self.addresses[0]}"
            if self.addresses
            else "routed port"
            if self.mode == "routed"
            else f"{self.mode} port"
            if self.mode
            else "port"
        )
        state = "shut" if self.shutdown else "up" if self.link_up else "not shut"
        described = f" {self.description!r}" if self.description else ""
        return f"{what}{described}, {state}"


@dataclass(frozen=True)
class Facts:
    ports: dict[str, PortState]
    vlans: frozenset[int]  # declared
    users: tuple[str, ...]
    aaa: tuple[str, ...]
    stp_mode: str
    default_routes: tuple[str, ...]
    vty_acls: tuple[str, ...]
    acl_lines: dict[str, tuple[str, ...]]  # the lines of each ACL the vty lines use

    def physical(self) -> list[str]:
        return [p.name for p in self.ports.values() if p.kind == "physical"]

    def vlans_in_use(self) -> set[int]:
        """VLANs a live port forwards untagged or a live SVI has an address in."""
        used: set[int] = set()
        for port in self.ports.values():
            if not port.live:
                continue
            if port.mode in ("access", "") and port.access_vlan is not None:
                used.add(port.access_vlan)
            if port.trunk and port.native_vlan is not None:
                used.add(port.native_vlan)
            if port.svi_vlan is not None and port.addresses:
                used.add(port.svi_vlan)
        return used

    def carrying(self, vlan: int) -> list[str]:
        """The live ports (physical or bundles) that forward ``vlan``."""
        return [p.name for p in self.ports.values() if vlan in p.carries()]

    def holding(self, address: str) -> PortState | None:
        """The interface that has ``address`` (the one a session to it runs through)."""
        return next((p for p in self.ports.values() if address in p.addresses), None)


def walk(node: Node, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Every line as its path joined with `` > ``, depth first."""
    for child in node.children:
        here = (*path, child.text)
        yield " > ".join(here)
        yield from walk(child, here)


def _list_rule(spec: PlatformSpec, name: str) -> ListRule | None:
    rules = spec.plan.lists if spec.plan else ()
    return next((r for r in rules if r.name == name), None)


def port_state(spec: PlatformSpec, rules: StateRules, name: str, node: Node) -> PortState:
    kind = (
        "physical"
        if compiled(rules.physical).match(name)
        else "lag"
        if compiled(rules.lag).match(name)
        else "svi"
        if compiled(rules.svi).match(name)
        else "other"
    )
    svi = compiled(rules.svi).match(name)
    allowed_rule = _list_rule(spec, rules.allowed_list)
    fields: dict[str, object] = {"svi_vlan": int(svi.group("vlan")) if svi else None}
    allowed: set[int] | None = None
    addresses: list[str] = []
    networks: list[str] = []
    for child in node.children:
        text = child.text
        if compiled(rules.shutdown).match(text):
            fields["shutdown"] = True
        elif found := compiled(rules.mode).match(text):
            fields.setdefault("mode", found.group("mode").split()[0])
        elif compiled(rules.routed).match(text):
            fields["mode"] = "routed"
        elif found := compiled(rules.access_vlan).match(text):
            fields["access_vlan"] = int(found.group("vlan"))
        elif found := compiled(rules.native_vlan).match(text):
            fields["native_vlan"] = int(found.group("vlan"))
        elif found := compiled(rules.member).match(text):
            fields["group"] = found.group("group")
        elif found := compiled(rules.address).match(text):
            addresses.append(found.group("ip"))
            networks += _network(found)
        elif found := compiled(rules.description).match(text):
            fields["description"] = found.group("text")
        elif allowed_rule is not None and (found := compiled(allowed_rule.pattern).match(text)):
            allowed = (allowed or set()) | parse_ids(found.group("items"), allowed_rule)
        elif allowed_rule is not None and text.endswith(" none") and "allowed vlan" in text:
            allowed = set()
    mode = str(fields.get("mode", ""))
    if mode in {"trunk", "hybrid"}:
        fields.setdefault("native_vlan", rules.native_default)
        default = ALL_VLANS if rules.trunk_default_all else frozenset({1})
        fields["allowed"] = frozenset(allowed) if allowed is not None else default
    read = {"addresses": tuple(addresses), "networks": tuple(networks)}
    return PortState(name, kind, **read, **fields)  # type: ignore[arg-type]


def _network(found: re.Match[str]) -> list[str]:
    """The address with its prefix, when the platform's rule captures the mask (group 'mask':
    dotted or a prefix length)."""
    mask = found.groupdict().get("mask")
    if not mask:
        return []
    try:
        return [str(ipaddress.ip_interface(f"{found.group('ip')}/{mask}"))]
    except ValueError:
        return []


def ports_of(spec: PlatformSpec, rules: StateRules, tree: Node) -> dict[str, PortState]:
    """Every interface section of ``tree``, by name (cheap: the planner's first look)."""
    ports: dict[str, PortState] = {}
    header = compiled(rules.interface)
    for child in tree.children:
        if found := header.match(child.text):
            name = found.group("name")
            ports[name] = port_state(spec, rules, name, child)
    return ports


def with_links(ports: dict[str, PortState], up: frozenset[str] | None) -> dict[str, PortState]:
    """The ports with the link state the device reported (physical ports only)."""
    if up is None:
        return ports
    return {
        name: replace(port, link_up=name in up) if port.kind == "physical" else port
        for name, port in ports.items()
    }


def links_in(rules: StateRules, output: str) -> frozenset[str]:
    """The interfaces ``output`` (of ``rules.link_command``) shows with a link."""
    line = compiled(rules.link_line)
    found = (line.match(raw.strip()) for raw in output.splitlines())
    return frozenset(m.group("name") for m in found if m is not None and m.group("link") == "up")


def facts(platform: str, tree: Node, ports: dict[str, PortState] | None = None) -> Facts | None:
    """The state ``tree`` describes, or None when the platform has no state rules.

    ``ports``: the tree's ports when already read (:func:`ports_of`).
    """
    spec = get_platform(platform)
    rules = spec.plan.state if spec.plan else None
    if rules is None:
        return None
    ports = ports if ports is not None else ports_of(spec, rules, tree)
    vlans: set[int] = set()
    vlan_rule = _list_rule(spec, rules.vlan_list) if rules.vlan_list else None
    for child in tree.children:
        if compiled(rules.interface).match(child.text):
            continue
        if found := compiled(rules.vlan).match(child.text):
            vlans.add(int(found.group("vlan")))
        elif vlan_rule is not None and (found := compiled(vlan_rule.pattern).match(child.text)):
            vlans |= parse_ids(found.group("items"), vlan_rule)
    lines = list(walk(tree))
    users = tuple(
        dict.fromkeys(m.group("user") for t in lines if (m := compiled(rules.user).match(t)))
    )
    stp = next((m.group("mode") for t in lines if (m := compiled(rules.stp_mode).match(t))), "")
    vty = tuple(sorted({m.group("acl") for t in lines if (m := compiled(rules.vty_acl).match(t))}))
    acls = {
        acl: tuple(t for t in lines if compiled(rules.acl.format(acl=re.escape(acl))).match(t))
        for acl in vty
    }
    return Facts(
        ports=ports,
        vlans=frozenset(vlans),
        users=users,
        aaa=tuple(t for t in lines if compiled(rules.aaa).match(t)),
        stp_mode=stp or rules.stp_default,
        default_routes=tuple(
            m.group("key") for t in lines if (m := compiled(rules.default_route).match(t))
        ),
        vty_acls=vty,
        acl_lines=acls,
    )


def device_interfaces(platform: str, tree: Node) -> tuple[str, ...]:
    """The physical interfaces a running config lists, in the device's order."""
    found = facts(platform, tree)
    return tuple(found.physical()) if found is not None else ()


def interfaces_in(platform: str, text: str) -> tuple[str, ...]:
    """The physical interfaces a running config lists (its ``interface X`` lines), in order.

    A plain scan of the text, cheap enough to run before every plan: the render lays the
    access ports over exactly these names, so no port the device does not have is written.
    """
    spec = get_platform(platform)
    rules = spec.plan.state if spec.plan else None
    if rules is None:
        return ()
    prefix = spec.syntax.running_prefix if spec.syntax else ""
    header, physical = compiled(rules.interface), compiled(rules.physical)
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.removeprefix(prefix).strip()
        matched = header.match(line)
        if matched and physical.match(matched.group("name")):
            found.append(matched.group("name"))
    return tuple(dict.fromkeys(found))
