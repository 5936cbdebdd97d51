"""Burst mode: echoes at a media-like rate to one target, summarised the way video needs.

One echo a second hides what a video call suffers from (Microsoft's Teams network
requirements measure loss per 15 s, *burst* loss per 200 ms and jitter at media rates), so the
field CLI sends e.g. 50 echoes per second for N seconds and reports RTT percentiles, RFC 3550
interarrival jitter, loss and the worst burst loss. The statistics are pure functions over
the per-sequence results, testable without a network.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass

from communet.probe.icmp import Pinger


@dataclass(frozen=True)
class BurstResult:
    address: str
    sent: int
    received: int
    rtt_p50: float | None  # seconds
    rtt_p90: float | None
    rtt_p99: float | None
    rtt_max: float | None
    jitter: float  # RFC 3550 interarrival jitter at the end of the burst, seconds
    mean_ipdv: float  # mean |RTT difference| of consecutive replies, seconds
    burst_loss: float  # worst loss fraction in any window of ``window`` seconds
    longest_gap: int  # most consecutive echoes lost

    @property
    def loss(self) -> float:
        return 1 - self.received / self.sent if self.sent else 0.0


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (the value below which ``fraction`` of the samples fall)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def rfc3550_jitter(rtts: Sequence[float | None]) -> tuple[float, float]:
    """(RFC 3550 jitter estimate, mean |D|) over replies in send order; None = lost.

    D is the difference of the transit times of two consecutive replies; for echoes sent at
    known times it equals the difference of their RTTs.
    """
    jitter = 0.0
    total = 0.0
    count = 0
    previous: float | None = None
    for rtt in rtts:
        if rtt is None:
            continue
        if previous is not None:
            delta = abs(rtt - previous)
            jitter += (delta - jitter) / 16
            total += delta
            count += 1
        previous = rtt
    return jitter, (total / count if count else 0.0)


def burst_loss(rtts: Sequence[float | None], per_window: int) -> tuple[float, int]:
    """(worst loss fraction over any ``per_window`` consecutive echoes, longest run lost)."""
    lost = [rtt is None for rtt in rtts]
    worst = 0.0
    if lost:
        size = max(1, min(per_window, len(lost)))
        window = sum(lost[:size])
        worst = window / size
        for index in range(size, len(lost)):
            window += lost[index] - lost[index - size]
            worst = max(worst, window / size)
    longest = run = 0
    for missing in lost:
        run = run + 1 if missing else 0
        longest = max(longest, run)
    return worst, longest


def summarise(
    address: str, rtts: Sequence[float | None], rate: float, window: float
) -> BurstResult:
    answered = [r for r in rtts if r is not None]
    jitter, mean_ipdv = rfc3550_jitter(rtts)
    worst, longest = burst_loss(rtts, max(1, round(window * rate)))
    return BurstResult(
        address=address,
        sent=len(rtts),
        received=len(answered),
        rtt_p50=percentile(answered, 0.5),
        rtt_p90=percentile(answered, 0.9),
        rtt_p99=percentile(answered, 0.99),
        rtt_max=max(answered) if answered else None,
        jitter=jitter,
        mean_ipdv=mean_ipdv,
        burst_loss=worst,
        longest_gap=longest,
    )


async def burst(
    pinger: Pinger,
    address: str,
    *,
    rate: float = 50.0,
    duration: float = 10.0,
    window: float = 0.2,
) -> BurstResult:
    """Send ``rate`` echoes a second to ``address`` for ``duration`` seconds on an open
    pinger (shared with other probes) and summarise; waits ``pinger.timeout`` for the last
    replies. Echoes are paced against the loop clock, so a late wake-up does not bunch
    them."""
    if pinger.probing(address):
        raise ValueError(f"{address} is already probed through this pinger")
    results: dict[int, float] = {}
    order: list[int] = []

    def observe(seq: int, rtt: float) -> None:
        results[seq] = rtt

    target = pinger.add(address, observer=observe)
    loop = asyncio.get_running_loop()
    count = max(1, round(rate * duration))
    start = loop.time()
    try:
        for index in range(count):
            delay = start + index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            order.append(pinger.send(target))
        await asyncio.sleep(pinger.timeout)
    finally:
        pinger.remove(target)
    return summarise(address, [results.get(seq) for seq in order], rate, window)
