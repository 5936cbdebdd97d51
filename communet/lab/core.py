"""The pure half of the lab: device state, per-session shells and the terminal line discipline.

Nothing here does I/O. A transport (``communet.lab.server``) feeds the bytes a client typed to
:meth:`Terminal.receive` and writes back what it returns; time comes from an injected clock.
The lab deliberately shares no code with communet's render/plan/session/platform modules: it
models devices from vendor documentation, so that the tests it serves can catch our mistakes.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

Clock = Callable[[], float]
NOT_MODELLED = -1  # Device.authenticate: this platform leaves logins to the lab's credentials


@dataclass(frozen=True)
class DeviceSpec:
    """What the lab needs to know about a device to imitate it."""

    hostname: str
    platform: str
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    management: IPv4Address | None = None
    management_subnet: IPv4Network | None = None
    management_vlan: int | None = None
    registrar: str | None = None
    registrars: tuple[str, ...] = ()  # addresses/domains of the registrars that exist in the lab
    noc_station: IPv4Address | None = None  # where the lab's SSH clients appear to come from
    role: str = ""
    site: str = ""
    # Brownfield (the inventory's ``reach``): the address the device answers on today, before
    # adoption moves it to ``management``. The lab then gives each of the two addresses its
    # own 127.x listener, answering only while the running config carries that address.
    reach_address: IPv4Address | None = None


@dataclass(frozen=True)
class PortState:
    """What matters about an interface for whether a site keeps its connection."""

    admin_up: bool
    mode: str = ""  # access, trunk, hybrid, routed ("" when the config does not say)
    vlan: int | None = None  # access VLAN / PVID / native VLAN
    allowed: str = ""  # a trunk's allowed VLANs as configured ("" = the default)
    bundle: str = ""  # port-channel / Eth-Trunk membership


class InterfaceHistory:
    """Every state each interface passed through since the config was loaded (or since
    ``reset``), so a test can assert that an uplink never went down during a push, not only
    how it ended. Devices record after every line that can change an interface."""

    def __init__(self) -> None:
        self.states: dict[str, list[PortState]] = {}

    def reset(self, current: dict[str, PortState]) -> None:
        self.states = {name: [state] for name, state in current.items()}

    def record(self, name: str, state: PortState) -> None:
        seen = self.states.setdefault(name, [])
        if not seen or seen[-1] != state:
            seen.append(state)

    def of(self, name: str) -> list[PortState]:
        return list(self.states.get(name, []))

    def ever_down(self, name: str) -> bool:
        return any(not state.admin_up for state in self.states.get(name, []))


@dataclass
class Faults:
    """Faults injected into one device; every field off by default."""

    down: bool = False  # accept TCP, never answer: clients time out
    auth_failure: bool = False  # every password is refused
    delay: float = 0.0  # seconds before each reply (slow device / link)
    reject: tuple[str, ...] = ()  # commands (prefixes) answered with the device's error
    drop_after_lines: int | None = None  # close the session after N input lines
    # Link impairment, seen by ICMP in the lab's network-namespace mode.
    link_down: bool = False
    loss: float = 0.0  # fraction of echo requests left unanswered
    latency: float = 0.0  # seconds added to every echo reply
    jitter: float = 0.0  # ± seconds, uniform

    def clear(self) -> None:
        for name, value in Faults().__dict__.items():
            setattr(self, name, value)


@dataclass
class Reply:
    """What a shell answers to one line: text (``\\n`` line ends) and whether to hang up."""

    text: str = ""
    close: bool = False


class Shell(ABC):
    """One CLI session's mode machine on top of a device's state."""

    echo: bool = True
    page_length: int = 0  # 0: no paging
    more_prompt: str = " --More-- "
    more_erase: str = "\b" * 10 + " " * 10 + "\b" * 10

    @abstractmethod
    def greeting(self) -> str:
        """Text shown once after login, before the first prompt."""

    @abstractmethod
    def prompt(self) -> str: ...

    @abstractmethod
    def execute(self, line: str) -> Reply: ...

    @abstractmethod
    def rejected(self, line: str) -> str:
        """The device's own error text for a command an injected fault rejects."""

    def interrupt(self) -> Reply:
        """Ctrl-Z / Ctrl-C; platforms override."""
        return Reply()

    def help(self, line: str) -> list[str] | None:
        """Context help for ``?`` typed after ``line`` (None: no help, ``?`` is just text)."""
        return None


