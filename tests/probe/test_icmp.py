"""The shared-socket pinger on real sockets inside ``unshare -rn`` (raw socket, and the
unprivileged ping socket once ping_group_range allows it), plus its packet arithmetic."""

from __future__ import annotations

import itertools
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


def test_echo_checksums_match_rfc_1071() -> None:
    """The checksum is summed from parts (the run's, the target's, the chunk's, the
    sequence's): every combination must still be a valid RFC 1071 checksum."""
    pinger = Pinger()
    targets = [pinger.add(f"10.0.{n // 256}.{n % 256}") for n in range(300)]  # slots 0..299
    for target in (targets[0], targets[1], targets[255], targets[299]):
        for seq in (0, 1, 255, 0x7FFF, 0xFFFE, 0xFFFF):
            for chunk in (0, 1, 0xFFFF, 0x10000, 0xFFFFFFFF):
                message = pinger.request(target, seq, chunk)
                assert checksum(message) == 0, (target.slot, seq, chunk)
                assert message[0] == 8  # echo request


def test_a_removed_target_keeps_its_counters_and_frees_its_slot() -> None:
    pinger = Pinger(buckets=(0.1,))
    first = pinger.add("10.0.0.1")
    pinger.restore(first, EchoStats(sent=7, received=5, bucket_counts=(4, 1), buckets=(0.1,)))
    pinger.remove(first)
    second = pinger.add("10.0.0.2")
    assert second.slot == first.slot
    assert second.serial != first.serial
    assert (first.stats.sent, first.stats.received, first.stats.bucket_counts) == (7, 5, (4, 1))
    assert (second.stats.sent, second.stats.received, second.stats.bucket_counts) == (0, 0, (0, 0))
    assert not pinger.probing("10.0.0.1")
    assert pinger.probing("10.0.0.2")
    with pytest.raises(ValueError, match="2 bucket counts expected"):
        pinger.restore(second, EchoStats())


def test_replies_by_hand_histogram_jitter_and_foreign(seen: dict[str, Any]) -> None:
    """Replies the test wrote at 10, 100, 200 and 400 ms: each RTT at least its delay, the
    histogram, sum and RFC 3550 jitter those RTTs give by hand; replies with IP options or
    a longer payload are still booked; a reply carrying another run's number and one to a
    removed target's echo are foreign, never received."""
    run = seen["by_hand"]
    rtts, stats = run["rtts"], run["stats"]
    assert len(rtts) == 4
    assert all(rtt >= delay for rtt, delay in zip(rtts, run["delays"], strict=True))
    expected = [0] * (len(stats["buckets"]) + 1)
    for rtt in rtts:
        expected[sum(rtt > bound for bound in stats["buckets"])] += 1
    assert stats["bucket_counts"] == expected
    assert stats["received"] == 4
    assert stats["sent"] == 4
    assert stats["rtt_sum"] == pytest.approx(sum(rtts))
    jitter = 0.0
    for before, after in itertools.pairwise(rtts):
        jitter += (abs(after - before) - jitter) / 16
    assert stats["jitter"] == pytest.approx(jitter)
    assert stats["last_rtt"] == pytest.approx(rtts[-1])
    assert run["unusual"]["received"] == 2
    assert len(run["unusual"]["rtts"]) == 2
    assert run["foreign"] == 2
    assert run["received_after"] == 6
    assert run["removed_keeps"] == {"sent": 7, "received": 6}


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
    # as they left: 15 echoes (the 5 the kernel refused never did), each with a valid
    # checksum and this run's number
    assert run["requests"] == 15
    assert run["bad_checksums"] == run["other_runs"] == 0
    if run_name == "raw":
        # one echo answered by the lab, then twice more by hand: two duplicates
        assert run["duplicate_test"] == {"sent": 1, "received": 1, "late": 0, "duplicates": 2}


def test_batch_calls_are_none_where_the_c_library_lacks_them() -> None:
    """The sendto / recvmsg fallbacks are chosen when the C library has no sendmmsg /
    recvmmsg (looked up under a name glibc does not have) or cannot be found."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fd = sock.fileno()
        assert batch_sender(fd, 24, name="sendmmsg_missing") is None
        assert batch_receiver(fd, 64, 64, name="recvmmsg_missing") is None
        assert batch_sender(fd, 24, library="no-such-library") is None
        assert batch_receiver(fd, 64, 64, library="no-such-library") is None
        assert batch_sender(fd, 24) is not None
        assert batch_receiver(fd, 64, 64) is not None
