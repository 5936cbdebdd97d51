"""Cisco IOS configuration model: hardware, interface names, the running-config tree and how
IOS stores, orders, replaces, negates and prints its lines (from Cisco's command references).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass, replace
from ipaddress import IPv4Address

from communet.lab.core import Node, static_route_key


# ----------------------------------------------------------------------------- hardware
@dataclass(frozen=True)
class Hardware:
    model: str
    switch: bool
    ports: tuple[str, ...]
    version_text: str
    processor: str


def _ports(prefix: str, slot: str, numbers: range) -> tuple[str, ...]:
    return tuple(f"{prefix}{slot}{n}" for n in numbers)


_C2960X_VERSION = (
    "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8, "
    "RELEASE SOFTWARE (fc3)"
)
_C3850_VERSION = (
    "Cisco IOS Software [Fuji], Catalyst L3 Switch Software (CAT3K_CAA-UNIVERSALK9-M), "
    "Version 16.9.8, RELEASE SOFTWARE (fc2)"
)
_ISR_VERSION = (
    "Cisco IOS Software [Fuji], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
    "Version 16.9.8, RELEASE SOFTWARE (fc2)"
)


def hardware_for(model: str | None) -> Hardware:
    name = model or "WS-C2960X-24TS-L"
    if name.startswith("ISR") or name.startswith("C11") or name.startswith("CISCO"):
        ports = _ports("GigabitEthernet", "0/0/", range(0, 3))
        return Hardware(name, False, ports, _ISR_VERSION, "1RU")
    if name.startswith("WS-C3850") or name.startswith("C9"):
        count = 48 if "48" in name else 24
        ports = _ports("GigabitEthernet", "1/0/", range(1, count + 1))
        ports += _ports("GigabitEthernet", "1/1/", range(1, 5))
        return Hardware(name, True, ports, _C3850_VERSION, "MIPS")
    count = 48 if "48" in name else 24
    ports = _ports("GigabitEthernet", "1/0/", range(1, count + 5))
    return Hardware(name, True, ports, _C2960X_VERSION, "APM86XXX")


_IF_TYPES = {
    "gigabitethernet": "GigabitEthernet",
    "fastethernet": "FastEthernet",
    "tengigabitethernet": "TenGigabitEthernet",
    "twogigabitethernet": "TwoGigabitEthernet",
    "fortygigabitethernet": "FortyGigabitEthernet",
    "appgigabitethernet": "AppGigabitEthernet",
    "ethernet": "Ethernet",
    "serial": "Serial",
    "atm": "ATM",
    "dot11radio": "Dot11Radio",
    "cellular": "Cellular",
    "vlan": "Vlan",
    "loopback": "Loopback",
    "port-channel": "Port-channel",
    "tunnel": "Tunnel",
    "dialer": "Dialer",
    "virtual-template": "Virtual-Template",
    "bvi": "BVI",
    "bdi": "BDI",
    "null": "Null",
}
# Interfaces that exist because they are configured, not because the hardware has them.
VIRTUAL: tuple[str, ...] = ("Vlan", "Loopback", "Port-channel", "Tunnel", "Dialer", "BVI")
VIRTUAL += ("Virtual-Template", "BDI", "Null")
_IF_SHORT = {
    "GigabitEthernet": "Gi",
    "FastEthernet": "Fa",
    "TenGigabitEthernet": "Te",
    "Vlan": "Vl",
    "Loopback": "Lo",
    "Port-channel": "Po",
    "Tunnel": "Tu",
}
_IF_ORDER = ["Loopback", "Port-channel", "Tunnel", "FastEthernet", "GigabitEthernet"]
_IF_ORDER += ["TenGigabitEthernet", "Vlan"]


def normalize_interface(text: str) -> str | None:
    """``gi1/0/1`` / ``GigabitEthernet 1/0/1`` → ``GigabitEthernet1/0/1``; None if not a name."""
    match = re.fullmatch(r"([A-Za-z-]+)\s*(\d+(?:/\d+)*(?:\.\d+)?)", text.strip())
    if not match:
        return None
    prefix, number = match.group(1).lower(), match.group(2)
    candidates = [full for key, full in _IF_TYPES.items() if key.startswith(prefix)]
    if len(candidates) != 1:
        return None
    return candidates[0] + number


def hardware_from_config(hardware: Hardware, root: Node) -> Hardware:
    """The device's real interfaces are the physical ones its running config lists (IOS
    prints every port): a classic 2960 has Fa0/1-24 and Gi0/1-2, whatever a model table says."""
    names = [c.line.split(" ", 1)[1] for c in root.children if c.line.startswith("interface ")]
    ports = tuple(n for n in names if "." not in n and not n.startswith(VIRTUAL))
    if not ports:
        return hardware
    # 'no switchport' is a switch's command too (a routed port of an L3 switch): a router
    # has no switchport at all, and IOSvL2 prints no line for a port left as a switchport.
    switch = any(
        child.line.startswith(("switchport", "no switchport", "spanning-tree portfast"))
        for node in root.children
        if node.line.startswith("interface ")
        for child in node.children
    )
    # a switch with every port at its defaults prints no switchport line either; its global
    # VTP and spanning-tree mode lines (a router has neither) still say what it is
    switch = switch or any(
        c.line.startswith(("vtp mode ", "spanning-tree mode ")) for c in root.children
    )
    return replace(hardware, ports=ports, switch=switch)


def short_interface(name: str) -> str:
    for full, short in _IF_SHORT.items():
        if name.startswith(full):
            return short + name[len(full) :]
    return name


def _interface_key(line: str) -> tuple[int, tuple[int, ...], str]:
    name = line.split(" ", 1)[1]
    kind = re.match(r"[A-Za-z-]+", name)
    type_name = kind.group() if kind else name
    numbers = tuple(int(n) for n in re.findall(r"\d+", name[len(type_name) :]))
    order = _IF_ORDER.index(type_name) if type_name in _IF_ORDER else len(_IF_ORDER)
    return order, numbers, name


# ------------------------------------------------------------------------- config model
_RANKS = [
    ("version", 0),
    ("service", 1),
    ("no service", 1),
    ("hostname", 2),
    ("boot", 3),
    ("logging buffered", 4),
    ("enable", 5),
    ("username", 6),
    ("aaa", 7),
    ("no aaa", 7),
    ("clock", 8),
    ("system", 9),
    ("ip routing", 10),
    ("ip domain", 10),
    ("no ip domain", 10),
    ("ip name-server", 10),
    ("ip dhcp", 10),
    ("vtp", 11),
    ("mls qos", 11),
    ("crypto", 12),
    ("archive", 13),
    ("spanning-tree", 14),
    ("errdisable", 14),
    ("vlan", 15),
    ("class-map", 16),
    ("policy-map", 17),
    ("interface", 18),
    ("router", 19),
    ("ip forward-protocol", 20),
    ("ip http", 20),
    ("no ip http", 20),
    ("ip default-gateway", 20),
    ("ip route", 21),
    ("ip ssh", 21),
    ("ip access-list", 22),
    ("access-list", 22),
    ("logging", 23),
    ("snmp-server", 24),
    ("control-plane", 25),
    ("banner", 26),
    ("line", 27),
    ("ntp", 28),
]


@functools.lru_cache(maxsize=1 << 16)  # pure in the line; lines repeat across devices
def _rank(line: str) -> int:
    best, rank = -1, 12
    for prefix, value in _RANKS:
        if (line == prefix or line.startswith(prefix + " ")) and len(prefix) > best:
            best, rank = len(prefix), value
    return rank


@functools.lru_cache(maxsize=1 << 16)  # pure in the line; lines repeat across devices
def _sort_key(line: str) -> tuple[int, tuple[int, tuple[int, ...], str] | int]:
    rank = _rank(line)
    if line.startswith("interface "):
        return rank, _interface_key(line)
    if line.startswith("vlan "):
        number = line.split()[1]
        return rank, int(number) if number.isdigit() else 0
    return rank, 0


# Commands whose "no" form is what the running config shows (the feature is on by default).
_DEFAULT_ON = {
    "service pad",
    "ip domain-lookup",
    "ip domain lookup",
    "ip http server",
    "ip http secure-server",
    "cdp run",
    "ip source-route",
    "aaa new-model",  # shown as "no aaa new-model"
    "ip redirects",
    "ip unreachables",
    "ip proxy-arp",
    "cdp enable",
    "cdp log mismatch duplex",  # global and per interface
    "logging console",
    "switchport",
    "keepalive",
    "vstack",
}

# Lines that hold one value: setting them replaces the old value (key = first N words).
_SINGLE = {
    "hostname": 1,
    "enable secret": 2,
    "enable password": 2,
    "ip domain-name": 2,
    "ip domain name": 3,
    "ip default-gateway": 2,
    "description": 1,
    "name": 1,
    "state": 1,
    "switchport mode": 2,
    "switchport access vlan": 3,
    "switchport voice vlan": 3,
    "switchport trunk native vlan": 4,
    "switchport trunk allowed vlan": 4,
    "switchport trunk encapsulation": 3,
    "speed": 1,
    "duplex": 1,
    "mtu": 1,
    "bandwidth": 1,
    "load-interval": 1,
    "exec-timeout": 1,
    "transport input": 2,
    "transport output": 2,
    "logging buffered": 2,
    "logging trap": 2,
    "logging console": 2,
    "logging source-interface": 2,
    "clock timezone": 2,
    "snmp-server location": 2,
    "snmp-server contact": 2,
    "ip address": 2,
    "spanning-tree mode": 2,
    "spanning-tree portfast": 2,
    "spanning-tree bpduguard": 2,
    "spanning-tree bpdufilter": 2,
    "spanning-tree guard": 2,
    "spanning-tree link-type": 2,
    "storm-control broadcast level": 3,
    "storm-control multicast level": 3,
    "storm-control unicast level": 3,
    "storm-control action": 2,
    "vtp mode": 2,
    "vtp domain": 2,
    "vtp version": 2,
    "ntp source": 2,
    "ip ssh version": 3,
    "ip ssh time-out": 3,
    "ip ssh authentication-retries": 3,
    "maximum": 1,
    "path": 1,
    "time-period": 1,
    "service-policy input": 2,
    "service-policy output": 2,
    "channel-group": 1,
    "encapsulation": 1,
    "username": 2,
    "snmp-server community": 3,
    "mls qos trust": 3,
    "login": 1,
    "password": 1,
    "privilege level": 2,
    "length": 1,
    "width": 1,
    "router-id": 1,
    "set dscp": 2,
    "police": 1,
    "priority": 1,
    "ip mtu": 2,
    "ip tcp adjust-mss": 3,
    "ip vrf forwarding": 3,
    "vrf forwarding": 2,
    "power inline": 2,
    "negotiation": 1,
    "banner motd": 2,
    "banner login": 2,
    "banner exec": 2,
    "version": 1,
    "ip nat": 2,
    "service timestamps debug": 3,
    "service timestamps log": 3,
    "logging host": 3,
}
_SINGLE_ORDERED = sorted(_SINGLE.items(), key=lambda item: -len(item[0]))


@functools.lru_cache(maxsize=1 << 16)  # pure in the line; lines repeat across devices
def _replace_key(line: str) -> str | None:
    route = static_route_key(line, "ip route")
    if route is not None:
        return route
    if line.startswith("ip address ") and line.endswith(" secondary"):
        return None
    if line.startswith("access-class "):
        # a line takes one IPv4 access-class per direction: ``access-class CN-VTY in``
        # replaces ``access-class 10 in`` (Cisco IOS Security Command Reference, access-class)
        direction = next((w for w in line.split()[2:] if w in ("in", "out")), "")
        return f"access-class {direction}"
    for prefix, count in _SINGLE_ORDERED:
        if line == prefix or line.startswith(prefix + " "):
            return " ".join(line.split()[:count])
    return None


def set_line(target: Node, line: str, ranked: bool = False) -> None:
    """Add ``line`` under ``target`` the way IOS does: one value per single-valued command."""
    negated = target.find("no " + line)
    if negated is not None:
        target.children.remove(negated)
        if line in _DEFAULT_ON:
            return
    if target.find(line) is not None:
        return
    key = _replace_key(line)
    if key is not None:
        no_key = "no " + key
        target.children = [
            c for c in target.children if _replace_key(c.line) != key and c.line != no_key
        ]
    insert_child(target, Node(line), ranked)


_IF_CHILD_ORDER = [
    "description",
    "bandwidth",
    "encapsulation",
    "switchport trunk encapsulation",
    "switchport trunk native vlan",
    "switchport trunk allowed vlan",
    "switchport access vlan",
    "switchport mode",
    "switchport nonegotiate",
    "switchport voice vlan",
    "switchport port-security",
    "switchport",
    "no switchport",
    "ip vrf forwarding",
    "vrf forwarding",
    "ip address",
    "no ip address",
    "ip access-group",
    "ip helper-address",
    "no ip redirects",
    "no ip unreachables",
    "no ip proxy-arp",
    "ip",
    "no ip",
    "shutdown",
    "speed",
    "duplex",
    "negotiation",
    "mls qos",
    "storm-control",
    "spanning-tree",
    "service-policy",
]


@functools.lru_cache(maxsize=1 << 16)  # pure in the line; lines repeat across devices
def _if_child_rank(line: str) -> int:
    for index, prefix in enumerate(_IF_CHILD_ORDER):
        if line == prefix or line.startswith(prefix + " "):
            return index
    return len(_IF_CHILD_ORDER)


def insert_child(target: Node, node: Node, ranked: bool) -> None:
    if target.line.startswith("interface "):
        rank = _if_child_rank(node.line)
        index = next(
            (i for i, c in enumerate(target.children) if _if_child_rank(c.line) > rank),
            len(target.children),
        )
        target.children.insert(index, node)
        return
    if not ranked:
        target.children.append(node)
        return
    key = _sort_key(node.line)
    index = len(target.children)
    for position, child in enumerate(target.children):
        if _sort_key(child.line) > key:
            index = position
            break
    target.children.insert(index, node)


def negate_line(target: Node, text: str, keep_no_ip: bool = False) -> None:
    """``no <text>``: remove what it names, or record the no-form of a default-on feature."""
    matching = [c for c in target.children if c.line == text or c.line.startswith(text + " ")]
    key = _replace_key(text)
    if not matching and key is not None:
        matching = [c for c in target.children if _replace_key(c.line) == key]
    for child in matching:
        target.children.remove(child)
    if text in _DEFAULT_ON and target.find("no " + text) is None:
        insert_child(target, Node("no " + text), target.line == "")
    if keep_no_ip and text.startswith("ip address") and not _has_ip(target):
        insert_child(target, Node("no ip address"), ranked=False)


def _has_ip(node: Node) -> bool:
    return any(c.line.startswith("ip address") or c.line == "no ip address" for c in node.children)


def parse_config(text: str) -> Node:
    """Indented IOS config text → tree, in the device's order, each line at the column the
    device printed it (top-level ``!``, ``end`` and headers skipped; a ``!`` inside a
    section is kept, as IOS prints it there; a multi-line banner's text is its children)."""
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    banner: Node | None = None
    delimiter = ""
    for raw in text.splitlines():
        if banner is not None:
            banner.children.append(Node(raw))
            if delimiter in raw:
                banner = None
            continue
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip(" "))
        if not stripped or stripped == "end" or (stripped.startswith("!") and indent == 0):
            continue
        if stripped.startswith(("Building configuration", "Current configuration", "Using ")):
            continue
        while stack[-1][0] >= indent:
            stack.pop()
        if indent > 0 and stripped.startswith("interface ") and _in_interface(stack):
            # IOS in interface mode takes ``interface X`` as a move to X (a config typed or
            # copied in with X indented): X is a top-level section, its body what follows
            node = Node(stripped)
            root.children.append(node)
            stack[1:] = [(indent - 1, node)]
            continue
        parent = stack[-1][1]
        node = Node(stripped, indent=indent if indent > 0 else None)
        parent.children.append(node)
        stack.append((indent, node))
        opened = re.match(r"banner \S+ (\^C|.)(.*)$", stripped)
        if opened and opened.group(1) not in opened.group(2):
            # the text may begin on the banner line itself (``banner login ^CC``): the line
            # is kept whole, the following lines up to the delimiter are its children
            banner, delimiter = node, opened.group(1)
    return root