class Device(ABC):
    """A simulated device: persistent state shared by all of its sessions."""

    def __init__(self, spec: DeviceSpec, clock: Clock = time.time) -> None:
        self.spec = spec
        self.clock = clock
        self.faults = Faults()
        self.booted_at = clock()
        self.boots = 1
        self.sessions = 0
        self.generation = 0  # bumped on reboot: open sessions of an older generation die
        # Stored secret → its plaintext, for values the lab cannot invert (Huawei's ciphers
        # are proprietary and one-way): a test that loads a real config says what they hide.
        self.known_secrets: dict[str, str] = {}
        self.history = InterfaceHistory()

    @property
    def hostname(self) -> str:
        return self.spec.hostname

    def management_up(self) -> bool:
        """Whether the device's own config still carries the address it is managed on.

        A change that moves or shuts the management interface cuts every session, as on a
        real device: the lab then stops answering until the config comes back (a revert
        timer or trial commit expiring, or a reboot to the saved config).
        """
        return True

    def answering(self) -> bool:
        return not self.faults.down and self.management_up()

    def answering_at(self, address: IPv4Address) -> bool:
        """Whether a manager reaches the device on ``address``: a live layer-3 interface of
        its running config carries it (adoption: the old and the new management address)."""
        return not self.faults.down and address in self.management_addresses()

    def uptime(self) -> float:
        return max(0.0, self.clock() - self.booted_at)

    @abstractmethod
    def open_shell(self, username: str, level: int | None = None) -> Shell:
        """A session for ``username`` at privilege ``level`` (None: the platform's default)."""

    def authenticate(self, username: str, password: str, source: IPv4Address) -> int | None:
        """The privilege level an SSH login from ``source`` gets with these credentials under
        the device's own configuration, or None when the device refuses it. Platforms that do
        not model logins from their config return ``NOT_MODELLED`` (the lab's credentials
        apply)."""
        return NOT_MODELLED

    def admits(self, source: IPv4Address) -> bool:
        """Whether the device lets a connection from ``source`` reach its SSH server at all
        (a vty access list); a refused one is closed before the SSH exchange."""
        return True

    def management_addresses(self) -> list[IPv4Address]:
        """The addresses the running config gives live layer-3 interfaces (where a manager
        can reach the device today), management interfaces first."""
        return []

    @abstractmethod
    def _reload(self) -> None:
        """Running state reverts to what was saved."""

    @abstractmethod
    def _factory(self) -> None:
        """Back to the state the device left the factory with (plus the lab's base config)."""

    def reboot(self) -> None:
        self._reload()
        self.booted_at = self.clock()
        self.boots += 1
        self.generation += 1

    def factory_reset(self) -> None:
        self._factory()
        self.booted_at = self.clock()
        self.boots += 1
        self.generation += 1

    def tick(self) -> None:  # noqa: B027 - optional hook
        """Called about once a second: timers (revert, trial commit) expire here."""

    @abstractmethod
    def load_config(self, text: str) -> None:
        """Brownfield: replace running and saved config by ``text``."""

    def login_banner(self) -> str:
        """Text an SSH client is shown before it authenticates (IOS ``banner login``)."""
        return ""

    # -- what SNMP sees
    def describe(self) -> str:
        """sysDescr."""
        return f"{self.spec.platform} {self.spec.model or ''}".strip()

    def object_id(self) -> tuple[int, ...]:
        """sysObjectID (a placeholder model number under the vendor's enterprise arc)."""
        enterprise = {"cisco_ios": 9, "cisco_roomos": 5596}.get(self.spec.platform, 2011)
        return (1, 3, 6, 1, 4, 1, enterprise, 1, 1)

    def if_table(self) -> list[tuple[str, bool, bool]]:
        """(ifDescr, admin up, oper up) for each interface, in ifIndex order."""
        return [("Ethernet 1", True, True)]


