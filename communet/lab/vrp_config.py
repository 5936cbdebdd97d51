"""Huawei VRP grammars per view and configuration model: how VRP stores, orders, replaces,
undoes and prints its lines (from Huawei's command references)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from ipaddress import IPv4Address

from communet.lab.core import Node, compress_ranges, static_route_key
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
negotiation auto|disable
speed *
duplex full|half|auto
device transceiver *
stp bpdu-filter enable
stp root-protection
stp disable
ospf ...
mpls ...
l2 binding vsi *
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
ntdp enable
ndp enable
bpdu enable|disable
lldp enable
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
local-user * * ...
local-aaa-user ...
authentication-scheme *
authorization-scheme *
accounting-scheme *
domain *
quit
return
"""

_AAA_DOMAIN = """
authentication-scheme *
authorization-scheme *
accounting-scheme *
radius-server *
hwtacacs-server *
state active|block
quit
return
"""

_AAA_SCHEME = """
authentication-mode ...
authorization-mode ...
accounting-mode ...
accounting start-fail online|offline
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
    "aaa-domain": Grammar(_AAA_DOMAIN + _DISPLAY),
    "aaa-scheme": Grammar(_AAA_SCHEME + _DISPLAY),
    "acl": Grammar(_ACL + _DISPLAY),
    "classifier": Grammar(_CLASSIFIER + _DISPLAY),
    "behavior": Grammar(_BEHAVIOR + _DISPLAY),
    "policy": Grammar(_POLICY + _DISPLAY),
}
GENERIC_GRAMMAR = Grammar(_GENERIC)
V8_ONLY = ("commit", "abort")

_SINGLE = {
    "sysname": 1,
    "authentication-scheme": 1,  # inside a domain: one of each
    "authorization-scheme": 1,
    "accounting-scheme": 1,
    "authorization-mode": 1,
    "accounting-mode": 1,
    "radius-server": 1,
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
    "rule": 2,  # an ACL's rule N: typed again, it is edited (S5720 command reference, 'rule')
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


PHYSICAL: tuple[str, ...] = ("GigabitEthernet", "XGigabitEthernet", "MultiGE", "Ethernet")
PHYSICAL += ("GE", "10GE", "25GE", "40GE", "100GE", "MEth")
_ALIASES = {"gigabitethernet": "ge", "xgigabitethernet": "10ge", "xge": "10ge"}


def _split_name(text: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"(\d*[A-Za-z-]+)\s*(\d+(?:/\d+)*(?:\.\d+)?)", text.strip())
    return (match.group(1).lower(), match.group(2)) if match else None


def resolve_interface(text: str, known: list[str]) -> str | None:
    """What the device calls the interface typed as ``text``: an abbreviation of one of its
    own names (``ge1/0/1`` → ``GE1/0/1`` on V600, ``GigabitEthernet0/0/1`` on V200), else a
    virtual interface by its full name."""
    typed = _split_name(text)
    if typed is None:
        return None
    prefix, number = typed
    matches: list[str] = []
    for name in dict.fromkeys(known):
        own = _split_name(name)
        if own is None or own[1] != number:
            continue
        kind = own[0]
        if kind.startswith(prefix) or _ALIASES.get(prefix) == kind or _ALIASES.get(kind) == prefix:
            matches.append(name)
    if len(matches) == 1:
        return matches[0]
    return normalize_interface(text) if not matches else None


def ports_from_config(root: Node) -> tuple[str, ...]:
    """The device's physical interfaces, as its running config lists them."""
    ports: list[str] = []
    for child in root.children:
        name = child.line.split(" ", 1)[1] if child.line.startswith("interface ") else ""
        kind = re.match(r"(\d*[A-Za-z-]+?)(?=\d+/)", name)
        if kind is not None and kind.group(1) in PHYSICAL and "." not in name:
            ports.append(name)
    return tuple(ports)


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
    route = static_route_key(line, "ip route-static")
    if route is not None:
        return route
    if line.startswith("ip address ") and line.endswith(" sub"):
        return None
    if line.startswith("local-user "):
        words = line.split()
        return " ".join(words[:3]) if len(words) > 3 else None
    if line.startswith("acl ") and line.endswith(("inbound", "outbound")):
        # a user-interface holds one ACL per direction: 'acl 2000 inbound' replaces
        # 'acl 2001 inbound' (Huawei S series command reference, acl (user-interface view))
        return "acl " + line.rsplit(maxsplit=1)[-1]
    for prefix, count in _SINGLE_ORDERED:
        if line == prefix or line.startswith(prefix + " "):
            return " ".join(line.split()[:count])
    return None