def _in_interface(stack: list[tuple[int, Node]]) -> bool:
    return len(stack) > 1 and stack[1][1].line.startswith("interface ")


def render_config(root: Node) -> list[str]:
    out: list[str] = []
    previous_block = True
    for child in root.children:
        block = bool(child.children) or child.line.startswith(("interface ", "line ", "vlan "))
        if (block or previous_block) and (not out or out[-1] != "!"):
            out.append("!")
        if child.line.startswith("banner "):
            out.append(child.line)
            out.extend(c.line for c in child.children)
        else:
            out.append(child.line)
            out.extend(child.lines(1))
        previous_block = block
    if not out or out[-1] != "!":
        out.append("!")
    out.append("end")
    return out


# ------------------------------------------------------------------------------ secrets
_TYPE7 = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def type7(password: str, seed: int = 2) -> str:
    out = f"{seed:02d}"
    for index, char in enumerate(password):
        out += f"{ord(char) ^ ord(_TYPE7[(seed + index) % len(_TYPE7)]):02X}"
    return out


def type9(secret: str) -> str:
    digest = hashlib.sha256(("communet-lab" + secret).encode()).digest()
    text = base64.b64encode(digest, b"./").decode().rstrip("=")
    return f"$9${text[:14]}${text[14:]}"


_CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def type4(secret: str) -> str:
    """IOS's deprecated type 4: unsalted SHA-256 in the crypt alphabet, as 12.2(58)SE/15.0
    switches still show it (``secret 4 tnhtc92DXBhelxjYk8LWJrPV36S2i4ntXrpb4RFmfqY`` is
    ``cisco``)."""
    text = base64.b64encode(hashlib.sha256(secret.encode()).digest()).decode().rstrip("=")
    return text.translate(str.maketrans(_STD64, _CRYPT64))


def md5_crypt(secret: str, salt: str) -> str:
    """Cisco type 5 = FreeBSD MD5-crypt (``$1$salt$hash``), as published by its author."""
    password, salt_bytes = secret.encode(), salt.encode()[:8]
    alternate = hashlib.md5(password + salt_bytes + password).digest()  # noqa: S324
    context = password + b"$1$" + salt_bytes
    context += (alternate * (len(password) // 16 + 1))[: len(password)]
    length = len(password)
    while length:
        context += b"\0" if length & 1 else password[:1]
        length >>= 1
    digest = hashlib.md5(context).digest()  # noqa: S324
    for round_ in range(1000):
        step = password if round_ & 1 else digest
        if round_ % 3:
            step += salt_bytes
        if round_ % 7:
            step += password
        step += digest if round_ & 1 else password
        digest = hashlib.md5(step).digest()  # noqa: S324
    out = ""
    for a, b, c in ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)):
        value = (digest[a] << 16) | (digest[b] << 8) | digest[c]
        for _ in range(4):
            out += _CRYPT64[value & 0x3F]
            value >>= 6
    value = digest[11]
    for _ in range(2):
        out += _CRYPT64[value & 0x3F]
        value >>= 6
    return f"$1${salt}${out}"


