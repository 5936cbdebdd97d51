"""Template contexts: everything a template needs, computed once in Python as plain values.

Templates only format; every decision (which port does what, which ACL entries, which VLANs
a trunk carries) is made here or in data tables, so it is testable without Jinja and the
same for every platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from communet.errors import CommunetError
from communet.inventory.model import Ports, Role
from communet.inventory.resolve import ProvincePlan, ResolvedDevice, Site
from communet.ipplan import VlanAssignment
from communet.platforms import PlatformSpec, ports, xapi
from communet.platforms.ports import PortRole
from communet.secrets import Secret, SecretError, SecretResolver


class RenderError(CommunetError):
    """A device cannot be rendered: names the host and what to change in the inventory."""

    def __init__(self, host: str, problem: str, hint: str = "") -> None:
        self.host = host
        super().__init__(f"{host}: {problem}" + (f"\n    fix: {hint}" if hint else ""))


# ------------------------------------------------------------------------- domain data
@dataclass(frozen=True)
class QosClass:
    name: str
    dscp: str  # the DSCP keyword both IOS and VRP accept
    value: int
    treatment: str  # "priority" (low-latency queue) or "bandwidth"
    percent: int


# Audio EF(46) and video AF41(34) in the priority queue, signalling CS3(24) guaranteed.
QOS_CLASSES: tuple[QosClass, ...] = (
    QosClass("CN-VOICE", "ef", 46, "priority", 10),
    QosClass("CN-VIDEO", "af41", 34, "priority", 30),
    QosClass("CN-SIGNALLING", "cs3", 24, "bandwidth", 5),
)
# What the codec marks (RoomOS Network QoS Diffserv).
CODEC_DSCP = {"Audio": 46, "Video": 34, "Signalling": 24, "Data": 0}

# Storm control on access ports: IOS levels in percent of the port speed, VRP in packets/s.
STORM_CONTROL = {
    "broadcast_percent": "1.00",
    "multicast_percent": "5.00",
    "broadcast_pps": 500,
    "multicast_pps": 2000,
}
# The VLANs of a commune that reach the TSLCD CE (never INTERNET).
ROUTED_VLANS = ("MGMT", "CANBO", "MOTCUA", "HNTH")
SNMP_GROUP = "CN-NOC"
PORT_NTP, PORT_SYSLOG, PORT_SNMPTRAP, PORT_DNS, PORT_HTTP, PORT_HTTPS = 123, 514, 162, 53, 80, 443


@dataclass(frozen=True)
class BgpPeering:
    """Optional eBGP to the PE instead of the static default route (keyed by hostname)."""

    local_as: int
    peer_as: int


@dataclass(frozen=True)
class RenderOptions:
    bgp: dict[str, BgpPeering] = field(default_factory=dict)


# ------------------------------------------------------------------------------ values
@dataclass(frozen=True)
class Addr:
    """An ACL address: ``any``, one host, or a network with its wildcard mask."""

    ip: str = ""
    wildcard: str = ""
    mask: str = ""
    prefixlen: int = 0

    @property
    def is_any(self) -> bool:
        return not self.ip

    @property
    def is_host(self) -> bool:
        return self.prefixlen == 32


ANY = Addr()


def addr(net: IPv4Network | IPv4Address | None) -> Addr:
    if net is None:
        return ANY
    network = IPv4Network(net) if isinstance(net, IPv4Address) else net
    return Addr(
        str(network.network_address),
        str(network.hostmask),
        str(network.netmask),
        network.prefixlen,
    )


@dataclass(frozen=True)
class AclEntry:
    action: str  # permit | deny
    protocol: str  # ip | tcp | udp | icmp
    source: Addr = ANY
    destination: Addr = ANY
    port: int | None = None  # destination port
    source_port: int | None = None
    log: bool = False


@dataclass(frozen=True)
class Acl:
    name: str
    entries: tuple[AclEntry, ...]


@dataclass(frozen=True)
class Port:
    interface: str
    role: str
    mode: str  # access | trunk | spare
    vlan: int = 0  # access VLAN (spare: BLACKHOLE)
    allowed: tuple[int, ...] = ()
    native: int = 0
    description: str = ""
    trust_dscp: bool = False
    edge: bool = False


# ---------------------------------------------------------------------- plan index
class PlanIndex:
    """Per-plan lookups built once: devices by site, communes by district."""

    def __init__(self, plan: ProvincePlan) -> None:
        self.plan = plan
        self.by_site: dict[tuple[str, str], list[ResolvedDevice]] = {}
        for device in plan.devices:
            self.by_site.setdefault((device.site.kind, device.site.slug), []).append(device)
        self.communes: dict[str, list[Site]] = {}
        for site in plan.sites:
            if site.kind == "commune":
                self.communes.setdefault(site.district_slug, []).append(site)
        self.registrars = {r.name: r for r in plan.province.services.registrars}

    def site_devices(
        self, device: ResolvedDevice, role: Role | None = None
    ) -> list[ResolvedDevice]:
        found = self.by_site.get((device.site.kind, device.site.slug), [])
        return [d for d in found if role is None or d.role is role]


# ---------------------------------------------------------------------------- builders
def _vlan(site: Site, name: str, host: str) -> VlanAssignment:
    vlan = site.vlan(name)
    if vlan is None:
        raise RenderError(host, f"the VLAN plan has no {name} VLAN", f"add {name} to vlans")
    return vlan


def _net(site: Site, name: str, host: str) -> IPv4Network:
    subnet = _vlan(site, name, host).subnet
    if subnet is None:
        raise RenderError(host, f"VLAN {name} has no subnet", "give it offset and prefix")
    return subnet


def _iface(interface: IPv4Interface) -> dict[str, str]:
    return {
        "ip": str(interface.ip),
        "mask": str(interface.netmask),
        "prefixlen": str(interface.network.prefixlen),
        "network": str(interface.network.network_address),
        "wildcard": str(interface.network.hostmask),
    }


class LazySecrets(Mapping[str, "Secret | None"]):
    """Secret references of a device, resolved on first use by a template.

    Only the secrets a platform's templates actually use must exist (a Linux host needs no
    SNMP keys); each value is checked against the platform's unsafe characters.
    """

    def __init__(
        self, refs: dict[str, str | None], resolver: SecretResolver, host: str, unsafe: str
    ) -> None:
        self._refs = refs
        self._resolver = resolver
        self._host = host
        self._unsafe = unsafe
        self._values: dict[str, Secret | None] = {}

    def __getitem__(self, key: str) -> Secret | None:
        if key not in self._values:
            ref = self._refs[key]
            self._values[key] = None if ref is None else self._resolve(ref)
        return self._values[key]

    def _resolve(self, ref: str) -> Secret:
        secret = self._resolver.resolve(ref, self._host)
        if self._unsafe and _search(self._unsafe, secret.reveal()):
            raise SecretError(
                ref,
                self._host,
                "contains a character the platform cannot take on its command line",
                "avoid whitespace, quotes and '?' in device secrets",
            )
        return secret

    def __iter__(self) -> Iterator[str]:
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)

    def resolved(self) -> list[Secret]:
        """The secret values used so far (user names are identities, not secrets)."""
        return [v for k, v in self._values.items() if v is not None and k not in IDENTITY_KEYS]


IDENTITY_KEYS = frozenset({"username", "snmp_user"})


def _secrets(
    device: ResolvedDevice, plan: ProvincePlan, resolver: SecretResolver, spec: PlatformSpec
) -> LazySecrets:
    creds = device.credentials
    snmp = plan.province.snmp
    refs: dict[str, str | None] = {
        "username": creds.username,
        "password": creds.password,
        "enable": creds.enable,
        "snmp_user": snmp.user,
        "snmp_auth": snmp.auth_key,
        "snmp_priv": snmp.priv_key,
    }
    unsafe = spec.syntax.text.unsafe_in_secrets if spec.syntax else ""
    return LazySecrets(refs, resolver, device.hostname, unsafe)


def _search(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


def common_context(
    plan: ProvincePlan, device: ResolvedDevice, resolver: SecretResolver, spec: PlatformSpec
) -> dict[str, Any]:
    province = plan.province
    services = province.services
    site = device.site
    mgmt_vlan_name = "HNTH" if device.role is Role.VIDEO_ENDPOINT else "MGMT"
    mgmt_vlan = _vlan(site, mgmt_vlan_name, device.hostname)
    mgmt_net = _net(site, mgmt_vlan_name, device.hostname)
    gateway = mgmt_vlan.gateway
    return {
        "hostname": device.hostname,
        "role": str(device.role),
        "platform": device.platform,
        "model": device.model or "",
        "province": {"name": province.name, "slug": province.slug, "code": province.code},
        "site": {
            "kind": site.kind,
            "slug": site.slug,
            "name": site.name,
            "code": site.code,
            "district": site.district_slug,
        },
        "domain": f"{province.slug}.communet.internal",
        "mgmt": {
            **_iface(IPv4Interface((device.management, mgmt_net.prefixlen))),
            "vlan_id": mgmt_vlan.id,
            "vlan_name": mgmt_vlan.name,
            "gateway": str(gateway.ip) if gateway else "",
        },
        "ntp": [str(a) for a in services.ntp],
        "syslog": [str(a) for a in services.syslog],
        "collectors": [str(a) for a in services.snmp_collectors],
        "noc": [addr(n) for n in services.noc_networks],
        "snmp_group": SNMP_GROUP,
        "secrets": _secrets(device, plan, resolver, spec),
    }


def vlan_list(site: Site) -> list[dict[str, Any]]:
    return [{"id": v.id, "name": v.name, "purpose": v.purpose} for v in site.vlans]


def _ids(site: Site, names: Iterable[str], host: str) -> tuple[int, ...]:
    return tuple(sorted(_vlan(site, n, host).id for n in names))


@dataclass(frozen=True)
class PortPlan:
    """The device's ports in layout order: position n (1-based) is ``numbered[n - 1]``."""

    layout: str
    numbered: tuple[str, ...]
    spare: tuple[str, ...]  # slots beyond the layout, never given a role
    uplink: str | None  # declared in the inventory: takes the uplink role wherever it is
    chain: str | None
    keep: frozenset[str]
    mls_qos: bool