_CHILD_ORDER: list[str] = ["description", "shutdown", "port link-type", "port default vlan"]
_CHILD_ORDER += ["port trunk pvid", "port trunk allow-pass", "port hybrid", "ip address"]
_CHILD_ORDER += ["ntdp enable", "ndp enable", "bpdu "]


Layout = dict[str, int]


def _child_kind(line: str) -> int:
    """The ``_CHILD_ORDER`` entry an interface line belongs to (its length: none)."""
    return next(
        (i for i, prefix in enumerate(_CHILD_ORDER) if line.startswith(prefix)), len(_CHILD_ORDER)
    )


def _childconfig_rank(line: str, layout: Layout | None = None) -> float:
    """Where VRP prints an interface line; an ``undo`` form (a default turned off, such as
    ``undo port trunk allow-pass vlan 1``) just before the positive form of its command.
    A loaded config's own order of these commands wins (``layout_of``)."""
    if line.startswith("undo "):
        return _childconfig_rank(line[5:], layout) - 0.5
    kind = _child_kind(line)
    return (layout or {}).get(f"{_CHILD_KEY}{kind}", kind)


# Layout keys of the interface command order a loaded config printed: the S5700 V200R005
# of the corpus prints 'ntdp enable', 'ndp enable', 'bpdu ...'; the real S2700-52P (V100,
# iyifanx--vrpcfg-s2700-52p) prints 'bpdu enable' first.
_CHILD_KEY = "\0interface-child:"


def _interface_order(root: Node) -> Layout:
    """``_CHILD_ORDER`` re-ordered where a loaded config's interfaces print two of its
    commands the other way round."""
    order = list(range(len(_CHILD_ORDER)))
    for interface in root.children:
        if not interface.line.startswith("interface "):
            continue
        kinds = [_child_kind(c.line.removeprefix("undo ")) for c in interface.children]
        kinds = [k for k in kinds if k < len(_CHILD_ORDER)]
        for first, second in itertools.pairwise(kinds):
            if order.index(first) > order.index(second):
                order.remove(first)
                order.insert(order.index(second), first)
    return {f"{_CHILD_KEY}{kind}": rank for rank, kind in enumerate(order)}


# The order VRP prints the ``aaa`` view in (schemes, password policy, domains, users).
_AAA_ORDER: tuple[str, ...] = ("authentication-scheme", "authorization-scheme", "accounting-scheme")
_AAA_ORDER += ("local-aaa-user", "domain", "undo local-user", "local-user")


def _aaa_rank(line: str) -> int:
    return next((i for i, p in enumerate(_AAA_ORDER) if line.startswith(p)), len(_AAA_ORDER))


def layout_of(root: Node) -> Layout:
    """Where a loaded config printed each kind of top-level line: VRP prints every command
    at a fixed place, which a real config reveals better than any table."""
    layout: Layout = _interface_order(root)
    for index, child in enumerate(root.children):
        for kind in _kinds(child.line):
            layout.setdefault(kind, index)
    return layout


def _kinds(line: str) -> list[str]:
    """The line, then its first three, two and one words (``undo`` not counted)."""
    words = line.split()
    skip = 1 if words[:1] == ["undo"] else 0
    return [line, *(" ".join(words[: skip + n]) for n in (3, 2, 1) if len(words) > skip + n)]


def _placed(line: str, layout: Layout) -> float:
    return next((layout[k] for k in _kinds(line) if k in layout), float("inf"))