def _cisco64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=").translate(str.maketrans(_STD64, _CRYPT64))


def _scrypt_or_pbkdf2(stored: str, secret: str) -> bool:
    """Cisco type 9 (scrypt N=16384, r=1, p=1) and type 8 (PBKDF2-SHA256, 20,000 rounds)."""
    parts = stored.split("$")
    if len(parts) != 4:
        return False
    salt = parts[2].encode()
    if parts[1] == "9":
        raw = hashlib.scrypt(secret.encode(), salt=salt, n=16384, r=1, p=1, dklen=32)
    else:
        raw = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 20000, 32)
    return _cisco64(raw) == parts[3]


def decode_type7(stored: str) -> str | None:
    """Cisco type 7 is a reversible encoding (a published XOR key), not a hash."""
    try:
        seed = int(stored[:2])
        raw = bytes.fromhex(stored[2:])
    except ValueError:
        return None
    return "".join(chr(byte ^ ord(_TYPE7[(seed + i) % len(_TYPE7)])) for i, byte in enumerate(raw))


def verify_secret(stored: str, secret: str) -> bool:  # noqa: PLR0911 - one return per type
    """Whether ``secret`` matches a stored line's value (``… [0|4|5|7|8|9] VALUE``)."""
    words = stored.split()
    if not words:
        return False
    value = words[-1]
    kind = words[-2] if len(words) >= 2 and words[-2] in ("0", "4", "5", "7", "8", "9") else "0"
    if kind == "9" and value == type9(secret):  # the lab's own (cheap) type 9
        return True
    if kind == "4":
        return value == type4(secret)
    if kind == "5" and value.startswith("$1$") and value.count("$") == 3:
        return md5_crypt(secret, value.split("$")[2]) == value
    if kind in ("8", "9"):
        return _scrypt_or_pbkdf2(value, secret)
    if kind == "7":
        return decode_type7(value) == secret
    return value == secret


