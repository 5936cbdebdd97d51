"""ICMP echo for any number of targets on ONE socket (pure asyncio, Linux).

Why one socket: a raw socket per target (smokeping_prober, icmplib) sees every reply of every
target, so the CPU grows with the square of the targets and a busy receive queue drops
replies that are then counted as loss. Here one socket carries every echo, under one random
identifier per run.

The socket is an unprivileged ``SOCK_DGRAM`` ping socket where ``net.ipv4.ping_group_range``
allows the caller's group (the kernel then fills the identifier and checksum and delivers
only our replies), otherwise a raw socket with an ``ICMP_FILTER`` that lets only echo replies
in (needs root or CAP_NET_RAW). RTTs are measured from the kernel's receive timestamp
(``SO_TIMESTAMPNS``), so a busy event loop delays the bookkeeping, not the measurement.

What an echo carries. Its 16-byte payload names the target's slot in the counters table and
the target's serial, the send chunk's serial, and a random number of this run. A device
sends the data of an echo request back in its reply (RFC 792), so a reply finds its target
and its send time from its own bytes: no lookup by address and no table of outstanding
echoes. The reply is still checked against the target's address, its run number and the
target's window of recent sequence numbers; a reply to a removed target (its serial is
gone) or to another run is foreign.

Sending: a batch of echoes (one scheduler tick's) is written into fixed slots and leaves in
``sendmmsg`` calls of :data:`SEND_CHUNK` echoes (:mod:`communet.probe.mmsg`). The send time
is taken once per chunk, just before the system call, and kept in a ring of chunks: an
echo's RTT is overstated by at most the time the kernel takes to send the chunk's earlier
echoes (a few µs each; the ``send_chunk_max_ns`` counter records the longest call, the
bound). Without ``sendmmsg`` each echo is one ``sendto``, a chunk timed from its first.
Expiry walks the ring of chunks, never the echoes: a target that does not answer costs one
slot in a ``sendmmsg`` like one that does, and nothing else.

Counters: every target's are one record of 8-byte words in one buffer shared by all targets
(:class:`_Records`), not a dozen Python objects. At 10,000 targets each target is touched
once per interval, long after the CPU caches forgot it: a record is two cache lines, where
objects cost a cache miss per counter (measured with cold caches, 10,000 targets: booking
a reply 3.0 µs with the objects, 1.85 µs with the records; sending 1.5 and 1.0 µs; see
docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import mmap
import os
import socket
import struct
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from communet.probe.mmsg import (
    CMSG_DATA_OFFSET,
    CMSG_HEADER,
    CONTROLLEN_OFFSET,
    HEADER_SIZE,
    LENGTH_OFFSET,
    NAME_SIZE,
    VLEN,
    BatchReceiver,
    BatchSender,
    batch_receiver,
    batch_sender,
)

native_loops: _Native | None
try:  # the per-echo loops compiled (setup.py); without it the same loops run in Python
    from communet.probe import _echo as native_loops
except ImportError:  # pragma: no cover - a build without a C compiler
    native_loops = None

ECHO_REPLY = 0
ECHO_REQUEST = 8
# <linux/socket.h>, <linux/icmp.h>, <linux/in.h>: not exported by Python's socket module.
SO_TIMESTAMPNS = 35
SO_RXQ_OVFL = 40  # ancillary: how many packets the kernel dropped on this socket's queue
SOL_RAW = 255
ICMP_FILTER = 1
IP_MTU_DISCOVER = 10  # <linux/in.h>; Python 3.13's socket module lacks both
IP_PMTUDISC_DO = 2  # set DF, never fragment locally
_TIMESPEC = struct.Struct("@qq")
# An echo: type, code, checksum, identifier, sequence; payload: target slot, target serial,
# chunk serial, run number.
_MESSAGE = struct.Struct("!BBHHHIIII")
MESSAGE_SIZE = _MESSAGE.size  # 24 bytes
_SIN_ADDR = struct.Struct("!4xI")  # sockaddr_in: family, port, address
_UINT_NATIVE = struct.Struct("@I")
# The first control message of a reply (cmsghdr, then its data: the SO_TIMESTAMPNS timespec).
_STAMP = struct.Struct(f"@Nii{CMSG_DATA_OFFSET - CMSG_HEADER.size}xqq")
# A send slot from its address field on (sockaddr_in + 4): the destination, sin_zero, then
# the message.
_SLOT = struct.Struct("!I8xBBHHHIIII")
_SLOT_OFFSET = 4
SEND_CHUNK = 32  # echoes per sendmmsg call, sharing one send time (see the module docstring)
PING_GROUP_RANGE = "/proc/sys/net/ipv4/ping_group_range"
WINDOW = 64  # replies to this many latest echoes per target are told apart (late/duplicate)
_WINDOW_MASK = (1 << WINDOW) - 1
_SERIAL_MASK = 0xFFFFFFFF
RECENT_ECHOES = 4  # a target answering any of its latest 4 echoes is up
_RING = 1024  # chunks remembered at first (grows while more are awaiting replies)

# RTT histogram bounds (seconds) around the video thresholds (ITU-T G.114 / Cisco: one-way
# delay <= 150 ms, i.e. RTT <= 300 ms): comfortable, half the budget, the budget. Few
# buckets keep a province's series count small; loss, mean RTT and jitter do not need them.
DEFAULT_BUCKETS: tuple[float, ...] = (0.05, 0.15, 0.3)

# A target's record: 8-byte words, native order.
#   0 key: serial << 32 | IPv4 address     1 checksum partial of the slot and serial words
#   2 next sequence number                 3 answered: bit d = the echo sent d echoes ago
#   4 sent    5 received in time           6 RTT sum (double)   7 last RTT (double, -1: none)
#   8 jitter (double)   9 duplicates   10 late   11... replies per RTT bucket (not cumulative;
#   the last is above every bound)
_FIRST_BUCKET = 11
COUNTERS_WORD = 3  # where EchoTarget.counters() starts (answered, sent, ..., the buckets)
_SEND_READ = struct.Struct("@QQQQQ")  # words 0-4
_SEND_WRITE = struct.Struct("@QQQ")  # words 2-4
_REPLY_READ = struct.Struct("@QQQQQQddd")  # words 0-8
_REPLY_WRITE = struct.Struct("@QQQddd")  # words 3-8
_ANSWERED_AT = 3 * 8
_SEQUENCE_AT = 2 * 8


class _Native(Protocol):
    """:mod:`communet.probe._echo` (its stub types the calls)."""

    pack: Callable[..., None]
    book: Callable[..., tuple[int, list[int], list[tuple[int, int, float]] | None]]


class IcmpUnavailableError(OSError):
    """Neither an unprivileged ping socket nor a raw socket can be opened here."""


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _words(value: int) -> int:
    """The ones' complement sum of a 32-bit field's two 16-bit words."""
    return (value >> 16) + (value & 0xFFFF)


def ping_socket_allowed(gid: int | None = None) -> bool:
    """Whether ``net.ipv4.ping_group_range`` lets group ``gid`` open ping sockets."""
    try:
        with open(PING_GROUP_RANGE, encoding="ascii") as handle:
            low, high = (int(x) for x in handle.read().split())
    except (OSError, ValueError):
        return False
    return low <= (os.getgid() if gid is None else gid) <= high


@dataclass(frozen=True, slots=True)
class EchoStats:
    """A target's counters at one moment (monotonic, like Prometheus counters)."""

    sent: int = 0
    received: int = 0  # in time
    duplicates: int = 0
    late: int = 0
    rtt_sum: float = 0.0
    bucket_counts: tuple[int, ...] = (0, 0, 0, 0)  # not cumulative; the last is +Inf
    buckets: tuple[float, ...] = DEFAULT_BUCKETS
    last_rtt: float | None = None
    # RFC 3550 §6.4.1 interarrival jitter, J += (|D| - J) / 16, where D is the difference of
    # two consecutive replies' RTTs (the send spacing cancels out of the transit times).
    jitter: float = 0.0


