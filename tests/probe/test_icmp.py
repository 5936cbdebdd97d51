"""The shared-socket pinger on real sockets inside ``unshare -rn`` (raw socket, and the
unprivileged ping socket once ping_group_range allows it), plus its packet arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from communet.lab.icmp import namespaces_available
from communet.probe.icmp import EchoStats, Pinger, checksum

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
    ("run_name", "mode", "recvmmsg"),
    [
        ("raw", "raw", True),
        ("dgram", "dgram", True),
        # the fallback where libc has no recvmmsg: one recvmsg per reply, same bookkeeping
        ("raw_recvmsg", "raw", False),
        ("dgram_recvmsg", "dgram", False),
    ],
)
def test_replies_in_time_late_and_none(
    seen: dict[str, Any], run_name: str, mode: str, recvmmsg: bool
) -> None:
    run = seen[run_name]
    assert run["mode"] == mode
    assert run["recvmmsg"] is recvmmsg
    assert run["clean"] == {"sent": 5, "received": 5, "late": 0, "duplicates": 0}
    # 300 ms replies against a 100 ms timeout: lost, then counted late, never received
    assert run["slow"] == {"sent": 5, "received": 0, "late": 5, "duplicates": 0}
    assert run["nobody"] == {"sent": 5, "received": 0, "late": 0, "duplicates": 0}
    assert run["timeouts"] == 10
    assert run["outstanding"] == 0


def test_duplicates_are_counted_apart(seen: dict[str, Any]) -> None:
    assert seen["raw"]["duplicate_test"] == {"sent": 1, "received": 1, "late": 0, "duplicates": 2}


def test_auto_prefers_the_unprivileged_ping_socket(seen: dict[str, Any]) -> None:
    assert seen["auto"] == "dgram"


def test_burst_mode_reports_loss_burst_loss_and_jitter(seen: dict[str, Any]) -> None:
    lossy, jittery = seen["burst"]["lossy"], seen["burst"]["jittery"]
    assert lossy["sent"] == 300
    assert 0.2 <= lossy["loss"] <= 0.4  # 30 % injected, 300 samples
    assert lossy["burst_loss"] >= lossy["loss"]
    assert lossy["longest_gap"] >= 2
    assert jittery["received"] == 60
    # 30 ms ± 10 ms uniform; the lab's timers run on a thread of the same busy process, so
    # they fire a few ms late at times: bands wide enough for that, narrow enough to fail a
    # pinger that mismeasures
    assert 0.027 <= jittery["rtt_p50"] <= 0.045
    assert 0.030 <= jittery["rtt_max"] <= 0.200
    # RFC 3550 jitter of a uniform ±10 ms is 6.7 ms; 60 samples, so a wide band
    assert 0.004 <= jittery["mean_ipdv"] <= 0.012