def hide_secrets(line: str, encrypt_passwords: bool) -> str:
    """Secrets as IOS shows them: hashed type 9 (the algorithm-type keyword is not kept)."""
    line = re.sub(r" algorithm-type (?:md5|sha256|scrypt)(?= secret )", "", line)
    match = re.match(r"(.*\b(?:secret))\s+(?!\d\s)(\S+)$", line)
    if match:
        return f"{match.group(1)} 9 {type9(match.group(2))}"
    match = re.match(r"(.*\bpassword)\s+(?!\d\s)(\S+)$", line)
    if match and encrypt_passwords:
        return f"{match.group(1)} 7 {type7(match.group(2))}"
    return line


DEFAULT_VLANS = {
    1: ("default", "active"),
    1002: ("fddi-default", "act/unsup"),
    1003: ("token-ring-default", "act/unsup"),
    1004: ("fddinet-default", "act/unsup"),
    1005: ("trnet-default", "act/unsup"),
}


# ------------------------------------------------------------------------- access lists
def _address_matches(words: list[str], address: IPv4Address) -> bool:
    """``any`` | ``host A`` | ``A [WILDCARD]`` (a standard ACL's source) against ``address``."""
    if not words or words[0] == "any":
        return True
    if words[0] == "host" and len(words) > 1:
        return words[1] == str(address)
    try:
        base = int(IPv4Address(words[0]))
        wildcard = int(IPv4Address(words[1])) if len(words) > 1 and words[1][0].isdigit() else 0
    except ValueError:
        return False
    return (int(address) & ~wildcard) == (base & ~wildcard)


