"""Answer ICMP echo for every lab address, with per-device link impairment.

On loopback the kernel answers every ping at once and this kernel has no ``netem``, so the
lab offers a mode inside an unprivileged user + network namespace (``unshare -rn``): there it
sets ``net.ipv4.icmp_echo_ignore_all=1`` and answers echo requests itself from a raw socket,
dropping, delaying and jittering each reply as the device's faults say. Probes must run in
the same namespace (``nsenter -t <pid> -U -n --preserve-credentials ...``).

The responder runs in its OWN PROCESS (``python -m communet.lab.icmp``), not on the lab's
event loop: while the lab serves a province's SSH sessions its loop is busy for hundreds of
ms at a time, and a thread would not help (each ``recv``/``sendto`` gives up the GIL and
waits a switch interval, 5 ms, to get it back from the busy SSH thread: the convoy effect).
Echoes queued behind SSH work came back late and read as RTT, jitter and loss on links that
had none. The lab publishes each device's link state (answering, loss, latency, jitter) into
a shared memory table the responder reads per echo; the responder counts what it answered
and dropped into the same table.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import heapq
import json
import mmap
import os
import random
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from communet.lab.core import Device

ECHO_REQUEST = 8
ECHO_REPLY = 0
SYSCTL = Path("/proc/sys/net/ipv4/icmp_echo_ignore_all")
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>; allowed with CAP_NET_ADMIN in the lab's netns
RECEIVE_BUFFER = 16 << 20


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


FIELDS = 4  # per address: answering (1/0), loss (fraction), latency (s), jitter (± s)
COUNTERS = 2  # after the table: answered, dropped
STARTUP_TIMEOUT = 30.0


class LinkTable:
    """Doubles in a shared mapping: ``FIELDS`` per address, then the two counters."""

    def __init__(self, view: memoryview[float], count: int) -> None:
        self.view = view
        self.count = count

    @staticmethod
    def size(count: int) -> int:
        return (count * FIELDS + COUNTERS) * 8

    def set(
        self, index: int, *, answering: bool, loss: float, latency: float, jitter: float
    ) -> None:
        base = index * FIELDS
        self.view[base : base + FIELDS] = array.array(
            "d", (1.0 if answering else 0.0, loss, latency, jitter)
        )

    def link(self, index: int) -> tuple[bool, float, float, float]:
        base = index * FIELDS
        answering, loss, latency, jitter = self.view[base : base + FIELDS]
        return answering != 0.0, loss, latency, jitter

    def counter(self, which: int) -> int:
        return int(self.view[self.count * FIELDS + which])

    def count_up(self, which: int) -> None:
        self.view[self.count * FIELDS + which] += 1.0


def link_of(device: Device) -> dict[str, Any]:
    """What a device's faults and config say about its link, as the table stores it."""
    faults = device.faults
    return {
        "answering": device.answering() and not faults.link_down,
        "loss": faults.loss,
        "latency": faults.latency,
        "jitter": faults.jitter,
    }


