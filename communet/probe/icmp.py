"""ICMP echo for any number of targets on ONE socket (pure asyncio, Linux).

Why one socket: a raw socket per target (smokeping_prober, icmplib) sees every reply of every
target, so the CPU grows with the square of the targets and a busy receive queue drops
replies that are then counted as loss. Here one socket carries every echo; a reply is matched
to its target by the source address and the sequence number, under one random identifier
per run.

The socket is an unprivileged ``SOCK_DGRAM`` ping socket where ``net.ipv4.ping_group_range``
allows the caller's group (the kernel then fills the identifier and checksum and delivers
only our replies), otherwise a raw socket with an ``ICMP_FILTER`` that lets only echo replies
in (needs root or CAP_NET_RAW). RTTs are measured from the kernel's receive timestamp
(``SO_TIMESTAMPNS``), so a busy event loop delays the bookkeeping, not the measurement.

Sending: a batch of echoes (one scheduler tick's) is written into fixed slots and leaves in
``sendmmsg`` calls of :data:`SEND_CHUNK` echoes (:mod:`communet.probe.mmsg`); only the
destination, checksum and sequence number are written per echo. The send time is taken once
per chunk, just before the system call: an echo's RTT is overstated by at most the time the
kernel takes to send the chunk's earlier echoes (a few µs each; the ``send_chunk_max_ns``
counter records the longest call, the bound). Without ``sendmmsg`` each echo is one
``sendto``, timed on its own.

A target that does not answer costs one slot in a ``sendmmsg`` and one entry in the dict of
outstanding echoes, like one that does: that dict is in send order, so expiry stops at the
first echo still within its timeout and never walks the targets.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import os
import socket
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from communet.probe.mmsg import (
    CMSG_DATA_OFFSET,
    CMSG_HEADER,
    CONTROLLEN_OFFSET,
    HEADER_SIZE,
    LENGTH_OFFSET,
    NAME_SIZE,
    SEND_SLOT,
    VLEN,
    BatchReceiver,
    BatchSender,
    batch_receiver,
    batch_sender,
)

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
_HEADER = struct.Struct("!BBHHH")
_RAW_REPLY = struct.Struct("!12xI4xBBHHH")  # IPv4 header without options: source, then ICMP
_SIN_ADDR = struct.Struct("!4xI")  # sockaddr_in: family, port, address
_UINT = struct.Struct("!I")
_UINT_NATIVE = struct.Struct("@I")
# The first control message of a reply (cmsghdr, then its data: the SO_TIMESTAMPNS timespec).
_STAMP = struct.Struct(f"@Nii{CMSG_DATA_OFFSET - CMSG_HEADER.size}xqq")
# A send slot from its address field on (sockaddr_in + 4): the destination, sin_zero, then
# the ICMP header (type, code, checksum, identifier, sequence).
_SLOT = struct.Struct("!I8xBBHHH")
_SLOT_OFFSET = 4
SEND_CHUNK = 32  # echoes per sendmmsg call, sharing one send time (see the module docstring)
PING_GROUP_RANGE = "/proc/sys/net/ipv4/ping_group_range"
WINDOW = 64  # replies to this many latest echoes per target are told apart (late/duplicate)
_WINDOW_MASK = (1 << WINDOW) - 1

# RTT histogram bounds (seconds) around the video thresholds (ITU-T G.114 / Cisco: one-way
# delay <= 150 ms, i.e. RTT <= 300 ms): comfortable, half the budget, the budget. Few
# buckets keep a province's series count small; loss, mean RTT and jitter do not need them.
DEFAULT_BUCKETS: tuple[float, ...] = (0.05, 0.15, 0.3)


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


def ping_socket_allowed(gid: int | None = None) -> bool:
    """Whether ``net.ipv4.ping_group_range`` lets group ``gid`` open ping sockets."""
    try:
        with open(PING_GROUP_RANGE, encoding="ascii") as handle:
            low, high = (int(x) for x in handle.read().split())
    except (OSError, ValueError):
        return False
    return low <= (os.getgid() if gid is None else gid) <= high


@dataclass(slots=True, eq=False)
class EchoStats:
    """Counters of one target since it was added (monotonic, like Prometheus counters)."""

    buckets: tuple[float, ...] = DEFAULT_BUCKETS
    sent: int = 0
    received: int = 0
    duplicates: int = 0
    late: int = 0
    rtt_sum: float = 0.0
    bucket_counts: list[int] = field(default_factory=list)  # not cumulative; last is +Inf
    last_rtt: float | None = None
    # RFC 3550 §6.4.1 interarrival jitter, J += (|D| - J) / 16, where D is the difference of
    # two consecutive replies' RTTs (the send spacing cancels out of the transit times).
    jitter: float = 0.0
    ipdv_sum: float = 0.0  # sum of |D|, for a mean jitter over any window
    ipdv_count: int = 0

    def __post_init__(self) -> None:
        if not self.bucket_counts:
            self.bucket_counts = [0] * (len(self.buckets) + 1)

    def observe(self, rtt: float) -> None:
        self.received += 1
        self.rtt_sum += rtt
        # the first bucket whose bound is >= rtt (le semantics); past the last: +Inf
        self.bucket_counts[bisect.bisect_left(self.buckets, rtt)] += 1
        if self.last_rtt is not None:
            delta = abs(rtt - self.last_rtt)
            self.jitter += (delta - self.jitter) / 16
            self.ipdv_sum += delta
            self.ipdv_count += 1
        self.last_rtt = rtt


Observer = Callable[[int, float], None]  # (sequence number, RTT seconds)


class EchoTarget(EchoStats):
    """One address probed through a :class:`Pinger`, and its counters (:attr:`stats`).

    The counters are this object's own fields (an :class:`EchoStats`), not a second object:
    at 10,000 targets each target is touched once per interval, long after the CPU caches
    forgot it, and every object a send or a reply reads is one more cache miss (measured:
    booking a reply cost 2-3x more with cold caches than in a tight loop).
    """

    __slots__ = ("_address", "_answered", "_key", "_seq", "_sockaddr", "address", "observer")

    def __init__(
        self,
        address: str,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        observer: Observer | None = None,
    ) -> None:
        EchoStats.__init__(self, tuple(buckets))
        self.address = address
        self.observer = observer
        self._seq = int.from_bytes(os.urandom(2), "big")  # next sequence number to send
        self._answered = 0  # bit d: the echo sent d echoes ago was answered
        # Outstanding echoes are keyed by this target's serial and the sequence number, one
        # int: no tuple per echo (tuples that live for seconds make the garbage collector
        # walk them), and a reply to a removed target's echo never matches its successor.
        self._key = next(_SERIALS) << 16
        self._sockaddr = (address, 0)
        self._address = int.from_bytes(socket.inet_aton(address), "big")

    @property
    def stats(self) -> EchoStats:
        """The counters since the target was added (this object itself)."""
        return self

    def last_sequence(self) -> int:
        return (self._seq - 1) & 0xFFFF

    def answered_recently(self, echoes: int = 4) -> bool:
        """Whether any of the latest ``echoes`` echoes was answered (in time or late)."""
        return bool(self._answered & ((1 << echoes) - 1))


_SERIALS = itertools.count(1)


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
        payload: bytes = b"communet-probe\0\0",
        poll: float | None = None,
        batch_receive: bool = True,
        batch_send: bool = True,
        own_timer: bool = True,
    ) -> None:
        """``poll``: read the socket every ``poll`` seconds instead of on every reply.

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
        """
        self.timeout = timeout
        self.poll = poll
        self.payload = payload
        self.identifier = int.from_bytes(os.urandom(2), "big")
        self.counters = PingerCounters()
        self.mode = ""
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batch_receive = batch_receive
        self.batch_send = batch_send
        self.own_timer = own_timer or poll is None
        self._batch: BatchReceiver | None = None
        self._sender: BatchSender | None = None
        self._targets: dict[str, EchoTarget] = {}
        self._sources: dict[int, EchoTarget] = {}  # the same, by the address as an int
        # target key | sequence -> send time (ns), in send order (a dict keeps insertion
        # order: expiry reads it from the front). Plain ints only: nothing here is tracked
        # by the garbage collector.
        self._pending: dict[int, int] = {}
        self._sweeper: asyncio.Handle | None = None
        self._base_sum = 0
        self._ip_header = 0
        self._receive_size = 60 + 8 + len(payload)  # the longest IP header, ICMP, payload
        self._ancillary_size = socket.CMSG_SPACE(_TIMESPEC.size) + socket.CMSG_SPACE(4)

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
        if self.batch_send:
            self._sender = batch_sender(self._sock.fileno(), self.payload)
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
        # Checksum of everything but the sequence number, added per packet (RFC 1624 style).
        template = _HEADER.pack(ECHO_REQUEST, 0, 0, self.identifier, 0) + self.payload
        self._base_sum = (~checksum(template)) & 0xFFFF
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
    def add(
        self,
        address: str,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        observer: Observer | None = None,
    ) -> EchoTarget:
        """A new target (a second target for the same address replaces the first)."""
        packed = socket.inet_aton(address)  # ValueError-like OSError for anything but IPv4
        target = EchoTarget(address, buckets, observer)
        self._targets[address] = target
        self._sources[int.from_bytes(packed, "big")] = target
        return target

    def probing(self, address: str) -> bool:
        return address in self._targets

    def remove(self, target: EchoTarget) -> None:
        if self._targets.get(target.address) is target:
            del self._targets[target.address]
            del self._sources[int.from_bytes(socket.inet_aton(target.address), "big")]

    # -- sending
    def packet(self, sequence: int) -> bytes:
        total = self._base_sum + sequence  # <= 0x1FFFE: one fold is enough
        total = (total & 0xFFFF) + (total >> 16)
        return (
            _HEADER.pack(ECHO_REQUEST, 0, ~total & 0xFFFF, self.identifier, sequence) + self.payload
        )

    def send(self, target: EchoTarget) -> int:
        """Send the next echo to ``target``; return its sequence number."""
        self.send_many((target,))
        return target.last_sequence()

    def send_many(self, targets: Iterable[EchoTarget]) -> int:
        """Send the next echo to each of ``targets`` (one scheduler tick's batch); return
        how many were sent. Per echo: the target's sequence, answered window and ``sent``,
        one ``pack_into`` of its send slot; per :data:`SEND_CHUNK` echoes one ``sendmmsg``
        and the chunk's outstanding echoes stored at once (plain ints: nothing the garbage
        collector tracks). An echo the
        kernel refuses (no route, buffer full) is counted in ``send_errors`` and times out
        like a lost one; it never raises."""
        if self._sock is None:
            raise RuntimeError("the pinger is not open")
        batch = targets if isinstance(targets, list | tuple) else list(targets)
        sender = self._sender
        if sender is None:
            return self._send_each(batch)
        view, pack = sender.view, _SLOT.pack_into
        base, identifier = self._base_sum, self.identifier
        pending, counters = self._pending, self.counters
        now_ns = time.time_ns
        errors = 0
        for first in range(0, len(batch), SEND_CHUNK):
            chunk = batch[first : first + SEND_CHUNK]
            keys: list[int] = []
            at = _SLOT_OFFSET
            for target in chunk:
                seq = target._seq
                target._seq = (seq + 1) & 0xFFFF
                target._answered = (target._answered << 1) & _WINDOW_MASK
                target.sent += 1
                total = base + seq
                total = ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF
                pack(view, at, target._address, ECHO_REQUEST, 0, total, identifier, seq)
                keys.append(target._key | seq)
                at += SEND_SLOT
            stamp = now_ns()  # just before the system call: RTTs err long, never short
            _sent, failed = sender.send(len(chunk))
            spent = now_ns() - stamp
            pending.update(dict.fromkeys(keys, stamp))
            errors += len(failed)
            counters.send_chunk_max_ns = max(counters.send_chunk_max_ns, spent)
        counters.sent += len(batch)
        counters.send_errors += errors
        return len(batch)

    def _send_each(self, targets: Sequence[EchoTarget]) -> int:
        """:meth:`send_many` with one ``sendto`` per echo (libc without ``sendmmsg``)."""
        assert self._sock is not None
        sendto = self._sock.sendto
        pack = _HEADER.pack
        payload, base, identifier = self.payload, self._base_sum, self.identifier
        pending = self._pending
        now_ns = time.time_ns
        errors = 0
        for target in targets:
            seq = target._seq
            target._seq = (seq + 1) & 0xFFFF
            target._answered = (target._answered << 1) & _WINDOW_MASK
            target.sent += 1
            total = base + seq
            total = ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF
            pending[target._key | seq] = now_ns()
            try:
                sendto(pack(ECHO_REQUEST, 0, total, identifier, seq) + payload, target._sockaddr)
            except OSError:
                # Unreachable from here (no route, buffer full): the echo is lost, as on a wire.
                errors += 1
        self.counters.sent += len(targets)
        self.counters.send_errors += errors
        return len(targets)

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
                self.counters.received += self._book(batch, count)
                self._receive_drops(batch, count - 1)
            if count < VLEN:
                return True
        return False

    def _book(self, batch: BatchReceiver, count: int) -> int:
        """Book the ``count`` replies in ``batch``'s buffers; return how many were in time.

        Headers, source and kernel timestamp are unpacked straight from the fixed buffers,
        and an expected reply is booked here (what :meth:`_match` does; anything else goes
        through it)."""
        data, control = batch.data_view, batch.control_view
        names, headers = batch.names_view, batch.headers_view
        slot, control_slot = batch.slot, batch.control_slot
        raw, identifier = self._ip_header, self.identifier
        sources, pending, match = self._sources, self._pending, self._match
        unpack_length, unpack_address = _UINT_NATIVE.unpack_from, _UINT.unpack_from
        unpack_raw, unpack_icmp = _RAW_REPLY.unpack_from, _HEADER.unpack_from
        unpack_stamp, unpack_name = _STAMP.unpack_from, _SIN_ADDR.unpack_from
        sol_socket, now_ns = socket.SOL_SOCKET, time.time_ns
        received = 0
        for index in range(count):
            length = unpack_length(headers, index * HEADER_SIZE + LENGTH_OFFSET)[0]
            at = index * slot
            if not raw:
                if length < 8:
                    continue
                kind, _code, _sum, ident, seq = unpack_icmp(data, at)
                source = unpack_name(names, index * NAME_SIZE)[0]
            elif data[at] == 0x45 and length >= 28:  # IPv4 without options
                source, kind, _code, _sum, ident, seq = unpack_raw(data, at)
            else:
                offset = (data[at] & 0x0F) * 4
                if length < offset + 8:
                    continue
                source = unpack_address(data, at + 12)[0]
                kind, _code, _sum, ident, seq = unpack_icmp(data, at + offset)
            if kind != ECHO_REPLY or ident != identifier:
                continue
            _length, level, what, seconds, nanos = unpack_stamp(control, index * control_slot)
            if what == SO_TIMESTAMPNS and level == sol_socket:
                arrival = seconds * 1_000_000_000 + nanos
            else:
                arrival = now_ns()
            target = sources.get(source)
            sent_ns = None if target is None else pending.pop(target._key | seq, None)
            if target is None or sent_ns is None:
                match(target, seq, arrival)  # foreign, late or duplicate
                continue
            distance = (target._seq - 1 - seq) & 0xFFFF
            if distance < WINDOW:
                target._answered |= 1 << distance
            rtt = (arrival - sent_ns) / 1e9 if arrival > sent_ns else 0.0
            target.observe(rtt)
            received += 1
            if target.observer is not None:
                target.observer(seq, rtt)
        return received

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
        offset = (data[0] & 0x0F) * 4 if self._ip_header else 0
        if len(data) < offset + 8:
            return
        kind, _code, _sum, identifier, seq = _HEADER.unpack_from(data, offset)
        if kind != ECHO_REPLY or identifier != self.identifier:
            return
        self._match(self._targets.get(address), seq, received_ns)

    def _match(self, target: EchoTarget | None, seq: int, received_ns: int) -> None:
        """Book one echo reply with sequence number ``seq`` from ``target``."""
        if target is None:
            self.counters.foreign += 1
            return
        sent_ns = self._pending.pop(target._key | seq, None)
        distance = (target._seq - 1 - seq) & 0xFFFF
        if sent_ns is not None:
            if distance < WINDOW:
                target._answered |= 1 << distance
            rtt = max(0, received_ns - sent_ns) / 1e9
            target.observe(rtt)
            self.counters.received += 1
            if target.observer is not None:
                target.observer(seq, rtt)
        elif distance >= WINDOW or distance >= target.sent:
            self.counters.foreign += 1  # not an echo of this target (or too old to tell)
        elif target._answered >> distance & 1:
            target.duplicates += 1
            self.counters.duplicates += 1
        else:
            target.late += 1
            target._answered |= 1 << distance
            self.counters.late += 1

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
        """Count the echoes past their timeout as lost: the outstanding echoes are in send
        order, so this reads from the oldest and stops at the first still in time (the
        answered ones are gone already: a down target costs this, an answering one not)."""
        deadline = time.time_ns() - int(self.timeout * 1e9)
        pending = self._pending
        expired: list[int] = []
        for key, sent in pending.items():
            if sent > deadline:
                break
            expired.append(key)
        for key in expired:
            del pending[key]
        self.counters.timeouts += len(expired)

    def outstanding(self) -> int:
        return len(self._pending)
