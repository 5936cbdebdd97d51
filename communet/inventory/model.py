"""The inventory model: frozen, validated once, unknown keys rejected.

One province file (``province.yml``) holds the province-wide settings; each district (or, in
the post-2025 two-level structure, each hub) lives in its own ``districts/<slug>.yml``.
Every free-text field is checked for control characters here, so no inventory string can
ever smuggle a config line (``"Xã A\\ninterface Vlan1"``) into a rendered device config.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from enum import StrEnum
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from communet.names import is_dns_label, slugify
from communet.platforms import PLATFORMS, platform_names


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


# ---------------------------------------------------------------------------- errors
def invalid(message: str, hint: str = "", at: str = "") -> PydanticCustomError:
    """A validation error that carries its fix, and for a model check the key it is about.

    The loader turns it into a Problem: ``message``, then ``fix: hint``, located at ``at``
    under the model's own position. ``message`` is the last context entry, so braces in
    inventory text are never taken for placeholders.
    """
    return PydanticCustomError(
        "communet", "{message}", {"hint": hint, "at": at, "message": message}
    )


# ---------------------------------------------------------------------------- scalar types
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_CONTROL_NAMES = {"\t": "a tab", "\x1b": "an escape character", "\x00": "a NUL character"}
TEXT_MAX = 200


def _display_text(value: str) -> str:
    match = _CONTROL.search(value)
    if match:
        char = match.group()
        before = value[: match.start()][-30:]
        where = f"after {before!r}" if before else "at the start"
        if char in _LINE_BREAKS:
            rest = value[match.end() :].strip().splitlines()
            raise invalid(
                f"contains a line break ({char!r}) {where}; text must be a single line",
                "write it on one line"
                + (
                    f": written into a device config, {rest[0][:40]!r} would run as a command"
                    if rest
                    else ""
                ),
            )
        name = _CONTROL_NAMES.get(char, "a control character")
        raise invalid(
            f"contains {name} ({char!r}) {where}; text must be printable",
            ("replace the tab with a space" if char == "\t" else "remove it")
            + ": names and descriptions are written into device configs and dashboards",
        )
    if not value.strip():
        raise invalid("is empty", "write the text, or remove the key")
    if len(value) > TEXT_MAX:
        raise invalid(
            f"is {len(value)} characters long; at most {TEXT_MAX} are allowed", "shorten it"
        )
    return unicodedata.normalize("NFC", value)


def _suggest(value: str, max_length: int) -> str:
    suggestion = slugify(value, max_length)
    return f"use {suggestion!r}" if suggestion and suggestion != value else ""


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value) or len(value) > 48:
        raise invalid(
            f"{value!r} is not a slug: use 1–48 lowercase ASCII letters, digits and single "
            "hyphens, e.g. 'dinh-hoa'",
            _suggest(value, 48) or "write it like 'dinh-hoa': no accents, spaces or capitals",
        )
    return value


def _hostname(value: str) -> str:
    if not is_dns_label(value):
        raise invalid(
            f"{value!r} is not a valid hostname: use 1–63 lowercase ASCII letters, digits and "
            "hyphens, not starting or ending with a hyphen",
            _suggest(value, 63) or "or leave 'hostname' out to get the generated one",
        )
    return value


def _digits(count: int, what: str, example: str) -> AfterValidator:
    def check(value: str) -> str:
        if not (len(value) == count and value.isascii() and value.isdigit()):
            raise invalid(
                f"{value!r} is not {what}: it must be exactly {count} digits",
                f'write the official code in quotes, e.g. code: "{example}"',
            )
        return value

    return AfterValidator(check)


_REFERENCE = re.compile(r"(env:[A-Z_][A-Z0-9_]*|vault:[a-z_][a-z0-9_]*)")


def _secret_ref(value: str) -> str:
    if _REFERENCE.fullmatch(value):
        return value
    if value.startswith(("env:", "vault:")):
        raise invalid(
            f"{value!r} is not a valid secret reference",
            "write env:NAME with NAME in UPPER_CASE (an environment variable) or vault:name "
            "with name in lower_case (an Ansible Vault variable)",
        )
    # Never echo the value: it may well be the secret itself.
    raise invalid(
        "a clear-text secret is not allowed in the inventory (the value is not shown here)",
        "keep the secret outside the inventory and refer to it: env:NAME for an environment "
        "variable, e.g. env:COMMUNET_PASSWORD, or vault:name for an Ansible Vault variable",
    )


def _platform(value: str) -> str:
    if value not in PLATFORMS:
        close = difflib.get_close_matches(value, PLATFORMS, n=1)
        raise invalid(
            f"unknown platform {value!r}; valid platforms: {platform_names()}",
            f"did you mean {close[0]!r}?" if close else "use one of the valid platforms",
        )
    return value


def _vlan_name(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,31}", value):
        suggestion = re.sub(r"[^A-Z0-9_]+", "_", slugify(value).upper()).strip("_")
        raise invalid(
            f"{value!r} is not a VLAN name: use 1–32 uppercase ASCII letters, digits and '_', "
            "starting with a letter (it is written into device configs)",
            f"use {suggestion!r}"
            if suggestion[:1].isalpha() and suggestion != value
            else "write it like 'CANBO' or 'MOTCUA'",
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
            raise invalid(
                f"block /{self.block} is larger than the supernet {self.supernet}",
                f"use a block of /{self.supernet.prefixlen} or a longer prefix, "
                "or a larger supernet",
                at="block",
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
            given, missing = ("offset", "prefix") if self.prefix is None else ("prefix", "offset")
            raise invalid(
                f"VLAN {self.name} has '{given}' but no '{missing}'",
                "set both 'offset' and 'prefix' for a VLAN subnet, or neither",
                at=given,
            )
        if self.offset is not None and self.prefix is not None:
            size = 2 ** (32 - self.prefix)
            if self.offset % size:
                raise invalid(
                    f"offset {self.offset} is not aligned to a /{self.prefix}",
                    f"use a multiple of {size}, e.g. {self.offset - self.offset % size}",
                    at="offset",
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


# An interface name as the device prints it; written into device configs, so no spaces.
InterfaceName = Annotated[
    str, Field(pattern=r"^[A-Za-z][A-Za-z0-9-]{0,40}\d+(?:/\d+){0,3}(?:\.\d+)?$")
]
AccessLayout = Literal["access8", "access16", "access24", "access48"]


class Ports(Frozen):
    """Special ports of one device, by the device's own interface names.

    The interface list itself is read from the device (its running config) when planning;
    this only says what the layout cannot know: which port goes up to the router or the
    telecom, which one chains to the next switch, which ones communet must leave alone. On a
    CE router ``uplink`` is the port to the telecom's PE and ``lan`` the port down to the
    commune switch (its subinterfaces carry the VLANs).
    """

    layout: AccessLayout | None = None  # default: from the number of front-panel ports
    uplink: InterfaceName | None = None
    chain: InterfaceName | None = None
    lan: InterfaceName | None = None  # a router's port to the commune LAN
    keep: tuple[InterfaceName, ...] = ()  # never configured (a telecom handover, a camera NVR)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if self.uplink is not None and self.uplink == self.chain:
            raise invalid(
                f"{self.uplink} is both the uplink and the chain port",
                "give the chain to the next switch its own port",
                at="chain",
            )
        if self.uplink is not None and self.uplink == self.lan:
            raise invalid(
                f"{self.uplink} is both the uplink and the LAN port",
                "give the router's LAN its own port",
                at="lan",
            )
        for name in self.keep:
            if name in (self.uplink, self.chain, self.lan):
                role = {self.uplink: "uplink", self.chain: "chain", self.lan: "lan"}[name]
                raise invalid(
                    f"{name} is both kept as it is and the {role}",
                    "remove it from 'keep' to let communet configure it",
                    at="keep",
                )
        return self


class CurrentReach(Frozen):
    """How a brownfield device is reached today, before ``communet adopt`` moves it to its
    intended management address and credentials (the device's ``management`` and
    ``credentials``). Credentials by reference only; absent: the device's own."""

    address: IPv4Address
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    credentials: Credentials | None = None


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
    ports: Ports | None = None
    # False: communet only monitors the device (the telecom's CE, a soft client on an office
    # PC); its configuration is never pushed to, it stays for the exporter and readiness.
    managed: bool = True
    # Brownfield: where and as whom the device answers today (``communet adopt`` moves it to
    # ``management`` and ``credentials``); absent: it already answers there.
    reach: CurrentReach | None = None


