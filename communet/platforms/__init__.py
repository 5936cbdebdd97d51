"""Registry of device platforms. Platform knowledge is data: one spec per platform.

Later issues extend each spec with prompts, error patterns and commit primitives; the
inventory needs only the name, the roles a platform may play and its firmware families.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    vendor: str
    netmiko_device_type: str
    ansible_network_os: str
    roles: frozenset[str]
    firmware_families: tuple[str, ...] = ()


_NETWORK_ROLES = frozenset(
    {"access_switch", "aggregation_switch", "ce_router", "internet_router"},
)

PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec
    for spec in (
        PlatformSpec("cisco_ios", "Cisco", "cisco_ios", "cisco.ios.ios", _NETWORK_ROLES),
        PlatformSpec("huawei_vrp", "Huawei", "huawei", "community.network.ce", _NETWORK_ROLES),
        PlatformSpec(
            "huawei_vrpv8", "Huawei", "huawei_vrpv8", "community.network.ce", _NETWORK_ROLES
        ),
        PlatformSpec(
            "cisco_roomos",
            "Cisco",
            "cisco_tp",
            "communet.roomos",
            frozenset({"video_endpoint"}),
            firmware_families=("tc", "ce8", "ce9", "roomos"),
        ),
        PlatformSpec("linux", "Debian", "linux", "linux", frozenset({"exporter_host"})),
    )
}


def platform_names() -> str:
    return ", ".join(sorted(PLATFORMS))
