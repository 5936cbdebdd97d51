"""Huawei VRP5 (S-series switches, AR routers) and VRPv8 (two-stage commit), from Huawei docs.

VRP5 applies each command at once; VRPv8 collects a session's changes in a private candidate
(prompt ``[*host]``) until ``commit`` (``[~host]`` again), with ``commit trial N`` rolling back
after N seconds unless confirmed and ``abort trial`` rolling back at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from communet.lab.core import (
    Clock,
    Device,
    DeviceSpec,
    Node,
    PortState,
    Reply,
    Shell,
    apply_pipe,
    cabled_ports,
    format_uptime,
    split_pipe,
)
from communet.lab.grammar import Failure, Parsed
from communet.lab.vrp_config import (
    DEFAULT_ON,
    GENERIC_GRAMMAR,
    GRAMMARS,
    V8_ONLY,
    VLAN_BATCH,
    Layout,
    config_rank,
    format_vlans,
    global_indent,
    insert_node,
    layout_of,
    mask_of,
    normalize_interface,
    parse_config,
    parse_vlans,
    ports_from_config,
    resolve_interface,
    set_line,
    short_interface,
    undo_line,
    vty_admits,
    vty_login,
)


def lab_cipher(password: str) -> str:
    """How the lab stores a password it was given in plain (its own one-way form)."""
    return "$1a$" + hashlib.sha256(("communet-lab" + password).encode()).hexdigest()[:24] + "$"


# ------------------------------------------------------------------------------ device
# Interface features on by default: the display shows only their "undo" form.
_SHOWN_WHEN_OFF = frozenset({"ntdp enable", "ndp enable", "lldp enable"})


@dataclass(frozen=True)
class Hardware:
    model: str
    switch: bool
    ports: tuple[str, ...]
    version: str
    product: str


def hardware_for(model: str | None, v8: bool) -> Hardware:
    name = model or ("S5735-L24T4X-A" if v8 else "S5720-28X-SI-AC")
    version = "8.180 (S5735 V200R022C00SPC500)" if v8 else "5.170 (S5720 V200R019C10SPC500)"
    if "AR" in name.split("-")[0]:
        ports = tuple(f"GigabitEthernet0/0/{n}" for n in range(3))
        ver = "8.180 (AR6100 V300R021C10SPC100)" if v8 else "5.170 (AR6120 V300R019C13SPC100)"
        return Hardware(name, False, ports, ver, "Router")
    count = 48 if re.search(r"-[A-Z]*(48|52)", name) else 24
    ports = tuple(f"GigabitEthernet0/0/{n}" for n in range(1, count + 1))
    ports += tuple(f"XGigabitEthernet0/0/{n}" for n in range(1, 5))
    return Hardware(name, True, ports, version, "Routing Switch")


@dataclass
class Trial:
    deadline: float
    snapshot: Node


class VrpDevice(Device):
    def __init__(
        self,
        spec: DeviceSpec,
        clock: Clock = time.time,
        username: str = "admin",
        password: str = "lab",  # noqa: S107 - the lab's well-known password
    ) -> None:
        super().__init__(spec, clock)
        self.v8 = spec.platform == "huawei_vrpv8"
        self.hardware = hardware_for(spec.model, self.v8)
        self.username = username
        self.password = password
        self.cabled: frozenset[str] | None = None  # None: the lab's default cabling
        self.own_management: ipaddress.IPv4Address | None = None  # set by a loaded config
        self.loaded = False  # a brownfield config was loaded: management comes from it
        self.indent = ""  # how this release indents global commands (see global_indent)
        self.software = ""  # the release a loaded config says it came from
        # Old releases (a V100 S2700's saved config) list VLAN 1 in the batch where it was
        # typed there; later ones never print it.
        self.batch_lists_vlan1 = False
        self.layout: Layout = {}  # where a loaded config printed each kind of line
        self.running = parse_config(self.base_config())
        self.saved: Node | None = self.running.copy()
        self.trial: Trial | None = None
        self.changed_at = clock()

    @property
    def name(self) -> str:
        node = next((c for c in self.running.children if c.line.startswith("sysname ")), None)
        return node.line.split(" ", 1)[1] if node else "HUAWEI"

    def base_config(self) -> str:
        spec = self.spec
        hw = self.hardware
        indent = self.indent
        mgmt = spec.management_vlan
        mask = str(spec.management_subnet.netmask) if spec.management_subnet else "255.255.255.0"
        lines = [f"{indent}sysname {spec.hostname}", "#"]
        if hw.switch and mgmt:
            lines += [f"{indent}vlan batch {mgmt}", "#", f"vlan {mgmt}", " description MGMT", "#"]
        if hw.switch:
            lines += [f"{indent}stp mode rstp", "#"]
        lines += [
            "aaa",
            f" local-user {self.username} password irreversible-cipher {lab_cipher(self.password)}",
            f" local-user {self.username} privilege level 15",
            f" local-user {self.username} service-type ssh",
            "#",
        ]
        if hw.switch and mgmt:
            lines += [f"interface Vlanif{mgmt}", f" ip address {spec.management} {mask}", "#"]
        for index, port in enumerate(hw.ports):
            lines.append(f"interface {port}")
            if not hw.switch and index == 1 and spec.management:
                lines.append(f" ip address {spec.management} {mask}")
            lines.append("#")
        lines += ["interface NULL0", "#", f"{indent}stelnet server enable", "#"]
        lines += ["user-interface con 0", " authentication-mode password"]
        lines += ["user-interface vty 0 4", " authentication-mode aaa", " protocol inbound ssh"]
        return "\n".join(lines) + "\n#\nreturn\n"

    def open_shell(self, username: str, level: int | None = None) -> VrpShell:
        return VrpShell(self, username, 15 if level is None else level)

    # -- logins, from the device's own config
    def authenticate(
        self, username: str, password: str, source: ipaddress.IPv4Address
    ) -> int | None:
        if not self.v8 and self.running.find("stelnet server enable") is None:
            return None  # VRP5's SSH server is off until 'stelnet server enable'
        return vty_login(self.running, username, password, source, self.secret_matches)

    def admits(self, source: ipaddress.IPv4Address) -> bool:
        return vty_admits(self.running, source)

    def secret_matches(self, stored: str, plain: str) -> bool:
        """The lab's own cipher, a plaintext the test gave for a value it cannot invert, or
        (as typed in a session, before the device would have encrypted it) the text itself."""
        if stored in self.known_secrets:
            return self.known_secrets[stored] == plain
        return stored in (lab_cipher(plain), plain)

    # -- management reachability
    def management_addresses(self) -> list[ipaddress.IPv4Address]:
        found: list[tuple[int, ipaddress.IPv4Address]] = []
        for node in self.running.children:
            if not node.line.startswith("interface ") or node.find("shutdown") is not None:
                continue
            name = node.line.split()[1]
            for child in node.children:
                words = child.line.split()
                if words[:2] == ["ip", "address"] and len(words) >= 4:
                    with contextlib.suppress(ValueError):
                        rank = 0 if name.startswith(("Vlanif", "MEth")) else 1
                        found.append((rank, ipaddress.IPv4Address(words[2])))
        return [address for _, address in sorted(found, key=lambda item: item[0])]

    def management_up(self) -> bool:
        """Reachable while the config keeps a live address the device is managed on: the
        inventory's, or (brownfield) the one its loaded config gave it."""
        wanted = [a for a in (self.spec.management, self.own_management) if a is not None]
        if not self.loaded:
            return True  # the lab's own base config: management is not modelled further
        live = set(self.management_addresses())
        return any(address in live for address in wanted)

    # -- interface states
    def port_state(self, node: Node) -> PortState:
        lines = [child.line for child in node.children]
        mode, vlan, allowed, bundle = "", None, "", ""
        for line in lines:
            words = line.split()
            if words[:2] == ["port", "link-type"]:
                mode = words[2]
            elif words[:3] == ["port", "default", "vlan"] or words[:4] == [
                "port",
                "trunk",
                "pvid",
                "vlan",
            ]:
                vlan = int(words[-1]) if words[-1].isdigit() else None
            elif words[:4] == ["port", "trunk", "allow-pass", "vlan"]:
                allowed = " ".join(words[4:])
            elif words[:1] == ["eth-trunk"]:
                bundle = "Eth-Trunk" + words[1]
            elif line == "undo portswitch":
                mode = "routed"
        return PortState("shutdown" not in lines, mode, vlan, allowed, bundle)

    def port_states(self) -> dict[str, PortState]:
        return {
            node.line.split()[1]: self.port_state(node)
            for node in self.running.children
            if node.line.startswith("interface ")
        }

    def observe(self, nodes: list[Node] | None = None) -> None:
        """Record the running interfaces' states (after a change took effect)."""
        if nodes is None:
            nodes = [n for n in self.running.children if n.line.startswith("interface ")]
        for node in nodes:
            self.history.record(node.line.split()[1], self.port_state(node))

    def port_up(self, node: Node) -> bool:
        """Ports 1-4 and the first uplink are cabled in the lab; others are up if enabled."""
        name = node.line.split()[1]
        if node.find("shutdown") is not None:
            return False
        if self.cabled is not None:
            return name in self.cabled
        ports = self.hardware.ports
        if name not in ports:
            return True
        index = ports.index(name)
        return index < 4 or index == len(ports) - 4

    def describe(self) -> str:
        hw = self.hardware
        return (
            f"{hw.model}\r\nHuawei Versatile Routing Platform Software\r\n"
            f"VRP (R) software, Version {hw.version}\r\n"
            "Copyright (C) 2000-2022 HUAWEI TECH CO., LTD"
        )

    def if_table(self) -> list[tuple[str, bool, bool]]:
        return [
            (node.line.split()[1], node.find("shutdown") is None, self.port_up(node))
            for node in self.running.children
            if node.line.startswith("interface ")
        ]

    def day0(self) -> None:
        """Out of the box: default sysname, no users, no saved configuration."""
        indent = self.indent
        lines = [f"{indent}sysname HUAWEI", "#"]
        lines += [f"interface {port}\n#" for port in self.hardware.ports]
        lines += ["interface NULL0", "#", "user-interface con 0", " authentication-mode password"]
        lines += ["user-interface vty 0 4", "#", "return"]
        self.running = parse_config("\n".join(lines))
        self.saved = None
        self.trial = None
        self.console_password: str | None = None
        self.booted_at = self.clock()
        self.generation += 1

    def _reload(self) -> None:
        self.running = self.saved.copy() if self.saved else Node("")
        self.trial = None

    def _factory(self) -> None:
        self.loaded, self.own_management, self.cabled = False, None, None
        self.layout = {}
        self.hardware = hardware_for(self.spec.model, self.v8)
        self.indent = ""
        self.batch_lists_vlan1 = False
        self.running = parse_config(self.base_config())
        self.saved = self.running.copy()
        self.trial = None

    def load_config(self, text: str) -> None:
        """Brownfield: the device becomes what ``text`` describes, ports, users and
        management address included."""
        self.indent = global_indent(text)
        found = re.search(r"^!Software Version (\S+)", text, re.M)
        self.software = found.group(1) if found else ""
        self.batch_lists_vlan1 = bool(re.search(r"^\s*vlan batch 1(?: |$)", text, re.M))
        self.running = parse_config(text)
        self.saved = self.running.copy()
        self.layout = layout_of(self.running)
        ports = ports_from_config(self.running)
        if ports:
            self.hardware = dataclasses.replace(self.hardware, ports=ports)
            self.cabled = cabled_ports(self.running, ports)  # where the config says so
        live = self.management_addresses()
        self.own_management = None if self.spec.management in live else next(iter(live), None)
        self.loaded = True
        self.history.reset(self.port_states())

    def tick(self) -> None:
        if self.trial is not None and self.clock() >= self.trial.deadline:
            self.running = self.trial.snapshot
            self.trial = None
            self.observe()

    def render(self, root: Node) -> list[str]:
        """``display current-configuration``: the tree in its own order, nested views
        indented by depth, ``#`` between blocks, the VLAN batch computed from the VLANs."""
        indent = self.indent
        version = self.software or self.hardware.version.split("(")[1].split()[1].rstrip(")")
        vlans = {int(c.line.split()[1]) for c in root.children if _is_vlan(c.line)}
        if not self.batch_lists_vlan1:
            vlans.discard(1)
        batch = f"{indent}vlan batch {format_vlans(vlans)}" if vlans else ""
        batch_pending = bool(batch)
        marked = root.find(VLAN_BATCH) is not None
        out = [f"!Software Version {version}"]
        previous = ""
        columns = {c.line.split()[0]: c.indent for c in root.children if c.indent is not None}
        for child in root.children:
            if child.line == VLAN_BATCH or (
                batch_pending and not marked and config_rank(child.line)[0] >= 1
            ):
                if batch_pending:
                    out += ["#", batch]
                    batch_pending = False
                previous = ""
                if child.line == VLAN_BATCH:
                    continue
            if _is_vlan(child.line) and not child.children:
                continue
            first = child.line.split()[0]
            if child.children or first in ("interface", "user-interface", "aaa"):
                if not (first == "user-interface" and previous == first):
                    out.append("#")
                out += [child.line, *child.lines(1)]
                previous = first if first == "user-interface" else "\n"
                continue
            if first != previous:
                out.append("#")
            # a line typed since the load sits where the loaded lines of its kind sit
            column = child.indent if child.indent is not None else columns.get(first)
            out.append((indent if column is None else " " * column) + child.line)
            previous = first
        if batch_pending:
            out += ["#", batch]
        return [*out, "#", "return"]


