"""Sites, hubs and exporter hosts of a province, as the monitoring configuration needs them.

``uplink_hub`` is the hub a site's reachability depends on: for a commune the hub it hangs off
(the inventory's district, DESIGN §1), for a hub's own devices the hub itself. A hub that goes
down therefore takes down exactly the sites that carry its slug in ``uplink_hub``, which is the
label Alertmanager's inhibit rules compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from communet.inventory.model import Coordinates, District, Role, Status
from communet.inventory.resolve import ProvincePlan, commune_slug, district_slug
from communet.names import ascii_fold

EXPORTER_PORT = 9479  # communet-exporter's default --web.listen-address


@dataclass(frozen=True)
class SiteInfo:
    province: str
    district: str
    commune: str  # "" for a hub site
    kind: str  # "commune" or "hub"
    name: str  # Vietnamese, as the inventory spells it
    uplink_hub: str
    coordinates: Coordinates | None

    @property
    def name_ascii(self) -> str:
        return ascii_fold(self.name)

    def labels(self) -> dict[str, str]:
        out = {
            "province": self.province,
            "district": self.district,
            "uplink_hub": self.uplink_hub,
            "kind": self.kind,
            "name": self.name,
            "name_ascii": self.name_ascii,
        }
        if self.commune:
            out["commune"] = self.commune
        if self.coordinates is not None:
            out["lat"] = f"{self.coordinates.lat:.5f}"
            out["lon"] = f"{self.coordinates.lon:.5f}"
        return out


@dataclass(frozen=True)
class ExporterTarget:
    """One communet-exporter instance (``--hub SLUG``) on a hub's exporter host."""

    province: str
    hub: str
    hostname: str
    address: str  # host:port

    def labels(self) -> dict[str, str]:
        return {
            "province": self.province,
            "hub": self.hub,
            "uplink_hub": self.hub,
            "exporter_host": self.hostname,
        }


@dataclass(frozen=True)
class ProvinceTopology:
    province: str
    name: str
    sites: tuple[SiteInfo, ...]
    exporters: tuple[ExporterTarget, ...]
    uncovered_hubs: tuple[str, ...]  # hubs with devices but no active exporter host
    devices: int


def _district_sites(plan: ProvincePlan, district: District) -> list[SiteInfo]:
    province = plan.province.slug
    slug = district_slug(district)
    sites = [SiteInfo(province, slug, "", "hub", district.name, slug, district.coordinates)]
    for commune in district.communes:
        if commune.status != Status.ACTIVE:
            continue
        sites.append(
            SiteInfo(
                province,
                slug,
                commune_slug(commune),
                "commune",
                commune.name,
                slug,
                commune.coordinates,
            )
        )
    return sites


def province_topology(plan: ProvincePlan, port: int = EXPORTER_PORT) -> ProvinceTopology:
    province = plan.province.slug
    sites: list[SiteInfo] = []
    for district in plan.province.districts:
        if district.status == Status.ACTIVE:
            sites.extend(_district_sites(plan, district))
    active = [d for d in plan.devices if d.status == Status.ACTIVE]
    exporters: dict[str, ExporterTarget] = {}
    for device in active:
        if device.role == Role.EXPORTER_HOST and device.district not in exporters:
            exporters[device.district] = ExporterTarget(
                province, device.district, device.hostname, f"{device.management}:{port}"
            )
    probed_hubs = {d.district for d in active if d.role != Role.EXPORTER_HOST}
    return ProvinceTopology(
        province=province,
        name=plan.province.name,
        sites=tuple(sites),
        exporters=tuple(sorted(exporters.values(), key=lambda e: e.hub)),
        uncovered_hubs=tuple(sorted(probed_hubs - set(exporters))),
        devices=len(active),
    )
