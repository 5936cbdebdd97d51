"""Run inside ``unshare -rn``: the shared-socket pinger and burst mode against the lab's
ICMP responder. Prints one JSON object for test_icmp.py; not a test module itself."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from communet.lab import Lab
from communet.lab.icmp import echo_reply, prepare_namespace
from communet.probe.burst import burst
from communet.probe.icmp import (
    ECHO_REQUEST,
    ICMP_FILTER,
    PING_GROUP_RANGE,
    SOL_RAW,
    Pinger,
    checksum,
)
from tests.lab.conftest import spec

NOBODY = "127.71.0.200"
BY_HAND = "127.71.0.201"  # answered by nobody but the test itself
UNROUTED = "10.255.0.1"  # no route in a namespace with only lo: the kernel refuses the send


def counts(pinger: Pinger, address: str) -> dict[str, int]:
    target = pinger._targets[address]
    stats = target.stats
    return {
        "sent": stats.sent,
        "received": stats.received,
        "late": stats.late,
        "duplicates": stats.duplicates,
    }


async def shared_socket(
    lab: Lab, mode: str, *, batch: bool = True, batch_send: bool = True, native: bool = True
) -> dict[str, Any]:
    pinger = Pinger(timeout=0.1, batch_receive=batch, batch_send=batch_send, native=native)
    pinger.open(mode)
    clean, slow = lab.addresses["clean"], lab.addresses["slow"]
    targets = [pinger.add(a) for a in (clean, UNROUTED, slow, NOBODY)]
    with requests_seen() as seen:
        for _ in range(5):
            # one batch, as a scheduler tick sends it: the refused echo to UNROUTED sits
            # between echoes that must still leave
            pinger.send_many([target.slot for target in targets])
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        requests = seen()
    out: dict[str, Any] = {"mode": pinger.mode, "identifier": pinger.identifier}
    # every echo as it left: a valid checksum (a real device drops any other) and this run
    out["requests"] = len(requests)
    out["bad_checksums"] = sum(checksum(message) != 0 for message in requests)
    out["other_runs"] = sum(message[20:24] != pinger.run.to_bytes(4, "big") for message in requests)
    out["recvmmsg"] = pinger._batch is not None
    out["sendmmsg"] = pinger._sender is not None
    out["native"] = pinger.native
    out |= {name: counts(pinger, a) for name, a in (("clean", clean), ("slow", slow))}
    out["nobody"] = counts(pinger, NOBODY)
    out["unrouted"] = counts(pinger, UNROUTED)
    out["send_errors"] = pinger.counters.send_errors
    out["timeouts"] = pinger.counters.timeouts
    out["outstanding"] = pinger.outstanding()
    if mode == "raw":
        out["duplicate_test"] = await duplicate(pinger, clean)
    pinger.close()
    return out


class requests_seen:  # noqa: N801 - a context manager read as a phrase
    """The echo requests sent on this namespace's loopback while inside (their ICMP
    messages), read from a raw socket that lets only echo requests in."""

    def __enter__(self) -> Callable[[], list[bytes]]:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        allowed = ~(1 << ECHO_REQUEST) & 0xFFFFFFFF
        self.sock.setsockopt(SOL_RAW, ICMP_FILTER, allowed.to_bytes(4, sys.byteorder))
        self.sock.setblocking(False)
        return self.read

    def read(self) -> list[bytes]:
        messages: list[bytes] = []
        while True:
            try:
                packet = self.sock.recv(2048)
            except BlockingIOError:
                return messages
            messages.append(packet[(packet[0] & 0x0F) * 4 :])

    def __exit__(self, *_exc: object) -> None:
        self.sock.close()


def answer(address: str, message: bytes, *, ip_options: bytes = b"") -> None:
    """Send the echo reply to ``message`` (an echo request to ``address``) as ``address``,
    its IP header carrying ``ip_options`` (a multiple of 4 bytes) if given."""
    request = bytes([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0])
    request += socket.inet_aton("127.0.0.1") + socket.inet_aton(address) + message
    reply = echo_reply(request)
    assert reply is not None
    packet = reply[0]
    if ip_options:
        header = bytearray(packet[:20])
        header[0] = 0x45 + len(ip_options) // 4
        header[2:4] = (len(packet) + len(ip_options)).to_bytes(2, "big")
        header[10:12] = b"\0\0"
        header += ip_options
        header[10:12] = checksum(bytes(header)).to_bytes(2, "big")
        packet = bytes(header) + packet[20:]
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        raw.sendto(packet, ("127.0.0.1", 0))


async def by_hand(*, native: bool = True) -> dict[str, Any]:
    """Replies this test writes itself, at chosen delays, to echoes nobody else answers:
    the histogram, RTT sum and jitter are checked against the RTTs the observer saw; then a
    reply to a removed target's echo and one carrying another run's number are foreign."""
    pinger = Pinger(timeout=1.0, native=native)
    pinger.open("raw")
    rtts: list[float] = []
    target = pinger.add(BY_HAND, observer=lambda _seq, rtt: rtts.append(rtt))
    delays = (0.01, 0.1, 0.2, 0.4)
    for delay in delays:
        seq = pinger.send(target)
        message = pinger.request(target, seq, pinger.last_chunk)
        await asyncio.sleep(delay)
        answer(BY_HAND, message)
        await asyncio.sleep(0.05)
    stats = target.stats
    out: dict[str, Any] = {"delays": delays, "rtts": rtts[:], "stats": dataclasses.asdict(stats)}
    # replies of another length than usual: an IP header with options (four NOPs), and a
    # payload with more data after ours; both still in time
    seq = pinger.send(target)
    answer(BY_HAND, pinger.request(target, seq, pinger.last_chunk), ip_options=b"\x01" * 4)
    seq = pinger.send(target)
    answer(BY_HAND, pinger.request(target, seq, pinger.last_chunk) + b"and more")
    await asyncio.sleep(0.05)
    out["unusual"] = {"received": target.stats.received - stats.received, "rtts": rtts[4:]}
    seq = pinger.send(target)
    message = pinger.request(target, seq, pinger.last_chunk)
    other_run = bytearray(message)
    other_run[20:24] = ((pinger.run + 1) & 0xFFFFFFFF).to_bytes(4, "big")
    answer(BY_HAND, bytes(other_run))
    await asyncio.sleep(0.05)
    pinger.remove(target)
    answer(BY_HAND, message)
    await asyncio.sleep(0.05)
    out["foreign"] = pinger.counters.foreign
    out["received_after"] = pinger.counters.received
    out["removed_keeps"] = {"sent": target.stats.sent, "received": target.stats.received}
    out["native"] = pinger.native
    pinger.close()
    return out


async def duplicate(pinger: Pinger, address: str) -> dict[str, int]:
    """Answer one echo twice more (as a broken middlebox would): both extra replies are
    duplicates, none counts as received."""
    target = pinger._targets[address]
    before = counts(pinger, address)
    seq = pinger.send(target)
    await asyncio.sleep(0.05)
    message = pinger.request(target, seq, pinger.last_chunk)
    for _ in range(2):
        answer(address, message)
    await asyncio.sleep(0.05)
    after = counts(pinger, address)
    return {k: after[k] - before[k] for k in after}


async def bursts(lab: Lab) -> dict[str, Any]:
    pinger = Pinger(timeout=0.5)
    pinger.open("raw")
    lossy = await burst(pinger, lab.addresses["lossy"], rate=100, duration=3)
    jittery = await burst(pinger, lab.addresses["jittery"], rate=20, duration=3)
    pinger.close()
    return {"lossy": lossy.__dict__ | {"loss": lossy.loss}, "jittery": jittery.__dict__}


def main() -> None:
    prepare_namespace()
    names = ("clean", "slow", "lossy", "jittery")
    specs = [spec("cisco_ios", "WS-C2960X-24TS-L", name) for name in names]
    result: dict[str, Any] = {}
    with Lab(specs, network="127.71.0.0/24", icmp=True, snmp=False) as lab:
        lab.set_fault("slow", latency=0.3)
        lab.set_fault("lossy", loss=0.3)
        lab.set_fault("jittery", latency=0.03, jitter=0.01)
        result["raw"] = asyncio.run(shared_socket(lab, "raw"))
        result["by_hand"] = asyncio.run(by_hand())
        result["by_hand_python"] = asyncio.run(by_hand(native=False))
        result["raw_python"] = asyncio.run(shared_socket(lab, "raw", native=False))
        result["raw_recvmsg"] = asyncio.run(shared_socket(lab, "raw", batch=False))
        result["raw_sendto"] = asyncio.run(shared_socket(lab, "raw", batch_send=False))
        Path(PING_GROUP_RANGE).write_text("0 0\n")  # only gid 0 exists in this user namespace
        result["dgram"] = asyncio.run(shared_socket(lab, "dgram"))
        result["dgram_python"] = asyncio.run(shared_socket(lab, "dgram", native=False))
        result["dgram_recvmsg"] = asyncio.run(shared_socket(lab, "dgram", batch=False))
        result["dgram_sendto"] = asyncio.run(shared_socket(lab, "dgram", batch_send=False))
        result["auto"] = asyncio.run(shared_socket(lab, "auto"))["mode"]
        result["burst"] = asyncio.run(bursts(lab))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