def _model_ports(device: ResolvedDevice, host: str) -> PortPlan:
    if device.model is None:  # the ports come from the device when planning
        return PortPlan("access24", (), (), None, None, frozenset(), mls_qos=False)
    model = ports.switch_model(device.model)
    if model is None:
        raise RenderError(
            host,
            f"no port layout for switch model {device.model!r}",
            "leave 'model' out (the interfaces are then read from the device when planning) "
            f"or use one of: {ports.known_switch_models()}",
        )
    size = ports.layout_size(model.layout)
    names = tuple(model.interface(n) for n in range(1, model.port_count + 1))
    return _with_declared(
        device,
        host,
        PortPlan(model.layout, names[:size], names[size:], None, None, frozenset(), model.mls_qos),
        names,
    )


def _device_ports(device: ResolvedDevice, host: str, interfaces: Sequence[str]) -> PortPlan:
    """The layout laid over the device's own interfaces (its running config's list)."""
    front, rest = ports.front_panel(interfaces)
    declared = device.ports.layout if device.ports else None
    layout = declared or ports.layout_for(len(front))
    if layout is None or not front:
        raise RenderError(
            host,
            f"the device has {len(front)} front-panel ports ({ports.describe(front) or 'none'}"
            f"), which fit no access layout ({ports.layout_sizes()} ports)",
            _no_layout_hint(front, rest),
        )
    size = ports.layout_size(layout)
    if len(front) < size:
        raise RenderError(
            host,
            f"layout {layout} needs {size} front-panel ports; the device has {len(front)} "
            f"({ports.describe(front)})",
            f"declare a smaller layout (ports: {{layout: {_smaller(len(front))}}}) for this device",
        )
    model = ports.switch_model(device.model)
    plan = PortPlan(
        layout,
        tuple(front[:size]),
        tuple(front[size:] + rest),
        None,
        None,
        frozenset(),
        model.mls_qos if model else _mls_qos(device.platform, front),
    )
    return _with_declared(device, host, plan, tuple(interfaces))


