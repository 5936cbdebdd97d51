"""Run inside ``unshare -rn``: the shared-socket pinger and burst mode against the lab's
ICMP responder. Prints one JSON object for test_icmp.py; not a test module itself."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from communet.lab import Lab
from communet.lab.icmp import echo_reply, prepare_namespace
from communet.probe.burst import burst
from communet.probe.icmp import PING_GROUP_RANGE, Pinger
from tests.lab.conftest import spec

NOBODY = "127.71.0.200"
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
    lab: Lab, mode: str, *, batch: bool = True, batch_send: bool = True
) -> dict[str, Any]:
    pinger = Pinger(timeout=0.1, batch_receive=batch, batch_send=batch_send)
    pinger.open(mode)
    clean, slow = lab.addresses["clean"], lab.addresses["slow"]
    targets = [pinger.add(a) for a in (clean, UNROUTED, slow, NOBODY)]
    for _ in range(5):
        # one batch, as a scheduler tick sends it: the refused echo to UNROUTED sits between
        # echoes that must still leave
        pinger.send_many(targets)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.5)
    out: dict[str, Any] = {"mode": pinger.mode, "identifier": pinger.identifier}
    out["recvmmsg"] = pinger._batch is not None
    out["sendmmsg"] = pinger._sender is not None
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


async def duplicate(pinger: Pinger, address: str) -> dict[str, int]:
    """Answer one echo twice more (as a broken middlebox would): both extra replies are
    duplicates, none counts as received."""
    target = pinger._targets[address]
    before = counts(pinger, address)
    seq = pinger.send(target)
    await asyncio.sleep(0.05)
    request = bytes([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0])
    request += socket.inet_aton("127.0.0.1") + socket.inet_aton(address) + pinger.packet(seq)
    answer = echo_reply(request)
    assert answer is not None
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for _ in range(2):
        raw.sendto(answer[0], ("127.0.0.1", 0))
    raw.close()
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
        result["raw_recvmsg"] = asyncio.run(shared_socket(lab, "raw", batch=False))
        result["raw_sendto"] = asyncio.run(shared_socket(lab, "raw", batch_send=False))
        Path(PING_GROUP_RANGE).write_text("0 0\n")  # only gid 0 exists in this user namespace
        result["dgram"] = asyncio.run(shared_socket(lab, "dgram"))
        result["dgram_recvmsg"] = asyncio.run(shared_socket(lab, "dgram", batch=False))
        result["dgram_sendto"] = asyncio.run(shared_socket(lab, "dgram", batch_send=False))
        result["auto"] = asyncio.run(shared_socket(lab, "auto"))["mode"]
        result["burst"] = asyncio.run(bursts(lab))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
