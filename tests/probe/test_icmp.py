"""The shared-socket pinger on real sockets inside ``unshare -rn`` (raw socket, and the
unprivileged ping socket once ping_group_range allows it), plus its packet arithmetic."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
from array import array
from pathlib import Path
from typing import Any

import pytest

from communet.lab.icmp import namespaces_available
from communet.probe.icmp import EchoStats, Pinger, checksum, native_loops
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


@pytest.mark.skipif(native_loops is None, reason="communet.probe._echo is not built")
def test_compiled_send_slots_match_the_python_request() -> None:
    """_echo.pack writes for each slot the echo Pinger.request builds in Python (the
    reference), to the target's address, and advances the record as the Python loop does:
    sequence (wrapping at 16 bits), answered window, sent."""
    assert native_loops is not None
    pinger = Pinger()
    targets = [pinger.add(f"10.1.{n // 256}.{n % 256}") for n in range(300)]
    chosen = [targets[0], targets[1], targets[255], targets[299]]
    records, step = pinger.records, 16 + 24
    records.numbers[chosen[2].slot * records.words + 2] = 0xFFFF  # the next echo wraps
    records.numbers[chosen[3].slot * records.words + 3] = 1 << 63 | 1  # answered window
    for chunk in (0, 1, 0xFFFF, 0x10000, 0xFFFFFFFF):
        sequences = [pinger.next_sequence(t) for t in chosen]
        expected = [pinger.request(t, s, chunk) for t, s in zip(chosen, sequences, strict=True)]
        windows = [int(t.counters()[0]) for t in chosen]
        out = bytearray(len(chosen) * step)
        native_loops.pack(
            records.buffer, records.size, array("L", [t.slot for t in chosen]), 0, len(chosen),
            out, step, pinger._base_sum + (chunk >> 16) + (chunk & 0xFFFF), pinger.identifier,
            chunk, pinger.run,
        )  # fmt: skip
        for index, target in enumerate(chosen):
            at = index * step
            assert out[at + 4 : at + 8] == socket.inet_aton(target.address)
            assert bytes(out[at + 16 : at + step]) == expected[index]
            assert pinger.next_sequence(target) == (sequences[index] + 1) & 0xFFFF
            assert int(target.counters()[0]) == (windows[index] << 1) & (2**64 - 1)
    assert [t.sent for t in chosen] == [5] * 4
    assert targets[2].sent == 0


@pytest.mark.skipif(native_loops is None, reason="communet.probe._echo is not built")
def test_compiled_loops_refuse_buffers_that_do_not_fit() -> None:
    assert native_loops is not None
    pinger = Pinger()
    pinger.add("10.0.0.1")
    records = pinger.records
    out = bytearray(40)

    def pack(slots: object, count: int = 1, buffer: bytearray = out) -> None:
        native_loops.pack(records.buffer, records.size, slots, 0, count, buffer, 40, 0, 0, 0, 0)

    with pytest.raises(IndexError, match=r"^pack: slot 64 is not a record$"):
        pack(array("Q", [64]))
    with pytest.raises(ValueError, match=r"^pack: sizes do not fit the buffers$"):
        pack(array("Q", [0, 0]), count=2)  # two echoes, room for one
    with pytest.raises(TypeError, match=r"^slots: a buffer of 8-byte items is expected$"):
        pack(array("I", [0]))
    ring = array("q", [0]) * 3
    with pytest.raises(ValueError, match=r"^book: the ring's arrays differ or are no power of 2$"):
        native_loops.book(
            records.buffer, records.size, records.buckets, b"", b"", 100, b"", 48, 0, 0, 0, 0,
            ring, ring, ring, 10**9, False,
        )  # fmt: skip


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


@pytest.mark.parametrize(("run_name", "native"), [("by_hand", True), ("by_hand_python", False)])
def test_replies_by_hand_histogram_jitter_and_foreign(
    seen: dict[str, Any], run_name: str, native: bool
) -> None:
    """Replies the test wrote at 10, 100, 200 and 400 ms: each RTT at least its delay, the
    histogram, sum and RFC 3550 jitter those RTTs give by hand; replies with IP options or
    a longer payload are still booked; a reply carrying another run's number and one to a
    removed target's echo are foreign, never received. The compiled loops and the Python
    ones alike."""
    run = seen[run_name]
    assert run["native"] is native
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
        # the per-echo loops in Python (Pinger(native=False), or no C compiler at install)
        ("raw_python", "raw", True, True),
        ("dgram_python", "dgram", True, True),
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
    assert run["native"] is not run_name.endswith("_python")
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
    if mode == "raw":
        # one echo answered by the lab, then twice more by hand: two duplicates
        assert run["duplicate_test"] == {"sent": 1, "received": 1, "late": 0, "duplicates": 2}


def test_the_compiled_loops_are_built() -> None:
    """setup.py's extension is optional for users (the pinger falls back to Python); on
    this project's machines, which have gcc and the Python headers, it must have built:
    a silent fallback would triple the probing CPU unseen."""
    assert Pinger().native, "communet.probe._echo did not build: see `make venv`'s output"


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
