"""The shared-socket pinger on real sockets inside ``unshare -rn`` (raw socket, and the
unprivileged ping socket once ping_group_range allows it), plus its packet arithmetic."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from communet.lab.icmp import namespaces_available
from communet.probe.icmp import EchoStats, Pinger, checksum
from communet.probe.mmsg import batch_receiver, batch_sender

SCRIPT = Path(__file__).with_name("netns_icmp.py")


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    if not namespaces_available():
        pytest.skip("unshare -rn is not permitted here")
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_incremental_checksum_matches_rfc_1071() -> None:
    pinger = Pinger()
    pinger.identifier = 0xBEEF
    pinger._base_sum = ~checksum(pinger.packet(0)[:2] + b"\0\0" + pinger.packet(0)[4:]) & 0xFFFF
    for seq in (0, 1, 255, 0x7FFF, 0xFFFE, 0xFFFF):
        assert checksum(pinger.packet(seq)) == 0, seq


def test_histogram_buckets_and_jitter_by_hand() -> None:
    stats = EchoStats()
    for rtt in (0.010, 0.100, 0.200, 0.500):
        stats.observe(rtt)
    assert stats.bucket_counts == [1, 1, 1, 1]  # <=50 ms, <=150, <=300, above
    assert stats.received == 4
    assert stats.rtt_sum == pytest.approx(0.81)
    assert stats.ipdv_sum == pytest.approx(0.09 + 0.1 + 0.3)
    expected = 0.0
    for delta in (0.09, 0.1, 0.3):
        expected += (delta - expected) / 16
    assert stats.jitter == pytest.approx(expected)


@pytest.mark.parametrize(
    ("run_name", "mode", "recvmmsg", "sendmmsg"),
    [
        ("raw", "raw", True, True),
        ("dgram", "dgram", True, True),
        # the fallbacks where libc has no recvmmsg / sendmmsg: one recvmsg per reply, one
        # sendto per echo, same bookkeeping
        ("raw_recvmsg", "raw", False, True),
        ("dgram_recvmsg", "dgram", False, True),
        ("raw_sendto", "raw", True, False),
        ("dgram_sendto", "dgram", True, False),
    ],
)
def test_replies_in_time_late_and_none(
    seen: dict[str, Any], run_name: str, mode: str, recvmmsg: bool, sendmmsg: bool
) -> None:
    run = seen[run_name]
    assert run["mode"] == mode
    assert run["recvmmsg"] is recvmmsg
    assert run["sendmmsg"] is sendmmsg
    assert run["clean"] == {"sent": 5, "received": 5, "late": 0, "duplicates": 0}
    # 300 ms replies against a 100 ms timeout: lost, then counted late, never received
    assert run["slow"] == {"sent": 5, "received": 0, "late": 5, "duplicates": 0}
    assert run["nobody"] == {"sent": 5, "received": 0, "late": 0, "duplicates": 0}
    # the kernel refused every echo to an address without a route: counted as send errors
    # and lost, never raised, and the echoes after it in the same batch still went out
    assert run["unrouted"] == {"sent": 5, "received": 0, "late": 0, "duplicates": 0}
    assert run["send_errors"] == 5
    assert run["timeouts"] == 15
    assert run["outstanding"] == 0


def test_batch_calls_are_none_where_the_c_library_lacks_them() -> None:
    """The sendto / recvmsg fallbacks are chosen when the C library has no sendmmsg /
    recvmmsg (looked up under a name glibc does not have) or cannot be found."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fd = sock.fileno()
        assert batch_sender(fd, b"x", name="sendmmsg_missing") is None
        assert batch_receiver(fd, 64, 64, name="recvmmsg_missing") is None
        assert batch_sender(fd, b"x", library="no-such-library") is None
        assert batch_receiver(fd, 64, 64, library="no-such-library") is None
        assert batch_sender(fd, b"x") is not None
        assert batch_receiver(fd, 64, 64) is not None