def insert_node(target: Node, node: Node, layout: Layout | None = None) -> None:
    if not target.line and layout and _placed(node.line, layout) != float("inf"):
        where = _placed(node.line, layout)
        after = [i for i, c in enumerate(target.children) if _placed(c.line, layout) <= where]
        target.children.insert(after[-1] + 1 if after else 0, node)
        return
    if target.line == "aaa":
        rank = _aaa_rank(node.line)
        index = next(
            (i for i, c in enumerate(target.children) if _aaa_rank(c.line) > rank),
            len(target.children),
        )
        target.children.insert(index, node)
        return
    if target.line.startswith("interface "):
        place = _childconfig_rank(node.line, layout)
        index = next(
            (i for i, c in enumerate(target.children) if _childconfig_rank(c.line, layout) > place),
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


# On by default, so displayed only in their 'undo' form once turned off (S5720 V200R019
# command reference, aaa view: 'local-user password change-offline enable'; S5735 V600:
# 'ssh authentication-type default password', as the corpus's s5735-bucharest shows it);
# typing the positive form takes the 'undo' line away and shows nothing.
DEFAULT_ON = frozenset(
    {"local-user password change-offline enable", "ssh authentication-type default password"}
)


def set_line(target: Node, line: str, layout: Layout | None = None) -> None:
    """Add ``line``; a single-valued command replaces its old value where that stood; the
    positive form of a default displayed when turned off takes its 'undo' line away."""
    negated = target.find("undo " + line) if line in DEFAULT_ON else None
    if negated is not None:
        target.children.remove(negated)
        return
    if line.startswith("local-user ") and len(line.split()) > 2:
        # a user created again: VRP no longer shows that it was deleted
        deleted = target.find("undo " + " ".join(line.split()[:2]))
        if deleted is not None:
            target.children.remove(deleted)
    if target.find(line) is not None:
        return
    key = _key(line)
    if key is not None:
        index = next((i for i, c in enumerate(target.children) if _key(c.line) == key), None)
        if index is not None:
            # changed where it stood, at the column the device prints it
            target.children[index] = Node(line, indent=target.children[index].indent)
            target.children = [
                c for i, c in enumerate(target.children) if i == index or _key(c.line) != key
            ]
            return
    if line.startswith("rule ") and line.split()[1].isdigit():
        # an ACL shows its rules in rule-ID order, whatever order they were typed in
        number = int(line.split()[1])
        later = next(
            (
                i
                for i, c in enumerate(target.children)
                if c.line.startswith("rule ")
                and c.line.split()[1].isdigit()
                and int(c.line.split()[1]) > number
            ),
            None,
        )
        if later is not None:
            target.children.insert(later, Node(line))
            return
    insert_node(target, Node(line), layout)


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


VLAN_BATCH = "vlan batch"  # marker: where ``display current-configuration`` prints the batch


def parse_config(text: str) -> Node:
    """``display current-configuration`` text → tree, nested by indentation at any depth
    (``aaa`` → `` domain default`` → ``  authentication-scheme radius``), in the device's
    own order. ``vlan batch`` lines become ``vlan N`` nodes plus one marker that keeps the
    batch's place; ``#``, ``!`` comments and ``return`` are not configuration."""
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "!")) or stripped == "return":
            if raw.startswith("#"):
                del stack[1:]
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if parent is root and stripped.startswith(VLAN_BATCH + " "):
            if root.find(VLAN_BATCH) is None:
                root.children.append(Node(VLAN_BATCH))
            for number in parse_vlans(stripped.split()[2:]):
                if root.find(f"vlan {number}") is None:
                    root.children.append(Node(f"vlan {number}"))
            continue
        node = parent.find(stripped) if parent is root else None
        if node is not None and _is_vlan_line(stripped) and not node.children:
            parent.children.remove(node)  # a batch made it; its block is printed here
            parent.children.append(node)
        elif node is None:
            # a loaded line keeps its column: old releases indent some global lines
            # (`` sysname``, `` ftp server enable``) but not others (``ip route-static``),
            # and a key block nests by its own columns (`` public-key-code begin`` /
            # ``  0203`` / ``    010001``), not one space a level
            node = Node(stripped, indent=indent)
            parent.children.append(node)
        stack.append((indent, node))
    return root


def _is_vlan_line(line: str) -> bool:
    words = line.split()
    return len(words) == 2 and words[0] == "vlan" and words[1].isdigit()


def global_indent(text: str) -> str:
    """Old VRP5 releases print global commands one space in (`` sysname X``); later ones
    (V200R005 and on, as in the captures under tests/fixtures/real) do not."""
    for raw in text.splitlines():
        if raw.strip().startswith("sysname "):
            return raw[: len(raw) - len(raw.lstrip(" "))]
    return ""


