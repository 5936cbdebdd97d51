"""Spread each kind of probe evenly over its interval.

Each target gets a phase in [0, 1) of the interval from its position in a hash-ordered list,
so N targets at interval T are probed one every T/N seconds, not all at the top of the
interval (a burst of 10,000 echoes would overflow socket buffers and the responders' rate
limits). A tick wakes when the next probe is due (at most every ``tick``, then in batches) and
starts the probes whose phase has come; how late each tick wakes is the loop lag (a stalled
loop shows here first).
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Spread(Generic[T]):
    """Calls ``action(item)`` once per ``interval`` for every item, phases spread evenly."""

    def __init__(
        self,
        interval: float,
        action: Callable[[T], object],
        *,
        key: Callable[[T], str],
        tick: float = 0.05,
        on_lag: Callable[[float], None] | None = None,
        batch: Callable[[Sequence[T]], object] | None = None,
        on_tick: Callable[[], None] | None = None,
    ) -> None:
        """``batch``, if given, is called once per tick with the slice of items that came
        due (instead of ``action`` per item): one call per wake-up for cheap probes.
        ``on_tick`` runs first at every tick (e.g. reading the replies of earlier probes on
        the same wake-up)."""
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.action = action
        self.key = key
        self.min_tick = min(tick, interval / 2)
        self.on_lag = on_lag
        self.batch = batch
        self.on_tick = on_tick
        self._items: list[T] = []
        self._task: asyncio.Task[None] | None = None
        self.cycles = 0

    def set_items(self, items: Sequence[T]) -> None:
        """Replace the items (a reload); phases are recomputed, the cycle goes on."""
        self._items = sorted(items, key=lambda item: zlib.crc32(self.key(item).encode()))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        done = 0.0  # the fraction of the current cycle already handled
        wake = start
        while True:
            now = loop.time()
            if self.on_lag is not None and now > start:
                self.on_lag(max(0.0, now - wake))
            if self.on_tick is not None:
                self.on_tick()
            position = (now - start) / self.interval
            cycle = int(position)
            fraction = position - cycle
            items = self._items
            if cycle > self.cycles:  # finish the previous cycle first
                self._fire(items, done, 1.0)
                self.cycles = cycle
                done = 0.0
            self._fire(items, done, fraction)
            done = fraction
            # Wake as often as the next item is due, but at most every min_tick (the ICMP
            # spread: 100 ms, at 10,000 targets a batch of 200 echoes per wake-up; each
            # wake-up of the loop costs tens of µs) and at least once a second; idle when empty.
            pause = self.interval / len(items) if items else 1.0
            pause = min(1.0, max(self.min_tick, pause))
            wake = now + pause
            await asyncio.sleep(pause)

    def _fire(self, items: list[T], low: float, high: float) -> None:
        count = len(items)
        first = int(low * count + 0.999999) if low > 0 else 0
        last = int(high * count + 0.999999) if high < 1 else count
        last = min(last, count)
        if first >= last:
            return
        if self.batch is not None:
            self.batch(items[first:last])
            return
        action = self.action
        for index in range(first, last):
            action(items[index])
