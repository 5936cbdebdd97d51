"""Plain-data views of a loaded inventory: for --json, the Ansible plugin and scopes."""

from __future__ import annotations

from typing import Any

from communet.inventory.loader import LoadedInventory
from communet.inventory.resolve import ResolvedDevice, Site

SCHEMA_VERSION = 1


def site_record(site: Site) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": site.kind,
        "slug": site.slug,
        "name": site.name,
        "code": site.code,
        "district": site.district_slug,
        "lan_block": str(site.lan_block),
        "vlans": [
            {
                "id": v.id,
                "name": v.name,
                "purpose": v.purpose,
                "subnet": str(v.subnet) if v.subnet else None,
                "gateway": str(v.gateway) if v.gateway else None,
            }
            for v in site.vlans
        ],
        "tslcd": None,
    }
    if site.link is not None and site.wan is not None:
        record["tslcd"] = {
            "circuit_id": site.link.circuit_id,
            "bandwidth_mbps": site.link.bandwidth_mbps,
            "vlan": site.link.vlan,
            "ce_address": str(site.wan[0]),
            "pe_address": str(site.wan[1]),
        }
    return record


def device_record(device: ResolvedDevice) -> dict[str, Any]:
    return {
        "hostname": device.hostname,
        "role": str(device.role),
        "platform": device.platform,
        "firmware": device.firmware,
        "model": device.model,
        "serial": device.serial,
        "status": str(device.status),
        "management": str(device.management),
        "description": device.description,
        "registrar": device.registrar,
        "province": device.province,
        "district": device.district,
        "site": device.site.slug,
        "site_kind": device.site.kind,
        "site_name": device.site.name,
        "site_code": device.site.code,
        "labels": device.labels,
        "credentials": device.credentials.model_dump(exclude_none=True),
        "reach": device.reach.model_dump(mode="json", exclude_none=True) if device.reach else None,
    }


def export_document(loaded: LoadedInventory, devices: list[ResolvedDevice]) -> dict[str, Any]:
    """Provinces with the sites that hold ``devices``, and the devices themselves."""
    wanted = {(d.province, d.site.kind, d.site.slug) for d in devices}
    return {
        "schema": SCHEMA_VERSION,
        "provinces": [
            {
                "code": plan.province.code,
                "name": plan.province.name,
                "slug": plan.province.slug,
                "structure": str(plan.province.structure),
                "sites": [
                    site_record(s)
                    for s in plan.sites
                    if (plan.province.slug, s.kind, s.slug) in wanted
                ],
            }
            for plan in loaded.plans
            if any(d.province == plan.province.slug for d in devices)
        ],
        "devices": [device_record(d) for d in devices],
    }


def in_scope(loaded: LoadedInventory, scope: str | None) -> list[ResolvedDevice]:
    """Devices under a province, district/hub, commune slug or one hostname (None = all)."""
    if not scope:
        return loaded.devices
    return [
        d
        for d in loaded.devices
        if scope in (d.province, d.district, d.hostname)
        or (d.site.kind == "commune" and d.site.slug == scope)
    ]
