"""ICMP mode: inside an unprivileged user + network namespace the lab answers pings itself,
with per-device loss, latency, jitter and link down that real echo requests see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from communet.lab.icmp import echo_reply, namespaces_available

PROBE = Path(__file__).with_name("netns_probe.py")


def test_echo_reply_swaps_addresses_and_keeps_id_and_payload() -> None:
    request = (
        bytes.fromhex("4500002000004000400100007f0000017f3c0001")
        + bytes.fromhex("0800f7fe00010001")
        + b"ping"
    )
    answer = echo_reply(request)
    assert answer is not None
    packet, target, source = answer
    assert (target, source) == ("127.60.0.1", "127.0.0.1")
    assert packet[12:16] == bytes([127, 60, 0, 1])
    assert packet[20] == 0  # echo reply
    assert packet[24:28] == request[24:28]  # identifier and sequence
    assert packet.endswith(b"ping")


@pytest.mark.skipif(not namespaces_available(), reason="unshare -rn is not permitted here")
def test_link_impairment_is_seen_by_real_icmp() -> None:
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, str(PROBE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(result.stdout)
    assert seen["clean"]["received"] == 5
    assert max(seen["clean"]["rtts"]) < 0.05
    assert seen["slow"]["received"] == 5
    assert min(seen["slow"]["rtts"]) >= 0.07
    assert 5 <= seen["lossy"]["received"] <= 25  # 50 % of 30, with room for chance
    assert seen["cut"]["received"] == 0
    assert seen["down"]["received"] == 0
    assert seen["nobody"]["received"] == 0  # the kernel no longer answers for 127.x
