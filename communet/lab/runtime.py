"""Run a lab: devices from an inventory, one asyncssh server, a background event loop.

``Lab`` is the Python API (tests, benches, the ``communet lab`` CLI). It runs the server on
its own thread and event loop; every change to device state is marshalled onto that loop, so
engines are only ever touched from one thread.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from communet.lab.console import ConsolePort, factory_console
from communet.lab.console_login import configured_console
from communet.lab.core import Device, DeviceSpec
from communet.lab.icmp import IcmpResponder
from communet.lab.ios import IosDevice
from communet.lab.roomos import RoomosDevice
from communet.lab.server import Credentials, LabServer, check_loopback, write_known_hosts
from communet.lab.services import PortSet, ServiceHost, ServiceSpec
from communet.lab.snmp import UsmUser, start_agents
from communet.lab.vrp import VrpDevice

T = TypeVar("T")

# What netmiko calls each platform the lab simulates.
DEVICE_TYPES = {
    "cisco_ios": "cisco_ios",
    "huawei_vrp": "huawei",
    "huawei_vrpv8": "huawei_vrpv8",
    "cisco_roomos": "cisco_tp",
}
SIMULATED = frozenset(DEVICE_TYPES)
DEFAULT_NETWORK = "127.100.0.0/16"


def make_device(spec: DeviceSpec, credentials: Credentials) -> Device:
    if spec.platform == "cisco_ios":
        return IosDevice(
            spec,
            enable_secret=credentials.enable,
            username=credentials.username,
            password=credentials.password,
        )
    if spec.platform in ("huawei_vrp", "huawei_vrpv8"):
        return VrpDevice(spec, username=credentials.username, password=credentials.password)
    if spec.platform == "cisco_roomos":
        return RoomosDevice(spec)
    raise ValueError(
        f"the lab does not simulate platform {spec.platform!r}; "
        f"simulated platforms: {', '.join(sorted(SIMULATED))}"
    )


def lab_addresses(network: str) -> Iterator[str]:
    """Host addresses of ``network`` (inside 127.0.0.0/8), skipping .0 and .255 octets."""
    net = ipaddress.ip_network(network)
    if not net.subnet_of(ipaddress.ip_network("127.0.0.0/8")):  # type: ignore[arg-type]
        raise ValueError(f"lab network {network} is outside 127.0.0.0/8")
    for address in net.hosts():
        last = int(address) & 0xFF
        if last not in (0, 255):
            yield str(address)


def specs_from_inventory(root: Path, scale: int = 1) -> list[DeviceSpec]:
    """Every simulated device of an inventory; ``scale`` > 1 adds copies ``<host>-x<k>``."""
    from communet.inventory.loader import load_inventory  # noqa: PLC0415 - optional edge

    inventory = load_inventory(root)
    registrars: dict[str, tuple[str, ...]] = {}
    stations: dict[str, ipaddress.IPv4Address] = {}
    for plan in inventory.plans:
        # The lab's SSH clients stand for the province's NOC: vty ACLs see this address.
        noc = plan.province.services.noc_networks[0]
        stations[plan.province.slug] = next(iter(noc.hosts()), noc.network_address)
        names: list[str] = []
        for registrar in plan.province.services.registrars:
            names += [str(registrar.address), registrar.sip_domain]
            if registrar.h323_gatekeeper is not None:
                names.append(str(registrar.h323_gatekeeper))
        registrars[plan.province.slug] = tuple(names)
    specs: list[DeviceSpec] = []
    for copy in range(1, scale + 1):
        for device in inventory.devices:
            if device.platform not in SIMULATED:
                continue
            # The VLAN the device is managed in (MGMT for switches, HNTH for codecs): a device
            # that can be managed already has its address, mask and gateway there.
            mgmt = next(
                (v for v in device.site.vlans if v.subnet and device.management in v.subnet),
                None,
            )
            subnet = mgmt.subnet if mgmt else None
            specs.append(
                DeviceSpec(
                    hostname=device.hostname if copy == 1 else f"{device.hostname}-x{copy}",
                    platform=device.platform,
                    model=device.model,
                    firmware=device.firmware,
                    serial=device.serial,
                    management=device.management,
                    management_subnet=subnet,
                    management_vlan=mgmt.id if mgmt and subnet else None,
                    registrar=device.registrar,
                    registrars=registrars.get(device.province, ()),
                    noc_station=stations.get(device.province),
                    role=str(device.role),
                    site=device.site.slug,
                    reach_address=device.reach.address if device.reach else None,
                )
            )
    return specs


def credentials_from_environment(root: Path) -> Credentials:
    """The lab's logins: the inventory's ``env:NAME`` credential references where ``NAME`` is
    set (so ``communet apply --lab`` resolves the same secrets), else the lab defaults."""
    from communet.inventory.loader import load_inventory  # noqa: PLC0415

    default = Credentials()
    devices = [d for d in load_inventory(root).devices if d.platform in SIMULATED]
    if not devices:
        return default

    def pick(reference: str | None, fallback: str) -> str:
        if reference and reference.startswith("env:"):
            return os.environ.get(reference[4:], fallback)
        return fallback

    refs = devices[0].credentials
    return Credentials(
        username=pick(refs.username, default.username),
        password=pick(refs.password, default.password),
        enable=pick(refs.enable, default.enable),
    )


def _next_address(addresses: Iterator[str], network: str) -> str:
    try:
        address = next(addresses)
    except StopIteration:
        raise ValueError(f"lab network {network} is too small") from None
    check_loopback(address)
    return address


@dataclass(frozen=True)
class Endpoint:
    hostname: str
    platform: str
    address: str
    port: int
    device_type: str


class Lab:
    """A simulated province in this process: ``with Lab(specs) as lab: ...``."""

    def __init__(
        self,
        specs: Iterable[DeviceSpec],
        *,
        network: str = DEFAULT_NETWORK,
        port: int = 0,
        credentials: Credentials | None = None,
        state_dir: Path | None = None,
        icmp: bool = False,
        snmp: bool = True,
        services: Iterable[ServiceSpec] = (),
    ) -> None:
        self.credentials = credentials or Credentials()
        self.icmp = icmp
        self.snmp = snmp
        self._snmp: list[asyncio.DatagramTransport] = []
        self.responder: IcmpResponder | None = None
        self.state_dir = state_dir
        self.devices: dict[str, Device] = {}
        self.addresses: dict[str, str] = {}
        # Brownfield devices (a spec with ``reach_address``): the lab address that stands for
        # the address they answer on today; their ``addresses`` entry stands for the
        # inventory's management address. Each answers only while the config carries it.
        self.reach_addresses: dict[str, str] = {}
        stands_for: dict[str, ipaddress.IPv4Address] = {}
        addresses = lab_addresses(network)
        for spec in specs:
            if spec.hostname in self.devices:
                raise ValueError(f"duplicate hostname {spec.hostname!r} in the lab")
            address = _next_address(addresses, network)
            self.devices[spec.hostname] = make_device(spec, self.credentials)
            self.addresses[spec.hostname] = address
            if spec.reach_address is not None and spec.management is not None:
                today = _next_address(addresses, network)
                self.reach_addresses[spec.hostname] = today
                stands_for[address] = spec.management
                stands_for[today] = spec.reach_address
        # The province's registrar/MCU and NTP servers, and the codecs' service ports: real
        # port numbers on each address, so only in network mode (its own namespace).
        self.services: dict[str, ServiceHost] = {}
        self.codec_ports: dict[str, PortSet] = {}
        if icmp:
            for service in services:
                address = _next_address(addresses, network)
                self.services[service.address] = ServiceHost(service, address)
            self.codec_ports = {
                self.addresses[h]: PortSet(self.addresses[h])
                for h, d in self.devices.items()
                if isinstance(d, RoomosDevice)
            }
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        by_address = {self.addresses[h]: d for h, d in self.devices.items()}
        by_address.update({a: self.devices[h] for h, a in self.reach_addresses.items()})
        self.server = LabServer(
            by_address, port, self.host_key, self.credentials, stands_for=stands_for
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self.started_in = 0.0
        self.consoles: dict[str, ConsolePort] = {}

    # -- lifecycle
    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.server.port

    def start(self, timeout: float = 120.0) -> None:
        ready: Future[None] = Future()
        began = time.perf_counter()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="communet-lab", daemon=True
        )
        self._thread.start()
        ready.result(timeout)
        self.started_in = time.perf_counter() - began
        if self.state_dir is not None:
            self.write_state(self.state_dir)

    def _run(self, ready: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main(ready))
        finally:
            loop.close()

    async def _main(self, ready: Future[None]) -> None:
        self._stop = asyncio.Event()
        try:
            await self.server.start()
            if self.snmp:
                creds = self.credentials
                user = UsmUser(creds.snmp_user, creds.snmp_auth, creds.snmp_priv)
                self._snmp = await start_agents(
                    self.server.by_address, self.port, creds.snmp_community, user
                )
            if self.icmp:
                self.responder = IcmpResponder(
                    self.server.by_address,
                    extra=[h.lab_address for h in self.services.values()],
                )
                self.responder.start()
                for host in self.services.values():
                    await host.start()
                await self._sync_codec_ports()
        except BaseException as error:
            ready.set_exception(error)
            return
        control: asyncio.Server | None = None
        if self.state_dir is not None:
            path = self.state_dir / "control.sock"
            self.state_dir.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            control = await asyncio.start_unix_server(self._control, path=str(path))
        ready.set_result(None)
        ticker = asyncio.get_running_loop().create_task(self._tick())
        await self._stop.wait()
        ticker.cancel()
        for console in self.consoles.values():
            console.close()
        if self.responder is not None:
            self.responder.stop()
        for host in self.services.values():
            await host.stop()
        for ports in self.codec_ports.values():
            await ports.sync(frozenset())
        for transport in self._snmp:
            transport.close()
        if control is not None:
            control.close()
        await self.server.stop()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            for device in self.devices.values():
                device.tick()
            await self._sync_codec_ports()

    async def _sync_codec_ports(self) -> None:
        """Each codec listens on the ports its configuration opens (none while it is down)."""
        for address, ports in self.codec_ports.items():
            device = self.server.by_address[address]
            assert isinstance(device, RoomosDevice)
            await ports.sync(device.listening_ports() if device.answering() else frozenset())

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One JSON request per line: ``{"op": "fault"|"clear"|"reboot"|..., "host": ...}``."""
        try:
            line = await reader.readline()
            request = json.loads(line or b"{}")
            answer = await self._handle(request)
        except (ValueError, KeyError, TypeError) as error:
            answer = {"ok": False, "error": str(error)}
        writer.write(json.dumps(answer).encode() + b"\n")
        await writer.drain()
        writer.close()

    async def _handle(self, request: dict[str, Any]) -> dict[str, Any]:  # noqa: PLR0911, PLR0912
        op = request.get("op")
        if op == "status":
            return {
                "ok": True,
                "devices": len(self.devices),
                "port": self.port,
                "connections": self.server.connections,
                "sessions": sum(d.sessions for d in self.devices.values()),
            }
        if op == "stop":
            assert self._stop is not None
            self._stop.set()
            return {"ok": True}
        if request.get("site"):
            answers = [
                await self._handle({**request, "site": None, "host": host})
                for host in self.site_hosts(str(request["site"]))
            ]
            return {"ok": all(a["ok"] for a in answers), "hosts": len(answers)}
        device = self.device(str(request.get("host")))
        if op == "fault":
            changes = dict(request.get("changes", {}))
            for name, value in changes.items():
                if not hasattr(device.faults, name):
                    raise ValueError(f"unknown fault {name!r}")
                setattr(device.faults, name, tuple(value) if name == "reject" else value)
            if "down" in changes:
                await self.server.set_down(self.addresses[device.hostname], bool(changes["down"]))
            self._publish(device)
            return {"ok": True}
        if op == "clear":
            await self.server.set_down(self.addresses[device.hostname], False)
            device.faults.clear()
            self._publish(device)
            return {"ok": True}
        if op == "console":
            factory = not request.get("configured", False)
            return {"ok": True, "path": self.open_console_here(device.hostname, factory=factory)}
        if op == "reboot":
            device.reboot()
        elif op == "factory-reset":
            device.factory_reset()
        elif op == "load-config":
            device.load_config(str(request.get("text", "")))
            device.known_secrets = dict(request.get("secrets") or {})
        else:
            raise ValueError(f"unknown operation {op!r}")
        self.server.drop_stale(device)
        self._publish(device)
        return {"ok": True}

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None

    def serve_forever(self) -> None:
        """Block until ``stop()`` is called from another thread or a signal handler."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    # -- thread-safe access to device state
    def call(self, function: Callable[[], T], timeout: float = 30.0) -> T:
        """Run ``function`` on the lab's loop (where the engines live) and return its result."""
        loop = self.loop
        if loop is None or not loop.is_running():
            return function()

        async def run() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout)

    def device(self, hostname: str) -> Device:
        try:
            return self.devices[hostname]
        except KeyError:
            raise KeyError(f"no device {hostname!r} in the lab") from None

    def endpoint(self, hostname: str) -> Endpoint:
        device = self.device(hostname)
        platform = device.spec.platform
        return Endpoint(
            hostname, platform, self.addresses[hostname], self.port, DEVICE_TYPES[platform]
        )

    def netmiko_params(self, hostname: str, known_hosts: Path | None = None) -> dict[str, Any]:
        """Arguments for ``netmiko.ConnectHandler`` that reach ``hostname`` in the lab.

        The host key is verified against ``known_hosts``, or against the device's own file
        when the lab has a state directory; without either, netmiko's defaults apply.
        """
        end = self.endpoint(hostname)
        if known_hosts is None and self.state_dir is not None:
            known_hosts = self.known_hosts(hostname)
        params: dict[str, Any] = {
            "device_type": end.device_type,
            "host": end.address,
            "port": end.port,
            "username": self.credentials.username,
            "password": self.credentials.password,
            "secret": self.credentials.enable,
            "allow_agent": False,
            "use_keys": False,
        }
        if known_hosts is not None:
            params.update(
                ssh_strict=True,
                system_host_keys=False,
                alt_host_keys=True,
                alt_key_file=str(known_hosts),
            )
        if end.device_type == "cisco_tp":
            params["disable_lf_normalization"] = True
        return params

    # -- faults
    def set_fault(self, hostname: str, **changes: Any) -> None:
        """``set_fault(host, delay=0.5, reject=("write",), drop_after_lines=3, ...)``."""
        device = self.device(hostname)

        def apply() -> None:
            for name, value in changes.items():
                if not hasattr(device.faults, name):
                    raise ValueError(f"unknown fault {name!r}")
                setattr(device.faults, name, value)
            self._publish(device)

        self.call(apply)
        if "down" in changes:
            self._run_async(self.server.set_down(self.addresses[hostname], bool(changes["down"])))

    def set_address_fault(
        self, address: str, *, down: bool | None = None, refuse_logins: bool | None = None
    ) -> None:
        """Faults on one lab address of a device (adoption: its old or its new path):
        ``down`` a silent listener (clients time out), ``refuse_logins`` every password
        refused there (an AAA server that does not know the user, say)."""
        if down is not None:
            self._run_async(self.server.set_down(address, down))
        if refuse_logins is not None:
            refused = self.server.refused_logins
            refused.add(address) if refuse_logins else refused.discard(address)

    def open_console(self, hostname: str, *, factory: bool = True) -> str:
        """A serial console of ``hostname`` on a pty; return its path. ``factory``: the
        device is put in factory state first (day 0); else the console asks the login its
        running config sets for the console line (brownfield)."""
        device = self.device(hostname)

        return self.call(lambda: self.open_console_here(device.hostname, factory=factory))

    def open_console_here(self, hostname: str, *, factory: bool = True) -> str:
        """``open_console`` for code already running on the lab's loop."""
        device = self.device(hostname)
        old = self.consoles.pop(hostname, None)
        if old is not None:
            old.close()
        if not factory:
            shell = partial(configured_console, device)
            port = ConsolePort(device, shell(), loop=self.loop, relogin=shell)
            self.consoles[hostname] = port
            return port.path
        port = ConsolePort(device, factory_console(device), loop=self.loop)
        self.server.drop_stale(device)
        self.consoles[hostname] = port
        return port.path

    def site_hosts(self, site: str) -> list[str]:
        """Hostnames of every device at a commune or hub (its inventory slug)."""
        hosts = [h for h, d in self.devices.items() if d.spec.site == site]
        if not hosts:
            sites = sorted({d.spec.site for d in self.devices.values() if d.spec.site})
            raise KeyError(f"no site {site!r} in the lab; sites: {', '.join(sites[:20])}")
        return hosts

    def set_site_fault(self, site: str, **changes: Any) -> list[str]:
        """Inject the same faults into every device of a commune (or hub)."""
        hosts = self.site_hosts(site)
        for hostname in hosts:
            self.set_fault(hostname, **changes)
        return hosts

    def set_service_fault(self, address: str, *, down: bool) -> None:
        """Stop (or restart) a province service the lab stands in for, by its inventory
        address: its TCP ports refuse connections, NTP requests go unanswered, and it stops
        answering ping."""
        try:
            host = self.services[address]
        except KeyError:
            known = ", ".join(sorted(self.services)) or "none (network mode only)"
            raise KeyError(f"no service at {address} in the lab; services: {known}") from None

        async def apply() -> None:
            await host.set_down(down)
            if self.responder is not None:
                self.responder.set_answering(host.lab_address, not down)

        self._run_async(apply())

    def clear_faults(self, hostname: str) -> None:
        self.set_fault(hostname, down=False)
        device = self.device(hostname)

        def clear() -> None:
            device.faults.clear()
            self._publish(device)

        self.call(clear)

    def _publish(self, device: Device) -> None:
        """Tell the ICMP responder process about ``device``'s link (faults, management)."""
        if self.responder is not None:
            self.responder.publish(device)

    def reboot(self, hostname: str) -> None:
        """Unsaved changes are lost, uptime restarts, open sessions drop."""
        device = self.device(hostname)

        def run() -> None:
            device.reboot()
            self.server.drop_stale(device)
            self._publish(device)

        self.call(run)

    def factory_reset(self, hostname: str) -> None:
        device = self.device(hostname)

        def run() -> None:
            device.factory_reset()
            self.server.drop_stale(device)
            self._publish(device)

        self.call(run)

    def load_config(
        self, hostname: str, text: str, secrets: Mapping[str, str] | None = None
    ) -> None:
        """Brownfield: the device becomes ``text`` (ports, users, management address
        included). ``secrets`` maps stored values the lab cannot invert (Huawei ciphers) to
        the plaintexts they stand for, so a test can log in with the config's own users."""
        device = self.device(hostname)

        def load() -> None:
            device.load_config(text)
            device.known_secrets = dict(secrets or {})
            self._publish(device)

        self.call(load)

    def set_links(self, hostname: str, ports: Iterable[str]) -> None:
        """Which physical ports of ``hostname`` have a cable (a link when not shut)."""
        device = self.device(hostname)
        cabled = frozenset(ports)

        def cable() -> None:
            device.cabled = cabled  # type: ignore[attr-defined]

        self.call(cable)

    def set_client_address(self, address: str | None) -> None:
        """The address vty ACLs see the lab's clients connect from (a NOC station); None:
        the real 127.x peer."""
        self.server.client_address = ipaddress.IPv4Address(address) if address else None

    def _run_async(self, coroutine: Any) -> None:
        loop = self.loop
        if loop is None:
            raise RuntimeError("the lab is not running")
        asyncio.run_coroutine_threadsafe(coroutine, loop).result(30)

    # -- files a client needs
    def write_state(self, directory: Path) -> None:
        """``lab.json`` (overlay: hostname → lab address), ``known_hosts`` (every address, for
        OpenSSH) and ``known_hosts.d/<address>`` (one per device: paramiko checks every name
        of a known_hosts file against every other, O(n²) per connection) in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        addresses = [*self.addresses.values(), *self.reach_addresses.values()]
        write_known_hosts(directory / "known_hosts", self.host_key, addresses, self.port)
        per_device = directory / "known_hosts.d"
        per_device.mkdir(exist_ok=True)
        # A device still to adopt has a known key on the address it answers on today only:
        # adoption carries that verified key over to its new address (as an operator's
        # known_hosts would hold it), never the lab.
        not_yet = {self.addresses[h] for h in self.reach_addresses}
        for address in addresses:
            if address not in not_yet:
                write_known_hosts(per_device / address, self.host_key, [address], self.port)
        overlay = {
            "port": self.port,
            "pid": os.getpid(),
            "icmp": self.icmp,
            "snmp": {
                "port": self.port if self.snmp else None,
                "community": self.credentials.snmp_community,
                "user": self.credentials.snmp_user,
                "auth": "SHA",
                "auth_key": self.credentials.snmp_auth,
                "priv": "AES",
                "priv_key": self.credentials.snmp_priv,
            },
            "username": self.credentials.username,
            "password": self.credentials.password,
            "enable": self.credentials.enable,
            "known_hosts": str((directory / "known_hosts").resolve()),
            "known_hosts_dir": str(per_device.resolve()),
            # inventory address of a province service -> where the lab answers for it
            "services": {
                address: {
                    "address": host.lab_address,
                    "name": host.spec.name,
                    "tcp": list(host.spec.tcp),
                    "ntp": host.spec.ntp,
                }
                for address, host in self.services.items()
            },
            "devices": {
                hostname: {
                    "address": self.addresses[hostname],
                    "platform": device.spec.platform,
                    "device_type": DEVICE_TYPES[device.spec.platform],
                    "known_hosts": str((per_device / self.addresses[hostname]).resolve()),
                    **self._reach_entry(hostname, per_device),
                }
                for hostname, device in self.devices.items()
            },
        }
        (directory / "lab.json").write_text(json.dumps(overlay, indent=1) + "\n", "utf-8")

    def _reach_entry(self, hostname: str, per_device: Path) -> dict[str, Any]:
        today = self.reach_addresses.get(hostname)
        if today is None:
            return {}
        return {"reach": {"address": today, "known_hosts": str((per_device / today).resolve())}}

    def known_hosts(self, hostname: str) -> Path:
        """The one-line known_hosts file for ``hostname`` (needs ``state_dir``)."""
        if self.state_dir is None:
            raise RuntimeError("the lab has no state_dir, so it wrote no known_hosts files")
        return self.state_dir / "known_hosts.d" / self.addresses[hostname]
