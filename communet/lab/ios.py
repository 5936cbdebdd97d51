"""Cisco IOS / IOS-XE switches and routers, modelled from Cisco's command references.

State: running config (a tree of lines), startup config (nvram), flash files (archives).
Per session: privilege level, the configuration mode stack, terminal length/width and the
interactive questions IOS asks (enable password, copy destination, replace confirmation,
banner text).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
    compress_ranges,
    format_uptime,
    parse_ranges,
    split_pipe,
)
from communet.lab.grammar import Failure, Parsed
from communet.lab.ios_config import (
    DEFAULT_VLANS,
    VIRTUAL,
    hardware_for,
    hardware_from_config,
    hide_secrets,
    insert_child,
    negate_line,
    normalize_interface,
    parse_config,
    render_config,
    set_line,
    short_interface,
    type9,
    verify_secret,
    vty_admits,
    vty_login,
)
from communet.lab.ios_grammar import GENERIC_GRAMMAR, GRAMMARS, SWITCH_ONLY


# ------------------------------------------------------------------------------ device
@dataclass
class Revert:
    deadline: float
    snapshot: Node


@dataclass
class IosState:
    running: Node
    startup: Node | None
    files: dict[str, str] = field(default_factory=dict)
    archives: list[str] = field(default_factory=list)
    revert: Revert | None = None
    changed_at: float = 0.0
    changed_by: str = ""


class IosDevice(Device):
    def __init__(
        self,
        spec: DeviceSpec,
        clock: Clock = time.time,
        enable_secret: str = "lab",  # noqa: S107 - the lab's well-known secret
        username: str = "admin",
        password: str = "lab",  # noqa: S107
    ) -> None:
        super().__init__(spec, clock)
        self.hardware = hardware_for(spec.model)
        self.enable_secret = enable_secret
        self.username = username
        self.password = password
        base = parse_config(self.base_config())
        self.state = IosState(running=base, startup=base.copy(), changed_at=clock())
        self.cabled: frozenset[str] | None = None  # None: the lab's default cabling
        self.own_management: ipaddress.IPv4Address | None = None  # set by a loaded config
        self.loaded = False  # a brownfield config was loaded: management comes from it

    def management_up(self) -> bool:
        """Reachable while the config keeps a live address the device is managed on: the
        inventory's management address, or (brownfield) the one its loaded config gave it."""
        spec = self.spec
        wanted = [a for a in (spec.management, self.own_management) if a is not None]
        if not self.loaded and (
            spec.management is None or not self.hardware.switch or spec.management_vlan is None
        ):
            return True  # a router's routed management port: the lab does not model its path
        live = set(self.management_addresses())
        return any(address in live for address in wanted)

    def management_addresses(self) -> list[ipaddress.IPv4Address]:
        found: list[tuple[int, ipaddress.IPv4Address]] = []
        for node in self.interfaces():
            lines = [child.line for child in node.children]
            if "shutdown" in lines:
                continue
            name = node.line.split(" ", 1)[1]
            for line in lines:
                words = line.split()
                if words[:2] == ["ip", "address"] and len(words) >= 4:
                    with contextlib.suppress(ValueError):
                        rank = 0 if name.startswith("Vlan") else 1
                        found.append((rank, ipaddress.IPv4Address(words[2])))
        return [address for _, address in sorted(found, key=lambda item: item[0])]

    def authenticate(
        self, username: str, password: str, source: ipaddress.IPv4Address
    ) -> int | None:
        return vty_login(self.state.running, username, password, source)

    def admits(self, source: ipaddress.IPv4Address) -> bool:
        return vty_admits(self.state.running, source)

    # -- interface states
    def port_state(self, node: Node) -> PortState:
        lines = [child.line for child in node.children]
        routed = "no switchport" in lines or not self.hardware.switch
        mode = "routed" if routed else "access"
        vlan: int | None = None if routed else 1
        allowed, bundle = "", ""
        for line in lines:
            if line == "switchport mode trunk" and not routed:
                mode = "trunk"
            elif line.startswith("switchport access vlan "):
                vlan = _int(line.split()[-1], 1) if mode == "access" else vlan
            elif line.startswith("switchport trunk allowed vlan "):
                allowed = line.split(" ", 4)[4]
            elif line.startswith("channel-group "):
                bundle = "Port-channel" + line.split()[1]
        if mode == "trunk":
            native = next(
                (ln.split()[-1] for ln in lines if ln.startswith("switchport trunk native vlan ")),
                "1",
            )
            vlan = _int(native, 1)
        return PortState("shutdown" not in lines, mode, vlan, allowed, bundle)

    def port_states(self) -> dict[str, PortState]:
        return {node.line.split(" ", 1)[1]: self.port_state(node) for node in self.interfaces()}

    def observe(self, nodes: list[Node] | None = None) -> None:
        """Record interface states after a change (all interfaces when ``nodes`` is None)."""
        for node in self.interfaces() if nodes is None else nodes:
            self.history.record(node.line.split(" ", 1)[1], self.port_state(node))

    # -- identity
    @property
    def name(self) -> str:
        for child in self.state.running.children:
            if child.line.startswith("hostname "):
                return child.line.split(" ", 1)[1]
        return "Switch" if self.hardware.switch else "Router"

    @property
    def serial(self) -> str:
        if self.spec.serial:
            return self.spec.serial
        digest = hashlib.sha1(self.spec.hostname.encode()).hexdigest().upper()  # noqa: S324
        return "FOC" + digest[:8]

    @property
    def mac(self) -> str:
        digest = hashlib.sha1(("mac" + self.spec.hostname).encode()).hexdigest()  # noqa: S324
        return ":".join(["00", "1b", "54", digest[0:2], digest[2:4], digest[4:6]])

    def base_config(self) -> str:
        spec = self.spec
        hw = self.hardware
        lines = [
            "version 16.9" if "16.9" in hw.version_text else "version 15.2",
            "no service pad",
            "service timestamps debug datetime msec",
            "service timestamps log datetime msec",
            "service password-encryption",
            f"hostname {spec.hostname}",
            "boot-start-marker",
            "boot-end-marker",
            f"enable secret 9 {type9(self.enable_secret)}",
            f"username {self.username} privilege 1 secret 9 {type9(self.password)}",
            "no aaa new-model",
            "ip domain name lab.communet.invalid",
        ]
        mgmt_vlan = spec.management_vlan or 1
        mask = str(spec.management_subnet.netmask) if spec.management_subnet else "255.255.255.0"
        address = f"ip address {spec.management} {mask}" if spec.management else "no ip address"
        if hw.switch:
            lines += ["vtp mode transparent", "spanning-tree mode rapid-pvst"]
            lines += ["spanning-tree extend system-id"]
            if mgmt_vlan != 1:
                lines += [f"vlan {mgmt_vlan}", " name MGMT"]
            lines += [f"interface {port}" for port in hw.ports]
            if mgmt_vlan != 1:
                lines += ["interface Vlan1", " no ip address", " shutdown"]
            lines += [f"interface Vlan{mgmt_vlan}", f" {address}"]
        else:
            for index, port in enumerate(hw.ports):
                lines.append(f"interface {port}")
                lines.append(f" {address}" if index == 1 else " no ip address")
                lines += [" negotiation auto"] + ([" shutdown"] if index > 1 else [])
        lines += ["ip forward-protocol nd", "no ip http server", "no ip http secure-server"]
        lines += ["ip ssh version 2", "line con 0", "line vty 0 4", " login local"]
        lines += [" transport input ssh", "line vty 5 15", " login local", " transport input ssh"]
        return "\n".join(lines) + "\n"

    # -- lifecycle
    def open_shell(self, username: str, level: int | None = None) -> IosShell:
        return IosShell(self, username, level=level or 1)

    def day0(self) -> None:
        """Out of the box: no startup-config, factory defaults running (console day-0 flow)."""
        hw = self.hardware
        name = "Switch" if hw.switch else "Router"
        lines = ["version 15.2", "no service pad", f"hostname {name}", "boot-start-marker"]
        lines += ["boot-end-marker", "no aaa new-model"]
        lines += [f"interface {port}" for port in hw.ports]
        lines += ["interface Vlan1", " no ip address"] if hw.switch else []
        lines += ["line con 0", "line vty 0 4", " login", "line vty 5 15", " login"]
        self.state = IosState(running=parse_config("\n".join(lines)), startup=None)
        self.booted_at = self.clock()
        self.generation += 1

    def _reload(self) -> None:
        startup = self.state.startup
        self.state.running = startup.copy() if startup else Node("")
        self.state.revert = None

    def _factory(self) -> None:
        self.loaded, self.own_management, self.cabled = False, None, None
        self.hardware = hardware_for(self.spec.model)
        base = parse_config(self.base_config())
        self.state = IosState(running=base, startup=base.copy(), changed_at=self.clock())

    def load_config(self, text: str) -> None:
        """Brownfield: the device becomes what ``text`` describes, ports, users and
        management address included."""
        tree = parse_config(text)
        self.state.running = tree
        self.state.startup = tree.copy()
        self.hardware = hardware_from_config(self.hardware, tree)
        self.cabled = cabled_ports(tree, self.hardware.ports)  # where the config says so
        live = self.management_addresses()
        self.own_management = None if self.spec.management in live else next(iter(live), None)
        self.loaded = True
        self.history.reset(self.port_states())

    def tick(self) -> None:
        revert = self.state.revert
        if revert is not None and self.clock() >= revert.deadline:
            self.rollback()

    def rollback(self) -> None:
        revert = self.state.revert
        if revert is not None:
            self.state.running = revert.snapshot.copy()
            self.state.revert = None
            self.touch("rollback")
            self.observe()

    def touch(self, user: str) -> None:
        self.state.changed_at = self.clock()
        self.state.changed_by = user

    def save(self) -> None:
        self.state.startup = self.state.running.copy()
        archive = self.archive_settings()
        if archive is not None and archive[2]:
            self.make_archive()

    # -- archive
    def archive_settings(self) -> tuple[str, int, bool] | None:
        node = self.state.running.find("archive")
        if node is None:
            return None
        path = next(
            (c.line.split(" ", 1)[1] for c in node.children if c.line.startswith("path ")), None
        )
        if path is None:
            return None
        maximum = next(
            (int(c.line.split()[1]) for c in node.children if c.line.startswith("maximum ")), 10
        )
        write_memory = node.find("write-memory") is not None
        return path.replace("$h", self.name), maximum, write_memory

    def next_archive(self) -> str | None:
        settings = self.archive_settings()
        if settings is None:
            return None
        path, _, _ = settings
        used = [int(n.rsplit("-", 1)[1]) for n in self.state.archives if n.startswith(path + "-")]
        return f"{path}-{max(used, default=0) + 1}"

    def make_archive(self) -> str | None:
        name = self.next_archive()
        settings = self.archive_settings()
        if name is None or settings is None:
            return None
        self.state.files[name] = "\n".join(render_config(self.state.running)) + "\n"
        self.state.archives.append(name)
        while len(self.state.archives) > settings[1]:
            old = self.state.archives.pop(0)
            self.state.files.pop(old, None)
        return name

    # -- derived views
    def banner(self, kind: str) -> str:
        """The text of ``banner <kind>`` (motd, login, exec), or ""."""
        header = f"banner {kind} ^C"
        node = next((c for c in self.state.running.children if c.line.startswith(header)), None)
        if node is None:
            return ""
        first = node.line[len(header) :]
        lines = ([first] if first else []) + [c.line for c in node.children]
        if lines:
            lines[-1] = lines[-1].removesuffix("^C")
        text = "\n".join(lines).strip("\n")
        return text + "\n" if text else ""

    def login_banner(self) -> str:
        return self.banner("login")

    def describe(self) -> str:
        return (
            f"{self.hardware.version_text}\r\nTechnical Support: http://www.cisco.com/techsupport"
            "\r\nCopyright (c) 1986-2023 by Cisco Systems, Inc."
        )

    def if_table(self) -> list[tuple[str, bool, bool]]:
        table: list[tuple[str, bool, bool]] = []
        for node in self.interfaces():
            name = node.line.split(" ", 1)[1]
            admin = node.find("shutdown") is None
            table.append((name, admin, admin and self.is_connected(name)))
        return table

    def interfaces(self) -> list[Node]:
        return [c for c in self.state.running.children if c.line.startswith("interface ")]

    def vlans(self) -> dict[int, str]:
        found = dict.fromkeys(DEFAULT_VLANS, "")
        for child in self.state.running.children:
            words = child.line.split()
            if words[0] == "vlan" and len(words) == 2 and words[1].isdigit():
                number = int(words[1])
                name = next((c.line[5:] for c in child.children if c.line.startswith("name ")), "")
                found[number] = name or (DEFAULT_VLANS.get(number, ("",))[0] or f"VLAN{number:04d}")
        for number, (name, _) in DEFAULT_VLANS.items():
            found[number] = name
        return dict(sorted(found.items()))

    def port_mode(self, node: Node) -> tuple[str, int]:
        mode, access = "access", 1
        for child in node.children:
            if child.line == "switchport mode trunk":
                mode = "trunk"
            elif child.line.startswith("switchport access vlan "):
                access = int(child.line.split()[-1])
            elif child.line == "no switchport":
                mode = "routed"
        return mode, access

    def is_connected(self, name: str) -> bool:
        if self.cabled is not None:
            return name in self.cabled or name.startswith(("Vlan", "Loopback"))
        ports = self.hardware.ports
        if name not in ports:
            return name.startswith(("Vlan", "Loopback"))
        index = ports.index(name)
        if not self.hardware.switch:
            return index < 2
        return index < 4 or index in (len(ports) - 5, len(ports) - 4)