def acl_permits(root: Node, name: str, address: IPv4Address) -> bool:
    """IOS ``access-class NAME in`` on a vty: the first matching entry decides, the implicit
    last entry denies; an ACL that does not exist permits everything (as IOS does)."""
    entries: list[list[str]] = [
        c.line.split()[2:] for c in root.children if c.line.startswith(f"access-list {name} ")
    ]
    named = next(
        (
            c
            for c in root.children
            if c.line in (f"ip access-list standard {name}", f"ip access-list extended {name}")
        ),
        None,
    )
    if named is not None:
        entries += [c.line.split() for c in named.children]
    if not entries:
        return True
    for entry in entries:
        words = entry[1:] if entry and entry[0].isdigit() else entry  # sequence number
        if not words or words[0] not in ("permit", "deny"):
            continue
        source = words[1:]
        if source and source[0] in ("ip", "tcp", "udp"):
            source = source[1:]  # extended: protocol, then the source
        if _address_matches(source[:2], address):
            return words[0] == "permit"
    return False


def vty_admits(root: Node, address: IPv4Address) -> bool:
    """Whether ``line vty 0 …``'s ``access-class NAME in`` lets a connection from ``address``
    in at all: IOS closes a refused one before the SSH exchange (no login prompt)."""
    vty = next((c for c in root.children if c.line.startswith("line vty 0")), None)
    lines = [c.line for c in vty.children] if vty is not None else []
    acl = next(
        (ln.split()[1] for ln in lines if ln.startswith("access-class ") and ln.endswith(" in")),
        None,
    )
    return acl is None or acl_permits(root, acl, address)


def vty_login(  # noqa: PLR0911 - one return per IOS rule, in IOS order
    root: Node, username: str, secret: str, address: IPv4Address
) -> int | None:
    """The privilege level an SSH login gets on ``line vty 0 …``, or None when IOS refuses it:
    vty ``access-class``, ``transport input``, ``login`` / ``login local`` / AAA's default
    login list (servers are unreachable in the lab, so a list falls through to ``local``),
    ``username … privilege N secret|password …`` and the line's own ``password``."""
    vty = next((c for c in root.children if c.line.startswith("line vty 0")), None)
    lines = [c.line for c in vty.children] if vty is not None else ["login"]
    if not vty_admits(root, address):
        return None
    transport = next((ln.split()[2:] for ln in lines if ln.startswith("transport input ")), None)
    if transport is not None and not {"ssh", "all"} & set(transport):
        return None
    level = next((int(ln.split()[2]) for ln in lines if ln.startswith("privilege level ")), 1)
    if root.find("aaa new-model") is not None:
        method = next(
            (
                c.line.split()[4:]
                for c in root.children
                if c.line.startswith("aaa authentication login default ")
            ),
            ["local"],
        )
        if "local" in method or "local-case" in method:
            return _local_user(root, username, secret)
        if "line" in method:
            return level if _line_password(lines, secret) else None
        return level if "none" in method else None
    if "login local" in lines:
        return _local_user(root, username, secret)
    if "no login" in lines:
        return level
    return level if _line_password(lines, secret) else None


def _line_password(lines: list[str], secret: str) -> bool:
    stored = next((ln for ln in lines if ln.startswith("password ")), None)
    return stored is not None and verify_secret(stored, secret)


def _local_user(root: Node, username: str, secret: str) -> int | None:
    for child in root.children:
        words = child.line.split()
        if words[:2] != ["username", username]:
            continue
        if not any(w in ("secret", "password") for w in words) or not verify_secret(
            child.line, secret
        ):
            return None
        return int(words[words.index("privilege") + 1]) if "privilege" in words else 1
    return None