# ------------------------------------------------------------------------------- logins
def _acl_permits(root: Node, number: str, address: IPv4Address) -> bool:
    """A basic ACL (``acl number 2001`` / ``acl 2001``): the first matching rule decides; a
    vty ACL without a matching rule denies; a vty ACL that does not exist permits."""
    node = next(
        (c for c in root.children if c.line in (f"acl number {number}", f"acl {number}")), None
    )
    if node is None:
        return True
    for child in node.children:
        words = child.line.split()
        if words[:1] != ["rule"]:
            continue
        words = words[2:] if len(words) > 1 and words[1].isdigit() else words[1:]
        if not words or words[0] not in ("permit", "deny"):
            continue
        if "source" not in words:
            return words[0] == "permit"
        at = words.index("source")
        base = words[at + 1] if len(words) > at + 1 else "0.0.0.0"  # noqa: S104 - an ACL's any
        wildcard = words[at + 2] if len(words) > at + 2 and words[at + 2][0].isdigit() else "0"
        wild = 0 if wildcard == "0" else int(IPv4Address(wildcard))
        if (int(address) & ~wild) == (int(IPv4Address(base)) & ~wild):
            return words[0] == "permit"
    return False


def vty_admits(root: Node, address: IPv4Address) -> bool:
    """Whether ``user-interface vty 0 …``'s ``acl N inbound`` lets a connection from
    ``address`` in at all: VRP closes a refused one before the SSH exchange."""
    vty = next((c for c in root.children if c.line.startswith("user-interface vty 0")), None)
    lines = [c.line for c in vty.children] if vty is not None else []
    acl = next((ln.split()[1] for ln in lines if ln.startswith("acl ") and "inbound" in ln), None)
    return acl is None or _acl_permits(root, acl, address)


def local_user(root: Node, username: str) -> list[list[str]]:
    """The words after ``local-user NAME`` of each of that user's lines in the ``aaa`` view
    (``password irreversible-cipher X``, ``service-type ssh``, ``privilege level 15``)."""
    aaa = root.find("aaa")
    return [
        c.line.split()[2:]
        for c in (aaa.children if aaa else [])
        if c.line.split()[:2] == ["local-user", username]
    ]


def vty_login(  # noqa: PLR0911 - one return per VRP rule, in VRP's order
    root: Node,
    username: str,
    secret: str,
    address: IPv4Address,
    matches: Callable[[str, str], bool],
) -> int | None:
    """The level an SSH login gets on ``user-interface vty 0 …``, or None when VRP refuses it:
    the vty ``acl … inbound``, ``protocol inbound``, ``authentication-mode`` (``aaa``: the
    ``aaa`` view's ``local-user`` with service-type ssh; ``password``: the vty's own
    password) and the user's or the vty's privilege level."""
    vty = next((c for c in root.children if c.line.startswith("user-interface vty 0")), None)
    lines = [c.line for c in vty.children] if vty is not None else []
    if not vty_admits(root, address):
        return None
    protocol = next((ln.split()[2] for ln in lines if ln.startswith("protocol inbound ")), "all")
    if protocol not in ("ssh", "all"):
        return None
    level = next((int(ln.split()[3]) for ln in lines if ln.startswith("user privilege level ")), 0)
    mode = next((ln.split()[1] for ln in lines if ln.startswith("authentication-mode ")), "aaa")
    if mode == "none":
        return level
    if mode == "password":
        stored = next(
            (ln.split()[-1] for ln in lines if ln.startswith("set authentication ")), None
        )
        return level if stored is not None and matches(stored, secret) else None
    user = local_user(root, username)
    stored = next((w[-1] for w in user if w[:1] == ["password"]), None)
    if stored is None or not matches(stored, secret):
        return None
    services = next((w[1:] for w in user if w[:1] == ["service-type"]), [])
    if "ssh" not in services or not _ssh_user_may_log_in(root, username):
        return None
    # ``privilege level N``; V100 releases (S2700/S3700) say ``local-user X level N``
    levels = (w[-1] for w in user if w[:2] == ["privilege", "level"] or w[:1] == ["level"])
    return next((int(value) for value in levels), level)


def _ssh_user_may_log_in(root: Node, username: str) -> bool:
    """With ``undo ssh authentication-type default password`` a password login needs the
    user's own ``ssh user NAME authentication-type password`` (or ``all``); by default any
    local user with service-type ssh may log in with its password (S5735 V600 and S5720
    V200R019 command references, 'ssh authentication-type default password')."""
    if not any(
        c.line.strip() == "undo ssh authentication-type default password" for c in root.children
    ):
        return True
    for child in root.children:
        words = child.line.split()
        if words[:3] == ["ssh", "user", username] and words[3:4] == ["authentication-type"]:
            return bool(set(words[4:5]) & {"password", "password-rsa", "password-ecc", "all"})
    return False
