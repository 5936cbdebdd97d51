"""The NTP client probe: a real server reply (captured from the public pool), the lab's NTP
server over a real UDP socket, a server that never answers, and nothing listening."""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from pathlib import Path

import pytest

from communet.lab.services import ServiceHost, ServiceSpec, ntp_answer
from communet.probe.ntp import (
    NtpResult,
    from_ntp,
    ntp_query,
    parse_reply,
    reference_id,
    request,
    to_ntp,
)

CAPTURE = bytes.fromhex(
    (Path(__file__).parent / "captures" / "ntp-pool-reply.hex").read_text().strip()
)


def test_a_real_pool_reply_is_parsed() -> None:
    # The client that captured it sent a zero transmit timestamp, so the origin is 0.
    transmit = struct.unpack_from("!Q", CAPTURE, 40)[0]
    received = from_ntp(transmit) + 0.040  # read 40 ms after the server sent it
    result = parse_reply(CAPTURE, 0, received, "45.33.53.84")
    assert result is not None
    assert (result.stratum, result.leap, result.reference) == (2, 0, "128.138.140.44")
    assert result.synchronised
    assert result.offset is not None
    assert result.delay is not None
    server_in, server_out = (from_ntp(struct.unpack_from("!Q", CAPTURE, o)[0]) for o in (32, 40))
    assert time.strftime("%Y-%m-%d", time.gmtime(server_out)) == "2023-06-13"
    assert 0 < server_out - server_in < 0.001  # the server held it 75 µs
    # RFC 5905's formulas with T1 = 1900-01-01 (the zero origin) and T4 = T3 + 40 ms
    t1 = from_ntp(0)
    assert result.offset == pytest.approx(((server_in - t1) + (server_out - received)) / 2)
    assert result.delay == pytest.approx((received - t1) - (server_out - server_in))
    # a reply to someone else's request (another origin) is not ours
    assert parse_reply(CAPTURE, 12345, received, "45.33.53.84") is None


def test_requests_replies_and_refids() -> None:
    packet = request(to_ntp(1_700_000_000.25))
    assert len(packet) == 48
    assert packet[0] == 0x23  # leap 0, version 4, mode 3
    assert struct.unpack_from("!Q", packet, 40)[0] == to_ntp(1_700_000_000.25)
    assert abs(from_ntp(to_ntp(1_700_000_000.25)) - 1_700_000_000.25) < 1e-6
    assert reference_id(0, b"RATE") == "RATE"  # a kiss-o'-death code
    assert reference_id(1, b"GPS\0") == "GPS"
    # a client request (mode 3) is never taken for an answer
    assert parse_reply(packet, to_ntp(1_700_000_000.25), 1_700_000_000.3, "x") is None
    answer = ntp_answer(packet, 1_700_000_000.5, 1_700_000_000.5)
    assert answer is not None
    parsed = parse_reply(answer, to_ntp(1_700_000_000.25), 1_700_000_000.75, "x")
    assert parsed is not None
    assert parsed.offset == pytest.approx(0.0, abs=1e-6)
    assert parsed.delay == pytest.approx(0.5, abs=1e-6)
    assert ntp_answer(answer, 0, 0) is None  # the server ignores a server reply


@pytest.mark.parametrize(
    ("stratum", "leap", "synchronised"),
    [(2, 0, True), (16, 0, False), (0, 0, False), (3, 3, False)],
)
def test_unsynchronised_servers(stratum: int, leap: int, synchronised: bool) -> None:
    result = NtpResult("x", True, stratum=stratum, leap=leap, offset=0.0, delay=0.001)
    assert result.synchronised is synchronised


def test_the_lab_ntp_server_answers_a_real_query() -> None:
    async def main() -> tuple[NtpResult, NtpResult, int]:
        host = ServiceHost(ServiceSpec("ntp", "10.0.0.1", ntp=True), "127.0.0.1", ntp_port=0)
        await host.start()
        port = host.ntp_bound_port()
        try:
            first = await ntp_query("127.0.0.1", port, timeout=2)
            await host.set_down(True)
            silent = await ntp_query("127.0.0.1", port, timeout=0.3)
        finally:
            await host.stop()
        return first, silent, host.ntp_answered

    first, silent, answered = asyncio.run(main())
    assert first.success, first.error
    assert (first.stratum, first.leap, first.reference) == (2, 0, "127.127.1.0")
    assert first.synchronised
    assert first.offset is not None
    assert abs(first.offset) < 0.05  # the same clock on both ends
    assert first.delay is not None
    assert 0 <= first.delay < 0.5
    assert (silent.success, silent.error) == (False, "no reply within 0.3 s")
    assert answered == 1


def test_nothing_listening_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # the port is free again: the kernel answers port unreachable, read as refused
    result = asyncio.run(ntp_query("127.0.0.1", port, timeout=1))
    assert (result.success, result.error) == (False, "Connection refused")