class Terminal:
    """Line discipline of one session: echo, line assembly, paging, injected faults."""

    def __init__(self, device: Device, shell: Shell) -> None:
        self.device = device
        self.shell = shell
        self.closed = False
        self.generation = device.generation
        self._line: list[str] = []
        self._last_cr = False
        self._pending: list[str] = []  # lines held back by --More--
        self._lines_in = 0

    def start(self) -> str:
        return _crlf(self.shell.greeting()) + self.shell.prompt()

    def receive(self, data: str) -> str:
        if self.generation != self.device.generation:  # the device rebooted under us
            self.closed = True
        out: list[str] = []
        for char in data:
            if self.closed:
                break
            if self._pending:
                out.append(self._page_key(char))
                continue
            out.append(self._char(char))
        return "".join(out)

    def _char(self, char: str) -> str:  # noqa: PLR0911
        if char == "\n" and self._last_cr:
            self._last_cr = False
            return ""
        self._last_cr = char == "\r"
        if char in "\r\n":
            line = "".join(self._line)
            self._line.clear()
            return "\r\n" + self._line_done(line)
        if char in "\x7f\b":
            if self._line:
                self._line.pop()
                return "\b \b" if self.shell.echo else ""
            return ""
        if char in "?\t" and self.shell.echo:
            return self._help(char)
        if char in "\x03\x1a":  # Ctrl-C, Ctrl-Z
            self._line.clear()
            reply = self.shell.interrupt()
            return "^Z\r\n" * (char == "\x1a") + _crlf(reply.text) + self.shell.prompt()
        if char < " " and char != "\t":
            return ""
        self._line.append(char)
        return char if self.shell.echo else ""

    def _help(self, char: str) -> str:
        """``?`` lists what may come next; Tab completes a unique keyword."""
        line = "".join(self._line)
        options = self.shell.help(line)
        if options is None and char == "?":
            self._line.append(char)
            return char
        if char == "\t":
            words = [o for o in options or [] if o.isalpha() or "-" in o]
            partial = line.split()[-1] if line and not line[-1].isspace() else ""
            if len(words) == 1 and partial:
                rest = words[0][len(partial) :] + " "
                self._line.extend(rest)
                return rest
            return ""
        listing = "\r\n".join("  " + option for option in options or [])
        return "?\r\n" + listing + "\r\n\r\n" + self.shell.prompt() + line

    def _line_done(self, line: str) -> str:
        if self.generation != self.device.generation:
            self.closed = True
            return ""
        self._lines_in += 1
        faults = self.device.faults
        if faults.drop_after_lines is not None and self._lines_in > faults.drop_after_lines:
            self.closed = True
            return ""
        words = " ".join(line.split())
        if words and any(words.startswith(r) for r in faults.reject):
            return _crlf(self.shell.rejected(line)) + self.shell.prompt()
        reply = self.shell.execute(line)
        if reply.close:
            self.closed = True
            return _crlf(reply.text)
        lines = _crlf(reply.text).split("\r\n")
        page = self.shell.page_length
        if page and len(lines) > page:
            shown, self._pending = lines[: page - 1], lines[page - 1 :]
            return "\r\n".join(shown) + "\r\n" + self.shell.more_prompt
        return _crlf(reply.text) + self.shell.prompt()

    def _page_key(self, char: str) -> str:
        if char == "\n" and self._last_cr:
            self._last_cr = False
            return ""
        self._last_cr = char == "\r"
        erase = self.shell.more_erase
        if char == " ":
            count = max(1, self.shell.page_length - 1)
        elif char in "\r\n":
            count = 1
        else:  # q or anything else: stop the listing
            self._pending.clear()
            return erase + "\r\n" + self.shell.prompt()
        shown, self._pending = self._pending[:count], self._pending[count:]
        text = erase + "\r\n".join(shown)
        if self._pending:
            return text + "\r\n" + self.shell.more_prompt
        return text + self.shell.prompt()


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


# --------------------------------------------------------------------------- shared helpers
def parse_ranges(text: str) -> list[int]:
    """``"10,20-22"`` → ``[10, 20, 21, 22]``; raises ValueError on nonsense."""
    values: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            start, end = int(low), int(high)
            if start > end:
                raise ValueError(part)
            values.update(range(start, end + 1))
        else:
            values.add(int(part))
    return sorted(values)


def compress_ranges(values: Iterable[int], sep: str = ",", dash: str = "-") -> str:
    """``[10, 20, 21, 22]`` → ``"10,20-22"``."""
    ordered = sorted(set(values))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        start = end = ordered[index]
        while index + 1 < len(ordered) and ordered[index + 1] == end + 1:
            index += 1
            end = ordered[index]
        parts.append(str(start) if start == end else f"{start}{dash}{end}")
        index += 1
    return sep.join(parts)