def _no_layout_hint(front: Sequence[str], rest: Sequence[str]) -> str:
    count = len(front)
    smallest = min(ports.layout_size(name) for name in ports.ACCESS_LAYOUTS)
    if count < smallest:
        # A declared layout cannot help: every layout needs more ports than the device has.
        return (
            f"an access switch needs at least {smallest} front-panel ports: give this device "
            "another role, or set 'managed: false' to keep it monitored only"
        )
    # the example uplink is one of the device's own ports: its last port beyond the front
    # panel (a Gi uplink slot; the first can be a management port), else its last front one
    uplink = rest[-1] if rest else front[-1]
    return (
        "declare the layout and the uplink for this device in the inventory, e.g. "
        f"ports: {{layout: {_smaller(count)}, uplink: {uplink}}}"
    )


def _smaller(count: int) -> str:
    fitting = [n for n in ports.ACCESS_LAYOUTS if ports.layout_size(n) <= count]
    return max(fitting, key=ports.layout_size) if fitting else "access8"


def _mls_qos(platform: str, front: Sequence[str]) -> bool:
    """Catalyst 2960/3560-class switches (Fa0/x, Gi0/x) need 'mls qos'; 3850/9200 have none."""
    return platform == "cisco_ios" and bool(front) and "/" in front[0] and front[0].count("/") == 1


