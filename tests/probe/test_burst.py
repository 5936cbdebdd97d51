"""Burst statistics: pure functions, checked against values worked out by hand."""

from __future__ import annotations

import pytest

from communet.probe.burst import burst_loss, percentile, rfc3550_jitter, summarise


def test_percentile_is_nearest_rank() -> None:
    values = [0.010, 0.020, 0.030, 0.040, 0.100]
    assert percentile(values, 0.5) == 0.030
    assert percentile(values, 0.9) == 0.100
    assert percentile(values, 0.2) == 0.010
    assert percentile([], 0.5) is None


def test_rfc3550_jitter_by_hand() -> None:
    # |D| = 10, 10, 20 ms (the lost echo is skipped, as RFC 3550 skips missing packets)
    jitter, mean = rfc3550_jitter([0.050, 0.060, None, 0.050, 0.070])
    expected = 0.0
    for delta in (0.010, 0.010, 0.020):
        expected += (delta - expected) / 16
    assert jitter == pytest.approx(expected)
    assert mean == pytest.approx(0.040 / 3)


def test_rfc3550_jitter_of_a_steady_link_is_zero() -> None:
    assert rfc3550_jitter([0.02] * 50) == (0.0, 0.0)
    assert rfc3550_jitter([None, None]) == (0.0, 0.0)


def test_burst_loss_finds_the_worst_window_and_the_longest_gap() -> None:
    rtts: list[float | None] = [0.01] * 20
    rtts[5:8] = [None, None, None]  # 3 lost in a row
    rtts[15] = None
    worst, longest = burst_loss(rtts, per_window=10)
    assert worst == pytest.approx(0.3)
    assert longest == 3
    assert burst_loss([], 10) == (0.0, 0)


def test_summarise_a_burst() -> None:
    rtts: list[float | None] = [0.020, 0.022, None, 0.021, 0.060, 0.020, 0.020, 0.020, 0.020, 0.020]
    result = summarise("127.0.0.9", rtts, rate=50, window=0.2)  # 10 echoes per window
    assert (result.sent, result.received) == (10, 9)
    assert result.loss == pytest.approx(0.1)
    assert result.burst_loss == pytest.approx(0.1)
    assert result.longest_gap == 1
    assert result.rtt_p50 == 0.020
    assert result.rtt_max == 0.060
    assert result.rtt_p99 == 0.060
