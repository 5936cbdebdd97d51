"""Port layouts as data: which front-panel port does what, per port count.

A commune access switch follows one layout per port count (the same port numbers in every
commune, so technicians can patch without a drawing). The interface names come from the
device itself when it can be asked (its running config lists them: :func:`front_panel`);
the model table below only serves offline previews. Router models name their WAN and LAN
interfaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class PortRole(StrEnum):
    STAFF = "staff"  # CANBO access
    COUNTER = "counter"  # MOTCUA access (one-stop-shop counters, kiosks)
    MEETING_ROOM = "meeting_room"  # HNTH access: codec and meeting-room PC, DSCP trusted
    STAFF_INTERNET = "staff_internet"  # INTERNET access
    INTERNET_ROUTER = "internet_router"  # INTERNET access to the staff-Internet router
    CHAIN = "chain"  # trunk down to the next switch of the same site
    UPLINK = "uplink"  # trunk up to the CE router (switch #1) or the previous switch
    SPARE = "spare"  # unused: BLACKHOLE, shut


@dataclass(frozen=True)
class PortBank:
    """Consecutive front-panel ports: port ``n`` is ``name.format(n - offset)``."""

    first: int
    last: int
    name: str
    offset: int = 0

    def interface(self, port: int) -> str:
        return self.name.format(port - self.offset)


@dataclass(frozen=True)
class SwitchModel:
    models: tuple[str, ...]
    layout: str  # key into ACCESS_LAYOUTS
    banks: tuple[PortBank, ...]
    # Catalyst 2960: QoS is off until 'mls qos'; then ports are untrusted unless told.
    # Catalyst 3850/9200 trust DSCP by default and have no such commands.
    mls_qos: bool = False

    @property
    def port_count(self) -> int:
        return max(bank.last for bank in self.banks)

    def interface(self, port: int) -> str:
        bank = next(b for b in self.banks if b.first <= port <= b.last)
        return bank.interface(port)


@dataclass(frozen=True)
class PortRange:
    first: int
    last: int
    role: PortRole


# Which VLAN (by plan name) each access role sits in; trunks list their VLANs in render.
ROLE_VLAN: dict[PortRole, str] = {
    PortRole.STAFF: "CANBO",
    PortRole.COUNTER: "MOTCUA",
    PortRole.MEETING_ROOM: "HNTH",
    PortRole.STAFF_INTERNET: "INTERNET",
    PortRole.INTERNET_ROUTER: "INTERNET",
    PortRole.SPARE: "BLACKHOLE",
}

ACCESS_ROLES = frozenset(
    {
        PortRole.STAFF,
        PortRole.COUNTER,
        PortRole.MEETING_ROOM,
        PortRole.STAFF_INTERNET,
    }
)
# The meeting-room port is untagged in HNTH: the codec sends untagged frames.
MEETING_ROOM_TAGGED = False

ACCESS_LAYOUTS: dict[str, tuple[PortRange, ...]] = {
    "access8": (
        PortRange(1, 3, PortRole.STAFF),
        PortRange(4, 4, PortRole.COUNTER),
        PortRange(5, 5, PortRole.MEETING_ROOM),
        PortRange(6, 6, PortRole.INTERNET_ROUTER),
        PortRange(7, 7, PortRole.CHAIN),
        PortRange(8, 8, PortRole.UPLINK),
    ),
    "access16": (
        PortRange(1, 8, PortRole.STAFF),
        PortRange(9, 10, PortRole.COUNTER),
        PortRange(11, 12, PortRole.MEETING_ROOM),
        PortRange(13, 13, PortRole.STAFF_INTERNET),
        PortRange(14, 14, PortRole.INTERNET_ROUTER),
        PortRange(15, 15, PortRole.CHAIN),
        PortRange(16, 16, PortRole.UPLINK),
    ),
    "access24": (
        PortRange(1, 12, PortRole.STAFF),
        PortRange(13, 16, PortRole.COUNTER),
        PortRange(17, 18, PortRole.MEETING_ROOM),
        PortRange(19, 20, PortRole.STAFF_INTERNET),
        PortRange(21, 21, PortRole.INTERNET_ROUTER),
        PortRange(22, 22, PortRole.CHAIN),
        PortRange(23, 23, PortRole.SPARE),
        PortRange(24, 24, PortRole.UPLINK),
    ),
    "access48": (
        PortRange(1, 28, PortRole.STAFF),
        PortRange(29, 36, PortRole.COUNTER),
        PortRange(37, 40, PortRole.MEETING_ROOM),
        PortRange(41, 44, PortRole.STAFF_INTERNET),
        PortRange(45, 45, PortRole.INTERNET_ROUTER),
        PortRange(46, 46, PortRole.CHAIN),
        PortRange(47, 47, PortRole.SPARE),
        PortRange(48, 48, PortRole.UPLINK),
    ),
}
# Ports of a model beyond its layout (SFP slots) are spare.

_CAT24 = (PortBank(1, 24, "GigabitEthernet1/0/{}"), PortBank(25, 28, "GigabitEthernet1/1/{}", 24))
_CAT48 = (PortBank(1, 48, "GigabitEthernet1/0/{}"), PortBank(49, 52, "GigabitEthernet1/1/{}", 48))
_C2960X24 = (PortBank(1, 28, "GigabitEthernet1/0/{}"),)
_C2960X48 = (PortBank(1, 52, "GigabitEthernet1/0/{}"),)
_HW24 = (PortBank(1, 24, "GigabitEthernet0/0/{}"), PortBank(25, 28, "XGigabitEthernet0/0/{}", 24))
_HW48 = (PortBank(1, 48, "GigabitEthernet0/0/{}"), PortBank(49, 52, "XGigabitEthernet0/0/{}", 48))

SWITCH_MODELS: tuple[SwitchModel, ...] = (
    SwitchModel(
        ("WS-C2960X-24TS-L", "WS-C2960X-24TD-L", "WS-C2960L-24TS-LL"),
        "access24",
        _C2960X24,
        mls_qos=True,
    ),
    SwitchModel(("WS-C2960X-48TS-L", "WS-C2960X-48TD-L"), "access48", _C2960X48, mls_qos=True),
    SwitchModel(
        ("WS-C3850-24T", "C9200L-24T-4G", "C9200L-24T-4X", "C9300-24T"), "access24", _CAT24
    ),
    SwitchModel(
        ("WS-C3850-48T", "C9200L-48T-4G", "C9200L-48T-4X", "C9300-48T"), "access48", _CAT48
    ),
    SwitchModel(
        ("S5720-28X-SI-AC", "S5735-L24T4X-A", "S5735-S24T4X", "CE6820-24T4X"), "access24", _HW24
    ),
    SwitchModel(("S5720-52X-SI-AC", "S5735-L48T4X-A", "S5735-S48T4X"), "access48", _HW48),
)


@dataclass(frozen=True)
class RouterModel:
    models: tuple[str, ...]
    wan: str
    lan: str


ROUTER_MODELS: tuple[RouterModel, ...] = (
    RouterModel(
        ("ISR4321/K9", "ISR4331/K9", "ISR4351/K9"), "GigabitEthernet0/0/0", "GigabitEthernet0/0/1"
    ),
    RouterModel(
        ("C1111-4P", "C1111-8P", "C1121-4P"), "GigabitEthernet0/0/0", "GigabitEthernet0/0/1"
    ),
    RouterModel(
        ("NetEngine AR6120", "NetEngine AR6140", "AR6120"),
        "GigabitEthernet0/0/0",
        "GigabitEthernet0/0/1",
    ),
    RouterModel(
        ("AR651", "AR651C", "AR1220C", "AR2220"), "GigabitEthernet0/0/8", "GigabitEthernet0/0/1"
    ),
)


def router_ports(
    model: RouterModel | None,
    interfaces: Sequence[str] | None,
    uplink: str | None = None,
    lan: str | None = None,
) -> tuple[str, str] | str:
    """A CE router's (WAN, LAN) ports: the declared ones, else the model table's where the
    device has them; ``interfaces`` is the device's own list (None: offline, not known).
    When the router does not fit, the reason instead (one line)."""
    have = list(interfaces) if interfaces is not None else None
    for key, name in (("uplink", uplink), ("lan", lan)):
        if name is not None and have is not None and name not in have:
            return f"ports.{key} {name} is not an interface of this router; it has {describe(have)}"
    wan = uplink or (model.wan if model else None)
    inside = lan or (model.lan if model else None)
    unknown = [
        role
        for role, name in (("the telecom's (ports.uplink)", wan), ("the LAN's (ports.lan)", inside))
        if name is None or (have is not None and name not in have)
    ]
    if not unknown and wan is not None and inside is not None:
        return wan, inside
    listed = describe(have) if have is not None else "no model and no declared ports"
    table = f" (its model's are {model.wan} and {model.lan})" if model else ""
    return f"the router has {listed}{table}: none is known as {' or '.join(unknown)} port"


def switch_model(model: str | None) -> SwitchModel | None:
    return next((m for m in SWITCH_MODELS if model in m.models), None)


def router_model(model: str | None) -> RouterModel | None:
    return next((m for m in ROUTER_MODELS if model in m.models), None)


def known_switch_models() -> str:
    return ", ".join(sorted(name for m in SWITCH_MODELS for name in m.models))


def known_router_models() -> str:
    return ", ".join(sorted(name for m in ROUTER_MODELS for name in m.models))


def port_role(layout: str, port: int) -> PortRole:
    for item in ACCESS_LAYOUTS[layout]:
        if item.first <= port <= item.last:
            return item.role
    return PortRole.SPARE


def layout_size(layout: str) -> int:
    return max(item.last for item in ACCESS_LAYOUTS[layout])


# Switches number their uplink slots after the copper ports (2960-X: Gi1/0/25-28): up to this
# many ports beyond a layout's size are slots, left spare.
UPLINK_SLOTS = 4


def layout_for(count: int) -> str | None:
    """The access layout for ``count`` front-panel ports (slots numbered after them spare)."""
    fitting = [n for n in ACCESS_LAYOUTS if 0 <= count - layout_size(n) <= UPLINK_SLOTS]
    return max(fitting, key=layout_size) if fitting else None


def layout_sizes() -> str:
    return ", ".join(str(layout_size(name)) for name in ACCESS_LAYOUTS)


_NUMBERED = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")
# The type may start with its speed: VRP's 10GE1/0/1, 25GE1/0/1, 100GE1/0/1.
_TYPE = re.compile(r"^(?P<type>\d*[A-Za-z][A-Za-z-]*)(?P<numbers>\d+(?:/\d+)*)$")


def _key(name: str) -> tuple[str, int]:
    found = _NUMBERED.match(name)
    return (found.group("prefix"), int(found.group("number"))) if found else (name, 0)


def _order(name: str) -> tuple[int, ...]:
    found = _TYPE.match(name)
    return tuple(int(n) for n in found.group("numbers").split("/")) if found else ()


def _kind(name: str) -> tuple[str, int]:
    """Interface type and numbering depth: Gi1/0/1 and Gi1/1/1 are one kind, Gi0/0 another."""
    found = _TYPE.match(name)
    return (found.group("type"), len(_order(name))) if found else (name, 0)


def front_panel(interfaces: Sequence[str]) -> tuple[list[str], list[str]]:
    """The device's physical interfaces split into its front panel and the rest.

    The front panel is the largest group of one interface type and numbering depth
    (``FastEthernet0/x`` on a classic 2960, ``GigabitEthernet1/0/x`` and ``1/1/x`` on a
    2960-X, 3850 or 9200, ``GigabitEthernet0/0/x`` on an S5700), in port-number order; the
    rest are other slots (``GigabitEthernet0/1-2`` on a 2960, ``XGigabitEthernet0/0/1-4``)
    or a management port (``GigabitEthernet0/0`` on a 9200).
    """
    groups: dict[tuple[str, int], list[str]] = {}
    for name in interfaces:
        groups.setdefault(_kind(name), []).append(name)
    if not groups:
        return [], []
    front_kind = max(groups, key=lambda kind: len(groups[kind]))  # the first on a tie
    front = sorted(groups[front_kind], key=_order)
    rest = sorted((n for k, g in groups.items() if k != front_kind for n in g), key=_order)
    return front, rest


def describe(names: Sequence[str]) -> str:
    """``FastEthernet0/1-24, GigabitEthernet0/1-2``: a list of interfaces, short."""
    runs: list[tuple[str, int, int]] = []
    for name in names:
        prefix, number = _key(name)
        if runs and runs[-1][0] == prefix and runs[-1][2] == number - 1:
            runs[-1] = (prefix, runs[-1][1], number)
        else:
            runs.append((prefix, number, number))
    return ", ".join(
        f"{prefix}{low}" if low == high else f"{prefix}{low}-{high}" for prefix, low, high in runs
    )
