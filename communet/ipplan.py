"""IP and VLAN plan: pure, deterministic allocation keyed by official codes.

The block of a site is ``pool.supernet`` cut into ``/pool.block`` pieces, indexed by
``code - pool.first_code``. A site's address therefore depends on its own code and its pool
only: adding or removing a commune never renumbers another one, and an explicit override in
the inventory always wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from communet.inventory.model import Pool, Role, Vlan


@dataclass(frozen=True)
class Exhausted:
    """A pool too small for a code: names the pool and how many blocks are missing."""

    pool_name: str
    pool: Pool
    code: int

    @property
    def slot(self) -> int:
        return self.code - self.pool.first_code

    def message(self) -> str:
        pool = self.pool
        if self.slot < 0:
            return (
                f"pool {self.pool_name} ({pool.supernet}, /{pool.block} blocks) starts at code "
                f"{pool.first_code}, but code {self.code} comes before it"
            )
        missing = self.slot + 1 - pool.capacity
        return (
            f"pool {self.pool_name} ({pool.supernet}, /{pool.block} blocks from code "
            f"{pool.first_code}) has {pool.capacity} blocks; code {self.code} needs block "
            f"#{self.slot}, {missing} more than the pool holds"
        )

    def hint(self) -> str:
        if self.slot < 0:
            return f"set first_code to {self.code} or lower"
        bits = max(1, math.ceil(math.log2(self.slot + 1)))
        prefix = self.pool.block - bits
        return (
            f"widen the supernet to /{prefix} (room for {2**bits} blocks), raise first_code, "
            "or give this site an explicit lan_block/ce_address"
        )


def allocate(pool: Pool, pool_name: str, code: int) -> IPv4Network | Exhausted:
    slot = code - pool.first_code
    if not 0 <= slot < pool.capacity:
        return Exhausted(pool_name, pool, code)
    size = 2 ** (32 - pool.block)
    base = int(pool.supernet.network_address) + slot * size
    return IPv4Network((base, pool.block))


@dataclass(frozen=True)
class VlanAssignment:
    """A VLAN at one site. The subnet is kept as integers and built on first use: a whole
    country has ~40,000 of them and most callers never look at most of them."""

    id: int
    name: str
    purpose: str
    first: int | None  # network address as an integer
    prefix: int | None

    @cached_property
    def subnet(self) -> IPv4Network | None:
        if self.first is None or self.prefix is None:
            return None
        return IPv4Network((self.first, self.prefix))

    @property
    def gateway(self) -> IPv4Interface | None:
        """The CE router's address in this VLAN: the first host."""
        if self.first is None or self.prefix is None:
            return None
        return IPv4Interface((self.first + 1, self.prefix))

    def host(self, number: int) -> IPv4Address | None:
        """The n-th host of the subnet, or None when there is no such host."""
        if self.first is None or self.prefix is None:
            return None
        if not 0 < number < (1 << (32 - self.prefix)) - 1:
            return None
        return IPv4Address(self.first + number)


def vlan_subnets(
    block: IPv4Network, vlans: tuple[Vlan, ...], id_overrides: dict[str, int]
) -> tuple[VlanAssignment, ...]:
    """Carve each VLAN's subnet out of a site block (offsets already validated to fit)."""
    base = int(block.network_address)
    return tuple(
        VlanAssignment(
            id_overrides.get(vlan.name, vlan.id) if id_overrides else vlan.id,
            vlan.name,
            vlan.purpose,
            None if vlan.offset is None else base + vlan.offset,
            vlan.prefix,
        )
        for vlan in vlans
    )


def vlan_misfits(block_prefix: int, vlans: tuple[Vlan, ...]) -> list[str]:
    """VLAN subnets that do not fit inside a block of this prefix length."""
    size = 2 ** (32 - block_prefix)
    return [
        f"VLAN {v.name} ({v.offset}/{v.prefix}) does not fit in a /{block_prefix} block"
        for v in vlans
        if v.offset is not None
        and v.prefix is not None
        and (v.prefix < block_prefix or v.offset + 2 ** (32 - v.prefix) > size)
    ]


def wan_pair(link: IPv4Network) -> tuple[IPv4Interface, IPv4Address]:
    """CE and PE ends of a /30 (first two hosts) or /31 (both addresses)."""
    first = int(link.network_address) + (0 if link.prefixlen == 31 else 1)
    return IPv4Interface((first, link.prefixlen)), IPv4Address(first + 1)


# Host numbers of each role inside its VLAN subnet: the CE router is the gateway (.1).
# Video endpoints live in the meeting-room VLAN, everything else in MGMT.
ROLE_HOST_BASE: dict[Role, tuple[str, int]] = {
    Role.CE_ROUTER: ("MGMT", 1),
    Role.ACCESS_SWITCH: ("MGMT", 2),
    Role.AGGREGATION_SWITCH: ("MGMT", 2),
    Role.INTERNET_ROUTER: ("MGMT", 10),
    Role.EXPORTER_HOST: ("MGMT", 20),
    Role.VIDEO_ENDPOINT: ("HNTH", 10),
}


def host_address(subnet: IPv4Network, host_number: int) -> IPv4Address | None:
    """The n-th host of a subnet, or None when the subnet has no such host."""
    first = int(subnet.network_address)
    return VlanAssignment(0, "", "", first, subnet.prefixlen).host(host_number)
