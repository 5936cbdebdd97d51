"""Resolve a validated province into concrete sites and devices, and cross-check it.

Pure: takes the frozen model plus where each part came from, returns values and problems.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from communet.errors import Problem
from communet.inventory.model import (
    COMMUNE_ROLES,
    HUB_ROLES,
    Commune,
    Credentials,
    CurrentReach,
    Device,
    District,
    Pool,
    Ports,
    Province,
    Role,
    Status,
    Structure,
    WanLink,
)
from communet.ipplan import (
    ROLE_HOST_BASE,
    Exhausted,
    VlanAssignment,
    allocate,
    vlan_misfits,
    vlan_subnets,
    wan_pair,
)
from communet.names import slugify
from communet.platforms import PLATFORMS, ports

ROLE_ABBREVIATION: dict[Role, str] = {
    Role.ACCESS_SWITCH: "sw",
    Role.CE_ROUTER: "ce",
    Role.INTERNET_ROUTER: "inet",
    Role.VIDEO_ENDPOINT: "vc",
    Role.AGGREGATION_SWITCH: "agg",
    Role.EXPORTER_HOST: "mon",
}


@dataclass(frozen=True)
class Sources:
    """Which file each part of a province came from (display paths)."""

    province_file: str
    district_files: tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    file: str
    path: tuple[str | int, ...]


@dataclass(frozen=True)
class SiteSpec:
    """What the inventory says about a site, before addresses are allocated."""

    kind: str
    slug: str
    name: str
    code: str
    district: str
    lan: tuple[Pool, str]
    wan: tuple[Pool, str]
    lan_override: IPv4Network | None
    link: WanLink | None
    vlan_ids: dict[str, int]
    origin: Origin


@dataclass(frozen=True)
class Site:
    kind: str  # "commune" or "hub"
    slug: str
    name: str
    code: str
    district_slug: str
    lan_block: IPv4Network
    vlans: tuple[VlanAssignment, ...]
    wan: tuple[IPv4Interface, IPv4Address] | None
    link: WanLink | None
    origin: Origin

    @cached_property
    def _vlans_by_name(self) -> dict[str, VlanAssignment]:
        return {v.name: v for v in self.vlans}

    def vlan(self, name: str) -> VlanAssignment | None:
        return self._vlans_by_name.get(name)


@dataclass(frozen=True)
class ResolvedDevice:
    hostname: str
    role: Role
    platform: str
    firmware: str | None
    model: str | None
    serial: str | None
    status: Status
    management: IPv4Address
    description: str | None
    registrar: str | None
    credentials: Credentials
    province: str
    district: str
    site: Site
    origin: Origin
    ports: Ports | None = None
    managed: bool = True
    reach: CurrentReach | None = None  # brownfield: how it is reached before adoption

    @property
    def labels(self) -> dict[str, str]:
        """The Prometheus label set: unique per device across the country."""
        commune = self.site.slug if self.site.kind == "commune" else ""
        return {
            "province": self.province,
            "district": self.district,
            "commune": commune,
            "instance": self.hostname,
        }


@dataclass
class ProvincePlan:
    province: Province
    sources: Sources
    sites: list[Site] = field(default_factory=list)
    devices: list[ResolvedDevice] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def district_slug(district: District) -> str:
    return district.slug or slugify(district.name)


def commune_slug(commune: Commune) -> str:
    return commune.slug or slugify(commune.name)


class _Resolver:
    def __init__(self, province: Province, sources: Sources) -> None:
        self.province = province
        self.sources = sources
        self.plan = ProvincePlan(province, sources)
        self.district_slugs = {district_slug(d) for d in province.districts}
        # Pools already reported as unusable: their sites are skipped without repeating it.
        self.bad_pools: set[str] = set()

    def problem(self, origin: Origin, message: str, hint: str = "", *extra: str | int) -> None:
        loc = (*origin.path, *extra)
        self.plan.problems.append(Problem(origin.file, render_path(loc), message, hint, loc=loc))

    # ------------------------------------------------------------------ province level
    def check_vlan_plan(self) -> None:
        origin = Origin(self.sources.province_file, ("vlans",))
        vlans = self.province.vlans
        for label, values in (("id", [v.id for v in vlans]), ("name", [v.name for v in vlans])):
            for value in _duplicates(values):
                second = [i for i, v in enumerate(values) if v == value][1]
                self.problem(
                    origin,
                    f"VLAN {label} {value} is defined twice",
                    f"give each VLAN its own {label}",
                    second,
                    label,
                )
        for needed in ("MGMT", "HNTH"):
            vlan = next((v for v in vlans if v.name == needed), None)
            if vlan is None or vlan.offset is None:
                self.problem(
                    origin,
                    f"the VLAN plan needs a {needed} VLAN with a subnet (offset and prefix)",
                    "add it; device addresses are taken from it",
                )
        subnets = [
            (v.name, IPv4Network((v.offset, v.prefix)))
            for v in vlans
            if v.offset is not None and v.prefix is not None
        ]
        for (a, net_a), (b, net_b) in _pairs(subnets):
            if net_a.overlaps(net_b):
                self.problem(
                    origin,
                    f"VLAN subnets of {a} ({net_a}) and {b} ({net_b}) overlap inside the site "
                    "block",
                    "change 'offset' or 'prefix' of one of them",
                )

    def check_defaults(self) -> None:
        origin = Origin(self.sources.province_file, ("device_defaults",))
        for role, defaults in self.province.device_defaults.items():
            at = Origin(origin.file, (*origin.path, role))
            firmware_at = ("firmware",) if defaults.firmware else ()
            self._check_platform_role(
                at, role, (defaults.platform, ("platform",)), (defaults.firmware, firmware_at)
            )
            self._check_model(at, role, defaults.model, ("model",))

    def _check_platform_role(
        self,
        origin: Origin,
        role: Role,
        platform_from: tuple[str, tuple[str, ...]],
        firmware_from: tuple[str | None, tuple[str, ...]],
    ) -> None:
        """Platform and firmware with the keys (under ``origin``) where each is written."""
        platform, platform_at = platform_from
        firmware, firmware_at = firmware_from
        spec = PLATFORMS[platform]
        if role not in spec.roles:
            fitting = sorted(name for name, p in PLATFORMS.items() if role in p.roles)
            self.problem(
                origin,
                f"platform {platform} cannot take the role {role}; it is for: "
                + ", ".join(sorted(spec.roles)),
                f"for {role} use one of: " + ", ".join(fitting),
                *platform_at,
            )
        if spec.firmware_families and spec.firmware_family(firmware) is None:
            families = ", ".join(spec.firmware_families)
            versions = f" {spec.firmware_help}" if spec.firmware_help else ""
            self.problem(
                origin,
                f"platform {platform} needs a firmware family, one of: {families}{versions}"
                + (f" (got {firmware!r})" if firmware else ""),
                f"set 'firmware:' to one of {families} (e.g. firmware: "
                f"{spec.firmware_families[-1]}); the device's setting paths depend on it",
                *firmware_at,
            )

    # ------------------------------------------------------------------------ sites
    def resolve(self) -> ProvincePlan:
        self.check_vlan_plan()
        self.check_defaults()
        addressing = Origin(self.sources.province_file, ("addressing",))
        for name in ("commune_lan", "hub_lan", "commune_wan", "hub_wan"):
            pool = getattr(self.province.addressing, name)
            self.check_pool(pool, name, Origin(addressing.file, (*addressing.path, name)))
        for index, district in enumerate(self.province.districts):
            file = self.sources.district_files[index]
            self.resolve_district(district, file)
        return self.plan

    def resolve_district(self, district: District, file: str) -> None:
        slug = district_slug(district)
        addressing = self.province.addressing
        if district.hub is not None:
            hub_origin = Origin(file, ("hub",))
            site = self.make_site(
                SiteSpec(
                    kind="hub",
                    slug=f"hub-{slug}",
                    name=district.name,
                    code=district.code,
                    district=slug,
                    lan=(addressing.hub_lan, "hub_lan"),
                    wan=(addressing.hub_wan, "hub_wan"),
                    lan_override=district.hub.lan_block,
                    link=district.hub.tslcd,
                    vlan_ids={},
                    origin=hub_origin,
                )
            )
            if site is not None:
                self.add_devices(site, district.hub.devices, HUB_ROLES, slug)
        lan_pool = district.commune_lan or addressing.commune_lan
        wan_pool = district.commune_wan or addressing.commune_wan
        lan_name = "commune_lan" + (f" of district {slug}" if district.commune_lan else "")
        wan_name = "commune_wan" + (f" of district {slug}" if district.commune_wan else "")
        if district.commune_lan is not None:
            self.check_pool(district.commune_lan, lan_name, Origin(file, ("commune_lan",)))
        if district.commune_wan is not None:
            self.check_pool(district.commune_wan, wan_name, Origin(file, ("commune_wan",)))
        for index, commune in enumerate(district.communes):
            origin = Origin(file, ("communes", index))
            self.check_commune_refs(commune, origin)
            site = self.make_site(
                SiteSpec(
                    kind="commune",
                    slug=commune_slug(commune),
                    name=commune.name,
                    code=commune.code,
                    district=slug,
                    lan=(lan_pool, lan_name),
                    wan=(wan_pool, wan_name),
                    lan_override=commune.lan_block,
                    link=commune.tslcd,
                    vlan_ids=commune.vlan_ids,
                    origin=origin,
                )
            )
            if site is not None:
                self.add_devices(site, commune.devices, COMMUNE_ROLES, slug)

    def check_pool(self, pool: Pool, name: str, origin: Origin) -> None:
        """Report a pool whose blocks cannot serve a site once, at the pool itself."""
        if "_wan" in name:
            if pool.block not in (30, 31):
                self.problem(
                    origin,
                    f"pool {name} must hand out /30 or /31 links, not /{pool.block} blocks",
                    "set block: 30 (or 31): a TSLCD link joins exactly two routers",
                    "block",
                )
                self.bad_pools.add(name)
            return
        for misfit in vlan_misfits(pool.block, self.province.vlans):
            self.problem(
                origin,
                f"pool {name}: {misfit}",
                "use a shorter block prefix (a larger block), or shrink the VLAN subnets",
                "block",
            )
            self.bad_pools.add(name)

    def check_commune_refs(self, commune: Commune, origin: Origin) -> None:
        former = commune.former_district
        if former is None:
            return
        if self.province.structure is Structure.THREE_LEVEL:
            self.problem(
                origin,
                "former_district is only used in a two_level province (after July 2025)",
                "remove it; in a three_level province the district file already says it",
                "former_district",
            )
        elif former not in self.district_slugs:
            close = difflib.get_close_matches(former, self.district_slugs, n=1)
            self.problem(
                origin,
                f"unknown former_district {former!r}; the province's hubs are: "
                + ", ".join(sorted(self.district_slugs)),
                f"did you mean {close[0]!r}?"
                if close
                else "use the slug of a hub (the name of its file under districts/)",
                "former_district",
            )

    def make_site(self, spec: SiteSpec) -> Site | None:
        pool, pool_name = spec.lan
        if spec.lan_override is None and pool_name in self.bad_pools:
            return None
        block = spec.lan_override or allocate(pool, pool_name, int(spec.code))
        if isinstance(block, Exhausted):
            self.problem(spec.origin, block.message(), block.hint(), "code")
            return None
        misfits = vlan_misfits(block.prefixlen, self.province.vlans)
        for misfit in misfits:
            self.problem(
                spec.origin,
                misfit,
                "give a larger lan_block (a shorter prefix)",
                "lan_block",
            )
        if misfits:
            return None
        if not self.vlan_overrides_ok(spec.vlan_ids, spec.origin):
            return None
        wan_ends = self.wan_for(spec.link, spec.wan, spec.code, spec.origin)
        vlans = vlan_subnets(block, self.province.vlans, spec.vlan_ids)
        return Site(
            spec.kind,
            spec.slug,
            spec.name,
            spec.code,
            spec.district,
            block,
            vlans,
            wan_ends,
            spec.link,
            spec.origin,
        )

    def vlan_overrides_ok(self, vlan_ids: dict[str, int], origin: Origin) -> bool:
        known = {v.name: v.id for v in self.province.vlans}
        ok = True
        for name in vlan_ids:
            if name not in known:
                self.problem(
                    origin,
                    f"unknown VLAN {name!r}; the plan has: " + ", ".join(known),
                    "use a VLAN name of the plan, or add the VLAN to 'vlans:' in province.yml",
                    "vlan_ids",
                    name,
                )
                ok = False
        effective = {**known, **{k: v for k, v in vlan_ids.items() if k in known}}
        for vlan_id in _duplicates(list(effective.values())):
            names = sorted(n for n, i in effective.items() if i == vlan_id)
            overridden = next((n for n in vlan_ids if n in names), names[0])
            in_use = ", ".join(str(i) for i in sorted(set(effective.values())))
            self.problem(
                origin,
                f"VLAN id {vlan_id} is used by both " + " and ".join(names),
                f"give {overridden} an id no other VLAN of this site uses (in use: {in_use})",
                "vlan_ids",
                overridden,
            )
            ok = False
        return ok

    def wan_for(
        self, link: WanLink | None, wan: tuple[Pool, str], code: str, origin: Origin
    ) -> tuple[IPv4Interface, IPv4Address] | None:
        if link is None:
            return None
        if link.ce_address is not None and link.pe_address is not None:
            return link.ce_address, link.pe_address
        pool, pool_name = wan
        if pool_name in self.bad_pools:
            return None
        subnet = allocate(pool, pool_name, int(code))
        if isinstance(subnet, Exhausted):
            self.problem(origin, subnet.message(), subnet.hint(), "tslcd")
            return None
        return wan_pair(subnet)

    # ---------------------------------------------------------------------- devices
    def add_devices(
        self, site: Site, devices: tuple[Device, ...], allowed: frozenset[Role], district: str
    ) -> None:
        counts: dict[Role, int] = {}
        for index, device in enumerate(devices):
            origin = Origin(site.origin.file, (*site.origin.path, "devices", index))
            counts[device.role] = counts.get(device.role, 0) + 1
            if device.role not in allowed:
                self.problem(
                    origin,
                    f"a {site.kind} site cannot have a {device.role}; allowed: "
                    + ", ".join(sorted(allowed)),
                    "move the device to the right site",
                    "role",
                )
                continue
            resolved = self.resolve_device(site, device, counts[device.role], origin, district)
            if resolved is not None:
                self.plan.devices.append(resolved)
        self.plan.sites.append(site)

    def resolve_device(
        self, site: Site, device: Device, number: int, origin: Origin, district: str
    ) -> ResolvedDevice | None:
        defaults = self.province.device_defaults.get(device.role)
        platform = device.platform or (defaults.platform if defaults else None)
        if platform is None:
            self.problem(
                origin,
                f"no platform for this {device.role}",
                f"set 'platform' here or device_defaults.{device.role}.platform in province.yml",
                "platform",
            )
            return None
        firmware = device.firmware or (defaults.firmware if defaults else None)
        if device.platform is not None or device.firmware is not None:
            self._check_platform_role(
                origin,
                device.role,
                (platform, ("platform",) if device.platform else ()),
                (firmware, ("firmware",) if device.firmware else ()),
            )
        self._check_model(origin, device.role, device.model, ("model",))
        self._check_ports(origin, device)
        registrar = self.registrar_for(device, origin)
        address = device.management or self.default_address(site, device.role, number, origin)
        if address is None:
            return None
        if (
            device.reach is not None
            and device.reach.address == address
            and (device.reach.credentials is None and device.reach.port == 22)
        ):
            self.problem(
                origin,
                f"'reach' says the device answers today at {address}, its management address "
                "already, as whom it should: there is nothing to adopt",
                "remove 'reach', or give the address and credentials it has today",
                "reach",
            )
        prefix = "hub-" if site.kind == "hub" else ""
        hostname = device.hostname or f"{site.slug}-{ROLE_ABBREVIATION[device.role]}{number}"
        if site.kind == "hub" and device.hostname is None:
            hostname = f"{prefix}{district}-{ROLE_ABBREVIATION[device.role]}{number}"
        if len(hostname) > 63:
            self.problem(
                origin,
                f"hostname {hostname!r} is longer than 63 characters",
                "set a shorter 'slug' on the site or an explicit 'hostname'",
            )
            return None
        return ResolvedDevice(
            hostname=hostname,
            role=device.role,
            platform=platform,
            firmware=firmware,
            # the role's default model is a model of the default platform: a device of
            # another platform has its own ports (read from it when planning), not those
            model=device.model
            or (defaults.model if defaults and defaults.platform == platform else None),
            serial=device.serial,
            status=device.status,
            management=address,
            description=device.description,
            registrar=registrar,
            credentials=device.credentials or self.province.credentials,
            province=self.province.slug,
            district=district,
            site=site,
            origin=origin,
            ports=device.ports,
            managed=device.managed,
            reach=device.reach,
        )

    def _check_ports(self, origin: Origin, device: Device) -> None:
        """Switch keys on an access switch, router keys on a CE router, nothing elsewhere."""
        declared = device.ports
        if declared is None:
            return
        allowed = {
            Role.ACCESS_SWITCH: ("layout", "uplink", "chain", "keep"),
            Role.CE_ROUTER: ("uplink", "lan", "keep"),
        }.get(device.role)
        if allowed is None:
            self.problem(
                origin,
                f"only an access_switch or a ce_router takes 'ports' (this device: {device.role})",
                "remove 'ports' from this device",
                "ports",
            )
            return
        for key in sorted(declared.model_fields_set - set(allowed)):
            self.problem(
                origin,
                f"a {device.role} takes no ports.{key}",
                f"use {', '.join(f'ports.{k}' for k in allowed)}",
                "ports",
                key,
            )

    def _check_model(
        self, origin: Origin, role: Role, model: str | None, at: tuple[str, ...]
    ) -> None:
        """A model must be one render knows, or absent (the ports come from the device)."""
        if model is None:
            return
        if role in (Role.ACCESS_SWITCH, Role.AGGREGATION_SWITCH) and not ports.switch_model(model):
            self.problem(
                origin,
                f"no port layout for switch model {model!r}",
                "leave 'model' out (the interfaces are then read from the device when "
                f"planning) or use one of: {ports.known_switch_models()}",
                *at,
            )
        if role in (Role.CE_ROUTER, Role.INTERNET_ROUTER) and not ports.router_model(model):
            self.problem(
                origin,
                f"no interface layout for router model {model!r}",
                f"use one of: {ports.known_router_models()}",
                *at,
            )

    def registrar_for(self, device: Device, origin: Origin) -> str | None:
        if device.role is not Role.VIDEO_ENDPOINT:
            if device.registrar is not None:
                self.problem(
                    origin,
                    f"only a video_endpoint has a registrar, not a {device.role}",
                    "remove 'registrar' from this device",
                    "registrar",
                )
            return None
        names = [r.name for r in self.province.services.registrars]
        if device.registrar is None:
            return names[0]
        if device.registrar not in names:
            self.problem(
                origin,
                f"unknown registrar {device.registrar!r}; valid: " + ", ".join(names),
                "use the name of a registrar under services.registrars in province.yml",
                "registrar",
            )
            return None
        return device.registrar

    def default_address(
        self, site: Site, role: Role, number: int, origin: Origin
    ) -> IPv4Address | None:
        vlan_name, base = ROLE_HOST_BASE[role]
        vlan = site.vlan(vlan_name)
        address = vlan.host(base + number - 1) if vlan else None
        if address is None:
            subnet = vlan.subnet if vlan else None
            self.problem(
                origin,
                f"no room for {role} #{number} in the {vlan_name} subnet {subnet}",
                "give the device an explicit 'management' address or widen the VLAN",
            )
        return address


def resolve_province(province: Province, sources: Sources) -> ProvincePlan:
    return _Resolver(province, sources).resolve()


# ------------------------------------------------------------------------ cross-checks
def cross_check(plans: list[ProvincePlan]) -> list[Problem]:
    """Uniqueness and overlap across everything loaded (a whole country at once).

    A mistake is reported once, at its cause: two communes with the same code also get the
    same blocks and addresses, and a duplicate slug the same hostnames, so those follow-on
    clashes are left out until the cause is fixed.
    """
    problems: list[Problem] = []
    problems += _unique(
        "province code",
        ((p.province.code, Origin(p.sources.province_file, ("code",)), None) for p in plans),
        "each province has its own official 2-digit code; check both province.yml files",
    )
    problems += _unique(
        "province slug",
        ((p.province.slug, Origin(p.sources.province_file, ("slug",)), None) for p in plans),
        "give one of the provinces another slug",
    )
    for plan in plans:
        files = plan.sources.district_files
        districts = list(zip(plan.province.districts, files, strict=True))
        problems += _unique(
            "district slug",
            ((district_slug(d), Origin(f, ("slug",)), None) for d, f in districts),
            "give one of them another slug, and name its file after it",
        )
        problems += _unique(
            "commune slug",
            ((s.slug, s.origin, s) for s in plan.sites if s.kind == "commune"),
            "set an explicit 'slug' on one of them, e.g. with the district appended",
        )
        problems += _unique(
            "hostname",
            ((d.hostname, d.origin, d.site) for d in plan.devices),
            "set a distinct 'hostname' on one of them",
            # Generated names clash because the sites' slugs do: reported as a slug clash.
            skip=lambda a, b: a is not b and a.slug == b.slug,
        )
    problems += _unique(
        "district code",
        (
            (d.code, Origin(f, ("code",)), None)
            for p in plans
            for d, f in zip(p.province.districts, p.sources.district_files, strict=True)
        ),
        "district codes are official 3-digit codes, one per district; check both against "
        "the national register",
    )
    problems += _unique(
        "commune code",
        ((s.code, s.origin, None) for p in plans for s in p.sites if s.kind == "commune"),
        "commune codes are official 5-digit codes, one per commune; check both against the "
        "national register (one is probably mistyped)",
    )
    problems += _unique(
        "management address",
        ((str(d.management), d.origin, d.site) for p in plans for d in p.devices),
        "give one of them another 'management' address",
        # Addresses taken from overlapping site blocks: reported as the overlap.
        skip=lambda a, b: a is not b and a.lan_block.overlaps(b.lan_block),
    )
    problems += _overlaps(plans)
    return problems


@dataclass(frozen=True)
class _Subnet:
    net: IPv4Network
    what: str
    origin: Origin  # where it is written (an explicit key) or the site it was allocated to
    explicit: bool  # written in the inventory rather than allocated from a pool
    site: Site | None

    def described(self) -> str:
        return f"{self.what} {self.net} ({self.origin.file} at {render_path(self.origin.path)})"


def _explicit_lan_blocks(plan: ProvincePlan) -> set[tuple[str, tuple[str | int, ...]]]:
    """Sites (file, path) whose LAN block is written in the inventory."""
    found: set[tuple[str, tuple[str | int, ...]]] = set()
    for district, file in zip(plan.province.districts, plan.sources.district_files, strict=True):
        if district.hub is not None and district.hub.lan_block is not None:
            found.add((file, ("hub",)))
        for index, commune in enumerate(district.communes):
            if commune.lan_block is not None:
                found.add((file, ("communes", index)))
    return found


def _subnets(plans: list[ProvincePlan]) -> Iterator[_Subnet]:
    for plan in plans:
        explicit_lan = _explicit_lan_blocks(plan)
        for site in plan.sites:
            at = site.origin
            name = f"{site.kind} {site.slug}"
            if (at.file, at.path) in explicit_lan:
                lan_at = Origin(at.file, (*at.path, "lan_block"))
                yield _Subnet(site.lan_block, f"lan_block of {name}", lan_at, True, site)
            else:
                yield _Subnet(site.lan_block, f"LAN block of {name}", at, False, site)
            if site.wan is not None and site.link is not None:
                explicit = site.link.ce_address is not None
                path = (*at.path, "tslcd", "ce_address") if explicit else (*at.path, "tslcd")
                link_at = Origin(at.file, path)
                yield _Subnet(site.wan[0].network, f"TSLCD link of {name}", link_at, explicit, site)
        for index, net in enumerate(plan.province.services.noc_networks):
            noc = Origin(plan.sources.province_file, ("services", "noc_networks", index))
            yield _Subnet(net, "NOC network", noc, True, None)


def _overlaps(plans: list[ProvincePlan]) -> list[Problem]:
    """Sweep sorted subnets once (O(n log n) for a whole country), then report each overlap
    at the subnet most likely wrong: one written by hand rather than allocated by code."""
    spans = [(_span(s.net), s) for s in _subnets(plans)]
    spans.sort(key=lambda item: (item[0][0], -item[0][1]))
    clashes: dict[int, tuple[_Subnet, list[_Subnet]]] = {}
    widest: _Subnet | None = None
    widest_end = -1
    for (start, end), current in spans:
        if widest is not None and start <= widest_end:
            a, b = widest.site, current.site
            same_code = a is not None and b is not None and a.kind == b.kind and a.code == b.code
            shared_noc = a is None and b is None  # provinces may share one national NOC range
            if not (same_code or shared_noc):  # one code twice is reported as a duplicate code
                culprit, other = current, widest
                if widest.explicit and not current.explicit:
                    culprit, other = widest, current
                clashes.setdefault(id(culprit), (culprit, []))[1].append(other)
        if widest is None or end > widest_end:
            widest, widest_end = current, end
    return [_overlap_problem(culprit, others) for culprit, others in clashes.values()]


def _span(net: IPv4Network) -> tuple[int, int]:
    """First and last address as integers (cheaper than IPv4Network.overlaps at scale)."""
    first = int(net.network_address)
    return first, first + (1 << (32 - net.prefixlen)) - 1


def _overlap_problem(culprit: _Subnet, others: list[_Subnet]) -> Problem:
    if len(others) == 1:
        what = others[0].described()
    else:
        shown = "; ".join(o.described() for o in others[:3])
        more = f"; and {len(others) - 3} more" if len(others) > 3 else ""
        what = f"{len(others)} other blocks: {shown}{more}"
    if culprit.site is None:
        hint = "move the NOC network out of the site address pools, or give those sites an "
        hint += "explicit lan_block elsewhere"
    elif culprit.explicit and culprit.what.startswith("lan_block"):
        hint = "choose a lan_block no other site uses, or remove it to take the block the "
        hint += "commune's code allocates"
    elif culprit.explicit:
        hint = "check ce_address and pe_address against the telecom's handover sheet"
    else:
        hint = "the pools hand out overlapping blocks: make their supernets disjoint, or give "
        hint += "one of the sites an explicit lan_block"
    return Problem(
        culprit.origin.file,
        render_path(culprit.origin.path),
        f"{culprit.what} {culprit.net} overlaps {what}",
        hint,
        loc=culprit.origin.path,
    )


def _unique(
    what: str,
    items: Iterable[tuple[str, Origin, Any]],
    hint: str,
    skip: Callable[[Any, Any], bool] | None = None,
) -> list[Problem]:
    """Values used twice; ``skip(first_tag, tag)`` drops clashes reported as something else."""
    first: dict[str, tuple[Origin, Any]] = {}
    problems = []
    for value, origin, tag in items:
        if value not in first:
            first[value] = (origin, tag)
            continue
        where, first_tag = first[value]
        if skip is not None and skip(first_tag, tag):
            continue
        problems.append(
            Problem(
                origin.file,
                render_path(origin.path),
                f"duplicate {what} {value!r}, first used in {where.file} at "
                f"{render_path(where.path)}",
                hint,
                loc=origin.path,
            )
        )
    return problems


def _duplicates(values: list[int] | list[str]) -> list[int | str]:
    seen: set[int | str] = set()
    dupes: list[int | str] = []
    for value in values:
        if value in seen and value not in dupes:
            dupes.append(value)
        seen.add(value)
    return dupes


def _pairs(
    items: list[tuple[str, IPv4Network]],
) -> Iterator[tuple[tuple[str, IPv4Network], tuple[str, IPv4Network]]]:
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            yield a, b


def render_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out
