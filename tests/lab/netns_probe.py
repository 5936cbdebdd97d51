"""Run inside ``unshare -rn``: a lab in ICMP mode, probed with real echo requests.

Prints one JSON object: per target, echo requests sent, replies received and RTTs (s).
Used by test_netns.py; not a test module itself.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from communet.lab import Lab
from communet.lab.icmp import checksum, prepare_namespace
from tests.lab.conftest import spec


def ping(sock: socket.socket, address: str, count: int, ident: int) -> list[float]:
    rtts: list[float] = []
    for seq in range(count):
        body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"communet-lab-probe"
        body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
        sent = time.perf_counter()
        sock.sendto(body, (address, 0))
        deadline = sent + 0.15
        while (left := deadline - time.perf_counter()) > 0:
            ready, _, _ = select.select([sock], [], [], left)
            if not ready:
                break
            packet, (source, _) = sock.recvfrom(65535)
            icmp = packet[(packet[0] & 0x0F) * 4 :]
            kind, _, _, their_id, their_seq = struct.unpack("!BBHHH", icmp[:8])
            if kind == 0 and source == address and their_id == ident and their_seq == seq:
                rtts.append(time.perf_counter() - sent)
                break
    return rtts


def main() -> None:
    prepare_namespace()
    specs = [
        spec("cisco_ios", "WS-C2960X-24TS-L", name)
        for name in ("clean", "slow", "lossy", "cut", "down")
    ]
    with Lab(specs, network="127.60.0.0/24", icmp=True) as lab:
        lab.set_fault("slow", latency=0.08, jitter=0.01)
        lab.set_fault("lossy", loss=0.5)
        lab.set_fault("cut", link_down=True)
        lab.set_fault("down", down=True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        targets = {**{h: lab.addresses[h] for h in lab.devices}, "nobody": "127.60.0.200"}
        result = {}
        for index, (name, address) in enumerate(targets.items()):
            count = {"lossy": 30, "clean": 5, "slow": 5}.get(name, 3)
            rtts = ping(sock, address, count, (os.getpid() + index) & 0xFFFF)
            result[name] = {"sent": count, "received": len(rtts), "rtts": rtts}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
