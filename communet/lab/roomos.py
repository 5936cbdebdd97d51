"""Cisco TelePresence TC / CE / RoomOS codecs: the xAPI terminal over SSH.

Replies follow the xAPI terminal output mode: ``*c`` configuration lines, ``*s`` status
lines, ``*r`` command results, each reply closed by ``** end`` and then ``OK`` or ``ERROR``;
an ``xCommand`` prints ``OK`` first and its result after. Settings live immediately (there is
no save); TC and CE8 firmware address SIP/H.323 settings under ``Profile 1``, CE9 and RoomOS
without it. Registration status follows whether the configured proxy/gatekeeper is one of the
registrars the lab knows about.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass

from communet.lab.core import Clock, Device, DeviceSpec, Reply, Shell


@dataclass(frozen=True)
class Setting:
    path: str  # with {P} where TC/CE8 insert "Profile 1 "
    kind: str  # "str", "int", or "enum"
    default: str
    low: int = 0
    high: int = 0
    values: tuple[str, ...] = ()
    families: tuple[str, ...] = ("tc", "ce8", "ce9", "roomos")


def _enum(path: str, default: str, *values: str) -> Setting:
    return Setting(path, "enum", default, values=values)


def _int(path: str, default: int, low: int, high: int) -> Setting:
    return Setting(path, "int", str(default), low, high)


def _str(path: str, default: str = "") -> Setting:
    return Setting(path, "str", default)


SCHEMA = (
    _enum("Conference DefaultCall Protocol", "Sip", "Auto", "H320", "H323", "Sip", "Spark"),
    _int("Conference DefaultCall Rate", 6000, 64, 6000),
    _int("Conference MaxReceiveCallRate", 6000, 64, 6000),
    _int("Conference MaxTransmitCallRate", 6000, 64, 6000),
    _enum("H323 {P}CallSetup Mode", "Gatekeeper", "Direct", "Gatekeeper"),
    _enum("H323 {P}Gatekeeper Discovery", "Manual", "Auto", "Manual"),
    _str("H323 {P}Gatekeeper Address"),
    _str("H323 {P}H323Alias E164"),
    _str("H323 {P}H323Alias ID"),
    _enum("Logging External Mode", "Off", "Off", "On"),
    _str("Logging External Server Address"),
    _int("Logging External Server Port", 514, 0, 65535),
    _enum("Logging External Protocol", "Syslog", "Syslog", "SyslogTLS"),
    _enum("Network 1 IPStack", "Dual", "Dual", "IPv4", "IPv6"),
    _enum("Network 1 IPv4 Assignment", "DHCP", "Static", "DHCP"),
    _str("Network 1 IPv4 Address"),
    _str("Network 1 IPv4 Gateway"),
    _str("Network 1 IPv4 SubnetMask"),
    _enum("Network 1 QoS Mode", "Diffserv", "Off", "Diffserv"),
    _int("Network 1 QoS Diffserv Audio", 0, 0, 63),
    _int("Network 1 QoS Diffserv Video", 0, 0, 63),
    _int("Network 1 QoS Diffserv Data", 0, 0, 63),
    _int("Network 1 QoS Diffserv Signalling", 0, 0, 63),
    _int("Network 1 QoS Diffserv ICMPv6", 0, 0, 63),
    _int("Network 1 QoS Diffserv NTP", 0, 0, 63),
    _enum("Network 1 VLAN Voice Mode", "Auto", "Auto", "Manual", "Off"),
    _int("Network 1 VLAN Voice VlanId", 1, 1, 4094),
    _enum("NetworkServices H323 Mode", "Off", "Off", "On"),
    _enum("NetworkServices SIP Mode", "On", "Off", "On"),
    _enum("NetworkServices NTP Mode", "Auto", "Auto", "Manual", "Off"),
    _str("NetworkServices NTP Server 1 Address"),
    _str("NetworkServices NTP Server 2 Address"),
    _str("NetworkServices NTP Server 3 Address"),
    _enum("NetworkServices HTTP Mode", "HTTP+HTTPS", "Off", "HTTP+HTTPS", "HTTPS"),
    Setting(
        "NetworkServices Telnet Mode",
        "enum",
        "Off",
        values=("Off", "On"),
        families=("tc", "ce8", "ce9"),  # gone from RoomOS
    ),
    _enum("NetworkServices UPnP Mode", "On", "Off", "On"),
    _enum("NetworkServices WelcomeText", "On", "Off", "On"),
    _enum("NetworkServices SNMP Mode", "Off", "Off", "ReadOnly", "ReadWrite"),
    _str("NetworkServices SNMP SystemContact"),
    _str("NetworkServices SNMP SystemLocation"),
    _enum("NetworkServices SSH Mode", "On", "Off", "On"),
    _str("SIP {P}DisplayName"),
    _enum("SIP {P}DefaultTransport", "Auto", "Auto", "TCP", "Tls", "UDP"),
    _str("SIP {P}Proxy 1 Address"),
    _str("SIP {P}URI"),
    _str("SystemUnit Name"),
    _str("Time Zone", "Etc/UTC"),
)

FAMILY_VERSIONS = {
    "tc": "TC7.3.21.0ed2b34",
    "ce8": "ce8.3.7.1e5a2b3",
    "ce9": "ce9.15.3.22.2c7b5b4e4e2",
    "roomos": "RoomOS 11.9.2.4 95fb7fb7e86",
}


def profile_paths(family: str) -> dict[str, Setting]:
    """Canonical path (as this firmware names it) → setting."""
    profile = "Profile 1 " if family in ("tc", "ce8") else ""
    return {s.path.replace("{P}", profile): s for s in SCHEMA if family in s.families}


class RoomosDevice(Device):
    def __init__(
        self,
        spec: DeviceSpec,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(spec, clock)
        self.family = (spec.firmware or "roomos").lower()
        if self.family not in FAMILY_VERSIONS:
            self.family = "roomos"
        self.schema = profile_paths(self.family)
        self.lookup = {path.lower(): path for path in self.schema}
        self.registrars = frozenset(spec.registrars)
        self.config: dict[str, str] = {}
        self._factory()

    def _factory(self) -> None:
        self.config = {path: s.default for path, s in self.schema.items()}
        spec = self.spec
        self.config["SystemUnit Name"] = spec.hostname
        if spec.management is not None:
            self.config["Network 1 IPv4 Assignment"] = "Static"
            self.config["Network 1 IPv4 Address"] = str(spec.management)
            if spec.management_subnet is not None:
                subnet = spec.management_subnet
                self.config["Network 1 IPv4 SubnetMask"] = str(subnet.netmask)
                self.config["Network 1 IPv4 Gateway"] = str(subnet.network_address + 1)

    def _reload(self) -> None:
        """Codec settings are persistent: a reboot keeps them."""

    def load_config(self, text: str) -> None:
        for line in text.splitlines():
            match = re.match(r"\s*(?:\*c\s+)?xConfiguration\s+(.+?):\s*(.*)$", line)
            if match and match.group(1).lower() in self.lookup:
                self.config[self.lookup[match.group(1).lower()]] = match.group(2).strip('"')

    def open_shell(self, username: str, level: int | None = None) -> RoomosShell:
        return RoomosShell(self)

    def describe(self) -> str:
        return f"Cisco Codec\nSoftwareID: {self.version}\nMCU: {self.spec.model or 'Room Kit'}"

    @property
    def version(self) -> str:
        return FAMILY_VERSIONS[self.family]

    @property
    def schema_prefix(self) -> str:
        return "Profile 1 " if self.family in ("tc", "ce8") else ""

    def sip_status(self) -> tuple[str, str]:
        proxy = self.config[f"SIP {self.schema_prefix}Proxy 1 Address"]
        uri = self.config[f"SIP {self.schema_prefix}URI"]
        if self.config["NetworkServices SIP Mode"] == "Off" or not uri:
            return "Inactive", ""
        domain = uri.rsplit("@", 1)[-1]
        if (proxy and proxy in self.registrars) or (not proxy and domain in self.registrars):
            return "Registered", ""
        return "Failed", "404 Not Found" if proxy else "No proxy configured"

    def h323_status(self) -> str:
        gatekeeper = self.config[f"H323 {self.schema_prefix}Gatekeeper Address"]
        if self.config["NetworkServices H323 Mode"] == "Off" or not gatekeeper:
            return "Inactive"
        return "Registered" if gatekeeper in self.registrars else "Rejected"

    def status(self) -> dict[str, str]:
        sip, reason = self.sip_status()
        product = self.spec.model or "Room Kit"
        serial = hashlib.sha1(self.spec.hostname.encode()).hexdigest()[:8].upper()  # noqa: S324
        return {
            "SystemUnit ProductId": f"Cisco Webex {product}",
            "SystemUnit Software Version": self.version,
            "SystemUnit Software DisplayName": self.version,
            "SystemUnit Uptime": str(int(self.uptime())),
            "SystemUnit Hardware Module SerialNumber": "FOC" + serial,
            "Network 1 IPv4 Address": self.config["Network 1 IPv4 Address"],
            "SIP Registration 1 Status": sip,
            "SIP Registration 1 Reason": reason,
            "SIP Registration 1 URI": self.config[f"SIP {self.schema_prefix}URI"],
            "H323 Gatekeeper Status": self.h323_status(),
            "H323 Gatekeeper Address": self.config[f"H323 {self.schema_prefix}Gatekeeper Address"],
        }


def _quote(setting: Setting | None, value: str) -> str:
    if setting is None or setting.kind == "str":
        return f'"{value}"'
    return value


def _status_quote(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9]+", value) else f'"{value}"'


class RoomosShell(Shell):
    page_length = 0

    def __init__(self, device: RoomosDevice) -> None:
        self.device = device

    def greeting(self) -> str:
        device = self.device
        release = "Cisco Codec Release " + device.version
        name = device.config["SystemUnit Name"]
        return (
            f"Welcome to {name}\n{release}\nSW Release Date: 2023-06-01\n"
            "*r Login successful\n\nOK\n"
        )

    def prompt(self) -> str:
        return ""

    def rejected(self, line: str) -> str:
        return "Command not recognized.\n"

    def execute(self, line: str) -> Reply:  # noqa: PLR0911
        text = line.strip()
        if not text:
            return Reply()
        word = text.split()[0].lower()
        if word in ("bye", "exit", "quit"):
            return Reply("bye.\n", close=True)
        if word in ("xpreferences", "echo"):
            return Reply("OK\n")
        if word == "xconfiguration":
            return self._configuration(text.split(None, 1)[1] if " " in text else "")
        if word == "xstatus":
            return self._status(text.split(None, 1)[1] if " " in text else "")
        if word == "xcommand":
            return self._command(text.split(None, 1)[1] if " " in text else "")
        return Reply("Command not recognized.\n")

    def _configuration(self, rest: str) -> Reply:
        device = self.device
        if ":" in rest:
            path, value = rest.split(":", 1)
            key = " ".join(path.split()).lower()
            canonical = device.lookup.get(key)
            xpath = "Configuration/" + "/".join(path.split())
            if canonical is None:
                return _error("Configuration", "No match on address expression.", xpath)
            setting = device.schema[canonical]
            stored = _validate(setting, value.strip().strip('"'))
            if stored is None:
                return _error("Configuration", "Illegal value", xpath)
            device.config[canonical] = stored
            return Reply("** end\n\nOK\n")
        prefix = " ".join(rest.split()).lower()
        rows = [
            f"*c xConfiguration {path}: {_quote(device.schema[path], value)}"
            for path, value in sorted(device.config.items())
            if not prefix or path.lower() == prefix or path.lower().startswith(prefix + " ")
        ]
        if not rows:
            xpath = "Configuration/" + "/".join(rest.split())
            return _error("Configuration", "No match on address expression.", xpath)
        return Reply("\n".join(rows) + "\n** end\n\nOK\n")

    def _status(self, rest: str) -> Reply:
        prefix = " ".join(rest.split()).lower()
        if prefix in ("call", "call 1"):
            return Reply("** end\n\nOK\n")
        rows = [
            f"*s {path}: {_status_quote(value)}"
            for path, value in self.device.status().items()
            if not prefix or path.lower() == prefix or path.lower().startswith(prefix + " ")
        ]
        if not rows:
            return _error(
                "Status", "No match on address expression.", "Status/" + "/".join(rest.split())
            )
        return Reply("\n".join(rows) + "\n** end\n\nOK\n")

    def _command(self, rest: str) -> Reply:
        words = rest.split()
        head = " ".join(words[:2]).lower()
        if head == "dial number:" or (words and words[0].lower() == "dial"):
            return Reply(
                "OK\n*r DialResult (status=OK):\n    CallId: 1\n    ConferenceId: 1\n** end\n"
            )
        if head == "call disconnect":
            return Reply("OK\n*r CallDisconnectResult (status=OK):\n** end\n")
        if head == "systemunit boot":
            self.device.reboot()
            return Reply("OK\n*r SystemUnitBootResult (status=OK):\n** end\n", close=True)
        if head == "systemunit factoryreset":
            self.device.factory_reset()
            return Reply("OK\n*r SystemUnitFactoryResetResult (status=OK):\n** end\n", close=True)
        return Reply("*r Result (status=Error):\n    Reason: Unknown command\n** end\n\nERROR\n")


def _validate(setting: Setting, value: str) -> str | None:
    if setting.kind == "int":
        if not value.isdigit() or not setting.low <= int(value) <= setting.high:
            return None
        return str(int(value))
    if setting.kind == "enum":
        match = [v for v in setting.values if v.lower() == value.lower()]
        return match[0] if match else None
    return value if len(value) <= 255 else None


def _error(kind: str, reason: str, xpath: str) -> Reply:
    return Reply(
        f"*r {kind} (status=Error):\n    Reason: {reason}\n    XPath: {xpath}\n** end\n\nERROR\n"
    )