def _conflicts(root: Node, node: Node, words: tuple[str, ...]) -> bool:
    """VRP's IP address conflict check (on by default): subnets of two interfaces overlap."""
    try:
        new = ipaddress.ip_interface(f"{words[2]}/{words[3]}").network
    except ValueError:
        return False
    for other in root.children:
        if other.line == node.line or not other.line.startswith("interface "):
            continue
        for child in other.children:
            parts = child.line.split()
            if parts[:2] == ["ip", "address"] and len(parts) >= 4:
                with contextlib.suppress(ValueError):
                    if ipaddress.ip_interface(f"{parts[2]}/{parts[3]}").network.overlaps(new):
                        return True
    return False


def _is_vlan(line: str) -> bool:
    words = line.split()
    return len(words) == 2 and words[0] == "vlan" and words[1].isdigit()


# ------------------------------------------------------------------------------ session
@dataclass
class View:
    kind: str  # system, interface, vlan, ui, aaa, aaa-domain, aaa-scheme, generic
    node: Node
    label: str  # what the prompt shows after the host name
    parent: str = ""  # the line of the view this one is nested in (``aaa`` for a domain)


# What VRP creates in ``aaa`` by itself and refuses to delete.
_AAA_DEFAULT = re.compile(
    r"(?P<what>authentication-scheme|authorization-scheme|accounting-scheme|domain) "
    r"default(?:_admin)?"
)

