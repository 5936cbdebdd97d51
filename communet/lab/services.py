"""What a commune's meeting path needs besides its own devices, in the lab's network mode:
the codecs' service ports, the province's registrar/MCU and its NTP servers.

- Each codec accepts TCP connections on the ports its configuration opens (SIP 5060, SIP
  over TLS 5061, H.323 1720, HTTPS 443: :meth:`RoomosDevice.listening_ports`), kept in step
  with its configuration every second; a port the configuration closes refuses connections.
- The registrar/MCU listens on SIP 5060/5061 and HTTPS 443 at its address and on H.323 1720
  at its gatekeeper's; it answers ping.
- Each NTP server answers client requests (mode 3) with server replies (mode 4, RFC 5905) from
  this machine's clock, at stratum 2.

Only in network mode (``communet lab up --netns``): these are the real port numbers on each
lab address, which labs sharing the root namespace (told apart by their SSH port) could not
all bind. A stopped service (``Lab.set_service_fault(address, down=True)``) closes its ports
(connections refused), leaves NTP requests unanswered and stops answering ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

SIP, SIPS, H323, HTTPS = 5060, 5061, 1720, 443
NTP_PORT = 123
NTP_EPOCH = 2_208_988_800
_NTP = struct.Struct("!BBbbII4sQQQQ")
LAB_STRATUM = 2
LAB_REFERENCE = bytes([127, 127, 1, 0])  # the local clock's refid, as ntpd writes it


@dataclass(frozen=True)
class ServiceSpec:
    """A province service the lab stands in for, at its inventory ``address``."""

    name: str  # "registrar mcu-tinh", "gatekeeper mcu-tinh", "ntp"
    address: str  # the inventory's address (the lab maps it onto a 127.x address)
    tcp: tuple[int, ...] = ()
    ntp: bool = False


def services_from_inventory(root: Path) -> list[ServiceSpec]:
    """The registrars (and their H.323 gatekeepers) and NTP servers of every province."""
    from communet.inventory.loader import load_inventory  # noqa: PLC0415 - optional edge

    found: dict[str, ServiceSpec] = {}
    for plan in load_inventory(root).plans:
        services = plan.province.services
        for registrar in services.registrars:
            address = str(registrar.address)
            found.setdefault(address, ServiceSpec(f"registrar {registrar.name}", address))
            tcp = {*found[address].tcp, SIP, SIPS, HTTPS}
            found[address] = ServiceSpec(found[address].name, address, tuple(sorted(tcp)))
            if registrar.h323_gatekeeper is not None:
                gatekeeper = str(registrar.h323_gatekeeper)
                old = found.get(gatekeeper, ServiceSpec(f"gatekeeper {registrar.name}", gatekeeper))
                found[gatekeeper] = ServiceSpec(
                    old.name, gatekeeper, tuple(sorted({*old.tcp, H323})), old.ntp
                )
        for server in services.ntp:
            address = str(server)
            old = found.get(address, ServiceSpec("ntp", address))
            found[address] = ServiceSpec(old.name, address, old.tcp, ntp=True)
    return list(found.values())


def ntp_answer(request: bytes, received: float, sent: float) -> bytes | None:
    """The server reply (mode 4) to a client request (mode 3), or None for anything else."""
    if len(request) < _NTP.size:
        return None
    first = request[0]
    version, mode = (first >> 3) & 0x07, first & 0x07
    if mode != 3 or not 1 <= version <= 4:
        return None
    transmit = request[40:48]

    def stamp(seconds: float) -> int:
        return int((seconds + NTP_EPOCH) * 2**32) & 0xFFFF_FFFF_FFFF_FFFF

    origin = int.from_bytes(transmit, "big")
    poll = request[2]
    return _NTP.pack(
        (version << 3) | 4,  # leap 0 (no warning), the client's version, mode 4 (server)
        LAB_STRATUM,
        poll,
        -20,  # precision ~1 µs
        0,
        0,
        LAB_REFERENCE,
        stamp(received - 16),  # reference: last set from its source 16 s ago
        origin,
        stamp(received),
        stamp(sent),
    )


class _NtpServer(asyncio.DatagramProtocol):
    def __init__(self, host: ServiceHost) -> None:
        self.host = host
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if self.host.down or self.transport is None:
            return  # a stopped server: the request goes unanswered
        received = time.time()
        answer = ntp_answer(data, received, time.time())
        if answer is not None:
            self.host.ntp_answered += 1
            self.transport.sendto(answer, addr)


@dataclass
class ServiceHost:
    """One lab address standing in for a province service."""

    spec: ServiceSpec
    lab_address: str
    down: bool = False
    ntp_answered: int = 0
    ntp_port: int = NTP_PORT
    ports: PortSet = field(init=False)
    _ntp: asyncio.DatagramTransport | None = None

    def __post_init__(self) -> None:
        self.ports = PortSet(self.lab_address)

    async def start(self) -> None:
        await self.ports.sync(frozenset(self.spec.tcp))
        if self.spec.ntp:
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _NtpServer(self), local_addr=(self.lab_address, self.ntp_port)
            )
            self._ntp = transport

    def ntp_bound_port(self) -> int:
        """The UDP port NTP answers on (``ntp_port=0`` lets the kernel choose one)."""
        assert self._ntp is not None
        port: int = self._ntp.get_extra_info("sockname")[1]
        return port

    async def set_down(self, down: bool) -> None:
        self.down = down
        await self.ports.sync(frozenset() if down else frozenset(self.spec.tcp))

    async def stop(self) -> None:
        await self.ports.sync(frozenset())
        if self._ntp is not None:
            self._ntp.close()


@dataclass
class PortSet:
    """TCP listeners on one lab address; :meth:`sync` opens and closes them to a wanted set.
    A connection is accepted and left for the client to close (a port check only connects)."""

    address: str
    servers: dict[int, asyncio.Server] = field(default_factory=dict)

    async def sync(self, wanted: frozenset[int]) -> None:
        for port in [p for p in self.servers if p not in wanted]:
            server = self.servers.pop(port)
            server.close()
        loop = asyncio.get_running_loop()
        for port in sorted(wanted - set(self.servers)):
            with contextlib.suppress(OSError):  # e.g. a port taken: it reads as closed
                self.servers[port] = await loop.create_server(
                    asyncio.Protocol, host=self.address, port=port, reuse_address=True, backlog=64
                )
