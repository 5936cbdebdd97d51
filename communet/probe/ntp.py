"""One NTP client query (RFC 5905, mode 3 → mode 4): is the server there, synchronised, and
how far is this computer's clock from it.

The request carries only our transmit timestamp (as SNTP clients do, RFC 4330 §5); the
answer is accepted only when it is a server reply (mode 4) whose origin timestamp is the
transmit timestamp we sent (a stale or forged reply is ignored, and the wait goes on).
Offset and round-trip delay from the four timestamps:
``offset = ((T2 - T1) + (T3 - T4)) / 2``, ``delay = (T4 - T1) - (T3 - T2)``.
A stratum of 0 (a kiss-o'-death, e.g. RATE or DENY) or 16 and leap indicator 3 mean the
server is not synchronised: it answers, but its time must not be used.
"""

from __future__ import annotations

import asyncio
import os
import struct
import time
from dataclasses import dataclass

NTP_PORT = 123
NTP_EPOCH = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
_PACKET = struct.Struct("!BBbbII4sQQQQ")  # 48 bytes, RFC 5905 figure 8
MODE_CLIENT = 3
MODE_SERVER = 4
VERSION = 4
UNSYNCHRONISED = 16
LEAP_ALARM = 3


@dataclass(frozen=True)
class NtpResult:
    address: str
    success: bool  # a valid server reply came back
    stratum: int | None = None
    leap: int | None = None
    offset: float | None = None  # seconds: the server's clock minus ours
    delay: float | None = None  # seconds: the round trip, minus the server's own time
    reference: str = ""  # refid: an IPv4 address, or a kiss code / source name at stratum 0/1
    error: str = ""

    @property
    def synchronised(self) -> bool:
        return (
            self.success
            and self.stratum is not None
            and 0 < self.stratum < UNSYNCHRONISED
            and self.leap != LEAP_ALARM
        )


def to_ntp(seconds: float) -> int:
    """Unix seconds as a 64-bit NTP timestamp (32.32 fixed point since 1900)."""
    return int((seconds + NTP_EPOCH) * 2**32) & 0xFFFF_FFFF_FFFF_FFFF


def from_ntp(stamp: int) -> float:
    return stamp / 2**32 - NTP_EPOCH


def request(transmit: int) -> bytes:
    """A client request: LI 0, version 4, mode 3, only the transmit timestamp set."""
    return _PACKET.pack((VERSION << 3) | MODE_CLIENT, 0, 0, 0, 0, 0, b"\0" * 4, 0, 0, 0, transmit)


def reference_id(stratum: int, raw: bytes) -> str:
    if stratum <= 1:  # a kiss code (stratum 0) or the reference clock's name (stratum 1)
        return raw.rstrip(b"\0").decode("ascii", errors="replace")
    return ".".join(str(b) for b in raw)


def parse_reply(data: bytes, sent: int, received: float, address: str) -> NtpResult | None:
    """The result of a reply to our request sent with transmit timestamp ``sent`` and read
    at ``received`` (Unix seconds); None when ``data`` is not that reply."""
    if len(data) < _PACKET.size:
        return None
    first, stratum, _poll, _precision, _root_delay, _root_disp, refid, _ref, origin, t2, t3 = (
        _PACKET.unpack_from(data)
    )
    if first & 0x07 != MODE_SERVER or origin != sent:
        return None
    leap = first >> 6
    t1, t4 = from_ntp(sent), received
    server_in, server_out = from_ntp(t2), from_ntp(t3)
    return NtpResult(
        address,
        True,
        stratum=stratum,
        leap=leap,
        offset=((server_in - t1) + (server_out - t4)) / 2,
        delay=(t4 - t1) - (server_out - server_in),
        reference=reference_id(stratum, refid),
    )


class _Client(asyncio.DatagramProtocol):
    def __init__(self, address: str, sent: int) -> None:
        self.address = address
        self.sent = sent
        self.answer: asyncio.Future[NtpResult] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        result = parse_reply(data, self.sent, time.time(), self.address)
        if result is not None and not self.answer.done():
            self.answer.set_result(result)

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():  # e.g. ICMP port unreachable: nothing listens on 123
            reason = os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc)
            self.answer.set_result(NtpResult(self.address, False, error=reason))


async def ntp_query(address: str, port: int = NTP_PORT, timeout: float = 2.0) -> NtpResult:
    """Ask ``address`` for the time once; never raises for network failures."""
    loop = asyncio.get_running_loop()
    try:
        transport, client = await loop.create_datagram_endpoint(
            lambda: _Client(address, 0), remote_addr=(address, port)
        )
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        return NtpResult(address, False, error=reason)
    try:
        client.sent = to_ntp(time.time())
        transport.sendto(request(client.sent))
        try:
            return await asyncio.wait_for(asyncio.shield(client.answer), timeout)
        except TimeoutError:
            return NtpResult(address, False, error=f"no reply within {timeout:g} s")
    finally:
        transport.close()