class WanLink(Frozen):
    """The TSLCD circuit: a /30 or /31 between our CE and the telecom's PE."""

    circuit_id: Identifier
    bandwidth_mbps: Annotated[int, Field(gt=0, le=100_000)]
    vlan: VlanId | None = None
    ce_address: IPv4Interface | None = None
    pe_address: IPv4Address | None = None

    @model_validator(mode="after")
    def _pair_consistent(self) -> Self:
        ce, pe = self.ce_address, self.pe_address
        if ce is None and pe is None:
            return self
        if ce is None or pe is None:
            given, missing = (
                ("ce_address", "pe_address") if pe is None else ("pe_address", "ce_address")
            )
            raise invalid(
                f"'{given}' is set but '{missing}' is not",
                "set both ends of the link as the telecom assigned them, or neither to "
                "allocate them from the WAN pool",
                at=given,
            )
        net = ce.network
        usable = [net.network_address + 1, net.network_address + 2]
        if net.prefixlen == 31:
            usable = [net.network_address, net.network_address + 1]
        if net.prefixlen not in (30, 31):
            raise invalid(
                f"ce_address {ce} is a /{net.prefixlen}; a TSLCD link is a /30 or /31",
                f"write the prefix length the telecom assigned, e.g. {ce.ip}/30",
                at="ce_address",
            )
        if pe not in net:
            other = usable[1] if ce.ip == usable[0] else usable[0]
            raise invalid(
                f"pe_address {pe} is not in the CE's link {net}",
                f"both ends share one /{net.prefixlen}: with ce_address {ce} the PE is "
                f"{other}; check both against the telecom's handover sheet",
                at="pe_address",
            )
        if pe == ce.ip:
            raise invalid(
                f"ce_address and pe_address are the same address {pe}",
                f"in {net} the two ends are {usable[0]} and {usable[1]}",
                at="pe_address",
            )
        for key, address in (("ce_address", ce.ip), ("pe_address", pe)):
            if address not in usable:
                what = "network" if address == net.network_address else "broadcast"
                raise invalid(
                    f"{key} {address} is the {what} address of the /30 {net}",
                    f"only {usable[0]} and {usable[1]} are usable; the CE usually takes "
                    f"{usable[0]}/30 and the PE {usable[1]}",
                    at=key,
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
