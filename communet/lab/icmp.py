"""Answer ICMP echo for every lab address, with per-device link impairment.

On loopback the kernel answers every ping at once and this kernel has no ``netem``, so the
lab offers a mode inside an unprivileged user + network namespace (``unshare -rn``): there it
sets ``net.ipv4.icmp_echo_ignore_all=1`` and answers echo requests itself from a raw socket,
dropping, delaying and jittering each reply as the device's faults say. Probes must run in
the same namespace (``nsenter -t <pid> -U -n --preserve-credentials ...``).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import socket
import struct
import subprocess
from pathlib import Path

from communet.lab.core import Device

ECHO_REQUEST = 8
ECHO_REPLY = 0
SYSCTL = Path("/proc/sys/net/ipv4/icmp_echo_ignore_all")


class NamespaceUnavailableError(RuntimeError):
    """User + network namespaces cannot be created here."""


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_reply(packet: bytes) -> tuple[bytes, str, str] | None:
    """The IPv4 packet answering an echo request ``packet`` (with IP header), or None."""
    if len(packet) < 28 or packet[0] >> 4 != 4:
        return None
    ihl = (packet[0] & 0x0F) * 4
    icmp = packet[ihl:]
    if len(icmp) < 8 or icmp[0] != ECHO_REQUEST:
        return None
    source, target = packet[12:16], packet[16:20]
    body = bytes([ECHO_REPLY, 0, 0, 0]) + icmp[4:]
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, 1, 0, target, source)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + body, socket.inet_ntoa(target), socket.inet_ntoa(source)


class IcmpResponder:
    """Raw-socket echo responder on the running loop (call :meth:`start` from it)."""

    def __init__(self, by_address: dict[str, Device], rng: random.Random | None = None) -> None:
        self.by_address = by_address
        self.rng = rng or random.Random()  # noqa: S311 - simulated loss, not crypto
        self.answered = 0
        self.dropped = 0
        self._in: socket.socket | None = None
        self._out: socket.socket | None = None

    def start(self) -> None:
        if SYSCTL.read_text().strip() != "1":
            raise NamespaceUnavailableError(
                "the kernel still answers pings (net.ipv4.icmp_echo_ignore_all is 0): run the "
                "lab's ICMP mode inside its own network namespace (communet lab up --netns)"
            )
        self._in = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        # Only echo requests reach the responder (a raw socket otherwise also gets every
        # reply it sends itself back over loopback): ICMP_FILTER drops the types whose bit
        # is set (<linux/icmp.h>; SOL_RAW = 255, ICMP_FILTER = 1).
        self._in.setsockopt(255, 1, struct.pack("I", ~(1 << ECHO_REQUEST) & 0xFFFFFFFF))
        self._out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self._in.setblocking(False)
        self._out.setblocking(False)
        asyncio.get_running_loop().add_reader(self._in.fileno(), self._readable)

    def stop(self) -> None:
        if self._in is not None:
            asyncio.get_running_loop().remove_reader(self._in.fileno())
            self._in.close()
        if self._out is not None:
            self._out.close()

    def _readable(self) -> None:
        assert self._in is not None
        for _ in range(256):  # what is queued, a bounded batch at a time
            try:
                packet = self._in.recv(65535)
            except BlockingIOError:
                return
            self._request(packet)

    def _request(self, packet: bytes) -> None:
        answer = echo_reply(packet)
        if answer is None:
            return
        reply, target, source = answer
        device = self.by_address.get(target)
        if device is None:
            return  # nobody has that address: silence, as on a real network
        faults = device.faults
        if not device.answering() or faults.link_down or self.rng.random() < faults.loss:
            self.dropped += 1
            return
        delay = max(0.0, faults.latency + self.rng.uniform(-faults.jitter, faults.jitter))
        loop = asyncio.get_running_loop()
        if delay:
            loop.call_later(delay, self._send, reply, source)
        else:
            self._send(reply, source)

    def _send(self, reply: bytes, destination: str) -> None:
        assert self._out is not None
        try:
            self._out.sendto(reply, (destination, 0))
            self.answered += 1
        except OSError:
            self.dropped += 1


def namespaces_available() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    result = subprocess.run([unshare, "-rn", "true"], capture_output=True, check=False)
    return result.returncode == 0


def prepare_namespace() -> None:
    """Inside a fresh network namespace: bring up loopback, stop the kernel's echo replies."""
    ip = shutil.which("ip")
    if ip is None:
        raise NamespaceUnavailableError("the 'ip' command (iproute2) is needed to bring up lo")
    subprocess.run([ip, "link", "set", "lo", "up"], check=True, capture_output=True)
    try:
        SYSCTL.write_text("1\n")
    except OSError as error:
        raise NamespaceUnavailableError(
            f"cannot set net.ipv4.icmp_echo_ignore_all in this namespace ({error})"
        ) from error