class IcmpResponder:
    """The lab side: starts the responder process and keeps its link table current.

    :meth:`publish` writes one device's state (the lab calls it when a fault or config
    changes); :meth:`start`, called on a running event loop, also refreshes every device's
    state there periodically (a tenth of the devices every ``refresh`` seconds, so that
    config a session changed, e.g. a management address removed, shows within seconds
    without walking 2,000 configs every second).
    """

    def __init__(
        self,
        by_address: dict[str, Device],
        rng_seed: int | None = None,
        refresh: float = 0.5,
        extra: Iterable[str] = (),
    ) -> None:
        self.by_address = by_address
        self.addresses = [*by_address, *(a for a in extra if a not in by_address)]
        self.index = {address: i for i, address in enumerate(self.addresses)}
        self._address_of = {id(device): address for address, device in by_address.items()}
        self.rng_seed = rng_seed
        self.refresh = refresh
        self._file: IO[bytes] | None = None
        self._map: mmap.mmap | None = None
        self._view: memoryview[float] | None = None
        self.table: LinkTable | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._ticker: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The responder process (its CPU is not the lab process's own)."""
        return self._process.pid if self._process is not None else None

    @property
    def answered(self) -> int:
        return self.table.counter(0) if self.table is not None else 0

    @property
    def dropped(self) -> int:
        return self.table.counter(1) if self.table is not None else 0

    def start(self) -> None:
        if SYSCTL.read_text().strip() != "1":
            raise NamespaceUnavailableError(
                "the kernel still answers pings (net.ipv4.icmp_echo_ignore_all is 0): run the "
                "lab's ICMP mode inside its own network namespace (communet lab up --netns)"
            )
        count = len(self.addresses)
        self._file = tempfile.TemporaryFile(prefix="communet-lab-icmp-")  # noqa: SIM115
        self._file.truncate(LinkTable.size(count))
        self._map = mmap.mmap(self._file.fileno(), LinkTable.size(count))
        self._view = memoryview(self._map).cast("d")
        self.table = LinkTable(self._view, count)
        for address in self.addresses:
            self.publish_address(address)
        fd = self._file.fileno()
        package = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (package, os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        serve = "import sys; from communet.lab.icmp import serve; serve(sys.argv[1:])"
        argv = [sys.executable, "-c", serve, str(fd), str(count)]
        if self.rng_seed is not None:
            argv.append(str(self.rng_seed))
        self._process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=(fd,), env=env
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(self.addresses).encode() + b"\n")
        self._process.stdin.flush()
        waiting = select.poll()  # the lab has thousands of descriptors: not select()
        waiting.register(self._process.stdout, select.POLLIN)
        ready = waiting.poll(STARTUP_TIMEOUT * 1000)
        line = self._process.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.stop()
            raise NamespaceUnavailableError(
                f"the lab's ICMP responder did not start: {line.decode(errors='replace')!r}"
            )
        with contextlib.suppress(RuntimeError):  # no running loop: publish() only
            self._ticker = asyncio.get_running_loop().create_task(self._refresh())

    def publish(self, device: Device) -> None:
        """Write ``device``'s current link state (call on the thread that owns the device)."""
        address = self._address_of.get(id(device))
        if address is not None:
            self.publish_address(address)

    def publish_address(self, address: str) -> None:
        if self.table is None:
            return
        device = self.by_address.get(address)
        link = (
            link_of(device)
            if device is not None
            else {"answering": True, "loss": 0.0, "latency": 0.0, "jitter": 0.0}
        )
        self.table.set(self.index[address], **link)

    def set_answering(self, address: str, answering: bool) -> None:
        """An address that is no device (a province service the lab stands in for)."""
        if self.table is not None and address in self.index:
            self.table.set(self.index[address], answering=answering, loss=0, latency=0, jitter=0)

    async def _refresh(self) -> None:
        addresses = list(self.by_address)
        share = max(1, len(addresses) // 10)
        offset = 0
        while True:
            await asyncio.sleep(self.refresh)
            for address in addresses[offset : offset + share]:
                self.publish_address(address)
            offset = offset + share if offset + share < len(addresses) else 0

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None
            with contextlib.suppress(OSError):
                process.stdin.close()  # the responder exits at end of input
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        # keep the last counters readable after stop
        if self.table is not None:
            self.table = LinkTable(memoryview(array.array("d", self.table.view)), self.table.count)
        if self._view is not None:
            self._view.release()
            self._view = None
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._file is not None:
            self._file.close()
            self._file = None


class _Responder:
    """The responder process: a raw socket in, a raw socket out, replies due on a heap."""

    def __init__(self, table: LinkTable, addresses: list[str], seed: int | None) -> None:
        self.table = table
        self.index = {address: i for i, address in enumerate(addresses)}
        self.rng = random.Random(seed)  # noqa: S311 - simulated loss, not crypto
        self.due: list[tuple[float, int, bytes, str]] = []
        self.sequence = 0
        self.inbound = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        # Only echo requests reach the responder (a raw socket otherwise also gets every
        # reply it sends itself back over loopback): ICMP_FILTER drops the types whose bit
        # is set (<linux/icmp.h>; SOL_RAW = 255, ICMP_FILTER = 1).
        self.inbound.setsockopt(255, 1, struct.pack("I", ~(1 << ECHO_REQUEST) & 0xFFFFFFFF))
        # A province bursting at media rates is thousands of echoes a second into one
        # socket: a large buffer rides out the moments this process waits for a core.
        for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
            try:
                self.inbound.setsockopt(socket.SOL_SOCKET, option, RECEIVE_BUFFER)
                break
            except OSError:
                continue
        self.inbound.setblocking(False)
        self.outbound = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

    def serve(self, control: int) -> None:
        """Until ``control`` (the lab's pipe) reaches end of file."""
        inbound = self.inbound.fileno()
        waiting = select.poll()
        waiting.register(inbound, select.POLLIN)
        waiting.register(control, select.POLLIN)
        while True:
            timeout = max(0.0, self.due[0][0] - time.monotonic()) if self.due else None
            ready = {
                fd for fd, _events in waiting.poll(None if timeout is None else timeout * 1000)
            }
            if control in ready and not os.read(control, 4096):
                return
            if inbound in ready:
                self._receive()
            self._send_due()

    def _receive(self) -> None:
        for _ in range(512):  # what is queued, a bounded batch at a time
            try:
                packet = self.inbound.recv(65535)
            except BlockingIOError:
                return
            self._request(packet)

    def _request(self, packet: bytes) -> None:
        answer = echo_reply(packet)
        if answer is None:
            return
        reply, target, source = answer
        index = self.index.get(target)
        if index is None:
            return  # nobody has that address: silence, as on a real network
        answering, loss, latency, jitter = self.table.link(index)
        if not answering or (loss and self.rng.random() < loss):
            self.table.count_up(1)
            return
        delay = max(0.0, latency + (self.rng.uniform(-jitter, jitter) if jitter else 0.0))
        if delay:
            self.sequence += 1
            heapq.heappush(self.due, (time.monotonic() + delay, self.sequence, reply, source))
        else:
            self._send(reply, source)

    def _send_due(self) -> None:
        now = time.monotonic()
        while self.due and self.due[0][0] <= now:
            _when, _seq, reply, source = heapq.heappop(self.due)
            self._send(reply, source)

    def _send(self, reply: bytes, destination: str) -> None:
        try:
            self.outbound.sendto(reply, (destination, 0))
            self.table.count_up(0)
        except OSError:
            self.table.count_up(1)


def serve(argv: list[str]) -> None:
    """The responder process's main: ``FD COUNT [SEED]``, addresses as JSON on stdin."""
    fd, count = int(argv[0]), int(argv[1])
    seed = int(argv[2]) if len(argv) > 2 else None
    size = LinkTable.size(count)
    shared = mmap.mmap(fd, size)
    table = LinkTable(memoryview(shared).cast("d"), count)
    addresses = json.loads(sys.stdin.buffer.readline())
    try:
        responder = _Responder(table, addresses, seed)
    except OSError as error:
        print(f"cannot open raw ICMP sockets: {error}", flush=True)
        return
    print("ready", flush=True)
    responder.serve(sys.stdin.fileno())


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