# ------------------------------------------------------------------------------ session
Pending = Callable[[str], Reply]


@dataclass
class Context:
    mode: str
    nodes: list[Node]


class IosShell(Shell):
    def __init__(
        self, device: IosDevice, username: str, console: bool = False, level: int = 1
    ) -> None:
        self.device = device
        self.username = username
        self.console = console
        self.level = level
        self.stack: list[Context] = []  # empty: exec mode
        self.page_length = 24
        self.width = 80
        self.pending: Pending | None = None
        self.question = ""
        self.failed_enable = 0

    # -- terminal contract
    def greeting(self) -> str:
        """IOS prints the MOTD banner when an SSH session starts."""
        return "\n" + self.device.banner("motd")

    def prompt(self) -> str:
        if self.pending is not None:
            return self.question
        name = self.device.name
        if not self.stack:
            return name + ("#" if self.level == 15 else ">")
        return f"{name}({self.stack[-1].mode})#"

    def rejected(self, line: str) -> str:
        column = len(self.prompt()) + (len(line) - len(line.lstrip()))
        return " " * column + "^\n% Invalid input detected at '^' marker.\n\n"

    def help(self, line: str) -> list[str] | None:
        if self.pending is not None:
            return None  # banner text, answers to questions: '?' is just a character
        if not self.stack:
            return GRAMMARS["priv" if self.level == 15 else "user"].help(line)
        grammar = GRAMMARS.get(self.stack[-1].mode, GENERIC_GRAMMAR)
        words = line.split(None, 1)
        if words and words[0] in ("no", "default") and (len(words) > 1 or line.endswith(" ")):
            return grammar.help(words[1] if len(words) > 1 else "")
        options = grammar.help(line)
        if options is not None and not line.strip():
            options = sorted([*options, "default", "do", "no"])
        return options

    def interrupt(self) -> Reply:
        self.pending = None
        self.echo = True
        self.stack.clear()
        return Reply()

    def execute(self, line: str) -> Reply:
        if self.pending is not None:
            handler, self.pending = self.pending, None
            self.echo = True
            return handler(line)
        if not line.strip():
            return Reply()
        if self.stack:
            reply = self._config(line)
            self._observe(line)
            return reply
        return self._exec(line)

    def _observe(self, line: str) -> None:
        """Interface states after a config line: the interfaces of the current context, or
        all of them after a global line that names interfaces."""
        if self.stack and self.stack[-1].mode.startswith("config-if"):
            self.device.observe(self.stack[-1].nodes)
        elif re.match(r"\s*(no |default )?interface ", line):
            self.device.observe()

    # -- helpers
    def _error(self, line: str, parsed: Parsed, offset: int = 0) -> Reply:
        if parsed.failure is Failure.INCOMPLETE:
            return Reply("% Incomplete command.\n\n")
        if parsed.failure is Failure.AMBIGUOUS:
            return Reply(f'% Ambiguous command:  "{line.strip()}"\n')
        column = len(self.prompt()) + parsed.column + offset
        return Reply(" " * column + "^\n% Invalid input detected at '^' marker.\n\n")

    def _ask(self, question: str, handler: Pending, text: str = "", echo: bool = True) -> Reply:
        self.pending = handler
        self.question = question
        self.echo = echo
        return Reply(text)

    # -- exec mode
    def _exec(self, line: str) -> Reply:
        command, pipe = split_pipe(line)
        grammar = GRAMMARS["priv" if self.level == 15 else "user"]
        parsed = grammar.parse(command)
        if parsed.failure is not None:
            if parsed.failure is Failure.INVALID and len(command.split()) == 1:
                return Reply(
                    'Translating "' + command.strip() + '"\n'
                    "% Unknown command or computer name, or unable to find computer address\n"
                )
            return self._error(command, parsed)
        reply = self._run_exec(parsed.words)
        if pipe is not None and reply.text:
            kind, pattern = pipe
            reply = Reply(apply_pipe(reply.text, kind, pattern), reply.close)
        return reply

    def _run_exec(self, words: tuple[str, ...]) -> Reply:  # noqa: PLR0911, PLR0912
        first = words[0]
        device = self.device
        if first in ("exit", "logout", "quit"):
            return Reply(close=True)
        if first == "enable":
            if self.level == 15:
                return Reply()
            if self._enable_line() is None:
                if not self.console:
                    return Reply("% No password set\n")
                self.level = 15
                return Reply()
            return self._ask("Password: ", self._enable_password, echo=False)
        if first == "disable":
            self.level = 1
            return Reply()
        if first == "terminal":
            if words[1] == "length":
                self.page_length = _int(words[2], 0)
            elif words[1] == "width":
                self.width = _int(words[2], 80)
            return Reply()
        if first == "show":
            return Reply(self._show(words[1:]))
        if first in ("ping", "traceroute"):
            return Reply("Type escape sequence to abort.\n% Unrecognized host or address.\n")
        if first == "configure":
            return self._configure(words[1:])
        if first == "write":
            if len(words) > 1 and words[1] == "erase":
                return self._ask(
                    "Erasing the nvram filesystem will remove all configuration files! "
                    "Continue? [confirm]",
                    self._erase,
                )
            if len(words) > 1 and words[1] == "terminal":
                return Reply(self._show(("running-config",)))
            device.save()
            return Reply("Building configuration...\n[OK]\n")
        if first == "copy":
            if words[1] == "running-config":
                return self._ask("Destination filename [startup-config]? ", self._copy_dest)
            if device.state.startup is not None:
                for child in device.state.startup.children:
                    _merge(device.state.running, child)
            return Reply("Destination filename [running-config]? \n")
        if first == "archive":
            name = device.make_archive()
            if name is None:
                return Reply("Archive path not specified\n")
            return Reply()
        if first == "reload":
            startup = device.state.startup
            saved = startup is not None and render_config(startup) == render_config(
                device.state.running
            )
            if saved:
                return self._ask("Proceed with reload? [confirm]", self._reload)
            return self._ask(
                "System configuration has been modified. Save? [yes/no]: ", self._save_first
            )
        return Reply()

    def _enable_line(self) -> str | None:
        lines = [c.line for c in self.device.state.running.children]
        secret = next((x for x in lines if x.startswith("enable secret ")), None)
        return secret or next((x for x in lines if x.startswith("enable password ")), None)

    def _enable_password(self, line: str) -> Reply:
        stored = self._enable_line()
        if stored is not None and verify_secret(stored, line):
            self.level = 15
            return Reply()
        self.failed_enable += 1
        if self.failed_enable >= 3:
            self.failed_enable = 0
            return Reply("% Bad secrets\n\n")
        return self._ask("Password: ", self._enable_password, echo=False)

    def _copy_dest(self, line: str) -> Reply:
        target = line.strip() or "startup-config"
        if target != "startup-config":
            self.device.state.files[target] = "\n".join(render_config(self.device.state.running))
            return Reply("\n1234 bytes copied in 0.123 secs\n")
        self.device.save()
        return Reply("Building configuration...\n[OK]\n")

    def _erase(self, line: str) -> Reply:
        if line.strip().lower() in ("", "y", "yes"):
            self.device.state.startup = None
            return Reply("[OK]\nErase of nvram: complete\n")
        return Reply()

    def _save_first(self, line: str) -> Reply:
        answer = line.strip().lower()
        if answer not in ("y", "yes", "n", "no"):
            return self._ask(
                "% Please answer 'yes' or 'no'.\nSystem configuration has been "
                "modified. Save? [yes/no]: ",
                self._save_first,
            )
        text = ""
        if answer.startswith("y"):
            self.device.save()
            text = "Building configuration...\n[OK]\n"
        return self._ask("Proceed with reload? [confirm]", self._reload, text)

    def _reload(self, line: str) -> Reply:
        if line.strip().lower() not in ("", "y", "yes"):
            return Reply()
        self.device.reboot()
        return Reply("\n", close=True)

    def _configure(self, words: tuple[str, ...]) -> Reply:  # noqa: PLR0911, PLR0912
        device = self.device
        what = words[0]
        if what == "terminal":
            text = "Enter configuration commands, one per line.  End with CNTL/Z.\n"
            if len(words) > 1:  # revert timer N
                if device.archive_settings() is None:
                    return Reply("Rollback Confirmed Change: Archive path not configured\n")
                minutes = _int(words[-1], 0)
                if not 1 <= minutes <= 120:
                    return Reply("% Invalid timer value\n")
                name = device.make_archive()
                snapshot = device.state.running.copy()
                device.state.revert = Revert(device.clock() + minutes * 60, snapshot)
                text = (
                    f"Rollback Confirmed Change: Backing up current running config to {name}\n"
                    + text
                )
            self.stack = [Context("config", [device.state.running])]
            return Reply(text)
        if what == "confirm":
            if device.state.revert is None:
                return Reply("% No Rollback Confirmed Change pending\n")
            device.state.revert = None
            return Reply()
        if what == "revert":
            if device.state.revert is None:
                return Reply("% No Rollback Confirmed Change pending\n")
            if words[1] == "now":
                device.rollback()
                return Reply("Rollback Done\n")
            device.state.revert.deadline = device.clock() + _int(words[-1], 1) * 60
            return Reply()
        # replace
        source = words[1]
        found: str | None
        if source in ("nvram:startup-config", "startup-config"):
            startup = device.state.startup
            found = "\n".join(render_config(startup)) if startup else None
        else:
            found = device.state.files.get(source)
        if found is None:
            return Reply(f"%Error opening {source} (No such file or directory)\n")
        text = found

        def apply(answer: str) -> Reply:
            if answer.strip().lower() not in ("y", "yes"):
                return Reply()
            device.state.running = parse_config(text)
            device.state.revert = None
            device.touch(self.username)
            device.observe()
            return Reply("Total number of passes: 1\nRollback Done\n\n")

        if words[-1] == "force":
            return apply("y")
        return self._ask(
            "Enter Y if you are sure you want to proceed. ? [no]: ",
            apply,
            "This will apply all necessary additions and deletions\n"
            "to replace the current running configuration with the\n"
            "contents of the specified configuration file, which is\n"
            "assumed to be a complete configuration, not a partial\n"
            "configuration. ",
        )

    # -- show
    def _show(self, words: tuple[str, ...]) -> str:  # noqa: PLR0911, PLR0912
        what = words[0]
        device = self.device
        if what == "version":
            return self._show_version()
        if what == "privilege":
            return f"Current privilege level is {self.level}\n"
        if what == "clock":
            return time.strftime("*%H:%M:%S.000 UTC %a %b %d %Y\n", time.gmtime(device.clock()))
        if what in ("users", "history"):
            return ""
        if what == "terminal":
            return f"Length: {self.page_length} lines, Width: {self.width} columns\n"
        if what == "running-config":
            return self._show_running(words[1:])
        if what == "startup-config":
            startup = device.state.startup
            if startup is None:
                return "startup-config is not present\n"
            body = "\n".join(render_config(startup)) + "\n"
            return f"Using {len(body)} out of 524288 bytes\n" + body
        if what == "vlan":
            return self._show_vlan(brief=len(words) > 1 and words[1] == "brief")
        if what == "interfaces":
            if not device.hardware.switch:
                return "                 ^\n% Invalid input detected at '^' marker.\n\n"
            return self._show_interfaces_status()
        if what == "ip":
            return self._show_ip_interface_brief()
        if what == "archive":
            return self._show_archive()
        return ""

    def _show_running(self, words: tuple[str, ...]) -> str:
        device = self.device
        if words and words[0] == "interface":
            name = normalize_interface(" ".join(words[1:]))
            node = device.state.running.find(f"interface {name}") if name else None
            if node is None:
                return (
                    "                              ^\n% Invalid input detected at '^' marker.\n\n"
                )
            body = "\n".join(["!", node.line, *node.lines(1), "end"]) + "\n"
            return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"
        changed = time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(device.state.changed_at))
        lines = render_config(device.state.running)
        head = ["!", f"! Last configuration change at {changed}"]
        head[-1] += f" by {device.state.changed_by}" if device.state.changed_by else ""
        body = "\n".join([*head, *lines]) + "\n"
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n{body}"

    def _show_version(self) -> str:
        device = self.device
        hw = device.hardware
        image = re.search(r"\(([A-Z0-9_-]+)\), Version (\S+),", hw.version_text)
        version = image.group(2) if image else "15.2"
        uptime = format_uptime(device.uptime())
        count = len(hw.ports)
        lines = [
            hw.version_text,
            "Technical Support: http://www.cisco.com/techsupport",
            "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
            "Compiled Thu 09-Mar-23 04:35 by mcpre",
            "",
            "ROM: Bootstrap program is loader" if hw.switch else "ROM: IOS-XE ROMMON",
            "",
            f"{device.name} uptime is {uptime}",
            "System returned to ROM by power-on",
            f'System image file is "flash:{hw.model.lower()}-universalk9.bin"',
            "Last reload reason: power-on"
            if device.boots == 1
            else "Last reload reason: Reload Command",
            "",
            f"cisco {hw.model} ({hw.processor}) processor (revision V01) with 524288K bytes"
            " of memory.",
            f"Processor board ID {device.serial}",
            "Last reset from power-on",
            "1 Virtual Ethernet interface",
            f"{count} Gigabit Ethernet interfaces",
            "The password-recovery mechanism is enabled.",
            "",
            "512K bytes of flash-simulated non-volatile configuration memory.",
        ]
        if hw.switch:
            lines += [
                f"Base ethernet MAC Address       : {device.mac}",
                f"Model number                    : {hw.model}",
                f"System serial number            : {device.serial}",
                "",
                "Switch Ports Model                     SW Version            SW Image",
                "------ ----- -----                     ----------            ----------",
                f"*    1 {count:<5} {hw.model:<25} {version:<21} {image.group(1) if image else ''}",
            ]
        lines += [
            "",
            "",
            "Configuration register is 0xF" if hw.switch else "Configuration register is 0x2102",
            "",
        ]
        return "\n".join(lines)

    def _access_ports(self) -> dict[int, list[str]]:
        ports: dict[int, list[str]] = {}
        for node in self.device.interfaces():
            name = node.line.split(" ", 1)[1]
            if name not in self.device.hardware.ports:
                continue
            mode, access = self.device.port_mode(node)
            if mode == "access":
                ports.setdefault(access, []).append(short_interface(name))
        return ports

    def _show_vlan(self, brief: bool) -> str:
        vlans = self.device.vlans()
        ports = self._access_ports()
        out = [
            "",
            "VLAN Name                             Status    Ports",
            "---- -------------------------------- --------- -------------------------------",
        ]
        for number, name in vlans.items():
            status = DEFAULT_VLANS.get(number, ("", "active"))[1]
            members = ports.get(number, []) if status == "active" else []
            chunks = [members[i : i + 4] for i in range(0, len(members), 4)] or [[]]
            out.append(f"{number:<4} {name[:32]:<32} {status:<9} {', '.join(chunks[0])}".rstrip())
            out.extend(" " * 48 + ", ".join(chunk) for chunk in chunks[1:])
        if not brief:
            out += [
                "",
                "VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2",
                "---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------",
            ]
            for number in vlans:
                kind = {1002: "fddi", 1003: "tr", 1004: "fdnet", 1005: "trnet"}.get(number, "enet")
                out.append(
                    f"{number:<4} {kind:<5} {100000 + number:<10} 1500  -      -      -        "
                    "-    -        0      0"
                )
            out += [
                "",
                "Remote SPAN VLANs",
                "------------------------------------------------------------------------------",
                "",
                "",
                "Primary Secondary Type              Ports",
                "------- --------- ----------------- ------------------------------------------",
            ]
        return "\n".join(out) + "\n"

    def _show_interfaces_status(self) -> str:
        device = self.device
        vlans = device.vlans()
        out = ["", "Port      Name               Status       Vlan       Duplex  Speed Type"]
        for node in device.interfaces():
            name = node.line.split(" ", 1)[1]
            if name not in device.hardware.ports:
                continue
            description = next(
                (c.line[12:] for c in node.children if c.line.startswith("description ")), ""
            )
            mode, access = device.port_mode(node)
            sfp = name.startswith("GigabitEthernet1/1/") or device.hardware.ports.index(name) >= 24
            if node.find("shutdown") is not None:
                status = "disabled"
            elif mode == "access" and access not in vlans:
                status = "inactive"
            else:
                status = "connected" if device.is_connected(name) else "notconnect"
            vlan = {"trunk": "trunk", "routed": "routed"}.get(mode, str(access))
            up = status == "connected"
            duplex, speed = ("a-full", "a-1000") if up else ("auto", "auto")
            kind = "Not Present" if sfp and not up else "10/100/1000BaseTX"
            if sfp and up:
                kind = "1000BaseSX SFP"
            out.append(
                f"{short_interface(name):<9} {description[:18]:<18} {status:<12} {vlan:<10} "
                f"{duplex:>6} {speed:>6} {kind}"
            )
        return "\n".join(out) + "\n"

    def _show_ip_interface_brief(self) -> str:
        device = self.device
        out = ["Interface              IP-Address      OK? Method Status                Protocol"]
        for node in device.interfaces():
            name = node.line.split(" ", 1)[1]
            address = next(
                (c.line.split()[2] for c in node.children if c.line.startswith("ip address ")),
                "unassigned",
            )
            method = "NVRAM" if address != "unassigned" else "unset"
            if node.find("shutdown") is not None:
                status, protocol = "administratively down", "down"
            elif device.is_connected(name):
                status, protocol = "up", "up"
            else:
                status, protocol = "down", "down"
            out.append(f"{name:<22} {address:<15} YES {method:<6} {status:<21} {protocol}")
        return "\n".join(out) + "\n"

    def _show_archive(self) -> str:
        device = self.device
        settings = device.archive_settings()
        if settings is None:
            return " Archive feature not enabled\n"
        _, maximum, _ = settings
        archives = device.state.archives
        out = [
            f"The maximum archive configurations allowed is {maximum}.",
            f"There are currently {len(archives)} archive configurations saved.",
            f"The next archive file will be named {device.next_archive()}",
            " Archive #  Name",
        ]
        for index in range(1, maximum + 1):
            if index <= len(archives):
                recent = " <- Most Recent" if index == len(archives) else ""
                out.append(f"   {index:<8} {archives[index - 1]}{recent}")
            else:
                out.append(f"   {index}")
        return "\n".join(out) + "\n"

    # -- configuration modes
    def _config(self, line: str) -> Reply:
        stripped = line.strip()
        if stripped.startswith("do ") or stripped == "do":
            saved = self.stack
            self.stack = []
            reply = (
                self._exec(stripped[3:]) if stripped != "do" else Reply("% Incomplete command.\n\n")
            )
            if not reply.close:
                self.stack = saved
            return reply
        banner = re.match(r"banner\s+(motd|login|exec|incoming)\s+(\S)(.*)$", stripped)
        if banner:
            del self.stack[1:]
            return self._banner(banner.group(1), banner.group(2), banner.group(3))
        errors: list[tuple[Parsed, bool]] = []
        for depth in range(len(self.stack), 0, -1):
            context = self.stack[depth - 1]
            parsed, negate = self._parse_in(context, stripped)
            if parsed.failure is None:
                del self.stack[depth:]
                return self._apply(context, parsed.words, negate)
            errors.append((parsed, negate))
        # Report the mode that understood the most of the line, as the IOS parser does.
        parsed, negate = max(
            errors, key=lambda e: (e[0].column, e[0].failure is not Failure.INVALID)
        )
        offset = len(stripped.split(None, 1)[0]) + 1 if negate else 0
        return self._error(stripped, parsed, offset)

    def _parse_in(self, context: Context, line: str) -> tuple[Parsed, bool]:
        grammar = GRAMMARS.get(context.mode, GENERIC_GRAMMAR)
        words = line.split(None, 1)
        negate = words[0].lower() in ("no", "default") if words else False
        if negate and len(words) == 1:
            return Parsed((), Failure.INCOMPLETE), negate
        text = words[1] if negate else line
        parsed = grammar.parse(text, lenient_end=negate)
        if (
            parsed.failure is None
            and context.mode.startswith("config-if")
            and not self.device.hardware.switch
            and parsed.text.startswith(SWITCH_ONLY)
        ):
            return Parsed((), Failure.INVALID, 0), negate
        if negate and parsed.failure is None:
            parsed = Parsed((words[0].lower(), *parsed.words))
        return parsed, negate

    def _apply(self, context: Context, words: tuple[str, ...], negate: bool) -> Reply:
        device = self.device
        if words[0] == "end":
            self.stack.clear()
            return Reply()
        if words[0] == "exit":
            self.stack.pop()
            return Reply()
        device.touch(self.username)
        text = " ".join(words)
        if context.mode == "config":
            return self._apply_global(words, negate)
        if context.mode == "config-pmap" and words[0] == "class":
            node = _child(context.nodes[0], text, create=True)
            self.stack.append(Context("config-pmap-c", [node]))
            return Reply()
        message = ""
        for node in context.nodes:
            message = self._apply_sub(context.mode, node, words, negate) or message
        return Reply(message)

    def _apply_sub(  # noqa: PLR0912
        self, mode: str, node: Node, words: tuple[str, ...], negate: bool
    ) -> str:
        text = " ".join(words)
        routed = (
            not node.line.startswith("interface GigabitEthernet") or not self.device.hardware.switch
        )
        if negate:
            negate_line(
                node, " ".join(words[1:]), keep_no_ip=mode.startswith("config-if") and routed
            )
            if words[0] == "default" and mode.startswith("config-if"):
                pass
            return ""
        if mode.startswith("config-if"):
            if words[:4] == ("switchport", "trunk", "allowed", "vlan"):
                return _trunk_allowed(node, words[4:])
            if words[:3] == ("switchport", "access", "vlan"):
                number = _int(words[3], 0)
                if not 1 <= number <= 4094:
                    return "% Invalid input detected at '^' marker.\n"
                message = ""
                if number not in self.device.vlans():
                    message = f"% Access VLAN does not exist. Creating vlan {number}\n"
                    _vlan_node(self.device.state.running, number)
                set_line(node, text)
                return message
            if words[0] == "ip" and words[1] == "address":
                clash = overlapping(self.device.state.running, node, words)
                if clash:
                    return clash
                no_ip = node.find("no ip address")
                if no_ip is not None:
                    node.children.remove(no_ip)
        if mode == "config-vlan" and words[0] == "name":
            text = "name " + words[1][:32]
        if mode.endswith("-nacl"):
            if words[0].isdigit():  # sequence numbers are not shown in the running config
                text = " ".join(words[1:])
            if text.startswith("deny "):  # IOS aligns deny with permit
                text = "deny   " + text[5:]
        set_line(node, hide_secrets(text, True))
        return ""

    def _apply_global(self, words: tuple[str, ...], negate: bool) -> Reply:  # noqa: PLR0911, PLR0912
        root = self.device.state.running
        body = words[1:] if negate else words
        first = body[0]
        if first == "interface":
            return self._interface(body[1:], negate)
        if first == "vlan":
            try:
                numbers = parse_ranges(body[1])
            except ValueError:
                numbers = []
            if not numbers or not all(1 <= n <= 4094 for n in numbers):
                return Reply("% Invalid input detected at '^' marker.\n")
            if negate:
                root.children = [
                    c for c in root.children if c.line not in {f"vlan {n}" for n in numbers}
                ]
                return Reply()
            nodes = [_vlan_node(root, n) for n in numbers]
            self.stack.append(Context("config-vlan", nodes))
            return Reply()
        text = " ".join(body)
        sections = {
            "line": "config-line",
            "router": "config-router",
            "archive": "config-archive",
            "class-map": "config-cmap",
            "policy-map": "config-pmap",
            "control-plane": "config-cp",
        }
        mode = sections.get(first)
        if body[:2] == ("ip", "access-list"):
            mode = "config-std-nacl" if body[2] == "standard" else "config-ext-nacl"
        if body[:3] == ("ip", "dhcp", "pool"):
            mode = "dhcp-config"
        if mode is not None:
            if first == "line":
                text = text.replace("line console", "line con")
            if negate:
                root.children = [c for c in root.children if c.line != text]
                return Reply()
            nodes = _line_nodes(root, body) if first == "line" else [_child(root, text, True)]
            self.stack.append(Context(mode, nodes))
            return Reply()
        if negate:
            negate_line(root, text)
            if first == "banner":
                root.children = [c for c in root.children if c.line.split()[:2] != list(body[:2])]
            return Reply()
        if first == "hostname":
            set_line(root, text, ranked=True)
            return Reply()
        if body[:2] == ("snmp-server", "user"):  # kept apart: never shown in the config
            self.device.state.files["snmp-users"] = text
            return Reply()
        set_line(root, hide_secrets(text, True), ranked=True)
        return Reply()

    def _interface(self, words: tuple[str, ...], negate: bool) -> Reply:  # noqa: PLR0911
        root = self.device.state.running
        if words and words[0] == "range":
            names = _interface_range(" ".join(words[1:]))
            nodes = [root.find(f"interface {n}") for n in names]
            if not names or any(n is None for n in nodes):
                return Reply("% Invalid input detected at '^' marker.\n")
            self.stack.append(Context("config-if-range", [n for n in nodes if n is not None]))
            return Reply()
        name = normalize_interface(" ".join(words))
        if name is None:
            return self._bad_interface(words, negate)
        line = f"interface {name}"
        node = root.find(line)
        if negate:
            if node is not None and name not in self.device.hardware.ports:
                root.children.remove(node)
            return Reply()
        if node is None:
            parent = name.split(".")[0]
            physical = parent in self.device.hardware.ports
            if name in self.device.hardware.ports or (not physical and "." in name):
                return self._bad_interface(words, negate)
            if not physical and not name.startswith(VIRTUAL):
                return self._bad_interface(words, negate)
            node = Node(line, [Node("no ip address")])
            if name.startswith(("Loopback", "Tunnel")) or "." in name:
                node.children = []
            insert_child(root, node, ranked=True)
        self.stack.append(Context("config-if", [node]))
        return Reply()

    def _bad_interface(self, words: tuple[str, ...], negate: bool) -> Reply:
        """An interface this device does not have: IOS puts the caret under its number."""
        typed = " ".join(words)
        number = re.search(r"\d", typed)
        column = len(self.prompt()) + len("no " * negate + "interface ")
        column += number.start() if number else 0
        return Reply(" " * column + "^\n% Invalid input detected at '^' marker.\n\n")

    def _banner(self, kind: str, delimiter: str, rest: str) -> Reply:
        if delimiter == "^" and rest.startswith("C"):
            delimiter, rest = "^C", rest[1:]
        root = self.device.state.running
        root.children = [c for c in root.children if not c.line.startswith(f"banner {kind} ")]
        node = Node(f"banner {kind} ^C")
        if delimiter in rest:
            node.children.append(Node(rest.split(delimiter, 1)[0] + "^C"))
            insert_child(root, node, ranked=True)
            return Reply()
        body: list[str] = [rest] if rest else []

        def collect(line: str) -> Reply:
            if delimiter in line:
                body.append(line.split(delimiter, 1)[0])
                node.children = [Node(text) for text in body[:-1]]
                node.children.append(Node(body[-1] + "^C"))
                insert_child(root, node, ranked=True)
                self.device.touch(self.username)
                return Reply()
            body.append(line)
            return self._ask("", collect)

        return self._ask(
            "", collect, f"Enter TEXT message.  End with the character '{delimiter}'.\n"
        )