def _with_declared(
    device: ResolvedDevice, host: str, plan: PortPlan, interfaces: tuple[str, ...]
) -> PortPlan:
    declared = device.ports
    if declared is None:
        return plan
    for key, name in (("uplink", declared.uplink), ("chain", declared.chain)):
        if name is not None and name not in interfaces:
            raise RenderError(
                host,
                f"ports.{key} {name} is not an interface of this device; it has "
                f"{ports.describe(interfaces)}",
                f"write ports.{key} as the device names it",
            )
    return PortPlan(
        plan.layout,
        plan.numbered,
        plan.spare,
        declared.uplink,
        declared.chain,
        frozenset(declared.keep),
        plan.mls_qos,
    )


def access_switch_context(
    index: PlanIndex,
    device: ResolvedDevice,
    host: str,
    interfaces: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Ports by role: over the device's own interfaces when known, else the model table's."""
    site = device.site
    layout = _device_ports(device, host, interfaces) if interfaces else _model_ports(device, host)
    switches = index.site_devices(device, Role.ACCESS_SWITCH)
    position = next(i for i, d in enumerate(switches) if d.hostname == device.hostname)
    ce = index.site_devices(device, Role.CE_ROUTER)
    inet = index.site_devices(device, Role.INTERNET_ROUTER)
    blackhole = _vlan(site, "BLACKHOLE", host).id
    routed = _ids(site, ROUTED_VLANS, host)
    chained = _ids(site, (*ROUTED_VLANS, "INTERNET"), host)
    roles = [
        (name, ports.port_role(layout.layout, number))
        for number, name in enumerate(layout.numbered, start=1)
    ] + [(name, PortRole.SPARE) for name in layout.spare]
    out: list[Port] = []
    for interface, layout_role in roles:
        if interface in layout.keep:
            continue
        role = _declared_role(layout, interface, layout_role)
        out.append(
            _access_port(
                role,
                interface,
                site,
                host,
                blackhole,
                uplink=(
                    (routed, f"UPLINK {ce[0].hostname if ce else 'CE'} TSLCD")
                    if position == 0
                    else (chained, f"UPLINK {switches[position - 1].hostname}")
                ),
                chain=(
                    (chained, f"CHAIN {switches[position + 1].hostname}")
                    if position + 1 < len(switches)
                    else None
                ),
                internet=(f"INTERNET {inet[0].hostname}" if inet and position == 0 else None),
            )
        )
    return {
        "vlans": vlan_list(site),
        "ports": out,
        "mls_qos": layout.mls_qos,
        "storm": STORM_CONTROL,
        "blackhole": blackhole,
        "interfaces": (*layout.numbered, *layout.spare),
    }


def _declared_role(layout: PortPlan, interface: str, role: PortRole) -> PortRole:
    """A declared uplink/chain takes its role; the layout's own port for it becomes spare."""
    for declared, special in ((layout.uplink, PortRole.UPLINK), (layout.chain, PortRole.CHAIN)):
        if declared is None:
            continue
        if interface == declared:
            return special
        if role is special:
            return PortRole.SPARE
    return role


def _access_port(  # noqa: PLR0911 - one return per port role
    role: PortRole,
    interface: str,
    site: Site,
    host: str,
    blackhole: int,
    *,
    uplink: tuple[tuple[int, ...], str],
    chain: tuple[tuple[int, ...], str] | None,
    internet: str | None,
) -> Port:
    spare = Port(interface, str(PortRole.SPARE), "spare", blackhole, description="UNUSED")
    if role is PortRole.UPLINK:
        allowed, text = uplink
        return Port(interface, str(role), "trunk", 0, allowed, blackhole, text)
    if role is PortRole.CHAIN:
        if chain is None:
            return spare
        allowed, text = chain
        return Port(interface, str(role), "trunk", 0, allowed, blackhole, text)
    if role is PortRole.INTERNET_ROUTER:
        if internet is None:
            return spare
        vlan = _vlan(site, "INTERNET", host)
        return Port(interface, str(role), "access", vlan.id, description=internet, edge=True)
    if role in ports.ACCESS_ROLES:
        vlan = _vlan(site, ports.ROLE_VLAN[role], host)
        return Port(
            interface,
            str(role),
            "access",
            vlan.id,
            description=f"{vlan.name} {vlan.purpose}",
            trust_dscp=role is PortRole.MEETING_ROOM,
            edge=True,
        )
    return spare


def aggregation_context(index: PlanIndex, device: ResolvedDevice, host: str) -> dict[str, Any]:
    site = device.site
    model = ports.switch_model(device.model)
    if model is None:
        raise RenderError(
            host,
            f"no port layout for switch model {device.model!r}",
            f"use one of: {ports.known_switch_models()}",
        )
    communes = sorted(index.communes.get(site.district_slug, []), key=lambda s: s.code)
    if len(communes) + 1 > model.port_count:
        raise RenderError(
            host,
            f"{len(communes)} communes need {len(communes) + 1} ports; {device.model} has "
            f"{model.port_count}",
            "use a larger aggregation switch model",
        )
    blackhole = _vlan(site, "BLACKHOLE", host).id
    mgmt = _vlan(site, "MGMT", host).id
    ce = index.site_devices(device, Role.CE_ROUTER)
    out = [
        Port(
            model.interface(1),
            "uplink",
            "trunk",
            0,
            _ids(site, ROUTED_VLANS, host),
            blackhole,
            f"UPLINK {ce[0].hostname if ce else 'CE'} TSLCD",
        )
    ]
    transit: set[int] = set()
    for number, commune in enumerate(communes, start=2):
        link = commune.link
        allowed = {mgmt} | ({link.vlan} if link and link.vlan else set())
        transit |= allowed - {mgmt}
        circuit = f" {link.circuit_id} {link.bandwidth_mbps}M" if link else ""
        out.append(
            Port(
                model.interface(number),
                "downlink",
                "trunk",
                0,
                tuple(sorted(allowed)),
                blackhole,
                f"DOWNLINK {commune.name} {commune.code}{circuit}",
            )
        )
    for number in range(len(communes) + 2, model.port_count + 1):
        out.append(Port(model.interface(number), "spare", "spare", blackhole, description="UNUSED"))
    vlans = vlan_list(site) + [
        {"id": v, "name": f"TRANSIT_{v}", "purpose": "TSLCD transit"} for v in sorted(transit)
    ]
    return {
        "vlans": sorted(vlans, key=lambda v: int(v["id"])),
        "ports": out,
        "mls_qos": model.mls_qos,
        "storm": STORM_CONTROL,
        "blackhole": blackhole,
    }


def ce_context(
    plan: ProvincePlan,
    device: ResolvedDevice,
    host: str,
    options: RenderOptions,
    interfaces: Sequence[str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """A CE router's config, its WAN and LAN laid over its own interfaces when known
    (``interfaces``, from its running config), else over its model table's."""
    site = device.site
    warnings: list[str] = []
    declared = device.ports or Ports()
    fitted = ports.router_ports(
        ports.router_model(device.model), interfaces, declared.uplink, declared.lan
    )
    if isinstance(fitted, str):
        raise RenderError(
            host,
            fitted,
            "declare them in the inventory as the device names them: "
            "ports: {uplink: <port to the telecom>, lan: <port to the commune switch>}",
        )
    model = ports.RouterModel((), *fitted)
    nets = {name: _net(site, name, host) for name in ROUTED_VLANS}
    services = plan.province.services
    subifs = []
    for name in ROUTED_VLANS:
        vlan = _vlan(site, name, host)
        gateway = vlan.gateway
        assert gateway is not None  # _net checked the subnet
        subifs.append(
            {
                "interface": f"{model.lan}.{vlan.id}",
                "vlan_id": vlan.id,
                "name": vlan.name,
                "purpose": vlan.purpose,
                **_iface(gateway),
                "acl_in": f"CN-{name}-IN",
                "acl_out": "CN-MGMT-OUT" if name == "MGMT" else "",
            }
        )
    wan: dict[str, Any] | None = None
    if site.wan is None or site.link is None:
        warnings.append("no TSLCD link in the inventory: WAN, routing and QoS not rendered")
    else:
        ce, pe = site.wan
        link = site.link
        wan = {
            "physical": model.wan,
            "interface": f"{model.wan}.{link.vlan}" if link.vlan else model.wan,
            "vlan": link.vlan,
            **_iface(ce),
            "pe": str(pe),
            "circuit": link.circuit_id,
            "bandwidth_mbps": link.bandwidth_mbps,
            "bandwidth_kbps": link.bandwidth_mbps * 1000,
            "bps": link.bandwidth_mbps * 1_000_000,
            "acl_in": "CN-WAN-IN",
        }
    registrars = []
    for registrar in services.registrars:
        for address in (registrar.address, registrar.h323_gatekeeper):
            if address is not None and address not in registrars:
                registrars.append(address)
    acls = build_acls(
        nets,
        site.lan_block,
        plan.province.addressing.internet_lan,
        noc=services.noc_networks,
        ntp=services.ntp,
        syslog=services.syslog,
        collectors=services.snmp_collectors,
        registrars=tuple(registrars),
    )
    bgp = options.bgp.get(device.hostname)
    return (
        {
            "lan": {"physical": model.lan, "subifs": subifs},
            "wan": wan,
            "acls": acls,
            "qos": QOS_CLASSES,
            "bgp": bgp,
            "bgp_networks": [addr(n) for n in nets.values()],
        },
        warnings,
    )


def build_acls(
    nets: dict[str, IPv4Network],
    lan_block: IPv4Network,
    internet_lan: IPv4Network,
    *,
    noc: tuple[IPv4Network, ...],
    ntp: tuple[IPv4Address, ...],
    syslog: tuple[IPv4Address, ...],
    collectors: tuple[IPv4Address, ...],
    registrars: tuple[IPv4Address, ...],
) -> list[Acl]:
    mgmt, canbo = addr(nets["MGMT"]), addr(nets["CANBO"])
    motcua, hnth = addr(nets["MOTCUA"]), addr(nets["HNTH"])
    inet, block = addr(internet_lan), addr(lan_block)
    deny_all = AclEntry("deny", "ip", log=True)
    no_internet = AclEntry("deny", "ip", inet, ANY, log=True)
    return [
        Acl(
            "CN-MGMT-IN",
            (
                *(AclEntry("permit", "ip", mgmt, addr(n)) for n in noc),
                *(AclEntry("permit", "udp", mgmt, addr(a), PORT_NTP) for a in ntp),
                *(AclEntry("permit", "udp", mgmt, addr(a), PORT_SYSLOG) for a in syslog),
                *(AclEntry("permit", "udp", mgmt, addr(a), PORT_SNMPTRAP) for a in collectors),
                deny_all,
            ),
        ),
        Acl(
            "CN-MGMT-OUT",
            (
                *(AclEntry("permit", "ip", addr(n), mgmt) for n in noc),
                *(AclEntry("permit", "udp", addr(a), mgmt, source_port=PORT_NTP) for a in ntp),
                deny_all,
            ),
        ),
        Acl(
            "CN-CANBO-IN",
            (
                no_internet,
                AclEntry("deny", "ip", ANY, mgmt),
                AclEntry("deny", "ip", ANY, motcua),
                AclEntry("deny", "ip", ANY, hnth),
                AclEntry("deny", "ip", ANY, inet),
                AclEntry("permit", "ip", canbo, ANY),
                deny_all,
            ),
        ),
        Acl(
            "CN-MOTCUA-IN",
            (
                no_internet,
                AclEntry("deny", "ip", ANY, block),
                AclEntry("deny", "ip", ANY, inet),
                AclEntry("permit", "tcp", motcua, ANY, PORT_HTTPS),
                AclEntry("permit", "tcp", motcua, ANY, PORT_HTTP),
                AclEntry("permit", "udp", motcua, ANY, PORT_DNS),
                AclEntry("permit", "icmp", motcua, ANY),
                deny_all,
            ),
        ),
        Acl(
            "CN-HNTH-IN",
            (
                no_internet,
                *(AclEntry("permit", "ip", hnth, addr(a)) for a in registrars),
                *(AclEntry("permit", "udp", hnth, addr(a), PORT_NTP) for a in ntp),
                deny_all,
            ),
        ),
        Acl(
            "CN-WAN-IN",
            (
                no_internet,
                AclEntry("deny", "ip", ANY, inet, log=True),
                AclEntry("permit", "ip"),
            ),
        ),
    ]


def codec_schema(device: ResolvedDevice, host: str) -> xapi.Schema:
    """Cisco's schema of this codec: its model's product on its firmware version."""
    if not device.model:
        raise RenderError(
            host,
            "no codec model: the settings a codec has depend on its product",
            "set 'model:' (e.g. model: Room Kit) on the device or in device_defaults",
        )
    try:
        product = xapi.product_id(device.model)
        version = xapi.resolve_version(device.firmware or "")
        return xapi.schema(version, product)
    except xapi.SchemaError as exc:
        known = ", ".join(sorted(set(xapi.PRODUCTS.values())))
        hint = (
            f"use one of the models: {known}"
            if "model" in str(exc)
            else "set 'firmware:' to a version this model runs (see docs/codecs.md)"
        )
        raise RenderError(host, str(exc), hint) from exc


def codec_context(
    index: PlanIndex, device: ResolvedDevice, spec: PlatformSpec, host: str
) -> dict[str, Any]:
    family = spec.firmware_family(device.firmware)
    if family is None:
        raise RenderError(
            host,
            f"unknown firmware family {device.firmware!r} for {spec.name}",
            "set firmware to one of: " + ", ".join(spec.firmware_families),
        )
    if device.registrar is None or device.registrar not in index.registrars:
        raise RenderError(host, f"unknown registrar {device.registrar!r}")
    registrar = index.registrars[device.registrar]
    codecs = index.site_devices(device, Role.VIDEO_ENDPOINT)
    number = next(i for i, d in enumerate(codecs, start=1) if d.hostname == device.hostname)
    e164 = registrar.number_prefix + device.site.code + (str(number) if number > 1 else "")
    site = device.site
    return {
        "fw": family.as_dict(),
        "xapi": codec_schema(device, host),
        "codec": {
            "display_name": f"UBND {site.name}",
            "e164": e164,
            "uri": f"{e164}@{registrar.sip_domain}",
            "proxy": str(registrar.address),
            "gatekeeper": str(registrar.h323_gatekeeper) if registrar.h323_gatekeeper else "",
            "h323_id": device.hostname,
            "vlan_tagged": ports.MEETING_ROOM_TAGGED,
        },
        "dscp": CODEC_DSCP,
        # The inventory's syslog servers take plain syslog on UDP 514 (what the ACLs open):
        # say so, since the codec's own default is SyslogTLS with certificate checks.
        "syslog_port": PORT_SYSLOG,
    }
