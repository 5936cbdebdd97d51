"""Huawei VRP grammars per view and configuration model: how VRP stores, orders, replaces,
undoes and prints its lines (from Huawei's command references)."""

from __future__ import annotations

import re

from communet.lab.core import Node, compress_ranges
from communet.lab.grammar import Grammar

_USER = """
system-view
system-view immediately
screen-length * temporary
screen-length disable
save
save *
quit
return
reboot
reboot fast
ping ...
tracert ...
"""

_DISPLAY = """
display current-configuration
display current-configuration interface *
display current-configuration interface * *
display saved-configuration
display vlan
display vlan *
display vlan brief
display interface brief
display version
display clock
display users
display this
"""

_SYSTEM = """
sysname *
vlan *
vlan batch ...
interface *
interface * *
user-interface con|vty|console *
user-interface con|vty|console * *
user-interface maximum-vty *
aaa
stp mode stp|rstp|mstp
stp enable
stp bpdu-protection
stp edged-port default
ip route-static ...
ntp-service ...
info-center ...
snmp-agent ...
stelnet server enable
telnet server enable
ssh ...
lldp enable
dhcp enable
dhcp snooping enable ...
clock timezone ...
header login|shell ...
qos ...
acl ...
traffic classifier ...
traffic behavior ...
traffic policy ...
http server enable
http secure-server enable
dns ...
ip domain-name *
quit
return
save
save *
commit
commit trial
commit trial *
commit comment ...
abort trial
abort
"""

_INTERFACE = """
description ...
port link-type access|trunk|hybrid
port default vlan *
port trunk allow-pass vlan ...
port trunk pvid vlan *
port hybrid ...
shutdown
ip address * *
ip address * * sub
stp edged-port enable|disable
stp bpdu-filter enable
stp disable
stp enable
storm-control broadcast|multicast|unknown-unicast min-rate * max-rate *
storm-control action block|error-down
trust dscp ...
trust 8021p ...
qos ...
traffic-policy * inbound|outbound
traffic-filter inbound|outbound acl ...
dot1q termination vid ...
arp broadcast enable
nat ...
port-security ...
loopback-detect ...
eth-trunk *
dhcp ...
jumboframe enable ...
mtu *
quit
return
"""

_VLAN = """
description ...
name *
quit
return
"""

_UI = """
authentication-mode aaa|password|none
protocol inbound ssh|telnet|all
user privilege level *
idle-timeout *
idle-timeout * *
screen-length *
history-command max-size *
acl * inbound|outbound
set authentication password ...
quit
return
"""

_AAA = """
local-user ...
authentication-scheme *
authorization-scheme *
domain *
quit
return
"""

_ACL = """
rule ...
description ...
step *
quit
return
"""

_CLASSIFIER = """
if-match ...
operator and|or
quit
return
"""

_BEHAVIOR = """
remark ...
car ...
permit
deny
statistic enable
queue ...
quit
return
"""

_POLICY = """
classifier * behavior *
classifier * behavior * precedence *
statistic enable
quit
return
"""

_GENERIC = """
quit
return
...
"""

GRAMMARS = {
    "user": Grammar(_USER + _DISPLAY),
    "system": Grammar(_SYSTEM + _DISPLAY),
    "interface": Grammar(_INTERFACE + _DISPLAY),
    "vlan": Grammar(_VLAN + _DISPLAY),
    "ui": Grammar(_UI + _DISPLAY),
    "aaa": Grammar(_AAA + _DISPLAY),
    "acl": Grammar(_ACL + _DISPLAY),
    "classifier": Grammar(_CLASSIFIER + _DISPLAY),
    "behavior": Grammar(_BEHAVIOR + _DISPLAY),
    "policy": Grammar(_POLICY + _DISPLAY),
}
GENERIC_GRAMMAR = Grammar(_GENERIC)
V8_ONLY = ("commit", "abort")

_SINGLE = {
    "sysname": 1,
    "description": 1,
    "name": 1,
    "port link-type": 2,
    "port default vlan": 3,
    "port trunk pvid vlan": 4,
    "ip address": 2,
    "stp mode": 2,
    "stp edged-port": 2,
    "authentication-mode": 1,
    "protocol inbound": 2,
    "user privilege level": 3,
    "idle-timeout": 1,
    "screen-length": 1,
    "clock timezone": 2,
    "storm-control action": 2,
    "storm-control broadcast": 2,
    "storm-control multicast": 2,
    "storm-control unknown-unicast": 2,
    "header login": 2,
    "header shell": 2,
    "snmp-agent sys-info location": 3,
    "snmp-agent sys-info contact": 3,
    "mtu": 1,
}
_SINGLE_ORDERED = sorted(_SINGLE.items(), key=lambda item: -len(item[0]))

_RANKS = [
    ("sysname", 0),
    ("vlan batch", 1),
    ("stp", 2),
    ("lldp", 3),
    ("dhcp", 3),
    ("clock", 3),
    ("http", 3),
    ("acl", 5),
    ("traffic", 5),
    ("vlan", 6),
    ("aaa", 7),
    ("interface", 8),
    ("ip route-static", 9),
    ("snmp-agent", 10),
    ("info-center", 10),
    ("ntp-service", 10),
    ("stelnet", 11),
    ("telnet", 11),
    ("ssh", 11),
    ("header", 12),
    ("user-interface", 13),
]
_IF_ORDER = ["Vlanif", "MEth", "Eth-Trunk", "GigabitEthernet", "XGigabitEthernet"]
_IF_ORDER += ["LoopBack", "NULL"]
_IF_TYPES = {
    "gigabitethernet": "GigabitEthernet",
    "ge": "GigabitEthernet",
    "xgigabitethernet": "XGigabitEthernet",
    "xge": "XGigabitEthernet",
    "vlanif": "Vlanif",
    "loopback": "LoopBack",
    "eth-trunk": "Eth-Trunk",
    "meth": "MEth",
    "null": "NULL",
}
_IF_SHORT = {"GigabitEthernet": "GE", "XGigabitEthernet": "XGE", "Eth-Trunk": "Eth-Trunk"}