Observer = Callable[[int, float], None]  # (sequence number, RTT seconds)
_SERIALS = itertools.count(1)


class _Records:
    """Every target's counters: one record per slot in one page-aligned buffer (see the
    module docstring); a record is a whole number of 64-byte cache lines."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.words = -(-(_FIRST_BUCKET + len(buckets) + 1) // 8) * 8
        self.size = self.words * 8
        self.capacity = 0
        self.buffer = mmap.mmap(-1, mmap.PAGESIZE)
        self.numbers = memoryview(self.buffer).cast("Q")
        self.free: list[int] = []
        # words 3... of a record: answered, sent, received, RTT sum, last RTT, jitter,
        # duplicates, late, the buckets
        self.counters = struct.Struct("@QQQdddQQ" + "Q" * (len(buckets) + 1))

    def take(self) -> int:
        if not self.free:
            self._grow()
        return self.free.pop()

    def _grow(self) -> None:
        capacity = max(64, 2 * self.capacity)
        used = self.capacity * self.size
        buffer = mmap.mmap(-1, capacity * self.size)
        buffer[:used] = self.buffer[:used]
        self.numbers.release()
        self.buffer.close()
        self.buffer = buffer
        self.numbers = memoryview(buffer).cast("Q")
        self.free.extend(range(capacity - 1, self.capacity - 1, -1))  # the lowest slot first
        self.capacity = capacity


class EchoTarget:
    """One address probed through a :class:`Pinger`: a handle on its counters' record.

    A removed target keeps the counters it had (read from a copy: its slot may serve
    another target by then)."""

    __slots__ = ("_final", "_pinger", "address", "serial", "slot")

    def __init__(self, pinger: Pinger, address: str, slot: int, serial: int) -> None:
        self._pinger = pinger
        self.address = address
        self.slot = slot
        self.serial = serial
        self._final: tuple[int | float, ...] | None = None

    def counters(self) -> tuple[int | float, ...]:
        """answered, sent, received, RTT sum, last RTT, jitter, duplicates, late, then the
        replies per bucket (one read of the record: the scrape's hot path)."""
        if self._final is not None:
            return self._final
        records = self._pinger.records
        at = self.slot * records.size + 8 * COUNTERS_WORD
        return records.counters.unpack_from(records.buffer, at)

    @property
    def stats(self) -> EchoStats:
        """The counters since the target was added."""
        values = self.counters()
        buckets = self._pinger.records.buckets
        last = float(values[4])
        return EchoStats(
            sent=int(values[1]),
            received=int(values[2]),
            rtt_sum=float(values[3]),
            last_rtt=None if last < 0 else last,
            jitter=float(values[5]),
            duplicates=int(values[6]),
            late=int(values[7]),
            bucket_counts=tuple(int(v) for v in values[8:]),
            buckets=buckets,
        )

    @property
    def pinger(self) -> Pinger:
        """The pinger whose records hold the target's counters."""
        return self._pinger

    @property
    def probing(self) -> bool:
        """False once removed (its counters are then a copy, its slot another target's)."""
        return self._final is None

    @property
    def buckets(self) -> tuple[float, ...]:
        """The RTT histogram's bounds (the pinger's)."""
        return self._pinger.records.buckets

    @property
    def sent(self) -> int:
        return int(self.counters()[1])

    @property
    def received(self) -> int:
        return int(self.counters()[2])

    @property
    def observer(self) -> Observer | None:
        return self._pinger.observers.get(self.slot) if self._final is None else None

    @observer.setter
    def observer(self, observer: Observer | None) -> None:
        if self._final is not None:
            return
        if observer is None:
            self._pinger.observers.pop(self.slot, None)
        else:
            self._pinger.observers[self.slot] = observer

    def last_sequence(self) -> int:
        """The sequence number of the latest echo sent (while the target is probed)."""
        return (self._pinger.next_sequence(self) - 1) & 0xFFFF

    def answered_recently(self, echoes: int = RECENT_ECHOES) -> bool:
        """Whether any of the latest ``echoes`` echoes was answered (in time or late)."""
        return bool(int(self.counters()[0]) & ((1 << echoes) - 1))


@dataclass
class PingerCounters:
    """What the socket did, over every target (the exporter's self-metrics)."""

    sent: int = 0
    send_errors: int = 0
    received: int = 0
    duplicates: int = 0
    late: int = 0
    foreign: int = 0  # replies to nobody we are waiting for (other runs, removed targets)
    timeouts: int = 0
    receive_drops: int = 0  # replies the kernel dropped because our queue was full
    send_chunk_max_ns: int = 0  # longest sendmmsg chunk: the bound of its RTTs' error


class Pinger:
    """Echo requests to many targets over one socket, on the running event loop.

    ``send(target)`` never blocks; replies are matched as they arrive; an echo unanswered
    after ``timeout`` seconds counts as lost (only ``sent`` grew). A reply arriving later is
    counted in ``late``, a second reply to the same echo in ``duplicates``; neither counts
    as received.
    """

    def __init__(
        self,
        *,
        timeout: float = 2.0,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        poll: float | None = None,
        batch_receive: bool = True,
        batch_send: bool = True,
        own_timer: bool = True,
        native: bool = True,
    ) -> None:
        """``buckets``: the RTT histogram's bounds (seconds), for every target.

        ``poll``: read the socket every ``poll`` seconds instead of on every reply.
        RTTs come from kernel timestamps, so a reply waiting in the socket's queue is timed
        as exactly as one read at once; at thousands of echoes a second this saves an event
        loop wake-up per reply (the dominant cost in Python). The queue must hold ``poll``
        seconds of replies (``communet_exporter_icmp_receive_drops`` says if it did not).

        ``own_timer=False`` (with ``poll``): the pinger schedules nothing; the caller calls
        :meth:`service` at least every ``poll`` seconds, e.g. from the tick that sends (one
        loop wake-up for both: on a VM a wake-up costs ~200 µs of CPU).

        ``batch_receive``: read up to 256 replies per system call (``recvmmsg`` through
        ctypes, :mod:`communet.probe.mmsg`) where libc has it; else one ``recvmsg`` each.
        ``batch_send``: send each tick's echoes with ``sendmmsg`` where libc has it; else one
        ``sendto`` each.
        ``native``: run the per-echo loops of both (filling the send slots, booking the
        replies) compiled, where setup.py built :mod:`communet.probe._echo`; False, or
        without it: the same loops in Python.
        """
        self.timeout = timeout
        self._timeout_ns = int(timeout * 1e9)
        self.poll = poll
        self.identifier = int.from_bytes(os.urandom(2), "big")
        self.run = int.from_bytes(os.urandom(4), "big")  # in every echo's payload
        self.counters = PingerCounters()
        self.mode = ""
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batch_receive = batch_receive
        self.batch_send = batch_send
        self.own_timer = own_timer or poll is None
        self._batch: BatchReceiver | None = None
        self._sender: BatchSender | None = None
        self._native: _Native | None = native_loops if native else None
        self.records = _Records(tuple(buckets))
        self.observers: dict[int, Observer] = {}  # by slot
        self._targets: dict[str, EchoTarget] = {}
        # The ring of send chunks, by chunk serial & mask: serial (-1: expired), send time
        # (ns), echoes, replies in time. Chunks [oldest, next) await replies or expiry.
        self._ring_ids = array("q", [-1]) * _RING
        self._ring_sent_at = array("q", [0]) * _RING
        self._ring_echoes = array("q", [0]) * _RING
        self._ring_replies = array("q", [0]) * _RING
        self._ring_mask = _RING - 1
        self._next_chunk = 0
        self._oldest_chunk = 0
        self._sweeper: asyncio.Handle | None = None
        self._base_sum = 0
        self._ip_header = 0
        self._receive_size = 60 + MESSAGE_SIZE  # the longest IP header, then the message
        self._ancillary_size = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(4)
        self._reply_layout = self._length_layout = self._stamp_layout = _MESSAGE
        self._reply_length = MESSAGE_SIZE
        self._set_base_sum()

    def _set_base_sum(self) -> None:
        """The checksum words every echo of this run shares (type and code, identifier, run
        number); a target's (slot, serial), a chunk's serial and the sequence are added per
        echo (RFC 1624 style)."""
        self._base_sum = (ECHO_REQUEST << 8) + self.identifier + _words(self.run)

    @property
    def native(self) -> bool:
        """Whether the per-echo loops run compiled (:mod:`communet.probe._echo`)."""
        return self._native is not None

    # -- lifecycle
    def open(self, prefer: str = "auto") -> None:
        """Open the shared socket on the running loop: ``auto`` (ping socket if allowed,
        else raw), ``dgram`` or ``raw``."""
        self._loop = asyncio.get_running_loop()
        errors: list[str] = []
        kinds = ["dgram", "raw"] if prefer == "auto" else [prefer]
        if prefer == "auto" and not ping_socket_allowed():
            kinds = ["raw"]
        for kind in kinds:
            try:
                self._sock = self._open(kind)
            except OSError as error:
                errors.append(f"{kind}: {error.strerror or error}")
                continue
            self.mode = kind
            break
        else:
            raise IcmpUnavailableError(
                "cannot open an ICMP socket ("
                + "; ".join(errors)
                + "): allow unprivileged ping with sysctl net.ipv4.ping_group_range, "
                "or run as root / with CAP_NET_RAW"
            )
        if self.batch_receive:
            self._batch = batch_receiver(
                self._sock.fileno(), self._receive_size, self._ancillary_size
            )
            if self._batch is not None:
                self._layouts(self._batch)
        if self.batch_send:
            self._sender = batch_sender(self._sock.fileno(), MESSAGE_SIZE)
        if self.poll is None:
            self._loop.add_reader(self._sock.fileno(), self._readable)
        self._schedule_sweep()

    def _open(self, kind: str) -> socket.socket:
        if kind == "dgram":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
            sock.bind(("0.0.0.0", self.identifier))  # noqa: S104 - the echo id, not a listener
            # The kernel writes the socket's own identifier into every request.
            self.identifier = sock.getsockname()[1]
            self._ip_header = 0
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            # Let only echo replies reach this socket (a bit set = that type is dropped).
            sock.setsockopt(SOL_RAW, ICMP_FILTER, struct.pack("I", ~(1 << ECHO_REPLY) & 0xFFFFFFFF))
            self._ip_header = 1
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        # Don't fragment (a 44-byte echo never needs it): the kernel then skips choosing an IP
        # identifier per packet (a hashed atomic counter, ~3 % of the exporter's CPU).
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        sock.setblocking(False)
        self._set_base_sum()
        return sock

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._sock is not None and self._loop is not None:
            if self.poll is None:
                self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
            self._batch = None
            self._sender = None

    # -- targets
    def add(self, address: str, observer: Observer | None = None) -> EchoTarget:
        """A new target (a second target for the same address replaces the first)."""
        packed = socket.inet_aton(address)  # ValueError-like OSError for anything but IPv4
        old = self._targets.get(address)
        if old is not None:
            self.remove(old)
        records = self.records
        slot = records.take()
        serial = next(_SERIALS) & _SERIAL_MASK or next(_SERIALS)
        key = serial << 32 | int.from_bytes(packed, "big")
        at = slot * records.size
        records.buffer[at : at + records.size] = bytes(records.size)
        _SEND_READ.pack_into(
            records.buffer,
            at,
            key,
            _words(slot) + _words(serial),
            int.from_bytes(os.urandom(2), "big"),  # the next sequence number
            0,
            0,
        )
        struct.pack_into("@d", records.buffer, at + 7 * 8, -1.0)  # no RTT yet
        target = EchoTarget(self, address, slot, serial)
        self._targets[address] = target
        if observer is not None:
            self.observers[slot] = observer
        return target

    def probing(self, address: str) -> bool:
        return address in self._targets

    def remove(self, target: EchoTarget) -> None:
        """Stop probing ``target``; it keeps its counters, its slot goes to the next target
        added (replies to its echoes are foreign from now on)."""
        if self._targets.get(target.address) is not target:
            return
        del self._targets[target.address]
        target._final = target.counters()
        self.observers.pop(target.slot, None)
        records = self.records
        struct.pack_into("@Q", records.buffer, target.slot * records.size, 0)  # no key
        records.free.append(target.slot)

    def next_sequence(self, target: EchoTarget) -> int:
        """The sequence number ``target``'s next echo will carry."""
        at = target.slot * self.records.size + _SEQUENCE_AT
        return int(struct.unpack_from("@Q", self.records.buffer, at)[0])

    def restore(self, target: EchoTarget, stats: EchoStats) -> None:
        """Set ``target``'s counters to ``stats`` (a saved state; the renderer's tests)."""
        records = self.records
        if len(stats.bucket_counts) != len(records.buckets) + 1:
            raise ValueError(f"{len(records.buckets) + 1} bucket counts expected")
        at = target.slot * records.size + _ANSWERED_AT
        answered = struct.unpack_from("@Q", records.buffer, at)[0]
        last = -1.0 if stats.last_rtt is None else stats.last_rtt
        records.counters.pack_into(
            records.buffer, at, answered, stats.sent, stats.received, stats.rtt_sum, last,
            stats.jitter, stats.duplicates, stats.late, *stats.bucket_counts,
        )  # fmt: skip

    # -- sending
    @property
    def last_chunk(self) -> int:
        """The serial of the latest send chunk."""
        return (self._next_chunk - 1) & _SERIAL_MASK

    def request(self, target: EchoTarget, sequence: int, chunk: int) -> bytes:
        """The echo request ``target``'s echo ``sequence`` of send chunk ``chunk`` carries."""
        return self._request(target.slot, sequence, chunk)

    def _request(self, slot: int, sequence: int, chunk: int) -> bytes:
        key, partial = _SEND_READ.unpack_from(self.records.buffer, slot * self.records.size)[:2]
        total = self._base_sum + _words(chunk) + partial + sequence
        total = (total & 0xFFFF) + (total >> 16)
        total = (total & 0xFFFF) + (total >> 16)
        return _MESSAGE.pack(
            ECHO_REQUEST, 0, ~total & 0xFFFF, self.identifier, sequence, slot, key >> 32, chunk,
            self.run,
        )  # fmt: skip

    def send(self, target: EchoTarget) -> int:
        """Send the next echo to ``target``; return its sequence number."""
        self.send_many((target.slot,))
        return target.last_sequence()

    def send_many(self, slots: Sequence[int]) -> int:
        """Send the next echo to the target in each of ``slots`` (:attr:`EchoTarget.slot`;
        one scheduler tick's batch); return how many were sent. Slots rather than targets:
        a scheduler can keep them in an ``array``, read from one block of memory, where
        10,000 target objects would cost a cache miss each.

        Per echo: one read and one write of the target's record (its sequence, answered
        window and ``sent``) and one ``pack_into`` of its send slot; per :data:`SEND_CHUNK`
        echoes one ``sendmmsg`` and one entry in the ring of chunks. An echo the kernel
        refuses (no route, buffer full) is counted in ``send_errors`` and times out like a
        lost one; it never raises."""
        if self._sock is None:
            raise RuntimeError("the pinger is not open")
        batch = slots
        sender = self._sender
        if sender is None:
            return self._send_each(batch)
        if self._native is not None:
            return self._send_native(self._native, sender, batch)
        view, pack, step = sender.view, _SLOT.pack_into, sender.slot
        records, size = self.records.buffer, self.records.size
        read, write = _SEND_READ.unpack_from, _SEND_WRITE.pack_into
        base, identifier, run = self._base_sum, self.identifier, self.run
        errors = 0
        for first in range(0, len(batch), SEND_CHUNK):
            chunk_slots = batch[first : first + SEND_CHUNK]
            chunk = self._next_chunk
            chunk_sum = base + _words(chunk)
            at = _SLOT_OFFSET
            for slot in chunk_slots:
                offset = slot * size
                key, partial, seq, answered, sent = read(records, offset)
                write(
                    records,
                    offset + 16,
                    (seq + 1) & 0xFFFF,
                    (answered << 1) & _WINDOW_MASK,
                    sent + 1,
                )
                total = chunk_sum + partial + seq
                total = (total & 0xFFFF) + (total >> 16)
                total = (total & 0xFFFF) + (total >> 16)
                pack(view, at, key & 0xFFFFFFFF, ECHO_REQUEST, 0, ~total & 0xFFFF, identifier,
                     seq, slot, key >> 32, chunk, run)  # fmt: skip
                at += step
            errors += self._send_chunk(sender, chunk, len(chunk_slots))
        return self._count_sent(len(batch), errors)

    def _send_native(self, native: _Native, sender: BatchSender, slots: Sequence[int]) -> int:
        """:meth:`send_many` with each chunk's slots filled by :func:`_echo.pack`."""
        if not (isinstance(slots, array) and slots.itemsize == 8):
            slots = array("Q", slots)
        records, size, view, step = self.records.buffer, self.records.size, sender.view, sender.slot
        base, identifier, run, pack = self._base_sum, self.identifier, self.run, native.pack
        errors = 0
        for first in range(0, len(slots), SEND_CHUNK):
            echoes = min(SEND_CHUNK, len(slots) - first)
            chunk = self._next_chunk
            chunk_sum = base + _words(chunk)
            pack(records, size, slots, first, echoes, view, step, chunk_sum, identifier, chunk, run)
            errors += self._send_chunk(sender, chunk, echoes)
        return self._count_sent(len(slots), errors)

    def _send_chunk(self, sender: BatchSender, chunk: int, echoes: int) -> int:
        """Send the first ``echoes`` slots of ``sender`` as send chunk ``chunk``, timed just
        before the system call (RTTs err long, never short); return how many the kernel
        refused."""
        stamp = time.time_ns()
        _sent, failed = sender.send(echoes)
        spent = time.time_ns() - stamp
        self._chunk_sent(chunk, stamp, echoes)
        self.counters.send_chunk_max_ns = max(self.counters.send_chunk_max_ns, spent)
        return len(failed)

    def _count_sent(self, echoes: int, errors: int) -> int:
        """Count a batch of ``echoes`` of which the kernel refused ``errors``; return
        ``echoes``."""
        self.counters.sent += echoes
        self.counters.send_errors += errors
        return echoes

    def _send_each(self, slots: Sequence[int]) -> int:
        """:meth:`send_many` with one ``sendto`` per echo (libc without ``sendmmsg``); a
        chunk's send time is taken before its first echo."""
        assert self._sock is not None
        sendto = self._sock.sendto
        records, size = self.records.buffer, self.records.size
        errors = 0
        for first in range(0, len(slots), SEND_CHUNK):
            chunk_slots = slots[first : first + SEND_CHUNK]
            chunk = self._next_chunk
            stamp = time.time_ns()
            for slot in chunk_slots:
                offset = slot * size
                _key, _partial, seq, answered, sent = _SEND_READ.unpack_from(records, offset)
                _SEND_WRITE.pack_into(
                    records, offset + 16, (seq + 1) & 0xFFFF, (answered << 1) & _WINDOW_MASK,
                    sent + 1,
                )  # fmt: skip
                key = _SEND_READ.unpack_from(records, offset)[0]
                destination = socket.inet_ntoa((key & 0xFFFFFFFF).to_bytes(4, "big"))
                try:
                    sendto(self._request(slot, seq, chunk), (destination, 0))
                except OSError:
                    # Unreachable from here (no route, buffer full): lost, as on a wire.
                    errors += 1
            self._chunk_sent(chunk, stamp, len(chunk_slots))
        return self._count_sent(len(slots), errors)

    def _chunk_sent(self, chunk: int, stamp: int, echoes: int) -> None:
        """Remember send chunk ``chunk`` (its time and size) until its echoes expire."""
        if (chunk - self._oldest_chunk) & _SERIAL_MASK > self._ring_mask:
            self._grow_ring()
        index = chunk & self._ring_mask
        self._ring_ids[index] = chunk
        self._ring_sent_at[index] = stamp
        self._ring_echoes[index] = echoes
        self._ring_replies[index] = 0
        self._next_chunk = (chunk + 1) & _SERIAL_MASK

    def _grow_ring(self) -> None:
        """Twice the ring: more chunks await replies than it holds (many sends a second
        with a long timeout)."""
        old_mask = self._ring_mask
        size = 2 * (old_mask + 1)
        ids, sent_at = array("q", [-1]) * size, array("q", [0]) * size
        echoes, replies = array("q", [0]) * size, array("q", [0]) * size
        chunk = self._oldest_chunk
        while chunk != self._next_chunk:
            old, new = chunk & old_mask, chunk & (size - 1)
            ids[new], sent_at[new] = self._ring_ids[old], self._ring_sent_at[old]
            echoes[new], replies[new] = self._ring_echoes[old], self._ring_replies[old]
            chunk = (chunk + 1) & _SERIAL_MASK
        self._ring_ids, self._ring_sent_at = ids, sent_at
        self._ring_echoes, self._ring_replies = echoes, replies
        self._ring_mask = size - 1

    # -- receiving
    def _readable(self) -> None:
        self._drain()

    def _drain(self) -> bool:
        """Drain the socket: every queued reply in one call (until EAGAIN, with a cap that
        gives the loop back now and then), not one loop callback per reply. False if the
        cap stopped it (replies may still be queued)."""
        if self._batch is not None:
            return self._drain_batch(self._batch)
        sock = self._sock
        if sock is None:
            return True
        recvmsg = sock.recvmsg
        size, ancillary_size = self._receive_size, self._ancillary_size
        reply = self._reply
        unpack_time = _TIMESPEC.unpack_from
        for _ in range(4096):
            try:
                data, ancillary, _flags, source = recvmsg(size, ancillary_size)
            except OSError:  # BlockingIOError: drained; anything else: nothing to read now
                return True
            received = 0
            for level, kind, value in ancillary:  # SO_TIMESTAMPNS; SO_RXQ_OVFL after drops
                if kind == SO_TIMESTAMPNS and level == socket.SOL_SOCKET:
                    seconds, nanos = unpack_time(value)
                    received = seconds * 1_000_000_000 + nanos
                elif kind == SO_RXQ_OVFL and level == socket.SOL_SOCKET and len(value) >= 4:
                    self.counters.receive_drops = struct.unpack_from("I", value)[0]
            reply(data, source[0], received or time.time_ns())
        return False

    def _drain_batch(self, batch: BatchReceiver) -> bool:
        """:meth:`_readable` with ``recvmmsg``, 256 replies per system call."""
        for _ in range(16):  # at most 16 × 256 replies, then the loop gets control back
            try:
                count = batch.receive()
            except OSError:
                return True
            if count:
                if self._native is not None:
                    self.counters.received += self._book_native(self._native, batch, count)
                else:
                    self.counters.received += self._book(batch, count)
                self._receive_drops(batch, count - 1)
            if count < VLEN:
                return True
        return False

    def _layouts(self, batch: BatchReceiver) -> None:
        """The structs that read a whole receive slot, header and control message at once
        (``struct.iter_unpack`` over every datagram of a call): a reply's source, then,
        past the IP header a raw socket gets, its message; its length; its timestamp."""
        header = 20 if self._ip_header else 0  # IPv4 without options
        rest = batch.slot - NAME_SIZE - header - MESSAGE_SIZE
        self._reply_layout = struct.Struct(f"!4xI8x{header}xBBHHHIIII{rest}x")
        after = HEADER_SIZE - LENGTH_OFFSET - 4
        self._length_layout = struct.Struct(f"={LENGTH_OFFSET}xI{after}x")
        self._stamp_layout = struct.Struct(f"{_STAMP.format}{batch.control_slot - _STAMP.size}x")
        self._reply_length = header + MESSAGE_SIZE
        if (
            self._reply_layout.size != batch.slot
            or self._length_layout.size != HEADER_SIZE
            or self._stamp_layout.size != batch.control_slot
        ):
            raise RuntimeError("the receive buffers' layout does not match this platform")

    def _book(self, batch: BatchReceiver, count: int) -> int:
        """Book the ``count`` replies in ``batch``'s buffers; return how many were in time.

        One pass of ``struct.iter_unpack`` over the buffers reads each reply's length,
        source, message and kernel timestamp; a reply in time is booked here: what
        :meth:`_match` does, in one function for the common case (a call per reply is a
        tenth of its cost). Anything else goes through :meth:`_match`; a reply of another
        length (IP options, a longer payload) through :meth:`_book_unusual`."""
        identifier, run, expected = self.identifier, self.run, self._reply_length
        records = self.records
        buffer, numbers, size = records.buffer, records.numbers, records.size
        capacity, buckets = records.capacity, records.buckets
        read, write = _REPLY_READ.unpack_from, _REPLY_WRITE.pack_into
        ids, sent_at, replies = self._ring_ids, self._ring_sent_at, self._ring_replies
        mask, timeout_ns = self._ring_mask, self._timeout_ns
        observers, match, first_bucket = self.observers, self._match, _FIRST_BUCKET
        sol_socket, now_ns, bucket_of = socket.SOL_SOCKET, time.time_ns, bisect.bisect_left
        received = 0
        unusual: list[int] = []
        for index, ((length,), reply, stamp) in enumerate(
            zip(
                self._length_layout.iter_unpack(batch.headers_view[: count * HEADER_SIZE]),
                self._reply_layout.iter_unpack(batch.data_view[: count * batch.slot]),
                self._stamp_layout.iter_unpack(batch.control_view[: count * batch.control_slot]),
                strict=True,
            )
        ):
            if length != expected:
                unusual.append(index)
                continue
            source, kind, _code, _sum, ident, seq, slot, serial, chunk, nonce = reply
            if kind != ECHO_REPLY or ident != identifier:
                continue  # not ours (a raw socket sees every echo reply to this host)
            _size, level, what, seconds, nanos = stamp
            if what == SO_TIMESTAMPNS and level == sol_socket:
                arrival = seconds * 1_000_000_000 + nanos
            else:
                arrival = now_ns()
            if nonce != run or slot >= capacity:
                received += match(None, (seq, slot, serial, chunk), arrival)
                continue
            offset = slot * size
            key, _partial, seq_next, answered, sent, got, rtt_sum, last, jitter = read(
                buffer, offset
            )
            distance = (seq_next - 1 - seq) & 0xFFFF
            ring = chunk & mask
            sent_ns = sent_at[ring]
            if (
                key != (serial << 32 | source)
                or distance >= WINDOW
                or distance >= sent
                or answered >> distance & 1
                or ids[ring] != chunk
                or arrival - sent_ns > timeout_ns
            ):
                # foreign, late or duplicate
                received += match(source, (seq, slot, serial, chunk), arrival)
                continue
            replies[ring] += 1
            rtt = (arrival - sent_ns) / 1e9 if arrival > sent_ns else 0.0
            if last >= 0.0:  # a reply before this one
                jitter += (abs(rtt - last) - jitter) / 16
            write(buffer, offset + 24, answered | 1 << distance, sent, got + 1, rtt_sum + rtt,
                  rtt, jitter)  # fmt: skip
            numbers[(offset >> 3) + first_bucket + bucket_of(buckets, rtt)] += 1
            received += 1
            if observers:
                observer = observers.get(slot)
                if observer is not None:
                    observer(seq, rtt)
        if unusual:
            received += self._book_others(batch, unusual)
        return received

    def _book_native(self, native: _Native, batch: BatchReceiver, count: int) -> int:
        """:meth:`_book` by :func:`_echo.book`: it books the replies in time; the others
        (another length, late, duplicate, foreign) come back by index for
        :meth:`_book_others`, and the observers are called here."""
        records = self.records
        received, others, observed = native.book(
            records.buffer, records.size, records.buckets, batch.headers_view, batch.data_view,
            batch.slot, batch.control_view, batch.control_slot, count, 20 * self._ip_header,
            self.identifier, self.run, self._ring_ids, self._ring_sent_at, self._ring_replies,
            self._timeout_ns, bool(self.observers),
        )  # fmt: skip
        if observed:
            observers = self.observers
            for slot, seq, rtt in observed:
                observer = observers.get(slot)
                if observer is not None:
                    observer(seq, rtt)
        if others:
            received += self._book_others(batch, others)
        return received

    def _book_others(self, batch: BatchReceiver, indices: list[int]) -> int:
        """Book the replies at ``indices`` in ``batch`` one by one (an IP header with
        options, a longer payload, and for the compiled loop anything not in time);
        return how many were in time."""
        received = 0
        for index in indices:
            at = index * HEADER_SIZE + LENGTH_OFFSET
            length = _UINT_NATIVE.unpack_from(batch.headers_view, at)[0]
            at = index * batch.slot
            source = _SIN_ADDR.unpack_from(batch.data_view, at)[0]
            stamp = _STAMP.unpack_from(batch.control_view, index * batch.control_slot)
            _size, level, what, seconds, nanos = stamp
            if what == SO_TIMESTAMPNS and level == socket.SOL_SOCKET:
                arrival = seconds * 1_000_000_000 + nanos
            else:
                arrival = time.time_ns()
            datagram = batch.data_view[at + NAME_SIZE : at + NAME_SIZE + length]
            received += self._book_datagram(datagram, source, arrival)
        return received

    def _book_datagram(self, datagram: bytes | memoryview, source: int, arrival: int) -> bool:
        """Book one datagram read off the socket outside the hot path (its IP header, if
        any, skipped by its length field); True if it was a reply of ours in time."""
        offset = (datagram[0] & 0x0F) * 4 if self._ip_header else 0
        if len(datagram) < offset + MESSAGE_SIZE:
            return False
        kind, _code, _sum, ident, seq, slot, serial, chunk, nonce = _MESSAGE.unpack_from(
            datagram, offset
        )
        if kind != ECHO_REPLY or ident != self.identifier:
            return False  # not ours (a raw socket sees every echo reply to this host)
        echo = (seq, slot, serial, chunk)
        return self._match(source if nonce == self.run else None, echo, arrival)

    def _receive_drops(self, batch: BatchReceiver, index: int) -> None:
        """The socket's drop count, from the SO_RXQ_OVFL message the kernel adds after the
        timestamp once it has dropped anything (cumulative: the latest datagram's is enough)."""
        at = index * HEADER_SIZE + CONTROLLEN_OFFSET
        filled = struct.unpack_from("@N", batch.headers_view, at)[0]
        second = socket.CMSG_SPACE(_TIMESPEC.size)
        if filled < second + socket.CMSG_LEN(4):
            return
        at = index * batch.control_slot + second
        _length, level, what = CMSG_HEADER.unpack_from(batch.control_view, at)
        if what == SO_RXQ_OVFL and level == socket.SOL_SOCKET:
            self.counters.receive_drops = _UINT_NATIVE.unpack_from(
                batch.control_view, at + CMSG_DATA_OFFSET
            )[0]

    def _reply(self, data: bytes, address: str, received_ns: int) -> None:
        source = int.from_bytes(socket.inet_aton(address), "big")
        if self._book_datagram(data, source, received_ns):
            self.counters.received += 1

    def _match(self, source: int | None, echo: tuple[int, int, int, int], arrival: int) -> bool:
        """Book one echo reply from ``source`` (None: not of this run) to ``echo`` (sequence,
        slot, target serial, chunk serial), received at ``arrival`` (ns): in time, late,
        duplicate or foreign. True if it was in time."""
        seq, slot, serial, chunk = echo
        records = self.records
        if source is None or slot >= records.capacity:
            self.counters.foreign += 1
            return False
        offset = slot * records.size
        key, _partial, seq_next, answered, sent, got, rtt_sum, last, jitter = (
            _REPLY_READ.unpack_from(records.buffer, offset)
        )
        distance = (seq_next - 1 - seq) & 0xFFFF
        if key != (serial << 32 | source) or distance >= WINDOW or distance >= sent:
            self.counters.foreign += 1  # not an echo of this target (or too old to tell)
            return False
        numbers, word = records.numbers, offset >> 3
        if answered >> distance & 1:
            numbers[word + 9] += 1
            self.counters.duplicates += 1
            return False
        numbers[word + 3] = answered | 1 << distance
        ring = chunk & self._ring_mask
        sent_ns = self._ring_sent_at[ring]
        if self._ring_ids[ring] != chunk or arrival - sent_ns > self._timeout_ns:
            numbers[word + 10] += 1
            self.counters.late += 1
            return False
        self._ring_replies[ring] += 1
        rtt = max(0, arrival - sent_ns) / 1e9
        if last >= 0.0:  # a reply before this one
            jitter += (abs(rtt - last) - jitter) / 16
        _REPLY_WRITE.pack_into(
            records.buffer, offset + 24, answered | 1 << distance, sent, got + 1, rtt_sum + rtt,
            rtt, jitter,
        )  # fmt: skip
        numbers[word + _FIRST_BUCKET + bisect.bisect_left(records.buckets, rtt)] += 1
        observer = self.observers.get(slot)
        if observer is not None:
            observer(seq, rtt)
        return True

    # -- expiry
    def _schedule_sweep(self) -> None:
        assert self._loop is not None
        if not self.own_timer:
            return
        pause = self.poll if self.poll is not None else min(0.25, self.timeout / 4)
        self._sweeper = self._loop.call_later(pause, self._sweep)

    def service(self) -> None:
        """Read the queued replies, then count the echoes past their timeout as lost (what
        the pinger's own timer does every ``poll`` seconds; call it with ``own_timer=False``)."""
        if self._sock is None:
            return
        while self.poll is not None and not self._drain():
            pass  # replies first: one waiting in the queue is not late
        self._expire()

    def _sweep(self) -> None:
        if self.poll is not None and not self._drain():
            # replies first: one waiting in the queue is not late (after a stall the queue
            # can hold more than one drain takes: go on at once, expire afterwards)
            assert self._loop is not None
            self._sweeper = self._loop.call_soon(self._sweep)
            return
        self._expire()
        self._schedule_sweep()

    def _expire(self) -> None:
        """Count the echoes past their timeout as lost: the send chunks are in send order,
        so this reads the oldest and stops at the first still in time (a chunk's echoes
        unanswered by then are its echoes less its replies: nothing per echo)."""
        deadline = time.time_ns() - self._timeout_ns
        mask, ids = self._ring_mask, self._ring_ids
        chunk, newest = self._oldest_chunk, self._next_chunk
        timeouts = 0
        while chunk != newest:
            index = chunk & mask
            if self._ring_sent_at[index] > deadline:
                break
            timeouts += self._ring_echoes[index] - self._ring_replies[index]
            ids[index] = -1  # a reply from now on is late
            chunk = (chunk + 1) & _SERIAL_MASK
        self._oldest_chunk = chunk
        self.counters.timeouts += timeouts

    def outstanding(self) -> int:
        """Echoes sent, not yet answered and not yet past their timeout."""
        mask, waiting = self._ring_mask, 0
        chunk = self._oldest_chunk
        while chunk != self._next_chunk:
            waiting += self._ring_echoes[chunk & mask] - self._ring_replies[chunk & mask]
            chunk = (chunk + 1) & _SERIAL_MASK
        return waiting
