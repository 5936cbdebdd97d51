"""The inventory model: frozen, validated once, unknown keys rejected.

One province file (``province.yml``) holds the province-wide settings; each district (or, in
the post-2025 two-level structure, each hub) lives in its own ``districts/<slug>.yml``.
Every free-text field is checked for control characters here, so no inventory string can
ever smuggle a config line (``"Xã A\\ninterface Vlan1"``) into a rendered device config.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from communet.names import is_dns_label
from communet.platforms import PLATFORMS, platform_names


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


# ---------------------------------------------------------------------------- scalar types
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TEXT_MAX = 200


def _display_text(value: str) -> str:
    match = _CONTROL.search(value)
    if match:
        raise ValueError(
            f"contains the control character {match.group()!r} at position {match.start()}; "
            "text must be one line (a newline here could inject a device config line)"
        )
    if not value.strip():
        raise ValueError("must not be empty")
    if len(value) > TEXT_MAX:
        raise ValueError(f"is {len(value)} characters long; at most {TEXT_MAX} are allowed")
    return unicodedata.normalize("NFC", value)


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value) or len(value) > 48:
        raise ValueError(
            f"{value!r} is not a slug: use 1–48 lowercase ASCII letters, digits and single "
            "hyphens, e.g. 'dinh-hoa'"
        )
    return value


def _hostname(value: str) -> str:
    if not is_dns_label(value):
        raise ValueError(
            f"{value!r} is not a valid hostname: use 1–63 lowercase ASCII letters, digits and "
            "hyphens, not starting or ending with a hyphen"
        )
    return value


def _digits(count: int, what: str, example: str) -> AfterValidator:
    def check(value: str) -> str:
        if not (len(value) == count and value.isascii() and value.isdigit()):
            raise ValueError(
                f"{what} must be exactly {count} digits written as text, e.g. {example!r}"
            )
        return value

    return AfterValidator(check)


def _secret_ref(value: str) -> str:
    if not re.fullmatch(r"(env:[A-Z_][A-Z0-9_]*|vault:[a-z_][a-z0-9_]*)", value):
        raise ValueError(
            "must be a reference, not a secret: 'env:NAME' (environment variable) or "
            "'vault:name' (an Ansible Vault variable); clear-text secrets are never "
            "allowed in the inventory"
        )
    return value


def _platform(value: str) -> str:
    if value not in PLATFORMS:
        raise ValueError(f"unknown platform {value!r}; valid platforms: {platform_names()}")
    return value


def _vlan_name(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,31}", value):
        raise ValueError(
            f"{value!r} is not a VLAN name: use 1–32 uppercase ASCII letters, digits and '_', "
            "starting with a letter (it is written into device configs)"
        )
    return value


Text = Annotated[str, AfterValidator(_display_text)]
Slug = Annotated[str, AfterValidator(_slug)]
Hostname = Annotated[str, AfterValidator(_hostname)]
ProvinceCode = Annotated[str, _digits(2, "a province code", "38")]
DistrictCode = Annotated[str, _digits(3, "a district code", "380")]
CommuneCode = Annotated[str, _digits(5, "a commune code", "14755")]
SecretRef = Annotated[str, AfterValidator(_secret_ref)]
PlatformName = Annotated[str, AfterValidator(_platform)]
VlanId = Annotated[int, Field(ge=1, le=4094)]
VlanName = Annotated[str, AfterValidator(_vlan_name)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")]


# ------------------------------------------------------------------------------ enums
class Status(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    DECOMMISSIONED = "decommissioned"


class Role(StrEnum):
    ACCESS_SWITCH = "access_switch"
    CE_ROUTER = "ce_router"
    INTERNET_ROUTER = "internet_router"
    VIDEO_ENDPOINT = "video_endpoint"
    AGGREGATION_SWITCH = "aggregation_switch"
    EXPORTER_HOST = "exporter_host"


COMMUNE_ROLES = frozenset(
    {Role.ACCESS_SWITCH, Role.CE_ROUTER, Role.INTERNET_ROUTER, Role.VIDEO_ENDPOINT}
)
HUB_ROLES = frozenset({Role.AGGREGATION_SWITCH, Role.CE_ROUTER, Role.EXPORTER_HOST})


class ProvinceKind(StrEnum):
    TINH = "tinh"
    THANH_PHO = "thanh_pho"


class DistrictKind(StrEnum):
    HUYEN = "huyen"
    QUAN = "quan"
    THI_XA = "thi_xa"
    THANH_PHO = "thanh_pho"
    HUB = "hub"


class CommuneKind(StrEnum):
    XA = "xa"
    PHUONG = "phuong"
    THI_TRAN = "thi_tran"
    DAC_KHU = "dac_khu"


class Structure(StrEnum):
    """Pre-July-2025 province → district → commune, or the current province → commune."""

    THREE_LEVEL = "three_level"
    TWO_LEVEL = "two_level"


# ------------------------------------------------------------------------------ parts
class Coordinates(Frozen):
    # Vietnam including the Trường Sa and Hoàng Sa archipelagos.
    lat: Annotated[float, Field(ge=6.0, le=24.0)]
    lon: Annotated[float, Field(ge=102.0, le=118.0)]


class Credentials(Frozen):
    username: SecretRef
    password: SecretRef
    enable: SecretRef | None = None


class SnmpV3(Frozen):
    """SNMPv3 is always authPriv (SHA + AES); there is no setting to weaken it."""

    user: SecretRef
    auth_key: SecretRef
    priv_key: SecretRef


class Registrar(Frozen):
    name: Slug
    address: IPv4Address
    sip_domain: Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")]
    h323_gatekeeper: IPv4Address | None = None
    number_prefix: Annotated[str, Field(pattern=r"^[0-9]{1,8}$")] = ""


class Services(Frozen):
    registrars: Annotated[tuple[Registrar, ...], Field(min_length=1)]
    ntp: Annotated[tuple[IPv4Address, ...], Field(min_length=1)]
    syslog: tuple[IPv4Address, ...] = ()
    snmp_collectors: tuple[IPv4Address, ...] = ()
    noc_networks: Annotated[tuple[IPv4Network, ...], Field(min_length=1)]


class Pool(Frozen):
    """A supernet cut into equal blocks; the block for a site is ``code - first_code``.

    Keying by the official code (not by position in a list) means adding or removing a
    commune never renumbers another one.
    """

    supernet: IPv4Network
    block: Annotated[int, Field(ge=8, le=31)]
    first_code: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _block_fits(self) -> Self:
        if self.block < self.supernet.prefixlen:
            raise ValueError(
                f"block /{self.block} is larger than the supernet {self.supernet}; "
                f"use a block of /{self.supernet.prefixlen} or longer"
            )
        return self

    @property
    def capacity(self) -> int:
        return int(2 ** (self.block - self.supernet.prefixlen))


class Addressing(Frozen):
    commune_lan: Pool
    commune_wan: Pool
    hub_lan: Pool
    hub_wan: Pool
    # The staff Internet VLAN sits behind its own NAT router at every site; it is the same
    # range everywhere and is never routed towards TSLCD.
    internet_lan: IPv4Network = IPv4Network("192.168.50.0/24")


class Vlan(Frozen):
    id: VlanId
    name: VlanName
    purpose: Text
    # Where this VLAN's subnet sits inside the site's LAN block; absent = no subnet.
    offset: Annotated[int, Field(ge=0)] | None = None
    prefix: Annotated[int, Field(ge=16, le=30)] | None = None

    @model_validator(mode="after")
    def _offset_and_prefix_together(self) -> Self:
        if (self.offset is None) != (self.prefix is None):
            raise ValueError("set both 'offset' and 'prefix' for a VLAN subnet, or neither")
        if self.offset is not None and self.prefix is not None:
            size = 2 ** (32 - self.prefix)
            if self.offset % size:
                raise ValueError(
                    f"offset {self.offset} is not aligned to a /{self.prefix} "
                    f"(use a multiple of {size})"
                )
        return self


REFERENCE_VLANS: tuple[Vlan, ...] = (
    Vlan(id=10, name="MGMT", purpose="Quản lý thiết bị", offset=0, prefix=27),
    Vlan(id=20, name="CANBO", purpose="Máy tính cán bộ", offset=128, prefix=25),
    Vlan(id=30, name="MOTCUA", purpose="Bộ phận một cửa", offset=64, prefix=27),
    Vlan(id=40, name="HNTH", purpose="Hội nghị truyền hình", offset=32, prefix=27),
    Vlan(id=50, name="INTERNET", purpose="Internet cán bộ (đường riêng)"),
    Vlan(id=999, name="BLACKHOLE", purpose="Cổng không dùng"),
)


class DeviceDefaults(Frozen):
    platform: PlatformName
    model: Text | None = None
    firmware: Identifier | None = None


class Device(Frozen):
    role: Role
    hostname: Hostname | None = None
    platform: PlatformName | None = None
    firmware: Identifier | None = None
    model: Text | None = None
    serial: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")] | None = None
    management: IPv4Address | None = None
    status: Status = Status.ACTIVE
    description: Text | None = None
    registrar: Slug | None = None
    credentials: Credentials | None = None


class WanLink(Frozen):
    """The TSLCD circuit: a /30 or /31 between our CE and the telecom's PE."""

    circuit_id: Identifier
    bandwidth_mbps: Annotated[int, Field(gt=0, le=100_000)]
    vlan: VlanId | None = None
    ce_address: IPv4Interface | None = None
    pe_address: IPv4Address | None = None

    @model_validator(mode="after")
    def _pair_consistent(self) -> Self:
        if self.ce_address is None and self.pe_address is None:
            return self
        if self.ce_address is None or self.pe_address is None:
            raise ValueError("set both 'ce_address' and 'pe_address', or neither")
        net = self.ce_address.network
        if net.prefixlen not in (30, 31):
            raise ValueError(f"ce_address {self.ce_address} must be a /30 or /31")
        if self.pe_address not in net:
            raise ValueError(
                f"pe_address {self.pe_address} is not in the CE's subnet {net}; "
                "both ends of the link must share one /30 or /31"
            )
        if self.pe_address == self.ce_address.ip:
            raise ValueError("ce_address and pe_address are the same address")
        if net.prefixlen == 30 and {self.ce_address.ip, self.pe_address} & {
            net.network_address,
            net.broadcast_address,
        }:
            raise ValueError(
                f"in a /30 the usable addresses are {net.network_address + 1} and "
                f"{net.network_address + 2}; network and broadcast addresses cannot be used"
            )
        return self


