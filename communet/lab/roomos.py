"""Cisco TelePresence TC / CE / RoomOS codecs: the xAPI terminal over SSH.

Replies follow the xAPI terminal output mode: ``*c`` configuration lines, ``*s`` status
lines, ``*r`` command results, each reply closed by ``** end`` and then ``OK`` or ``ERROR``;
an ``xCommand`` prints ``OK`` first and its result after. Settings live immediately (there is
no save). Which settings a codec has, their value spaces and defaults come from Cisco's own
schema data for its product and firmware version (``communet/data/xapi``, read here by the
lab's own small reader: the lab never uses the renderer's code). A path the product/version
does not have, or a value outside its space, is refused the way the codec refuses it:
``*r Configuration (status=Error):`` with ``Reason`` and ``XPath`` lines. TC addresses SIP and
H.323 under ``Profile 1`` (and its SIP registration status too). Registration status follows
whether the configured proxy/gatekeeper is one of the registrars the lab knows about.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from communet.lab.core import Clock, Device, DeviceSpec, Reply, Shell

_DATA = resources.files("communet") / "data" / "xapi"
_INDEX = re.compile(r"\[(\d+)(?:\.\.(\d+))?\]")
# What each version reports as its software (the schema files name versions, not builds).
_RELEASES = {"tc": "TC{v}.0ed2b34", "ce8": "ce{v}.1e5a2b3", "ce9": "ce{v}", "roomos": "RoomOS {v}"}


@dataclass(frozen=True)
class Setting:
    path: str
    kind: str  # "Literal", "Integer" or "String"
    default: str
    values: tuple[str, ...] = ()
    low: int = 0
    high: int = 0

    def accept(self, raw: str) -> str | None:
        """The value as stored, or None when the codec refuses it."""
        if self.kind == "Integer":
            if not re.fullmatch(r"-?\d+", raw) or not self.low <= int(raw) <= self.high:
                return None
            return str(int(raw))
        if self.kind == "Literal":
            # The codec takes values in any case and stores its own spelling.
            match = [v for v in self.values if v.lower() == raw.lower()]
            return match[0] if match else None
        return raw if self.low <= len(raw) <= self.high else None

    def show(self, value: str) -> str:
        return f'"{value}"' if self.kind == "String" else value


@functools.cache
def _names() -> dict[str, Any]:
    names: dict[str, Any] = json.loads((_DATA / "products.json").read_text("utf-8"))
    return names


@functools.cache
def _document(version: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((_DATA / f"{version}.json").read_text("utf-8"))
    return document


def _versions() -> list[str]:
    found = [f.name[:-5] for f in _DATA.iterdir() if re.fullmatch(r"[a-z]+\d[\d.]*\.json", f.name)]
    return sorted(found, key=lambda v: [int(n) for n in re.findall(r"\d+", v)])


def version_of(firmware: str | None) -> str:
    """The schema version a firmware name selects (a family means its default version)."""
    name = (firmware or "roomos").lower().replace(" ", "")
    name = str(_names()["family_defaults"].get(name, name))
    versions = _versions()
    if name in versions:
        return name
    matching = [v for v in versions if v.startswith(name + ".")]
    if not matching:
        raise ValueError(f"the lab has no xAPI schema for firmware {firmware!r}")
    return matching[-1]


def product_of(model: str | None) -> str:
    """The schema's product identifier for a model name (Room Kit → hopen)."""
    wanted = re.sub(
        r"^(?:(?:cisco|webex|spark|telepresence)\s+)+", "", (model or "room kit").lower()
    )
    for code, name in _names()["products"].items():
        if wanted in (code.lower(), name.lower()):
            return str(code)
    raise ValueError(f"the lab knows no codec model {model!r}")


def _expand(path: str) -> list[str]:
    ranges = [range(int(m[1]), int(m[2] or m[1]) + 1) for m in _INDEX.finditer(path)]
    template = _INDEX.sub(" {} ", path)
    return [" ".join(template.format(*combo).split()) for combo in itertools.product(*ranges)]