# Views nested in ``aaa``: what enters them and what the prompt calls them.
_AAA_VIEWS = {
    "domain": ("aaa-domain", "domain"),
    "authentication-scheme": ("aaa-scheme", "authen"),
    "authorization-scheme": ("aaa-scheme", "author"),
    "accounting-scheme": ("aaa-scheme", "accounting"),
}


Pending = Callable[[str], Reply]


class VrpShell(Shell):
    more_prompt = "  ---- More ----"
    more_erase = "\x1b[42D" + " " * 42 + "\x1b[42D"

    def __init__(self, device: VrpDevice, username: str, level: int = 15) -> None:
        self.device = device
        self.username = username
        self.level = level
        self.views: list[View] = []
        self.page_length = 24
        self.pending: Pending | None = None
        self.question = ""
        self.candidate: Node | None = None  # VRPv8: uncommitted changes of this session

    # -- terminal contract
    def greeting(self) -> str:
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.device.clock()))
        return (
            "\nInfo: The max number of VTY users is 5, and the number\n"
            "      of current VTY users on line is 1.\n"
            f"      The current login time is {now}.\n"
        )

    def prompt(self) -> str:
        if self.pending is not None:
            return self.question
        name = self.device.name
        if not self.views:
            return f"<{name}>"
        mark = ""
        if self.device.v8:
            mark = "*" if self.candidate is not None else "~"
        label = self.views[-1].label
        return f"[{mark}{name}{'-' + label if label else ''}]"

    def rejected(self, line: str) -> str:
        column = len(self.prompt()) + (len(line) - len(line.lstrip()))
        return " " * column + "^\nError: Unrecognized command found at '^' position.\n"

    def interrupt(self) -> Reply:
        self.pending = None
        self.views.clear()
        return Reply()

    def help(self, line: str) -> list[str] | None:
        if self.pending is not None:
            return None
        kind = self.views[-1].kind if self.views else "user"
        grammar = GRAMMARS.get(kind, GENERIC_GRAMMAR)
        words = line.split(None, 1)
        if kind != "user" and words and words[0] == "undo" and (len(words) > 1 or line[-1:] == " "):
            return grammar.help(words[1] if len(words) > 1 else "")
        options = grammar.help(line)
        if options is not None and kind != "user" and not line.strip():
            options = sorted([*options, "undo"])
        return options

    @property
    def config(self) -> Node:
        """The tree this session edits: the candidate on VRPv8, else running."""
        if self.device.v8:
            if self.candidate is None:
                self.candidate = self.device.running.copy()
            return self.candidate
        return self.device.running

    def execute(self, line: str) -> Reply:
        if self.pending is not None:
            handler, self.pending = self.pending, None
            return handler(line)
        if not line.strip():
            return Reply()
        reply = self._line(line)
        if self.views and not self.device.v8:  # VRP5: every line takes effect at once
            view = self.views[-1]
            if view.kind == "interface":
                node = self.device.running.find(view.node.line)
                self.device.observe([node] if node is not None else None)
            elif re.match(r"\s*(undo )?interface ", line):
                self.device.observe()
        return reply

    # -- parsing
    def _error(self, line: str, parsed: Parsed, offset: int) -> Reply:
        kind = {
            Failure.INCOMPLETE: "Incomplete",
            Failure.AMBIGUOUS: "Ambiguous",
        }.get(parsed.failure or Failure.INVALID, "Unrecognized")
        column = len(self.prompt()) + offset + (parsed.column if kind != "Incomplete" else 0)
        if kind == "Incomplete":
            column = len(self.prompt()) + len(line.rstrip())
        return Reply(" " * column + f"^\nError: {kind} command found at '^' position.\n")

    def _parse(self, kind: str, line: str) -> tuple[Parsed, bool]:
        grammar = GRAMMARS.get(kind, GENERIC_GRAMMAR)
        words = line.split(None, 1)
        undo = bool(words) and words[0].lower() == "undo" and kind != "user"
        if undo and len(words) == 1:
            return Parsed((), Failure.INCOMPLETE), undo
        parsed = grammar.parse(words[1] if undo else line, lenient_end=undo)
        if parsed.failure is None and not self.device.v8 and parsed.words[0] in V8_ONLY:
            return Parsed((), Failure.INVALID, 0), undo
        special = ("display", "screen-length", "save", "commit", "abort", "quit", "return")
        if kind == "generic" and parsed.failure is None and parsed.words[0] in special:
            parsed = GRAMMARS["system"].parse(line)
        if undo and parsed.failure is None:
            parsed = Parsed(("undo", *parsed.words))
        return parsed, undo

    def _line(self, line: str) -> Reply:
        command, pipe = split_pipe(line)
        if not command.strip():
            return self._error(command, Parsed((), Failure.INCOMPLETE), 0)
        kinds = [v.kind for v in self.views] or ["user"]
        errors: list[tuple[Parsed, bool]] = []
        for depth in range(len(kinds), 0, -1):
            parsed, undo = self._parse(kinds[depth - 1], command)
            if parsed.failure is None:
                if parsed.words and parsed.words[0] == "display":
                    return self._display(parsed.words[1:], pipe)
                if self.views:
                    del self.views[depth:]
                return self._run(parsed.words, undo)
            errors.append((parsed, undo))
        parsed, undo = max(errors, key=lambda e: (e[0].column, e[0].failure is not Failure.INVALID))
        offset = len(command.split(None, 1)[0]) + 1 if undo else 0
        return self._error(command, parsed, offset)

    # -- commands
    def _run(self, words: tuple[str, ...], undo: bool) -> Reply:  # noqa: PLR0911, PLR0912
        first = words[0]
        if first == "quit":
            if not self.views:
                return Reply(close=True)
            if len(self.views) == 1:
                return self._leave_system()
            self.views.pop()
            return Reply()
        if first == "return":
            return self._leave_system() if self.views else Reply()
        if first == "screen-length":
            if words[1] not in ("0", "disable") and not words[1].isdigit():
                return Reply("Error: Wrong parameter found at '^' position.\n")
            self.page_length = 0 if words[1] in ("0", "disable") else int(words[1])
            return Reply(
                "Info: The configuration takes effect on the current user terminal"
                " interface only.\n"
            )
        if first == "system-view":
            root = self.device.running
            self.views = [View("system", root, "")]
            text = "Enter system view, return user view with "
            return Reply(text + ("return command.\n" if self.device.v8 else "Ctrl+Z.\n"))
        if first == "save":
            return self._save()
        if first in ("ping", "tracert"):
            return Reply("Error: The destination address is unreachable.\n")
        if first == "reboot":
            self.device.reboot()
            return Reply("Info: The system is now rebooting.\n", close=True)
        if first == "commit":
            return self._commit(words)
        if first == "abort":
            return self._abort(words)
        self.device.changed_at = self.device.clock()
        view = self.views[-1]
        target = self._target(view)
        if view.kind == "system":
            return self._system(target, words, undo)
        if view.kind == "aaa" and not undo and words[0] in _AAA_VIEWS and len(words) == 2:
            return self._aaa_view(target, words)
        shown_off = " ".join(words[1:] if undo else words)
        if view.kind == "interface" and shown_off in _SHOWN_WHEN_OFF:
            # on by default: the display shows only 'undo ntdp enable', and the positive
            # command takes that line away
            (set_line if undo else undo_line)(target, "undo " + shown_off)
            return Reply()
        if undo:
            default = _AAA_DEFAULT.fullmatch(" ".join(words[1:]))
            if view.kind == "aaa" and default is not None:
                what = default.group("what").replace("-scheme", " scheme")
                return Reply(f"Error: The default {what} cannot be deleted.\n")
            if view.kind == "interface" and words[1:5] == ("port", "trunk", "allow-pass", "vlan"):
                return self._allow_pass(target, words[5:], remove=True)
            if " ".join(words[1:]) in DEFAULT_ON:  # turned off: shown in its undo form
                set_line(target, " ".join(words), self.device.layout)
                return Reply()
            undo_line(target, " ".join(words[1:]))
            return Reply()
        if view.kind == "interface":
            if words[:4] == ("port", "trunk", "allow-pass", "vlan"):
                return self._allow_pass(target, words[4:], remove=False)
            if words[:2] == ("port", "link-type") and _keeps_old_mode(target, words):
                return Reply("Error: Please renew the default configurations.\n")
            if words[:2] == ("ip", "address"):
                words = ("ip", "address", words[2], mask_of(words[3]), *words[4:])
                if _conflicts(self.config, target, words):
                    return Reply("Error: The specified address conflicts with another address.\n")
            if words[:3] == ("port", "default", "vlan") and not self._vlan_exists(words[3]):
                return Reply("Error: The VLAN does not exist.\n")
        set_line(target, " ".join(words), self.device.layout)
        return Reply()

    def _target(self, view: View) -> Node:
        """The node a view edits, inside the tree this session edits."""
        root = self.config
        if view.kind == "system":
            return root
        parent = root
        if view.parent:
            parent = root.find(view.parent) or Node(view.parent)
            if parent not in root.children:
                insert_node(root, parent, self.device.layout)
        node = parent.find(view.node.line)
        if node is None:
            node = Node(view.node.line)
            insert_node(parent, node)
        return node

    def _aaa_view(self, aaa: Node, words: tuple[str, ...]) -> Reply:
        """``domain X`` / ``authentication-scheme X`` … inside ``aaa`` open a nested view
        whose lines sit one level deeper (`` domain default`` / ``  authentication-scheme``)."""
        kind, short = _AAA_VIEWS[words[0]]
        line = " ".join(words)
        node = aaa.find(line)
        if node is None:
            node = Node(line)
            insert_node(aaa, node)
        self.views.append(View(kind, node, f"aaa-{short}-{words[1]}", parent=aaa.line))
        return Reply()

    def _vlan_exists(self, text: str) -> bool:
        return self.config.find(f"vlan {text}") is not None or text == "1"

    def _leave_system(self) -> Reply:
        self.views.clear()
        if self.device.v8 and self.candidate is not None:
            self.views = [View("system", self.device.running, "")]

            def answer(line: str) -> Reply:
                choice = line.strip().lower()[:1]
                if choice == "c":
                    return Reply()
                if choice == "y":
                    self._commit(("commit",))
                self.candidate = None
                self.views.clear()
                return Reply()

            self.pending = answer
            self.question = (
                "Warning: Uncommitted configurations found. Are you sure to commit them before "
                "exiting? [Y(yes)/N(no)/C(cancel)]:"
            )
        return Reply()

    def _system(self, root: Node, words: tuple[str, ...], undo: bool) -> Reply:  # noqa: PLR0912
        body = words[1:] if undo else words
        first = body[0]
        if first == "vlan":
            return self._vlan(root, body, undo)
        if first == "interface":
            return self._interface(root, body, undo)
        kinds = {"user-interface": "ui", "aaa": "aaa", "acl": "acl"}
        kind = kinds.get(first)
        if first == "traffic" and len(body) > 2:
            kind = body[1] if body[1] in ("classifier", "behavior", "policy") else None
        if kind is not None and not (first == "user-interface" and body[1] == "maximum-vty"):
            text = " ".join(body)
            if undo:
                root.children = [c for c in root.children if c.line != text]
                return Reply()
            node = root.find(text) or Node(text)
            if node not in root.children:
                insert_node(root, node, self.device.layout)
            where = ""
            if kind == "ui":
                where = body[1].replace("console", "con").replace("con", "console")
            if kind == "acl":
                acl = "acl-basic-" if body[-1].startswith("2") else "acl-adv-"
                label = acl + body[-1]
            elif kind == "ui":
                label = f"ui-{where}{'-'.join(body[2:])}"
            elif kind == "aaa":
                label = "aaa"
            else:
                label = {"policy": "trafficpolicy"}.get(kind, kind) + "-" + body[2]
            self.views.append(View(kind, node, label))
            return Reply()
        if undo and " ".join(body) in DEFAULT_ON:  # turned off: shown in its undo form
            set_line(root, " ".join(words), self.device.layout)
        elif undo:
            undo_line(root, " ".join(body))
        else:
            set_line(root, " ".join(body), self.device.layout)
        return Reply()

    def _vlan(self, root: Node, body: tuple[str, ...], undo: bool) -> Reply:
        batch = body[1] == "batch"
        try:
            numbers = parse_vlans(list(body[2:] if batch else body[1:]))
        except (ValueError, IndexError):
            return Reply("Error: Wrong parameter found at '^' position.\n")
        if undo:
            drop = {f"vlan {n}" for n in numbers}
            root.children = [c for c in root.children if c.line not in drop]
            return Reply()
        for number in numbers:
            if root.find(f"vlan {number}") is None:
                insert_node(root, Node(f"vlan {number}"), self.device.layout)
        if batch:
            return Reply(
                "Info: This operation may take a few seconds. Please wait for a moment...done.\n"
            )
        node = root.find(f"vlan {numbers[0]}")
        assert node is not None
        self.views.append(View("vlan", node, f"vlan{numbers[0]}"))
        return Reply()

    def _interface(self, root: Node, body: tuple[str, ...], undo: bool) -> Reply:
        known = [c.line.split()[1] for c in root.children if c.line.startswith("interface ")]
        name = resolve_interface(" ".join(body[1:]), [*self.device.hardware.ports, *known])
        if name is None:
            return Reply("Error: Wrong parameter found at '^' position.\n")
        line = f"interface {name}"
        node = root.find(line)
        if undo:
            if node is not None and name not in self.device.hardware.ports:
                root.children.remove(node)
            return Reply()
        if node is None:
            physical = name.startswith(("GigabitEthernet", "XGigabit", "MEth", "NULL", "GE"))
            physical = physical or bool(re.match(r"\d+GE", name))
            parent = name.split(".")[0]
            if physical and not ("." in name and parent in self.device.hardware.ports):
                return Reply("Error: Wrong parameter found at '^' position.\n")
            node = Node(line)
            insert_node(root, node, self.device.layout)
        self.views.append(View("interface", node, name))
        return Reply()

    def _allow_pass(self, node: Node, words: tuple[str, ...], remove: bool) -> Reply:
        key = "port trunk allow-pass vlan"
        current = next((c for c in node.children if c.line.startswith(key + " ")), None)
        values: set[int] = set()
        if current is not None:
            values = set(parse_vlans(current.line.split()[4:]))
        try:
            change = set(range(1, 4095)) if words == ("all",) else set(parse_vlans(list(words)))
        except ValueError:
            return Reply("Error: Wrong parameter found at '^' position.\n")
        if 1 in change and 1 not in values:
            # VLAN 1 passes a trunk by default: taken away it is shown as its own 'undo'
            # line, allowed again that line goes
            without_one = node.find(f"undo {key} 1")
            if remove and without_one is None:
                insert_node(node, Node(f"undo {key} 1"))
            elif not remove and without_one is not None:
                node.children.remove(without_one)
            change = change - {1}
        values = values - change if remove else values | change
        if current is not None:
            node.children.remove(current)
        if values:
            insert_node(node, Node(f"{key} {format_vlans(values)}"))
        return Reply()

    def _save(self) -> Reply:
        def answer(line: str) -> Reply:
            if line.strip().lower() not in ("y", "yes"):
                return Reply()
            self.device.saved = self.device.running.copy()
            if self.device.v8:
                return Reply(
                    "Now saving the current configuration to the slot 1\n"
                    "Info: Save the configuration successfully.\n"
                )
            return Reply(
                "It will take several minutes to save configuration file, please wait.......\n"
                "Configuration file had been saved successfully\n"
                "Note: The configuration file will take effect after being activated\n"
            )

        self.pending = answer
        if self.device.v8:
            self.question = (
                "Warning: The current configuration will be written to the device. Continue? [Y/N]:"
            )
        else:
            self.question = "Are you sure to continue?[Y/N]:"
            return Reply("The current configuration will be written to the device.\n")
        return Reply()

    def _commit(self, words: tuple[str, ...]) -> Reply:
        device = self.device
        if len(words) > 1 and words[1] == "trial":
            seconds = int(words[2]) if len(words) > 2 and words[2].isdigit() else 600
            if device.trial is None:
                device.trial = Trial(device.clock() + seconds, device.running.copy())
            else:
                device.trial.deadline = device.clock() + seconds
            if self.candidate is not None:
                device.running = self.candidate
                self.candidate = None
                device.observe()
            return Reply(
                f"Info: The system will roll back in {seconds} seconds if the trial "
                "commit is not confirmed.\n"
            )
        if self.candidate is not None:
            device.running = self.candidate
            self.candidate = None
            device.observe()
        device.trial = None
        device.changed_at = device.clock()
        return Reply()

    def _abort(self, words: tuple[str, ...]) -> Reply:
        device = self.device
        if len(words) > 1:  # abort trial
            if device.trial is None:
                return Reply("Error: No trial commit is in progress.\n")
            device.running = device.trial.snapshot
            device.trial = None
            device.observe()
            return Reply("Info: Aborted the trial successfully.\n")
        self.candidate = None
        self.views.clear()
        return Reply()

    # -- display
    def _display(self, words: tuple[str, ...], pipe: tuple[str, str] | None) -> Reply:
        text = self._display_text(words)
        if pipe is not None:
            text = apply_pipe(text, *pipe)
        return Reply(text)

    def _display_text(self, words: tuple[str, ...]) -> str:  # noqa: PLR0911
        device = self.device
        what = words[0]
        if what == "current-configuration":
            lines = device.render(device.running)
            if len(words) > 1:
                name = normalize_interface(" ".join(words[2:]))
                node = device.running.find(f"interface {name}")
                if node is None:
                    return "Error: Wrong parameter found at '^' position.\n"
                lines = ["#", node.line, *node.lines(1), "#", "return"]
            return "\n".join(lines) + "\n"
        if what == "saved-configuration":
            if device.saved is None:
                return "Info: The system is now comparing the configuration, please wait.\n"
            return "\n".join(device.render(device.saved)) + "\n"
        if what == "this":
            view = self.views[-1] if self.views else None
            node = self._target(view) if view and view.kind != "system" else None
            if node is None:
                return "\n".join(device.render(self.config)) + "\n"
            return "\n".join(["#", node.line, *node.lines(1), "#", "return"]) + "\n"
        if what == "vlan":
            return self._display_vlan()
        if what == "interface":
            return self._display_interface_brief()
        if what == "version":
            return self._display_version()
        if what == "clock":
            return time.strftime(
                "%Y-%m-%d %H:%M:%S\n%A\nTime Zone(DefaultZoneName) : UTC\n",
                time.gmtime(device.clock()),
            )
        return ""

    def _ports(self) -> list[Node]:
        return [
            c
            for c in self.device.running.children
            if c.line.startswith("interface ") and c.line.split()[1] in self.device.hardware.ports
        ]

    def _port_up(self, node: Node) -> bool:
        return self.device.port_up(node)

    def _display_vlan(self) -> str:
        device = self.device
        vlans = sorted(
            {1} | {int(c.line.split()[1]) for c in device.running.children if _is_vlan(c.line)}
        )
        members: dict[int, list[str]] = {v: [] for v in vlans}
        for node in self._ports():
            state = "(U)" if self._port_up(node) else "(D)"
            short = short_interface(node.line.split()[1]) + state
            mode = next(
                (c.line.split()[2] for c in node.children if c.line.startswith("port link-type ")),
                "access",
            )
            if mode == "trunk":
                allowed = next(
                    (
                        parse_vlans(c.line.split()[4:])
                        for c in node.children
                        if c.line.startswith("port trunk allow-pass vlan ")
                    ),
                    [1],
                )
                for vlan in allowed:
                    if vlan in members:
                        members[vlan].append("TG:" + short)
            else:
                pvid = next(
                    (
                        int(c.line.split()[3])
                        for c in node.children
                        if c.line.startswith("port default vlan ")
                    ),
                    1,
                )
                if pvid in members:
                    members[pvid].append("UT:" + short)
        out = [
            f"The total number of vlans is : {len(vlans)}",
            "-" * 80,
            "U: Up;         D: Down;         TG: Tagged;         UT: Untagged;",
            "MP: Vlan-mapping;               ST: Vlan-stacking;",
            "#: ProtocolTransparent-vlan;    *: Management-vlan;",
        ]
        if device.v8:
            out += [
                "MAC-LRN: MAC-address learning;  STAT: Statistic;",
                "BC: Broadcast; MC: Multicast;   UC: Unknown-unicast;",
                "FWD: Forward;  DSD: Discard;",
            ]
        out += ["-" * 80, "", "VID  Type    Ports", "-" * 80]
        for vlan in vlans:
            ports = _tagged_groups(members[vlan])
            chunks = [ports[i : i + 4] for i in range(0, len(ports), 4)] or [[]]
            out.append((f"{vlan:<4} common  " + "".join(f"{p:<16}" for p in chunks[0])).rstrip())
            out.extend(
                "                " + "".join(f"{p:<16}" for p in c).rstrip() for c in chunks[1:]
            )
        out.append("")
        descriptions = {
            int(c.line.split()[1]): next(
                (
                    d.line.split(" ", 1)[1]
                    for d in c.children
                    if d.line.startswith(("description ", "name "))
                ),
                "",
            )
            for c in device.running.children
            if _is_vlan(c.line)
        }
        if device.v8:
            out += [
                "VID  Type     Status  Property  MAC-LRN STAT    BC  MC  UC  Description",
                "-" * 80,
            ]
            for vlan in vlans:
                text = descriptions.get(vlan) or f"VLAN {vlan:04d}"
                out.append(
                    f"{vlan:<4} common   enable  default   enable  disable FWD FWD FWD {text}"
                )
        else:
            out += ["VID  Status  Property      MAC-LRN Statistics Description", "-" * 80]
            for vlan in vlans:
                text = descriptions.get(vlan) or f"VLAN {vlan:04d}"
                out.append(f"{vlan:<4} enable  default       enable  disable    {text}")
        return "\n".join(out) + "\n"

    def _display_interface_brief(self) -> str:
        out = [
            "PHY: Physical",
            "*down: administratively down",
            "^down: standby",
            "(l): loopback",
            "(s): spoofing",
            "(b): BFD down",
            "(e): ETHOAM down",
            "(dl): DLDP down",
            "(d): Dampening Suppressed",
            "InUti/OutUti: input utility/output utility",
            "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors",
        ]
        for node in self.device.running.children:
            if not node.line.startswith("interface "):
                continue
            name = node.line.split()[1]
            if node.find("shutdown") is not None:
                phy = proto = "*down"
            elif name in self.device.hardware.ports:
                phy = proto = "up" if self._port_up(node) else "down"
            else:
                phy, proto = "up", "up(s)" if name.startswith(("NULL", "LoopBack")) else "up"
            uti = "--" if not name.startswith(("GigabitEthernet", "XGigabit")) else "0%"
            out.append(f"{name:<27} {phy:<5} {proto:<9} {uti:>5} {uti:>6} {0:>10} {0:>10}")
        return "\n".join(out) + "\n"

    def _display_version(self) -> str:
        device = self.device
        hw = device.hardware
        uptime = format_uptime(device.uptime())
        weeks = uptime if "week" in uptime else "0 week, " + uptime
        copyright_line = (
            "Copyright (C) 2012-2022 Huawei Technologies Co., Ltd."
            if device.v8
            else "Copyright (C) 2000-2020 HUAWEI TECH CO., LTD"
        )
        return (
            "Huawei Versatile Routing Platform Software\n"
            f"VRP (R) software, Version {hw.version}\n"
            f"{copyright_line}\n"
            f"HUAWEI {hw.model} {hw.product} uptime is {weeks}\n"
            "\n"
            f"MPU 0(Master) : uptime is {weeks}\n"
            "DDR Memory Size : 2048 M bytes\n"
            "FLASH Total Memory Size : 1024 M bytes\n"
        )


