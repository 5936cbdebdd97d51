"""Resolve a validated province into concrete sites and devices, and cross-check it.

Pure: takes the frozen model plus where each part came from, returns values and problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from communet.errors import Problem
from communet.inventory.model import (
    COMMUNE_ROLES,
    HUB_ROLES,
    Commune,
    Credentials,
    Device,
    District,
    Pool,
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
    host_address,
    vlan_misfits,
    vlan_subnets,
    wan_pair,
)
from communet.names import slugify
from communet.platforms import PLATFORMS

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

    def vlan(self, name: str) -> VlanAssignment | None:
        return next((v for v in self.vlans if v.name == name), None)


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

    def problem(self, origin: Origin, message: str, hint: str = "", *extra: str | int) -> None:
        loc = (*origin.path, *extra)
        self.plan.problems.append(Problem(origin.file, render_path(loc), message, hint, loc=loc))

    # ------------------------------------------------------------------ province level
    def check_vlan_plan(self) -> None:
        origin = Origin(self.sources.province_file, ("vlans",))
        vlans = self.province.vlans
        for label, values in (("id", [v.id for v in vlans]), ("name", [v.name for v in vlans])):
            for value in _duplicates(values):
                self.problem(origin, f"VLAN {label} {value} is defined twice", "keep one")
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
                self.problem(origin, f"VLAN subnets of {a} and {b} overlap inside the site block")

    def check_defaults(self) -> None:
        origin = Origin(self.sources.province_file, ("device_defaults",))
        for role, defaults in self.province.device_defaults.items():
            self._check_platform_role(origin, role, defaults.platform, defaults.firmware, role)

    def _check_platform_role(
        self, origin: Origin, role: Role, platform: str, firmware: str | None, *extra: str | int
    ) -> None:
        spec = PLATFORMS[platform]
        if role not in spec.roles:
            self.problem(
                origin,
                f"platform {platform} cannot be a {role}; it can be: "
                + ", ".join(sorted(spec.roles)),
                "choose a platform that fits the role",
                *extra,
            )
        if spec.firmware_families and firmware not in spec.firmware_families:
            self.problem(
                origin,
                f"platform {platform} needs a firmware family, one of: "
                + ", ".join(spec.firmware_families)
                + (f" (got {firmware!r})" if firmware else ""),
                "set 'firmware' on the device or in device_defaults",
                *extra,
            )

    # ------------------------------------------------------------------------ sites
    def resolve(self) -> ProvincePlan:
        self.check_vlan_plan()
        self.check_defaults()
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
            self.problem(
                origin,
                f"unknown former_district {former!r}; valid: "
                + ", ".join(sorted(self.district_slugs)),
                "use the slug of one of the province's hubs",
                "former_district",
            )

    def make_site(self, spec: SiteSpec) -> Site | None:
        pool, pool_name = spec.lan
        block = spec.lan_override or allocate(pool, pool_name, int(spec.code))
        if isinstance(block, Exhausted):
            self.problem(spec.origin, block.message(), block.hint(), "code")
            return None
        for misfit in vlan_misfits(block.prefixlen, self.province.vlans):
            self.problem(spec.origin, misfit, "use a larger lan_block", "lan_block")
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
                    "override only VLANs of the province plan",
                    "vlan_ids",
                    name,
                )
                ok = False
        effective = {**known, **{k: v for k, v in vlan_ids.items() if k in known}}
        for vlan_id in _duplicates(list(effective.values())):
            names = sorted(n for n, i in effective.items() if i == vlan_id)
            self.problem(
                origin,
                f"VLAN id {vlan_id} is used by both " + " and ".join(names),
                "give each VLAN its own id",
                "vlan_ids",
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
        if pool.block not in (30, 31):
            self.problem(
                Origin(self.sources.province_file, ("addressing",)),
                f"pool {pool_name} must hand out /30 or /31 links, not /{pool.block}",
                "set block: 30 or block: 31",
            )
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
            self._check_platform_role(origin, device.role, platform, firmware)
        registrar = self.registrar_for(device, origin)
        address = device.management or self.default_address(site, device.role, number, origin)
        if address is None:
            return None
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
            model=device.model or (defaults.model if defaults else None),
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
        )

    def registrar_for(self, device: Device, origin: Origin) -> str | None:
        if device.role is not Role.VIDEO_ENDPOINT:
            if device.registrar is not None:
                self.problem(origin, "only a video_endpoint has a registrar", "", "registrar")
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
        subnet = vlan.subnet if vlan else None
        address = host_address(subnet, base + number - 1) if subnet else None
        if address is None:
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
    """Uniqueness and overlap across everything loaded (a whole country at once)."""
    problems: list[Problem] = []
    problems += _unique(
        "province code",
        ((p.province.code, Origin(p.sources.province_file, ("code",))) for p in plans),
    )
    problems += _unique(
        "province slug",
        ((p.province.slug, Origin(p.sources.province_file, ("slug",))) for p in plans),
    )
    for plan in plans:
        files = plan.sources.district_files
        districts = list(zip(plan.province.districts, files, strict=True))
        problems += _unique(
            "district slug", ((district_slug(d), Origin(f, ("slug",))) for d, f in districts)
        )
        problems += _unique(
            "commune slug",
            ((s.slug, s.origin) for s in plan.sites if s.kind == "commune"),
            "set an explicit 'slug' on one of them, e.g. with the district appended",
        )
        problems += _unique(
            "hostname", ((d.hostname, d.origin) for d in plan.devices), "set a distinct 'hostname'"
        )
    problems += _unique(
        "district code",
        (
            (d.code, Origin(f, ("code",)))
            for p in plans
            for d, f in zip(p.province.districts, p.sources.district_files, strict=True)
        ),
    )
    problems += _unique(
        "commune code",
        ((s.code, s.origin) for p in plans for s in p.sites if s.kind == "commune"),
    )
    problems += _unique(
        "management address",
        ((str(d.management), d.origin) for p in plans for d in p.devices),
        "give one of them another 'management' address",
    )
    problems += _overlaps(plans)
    return problems


def _subnets(plans: list[ProvincePlan]) -> Iterator[tuple[IPv4Network, str, Origin]]:
    for plan in plans:
        for site in plan.sites:
            yield site.lan_block, f"LAN block of {site.kind} {site.slug}", site.origin
            if site.wan is not None:
                ce = site.wan[0]
                yield ce.network, f"TSLCD link of {site.kind} {site.slug}", site.origin
        noc = Origin(plan.sources.province_file, ("services", "noc_networks"))
        for net in plan.province.services.noc_networks:
            yield net, f"NOC network {net}", noc


def _overlaps(plans: list[ProvincePlan]) -> list[Problem]:
    """Sweep sorted subnets once: O(n log n) for a whole country."""
    problems = []
    ordered = sorted(_subnets(plans), key=lambda item: (item[0].network_address, item[0].prefixlen))
    widest: tuple[IPv4Network, str, Origin] | None = None
    for net, what, origin in ordered:
        if widest is not None and net.overlaps(widest[0]):
            problems.append(
                Problem(
                    origin.file,
                    render_path(origin.path),
                    f"{what} ({net}) overlaps {widest[1]} ({widest[0]}), "
                    f"defined in {widest[2].file} at {render_path(widest[2].path)}",
                    "give one of them another block (lan_block / tslcd addresses) or fix the pool",
                    loc=origin.path,
                )
            )
        if widest is None or net.broadcast_address > widest[0].broadcast_address:
            widest = (net, what, origin)
    return problems


def _unique(
    what: str, items: Iterable[tuple[str, Origin]], hint: str = "each must be unique"
) -> list[Problem]:
    first: dict[str, Origin] = {}
    problems = []
    for value, origin in items:
        if value in first:
            where = first[value]
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
        else:
            first[value] = origin
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