def format_uptime(seconds: float) -> str:
    """IOS/VRP style ``1 week, 2 days, 3 hours, 4 minutes``."""
    minutes_total = int(seconds // 60)
    weeks, rest = divmod(minutes_total, 7 * 24 * 60)
    days, rest = divmod(rest, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts: list[str] = []
    for value, unit in ((weeks, "week"), (days, "day"), (hours, "hour")):
        if value:
            parts.append(f"{value} {unit}{'s' if value != 1 else ''}")
    parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return ", ".join(parts)


def split_pipe(line: str) -> tuple[str, tuple[str, str] | None]:
    """``show run | inc ntp`` → (``show run ``, ("include", "ntp")); an unclear modifier is
    an include of nothing, as both vendors' CLIs answer it."""
    if "|" not in line:
        return line, None
    command, modifier = line.split("|", 1)
    words = modifier.split(None, 1)
    kinds = ["include", "exclude", "begin", "section"]
    matches = [k for k in kinds if words and k.startswith(words[0].lower())]
    if len(matches) != 1 or len(words) < 2:
        return command, ("include", "")
    return command, (matches[0], words[1].strip())


def apply_pipe(text: str, pipe: str, pattern: str) -> str:
    """The output modifiers both vendors share in spirit: include/exclude/begin/section."""
    try:
        regex = re.compile(pattern)
    except re.error:
        regex = re.compile(re.escape(pattern))
    lines = text.split("\n")
    if pipe == "include":
        kept = [line for line in lines if regex.search(line)]
    elif pipe == "exclude":
        kept = [line for line in lines if not regex.search(line)]
    elif pipe == "begin":
        start = next((i for i, line in enumerate(lines) if regex.search(line)), len(lines))
        kept = lines[start:]
    else:  # section
        kept = []
        keep_block = False
        for line in lines:
            if line and not line.startswith(" "):
                keep_block = bool(regex.search(line))
            elif line.startswith(" ") and keep_block:
                pass
            elif line.startswith(" ") and regex.search(line):
                kept.append(line)
                continue
            if keep_block and line:
                kept.append(line)
    return "\n".join(kept).rstrip("\n") + "\n" if kept else ""


# Words after a static route's next hop that are its attributes, not its identity (IOS
# distance, name, tag, permanent, track; VRP preference, description, tag, track, bfd, ...).
_ROUTE_ATTRIBUTES = frozenset(
    {"name", "tag", "permanent", "track", "global", "dhcp", "multicast", "preference"}
    | {"description", "bfd", "inherit-cost", "no-advertise", "no-install"}
)


def static_route_key(line: str, head: str) -> str | None:
    """A static route's identity: its VRF, destination, mask and next hop or interface.

    IOS (``ip route``) and VRP (``ip route-static``) keep one route per identity: typing it
    again with another distance, name or description changes that route; another next hop
    is another route beside it. VRP's mask may be a prefix length (``0.0.0.0 0``)."""
    if not line.startswith(head + " "):
        return None
    words = line.split()
    start = len(head.split())
    if words[start : start + 1] in (["vrf"], ["vpn-instance"]):
        start += 2
    if len(words) < start + 3:
        return None
    destination, mask = words[start : start + 2]
    if mask.isdigit():
        bits = int(mask)
        value = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if 0 < bits <= 32 else 0
        mask = ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))
    hops: list[str] = []
    for word in words[start + 2 :]:
        if word in _ROUTE_ATTRIBUTES or word.isdigit():
            break
        hops.append(word)
    return " ".join([*words[:start], destination, mask, *hops])


@dataclass
class Node:
    """One configuration line and the lines nested under it."""

    line: str
    children: list[Node] = field(default_factory=list)
    # Columns the device printed this line at, when it came from a loaded config: real
    # devices do not indent every level by one (IOS prints ``policy-map`` / `` class`` /
    # ``    bandwidth``), and a loaded config must be shown back as the device showed it.
    indent: int | None = None

    def find(self, line: str) -> Node | None:
        return next((child for child in self.children if child.line == line), None)

    def copy(self) -> Node:
        return Node(self.line, [child.copy() for child in self.children], self.indent)

    def lines(self, indent: int = 0, step: int = 1) -> list[str]:
        out: list[str] = []
        for child in self.children:
            column = indent if child.indent is None else child.indent
            out.append(" " * column + child.line)
            out.extend(child.lines(column + step, step))
        return out


# What a running config says about a cable: the lines under a port that only make sense with
# something plugged in (a name for it, a trunk or bundle, an address, a VLAN of its own).
_PLUGGED = re.compile(
    r"^(?:description |switchport mode trunk|switchport access vlan (?!1$)|channel-group |"
    r"ip address \d|port link-type (?:trunk|hybrid)|port default vlan (?!1$)|eth-trunk |"
    r"port trunk )"
)


def cabled_ports(root: Node, ports: Iterable[str]) -> frozenset[str]:
    """The lab's guess at which of a loaded config's ports have a cable: those whose section
    says something is plugged in (captures do not record link state). A test that needs
    other links sets ``Device.cabled`` itself (``Lab.set_links``)."""
    wanted = set(ports)
    found = set()
    for node in root.children:
        words = node.line.split()
        is_port = len(words) == 2 and words[0] == "interface" and words[1] in wanted
        if is_port and any(_PLUGGED.match(child.line) for child in node.children):
            found.add(words[1])
    return frozenset(found)