# ------------------------------------------------------------------------------ helpers
def _int(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def _child(root: Node, line: str, create: bool) -> Node:
    node = root.find(line)
    if node is None and create:
        node = Node(line)
        insert_child(root, node, ranked=root.line == "")
    assert node is not None
    return node


def overlapping(root: Node, node: Node, words: tuple[str, ...]) -> str:
    """IOS refuses an address whose subnet overlaps another interface's: the error, or ""."""
    if len(words) < 4 or words[2] == "dhcp":
        return ""
    try:
        new = ipaddress.ip_interface(f"{words[2]}/{words[3]}").network
    except ValueError:
        return "% Invalid input detected at '^' marker.\n"
    for other in root.children:
        if other is node or not other.line.startswith("interface "):
            continue
        for child in other.children:
            parts = child.line.split()
            if parts[:2] != ["ip", "address"] or len(parts) < 4:
                continue
            with contextlib.suppress(ValueError):
                if ipaddress.ip_interface(f"{parts[2]}/{parts[3]}").network.overlaps(new):
                    name = other.line.split(" ", 1)[1]
                    return f"% {new.network_address} overlaps with {name}\n"
    return ""


def _line_nodes(root: Node, body: tuple[str, ...]) -> list[Node]:
    """``line vty 0 15`` configures the lines IOS keeps as ``vty 0 4`` and ``vty 5 15``."""
    if len(body) == 4 and body[1] == "vty" and body[2].isdigit() and body[3].isdigit():
        low, high = int(body[2]), int(body[3])
        blocks = [(0, 4), (5, 15)]
        if (low, high) in blocks or not any(low <= a and b <= high for a, b in blocks):
            return [_child(root, " ".join(body), create=True)]
        return [_child(root, f"line vty {a} {b}", create=True) for a, b in blocks if low <= a]
    return [_child(root, " ".join(body), create=True)]


def _vlan_node(root: Node, number: int) -> Node:
    return _child(root, f"vlan {number}", create=True)


def _merge(target: Node, node: Node) -> None:
    existing = target.find(node.line)
    if existing is None:
        insert_child(target, node.copy(), ranked=target.line == "")
        return
    for child in node.children:
        set_line(existing, child.line)


def _interface_range(text: str) -> list[str]:
    names: list[str] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*([A-Za-z-]+\s*(?:\d+/)*)(\d+)\s*(?:-\s*(\d+))?\s*", part)
        if not match:
            return []
        start = int(match.group(2))
        end = int(match.group(3) or start)
        for number in range(start, end + 1):
            name = normalize_interface(f"{match.group(1)}{number}")
            if name is None:
                return []
            names.append(name)
    return names


def _trunk_allowed(node: Node, words: tuple[str, ...]) -> str:
    key = "switchport trunk allowed vlan"
    current_line = next((c for c in node.children if c.line.startswith(key + " ")), None)
    current: set[int]
    if current_line is None:
        current = set(range(1, 4095))
    else:
        value = current_line.line[len(key) + 1 :]
        current = set() if value == "none" else set(parse_ranges(value))
    try:
        if words[0] == "all":
            new = set(range(1, 4095))
        elif words[0] == "none":
            new = set()
        elif words[0] == "add":
            new = current | set(parse_ranges(words[1]))
        elif words[0] == "remove":
            new = current - set(parse_ranges(words[1]))
        elif words[0] == "except":
            new = set(range(1, 4095)) - set(parse_ranges(words[1]))
        else:
            new = set(parse_ranges(words[0]))
    except (ValueError, IndexError):
        return "% Invalid input detected at '^' marker.\n"
    if any(not 1 <= v <= 4094 for v in new):
        return "% Invalid input detected at '^' marker.\n"
    if current_line is not None:
        node.children.remove(current_line)
    if new == set(range(1, 4095)):
        return ""
    value = compress_ranges(new) if new else "none"
    insert_child(node, Node(f"{key} {value}"), ranked=False)
    return ""