def _tagged_groups(ports: list[str]) -> list[str]:
    """VRP prints ``UT:`` / ``TG:`` once, before the first port of each kind."""
    out: list[str] = []
    last = ""
    for port in ports:
        kind, name = port.split(":", 1)
        out.append(port if kind != last else name)
        last = kind
    return out


# A port's VLAN lines of one link type (and VLAN 1 taken off a trunk): VRP changes the link
# type only once they are back at their defaults (Huawei KB EKB1000017070: 'Error: Please
# renew the default configurations.').
_MODE_BOUND = re.compile(r"^(?:undo )?port (?:trunk (?:allow-pass|pvid)|default vlan|hybrid) ")


def _keeps_old_mode(port: Node, words: tuple[str, ...]) -> bool:
    lines = [c.line for c in port.children]
    if len(words) < 3 or words[2] == _link_type(lines):
        return False
    return any(_MODE_BOUND.match(line) for line in lines)


def _link_type(lines: list[str]) -> str:
    """The port's link type: its line, else the one its VLAN lines belong to (a port left at
    the release's default type shows no line: V100 and V600 print 'port default vlan 99'
    alone on an access port)."""
    for line in lines:
        if line.startswith("port link-type "):
            return line.split()[2]
    for line in lines:
        if line.startswith("port default vlan "):
            return "access"
        if line.startswith(("port trunk ", "undo port trunk ")):
            return "trunk"
        if line.startswith("port hybrid "):
            return "hybrid"
    return ""