@functools.cache
def settings_of(version: str, product: str) -> dict[str, Setting]:
    """Every setting ``product`` has on ``version``, by the path the codec prints."""
    document = _document(version)
    if product not in document["products"]:
        raise ValueError(f"{product} does not run {version} (not in its xAPI schema)")
    number = document["products"].index(product)
    sets = [set(s) for s in document["product_sets"]]
    found: dict[str, Setting] = {}
    for path, kind, default, space, which, *_ in document["configuration"]:
        if number not in sets[which]:
            continue
        for concrete in _expand(path):
            if kind == "Literal":
                found[concrete] = Setting(concrete, kind, default, tuple(space))
            else:
                found[concrete] = Setting(concrete, kind, default, (), space[0], space[1])
    return found


def xpath(kind: str, path: str) -> str:
    """``Network 1 QoS Mode`` → ``Configuration/Network[1]/QoS/Mode`` (indexes in brackets)."""
    parts: list[str] = [kind]
    for word in path.split():
        if word.isdigit() and len(parts) > 1:
            parts[-1] += f"[{word}]"
        else:
            parts.append(word)
    return "/".join(parts)


class RoomosDevice(Device):
    def __init__(
        self,
        spec: DeviceSpec,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(spec, clock)
        self.schema_version = version_of(spec.firmware)
        self.family: str = _document(self.schema_version)["family"]
        self.product = product_of(spec.model)
        self.schema = settings_of(self.schema_version, self.product)
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
        """Take an ``xConfiguration`` listing (a backup or a real dump) as the current state.

        Lines for paths this product/version lacks are skipped, as the codec skips them when
        a backup from another model is restored.
        """
        for line in text.splitlines():
            match = re.match(r"\s*(?:\*c\s+)?xConfiguration\s+(.+?):\s?(.*)$", line)
            if match is None:
                continue
            canonical = self.lookup.get(" ".join(match.group(1).split()).lower())
            if canonical is None:
                continue
            stored = self.schema[canonical].accept(_unquote(match.group(2).strip()))
            if stored is not None:
                self.config[canonical] = stored

    def open_shell(self, username: str, level: int | None = None) -> RoomosShell:
        return RoomosShell(self)

    def describe(self) -> str:
        return f"Cisco Codec\nSoftwareID: {self.version}\nMCU: {self.product_name}"

    @property
    def product_name(self) -> str:
        return str(_names()["products"].get(self.product, self.product))

    @property
    def version(self) -> str:
        number = re.sub(r"^[a-z]+", "", self.schema_version)
        return _RELEASES[self.family].format(v=number)

    @property
    def profile(self) -> str:
        return "Profile 1 " if self.family == "tc" else ""

    def _setting(self, path: str) -> str:
        return self.config.get(path, "")

    def sip_status(self) -> tuple[str, str]:
        proxy = self._setting(f"SIP {self.profile}Proxy 1 Address")
        uri = self._setting(f"SIP {self.profile}URI")
        if self._setting("NetworkServices SIP Mode") == "Off" or not uri:
            return "Inactive", ""
        domain = uri.rsplit("@", 1)[-1]
        if (proxy and proxy in self.registrars) or (not proxy and domain in self.registrars):
            return "Registered", ""
        return "Failed", "404 Not Found" if proxy else "No proxy configured"

    def h323_status(self) -> str:
        gatekeeper = self._setting(f"H323 {self.profile}Gatekeeper Address")
        if self._setting("NetworkServices H323 Mode") == "Off" or not gatekeeper:
            return "Inactive"
        return "Registered" if gatekeeper in self.registrars else "Rejected"

    def listening_ports(self) -> frozenset[int]:
        """TCP ports the codec accepts connections on, as its configuration says: SIP 5060
        and SIP over TLS 5061 while SIP is on and its listen port not off, H.323 1720 while
        H.323 is on, HTTPS 443 unless the web server is off (RoomOS: ``NetworkServices
        HTTP Mode`` HTTP+HTTPS or HTTPS)."""
        ports: set[int] = set()
        if (
            self._setting("NetworkServices SIP Mode") != "Off"
            and self._setting(f"SIP {self.profile}ListenPort") != "Off"
        ):
            ports |= {5060, 5061}
        if self._setting("NetworkServices H323 Mode") == "On":
            ports.add(1720)
        if self._setting("NetworkServices HTTP Mode") in ("HTTPS", "HTTP+HTTPS"):
            ports.add(443)
        return frozenset(ports)

    def status(self) -> dict[str, str]:
        sip, reason = self.sip_status()
        serial = hashlib.sha1(self.spec.hostname.encode()).hexdigest()[:8].upper()  # noqa: S324
        # TC reports SIP registration under its profile; CE8 and later without it.
        registration = f"SIP {self.profile}Registration 1"
        return {
            "SystemUnit ProductId": f"Cisco Webex {self.product_name}",
            "SystemUnit ProductPlatform": self.product_name,
            "SystemUnit Software Version": self.version,
            "SystemUnit Software DisplayName": self.version,
            "SystemUnit Uptime": str(int(self.uptime())),
            "SystemUnit Hardware Module SerialNumber": "FOC" + serial,
            "Network 1 IPv4 Address": self._setting("Network 1 IPv4 Address"),
            f"{registration} Status": sip,
            f"{registration} Reason": reason,
            f"{registration} URI": self._setting(f"SIP {self.profile}URI"),
            "H323 Gatekeeper Status": self.h323_status(),
            "H323 Gatekeeper Address": self._setting(f"H323 {self.profile}Gatekeeper Address"),
        }


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _status_quote(value: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9]+", value) else f'"{value}"'


class RoomosShell(Shell):
    page_length = 0

    def __init__(self, device: RoomosDevice) -> None:
        self.device = device

    def greeting(self) -> str:
        device = self.device
        if device.config.get("NetworkServices WelcomeText", "On") == "Off":
            return "*r Login successful\n\nOK\n"
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
            key = " ".join(path.split())
            canonical = device.lookup.get(key.lower())
            if canonical is None:
                return _error("Configuration", "No match on address expression.", key)
            setting = device.schema[canonical]
            stored = setting.accept(_unquote(value.strip()))
            if stored is None:
                return _error("Configuration", "Illegal value", canonical)
            device.config[canonical] = stored
            return Reply("** end\n\nOK\n")
        prefix = " ".join(rest.split()).lower()
        rows = [
            f"*c xConfiguration {path}: {device.schema[path].show(value)}"
            for path, value in sorted(device.config.items())
            if not prefix or path.lower() == prefix or path.lower().startswith(prefix + " ")
        ]
        if not rows:
            return _error("Configuration", "No match on address expression.", rest)
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
            return _error("Status", "No match on address expression.", rest)
        return Reply("\n".join(rows) + "\n** end\n\nOK\n")

    def _command(self, rest: str) -> Reply:
        words = rest.split()
        head = " ".join(words[:2]).lower()
        if head == "dial number:" or (words and words[0].lower() == "dial"):
            return Reply(_result("DialResult", ("CallId: 1", "ConferenceId: 1")))
        if head == "call disconnect":
            return Reply(_result("CallDisconnectResult"))
        if head == "systemunit boot":
            self.device.reboot()
            return Reply(_result("SystemUnitBootResult"), close=True)
        if head == "systemunit factoryreset":
            self.device.factory_reset()
            return Reply(_result("SystemUnitFactoryResetResult"), close=True)
        return Reply(
            "*r Result (status=Error): \n"
            '*r Result Reason: "Unknown command"\n'
            f'*r Result XPath: "/{"/".join(words)}"\n'
            "** end\n\nERROR\n"
        )


def _result(name: str, leaves: tuple[str, ...] = ()) -> str:
    """A command's result as RoomOS prints it: ``OK``, the header with its status (and a
    trailing space), then every leaf on its own ``*r <name>`` line (a RoomOS 11 terminal
    capture in Cisco's WebexOne lab guide, WebexCC-SA/LAB-1451)."""
    rows = "".join(f"*r {name} {leaf}\n" for leaf in leaves)
    return f"OK\n*r {name} (status=OK): \n{rows}** end\n"


def _error(kind: str, reason: str, path: str) -> Reply:
    """The xAPI terminal's refusal: every leaf of the result on its own ``*r`` line."""
    return Reply(
        f"*r {kind} (status=Error): \n"
        f'*r {kind} Reason: "{reason}"\n'
        f'*r {kind} XPath: "{xpath(kind, path)}"\n'
        "** end\n\nERROR\n"
    )