def normalize_interface(text: str) -> str | None:
    match = re.fullmatch(r"([A-Za-z-]+)\s*(\d+(?:/\d+)*(?:\.\d+)?)", text.strip())
    if not match:
        return None
    prefix, number = match.group(1).lower(), match.group(2)
    if prefix in _IF_TYPES:
        return _IF_TYPES[prefix] + number
    candidates = {full for key, full in _IF_TYPES.items() if key.startswith(prefix)}
    if len(candidates) != 1:
        return None
    return candidates.pop() + number


def short_interface(name: str) -> str:
    for full, short in _IF_SHORT.items():
        if name.startswith(full):
            return short + name[len(full) :]
    return name


def config_rank(line: str) -> tuple[int, tuple[int, ...], str]:
    rank = 4
    best = -1
    for prefix, value in _RANKS:
        if (line == prefix or line.startswith(prefix + " ")) and len(prefix) > best:
            best, rank = len(prefix), value
    if line.startswith("interface "):
        name = line.split(" ", 1)[1]
        kind = re.match(r"[A-Za-z-]+", name)
        type_name = kind.group() if kind else name
        order = _IF_ORDER.index(type_name) if type_name in _IF_ORDER else len(_IF_ORDER)
        numbers = tuple(int(n) for n in re.findall(r"\d+", name[len(type_name) :]))
        return rank, (order, *numbers), name
    if line.startswith("vlan ") and line.split()[1].isdigit():
        return rank, (int(line.split()[1]),), ""
    return rank, (), ""


def _key(line: str) -> str | None:
    if line.startswith("ip address ") and line.endswith(" sub"):
        return None
    if line.startswith("local-user "):
        words = line.split()
        return " ".join(words[:3]) if len(words) > 3 else None
    for prefix, count in _SINGLE_ORDERED:
        if line == prefix or line.startswith(prefix + " "):
            return " ".join(line.split()[:count])
    return None


_CHILD_ORDER = ["description", "shutdown", "port link-type", "port default vlan"]
_CHILD_ORDER += ["port trunk pvid", "port trunk allow-pass", "port hybrid", "ip address"]


def _childconfig_rank(line: str) -> int:
    for index, prefix in enumerate(_CHILD_ORDER):
        if line.startswith(prefix):
            return index
    return len(_CHILD_ORDER)


def insert_node(target: Node, node: Node) -> None:
    if target.line.startswith("interface "):
        rank = _childconfig_rank(node.line)
        index = next(
            (i for i, c in enumerate(target.children) if _childconfig_rank(c.line) > rank),
            len(target.children),
        )
        target.children.insert(index, node)
        return
    if target.line:
        target.children.append(node)
        return
    key = config_rank(node.line)
    index = next(
        (i for i, c in enumerate(target.children) if config_rank(c.line) > key),
        len(target.children),
    )
    target.children.insert(index, node)


def set_line(target: Node, line: str) -> None:
    if target.find(line) is not None:
        return
    key = _key(line)
    if key is not None:
        target.children = [c for c in target.children if _key(c.line) != key]
    insert_node(target, Node(line))


def undo_line(target: Node, text: str) -> None:
    key = _key(text)
    target.children = [
        c
        for c in target.children
        if not (c.line == text or c.line.startswith(text + " ") or (key and _key(c.line) == key))
    ]


def parse_vlans(words: list[str]) -> list[int]:
    """``10 20 30 to 40`` → list; raises ValueError."""
    values: list[int] = []
    index = 0
    while index < len(words):
        start = int(words[index])
        if index + 2 < len(words) and words[index + 1] == "to":
            end = int(words[index + 2])
            values.extend(range(start, end + 1))
            index += 3
        else:
            values.append(start)
            index += 1
    if not values or any(not 1 <= v <= 4094 for v in values):
        raise ValueError("vlan out of range")
    return values


def format_vlans(values: set[int]) -> str:
    return compress_ranges(values, sep=" ", dash=" to ")


def mask_of(text: str) -> str:
    if text.isdigit():
        bits = int(text)
        value = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0
        return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))
    return text


def parse_config(text: str) -> Node:
    root = Node("")
    section: Node | None = None
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith(("#", "!")) or raw.strip() == "return":
            section = None if raw.startswith("#") else section
            continue
        if raw.startswith(" ") and section is not None:
            section.children.append(Node(raw.strip()))
            continue
        line = raw.strip()
        if line.startswith("vlan batch "):
            for number in parse_vlans(line.split()[2:]):
                if root.find(f"vlan {number}") is None:
                    insert_node(root, Node(f"vlan {number}"))
            section = None
            continue
        node = root.find(line) or Node(line)
        if node not in root.children:
            insert_node(root, node)
        section = node if not raw.startswith(" ") else None
    return root