class InternetUplink(Frozen):
    isp: Text
    bandwidth_mbps: Annotated[int, Field(gt=0, le=100_000)]


class Commune(Frozen):
    code: CommuneCode
    name: Text
    kind: CommuneKind = CommuneKind.XA
    slug: Slug | None = None
    former_district: Slug | None = None
    status: Status = Status.ACTIVE
    coordinates: Coordinates | None = None
    lan_block: IPv4Network | None = None
    tslcd: WanLink | None = None
    internet: InternetUplink | None = None
    vlan_ids: dict[VlanName, VlanId] = Field(default_factory=dict)
    devices: tuple[Device, ...] = ()


class Hub(Frozen):
    lan_block: IPv4Network | None = None
    tslcd: WanLink | None = None
    devices: tuple[Device, ...] = ()


class District(Frozen):
    """A pre-2025 district (huyện/quận/thị xã/thành phố) or a post-2025 hub site."""

    code: DistrictCode
    name: Text
    kind: DistrictKind = DistrictKind.HUYEN
    slug: Slug | None = None
    status: Status = Status.ACTIVE
    coordinates: Coordinates | None = None
    commune_lan: Pool | None = None
    commune_wan: Pool | None = None
    hub: Hub | None = None
    communes: tuple[Commune, ...] = ()


class ProvinceSettings(Frozen):
    code: ProvinceCode
    name: Text
    slug: Slug
    kind: ProvinceKind = ProvinceKind.TINH
    structure: Structure = Structure.THREE_LEVEL
    services: Services
    addressing: Addressing
    vlans: tuple[Vlan, ...] = REFERENCE_VLANS
    device_defaults: dict[Role, DeviceDefaults] = Field(default_factory=dict)
    credentials: Credentials
    snmp: SnmpV3


class Province(ProvinceSettings):
    districts: tuple[District, ...] = ()


class Inventory(Frozen):
    provinces: tuple[Province, ...]
