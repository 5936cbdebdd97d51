"""Spread each kind of probe evenly over its interval.

Each target gets a phase in [0, 1) of the interval from its position in a hash-ordered list,
so N targets at interval T are probed one every T/N seconds, not all at the top of the
interval (a burst of 10,000 echoes would overflow socket buffers and the responders' rate
limits). A tick wakes when the next probe is due (at most every ``tick``, then in batches) and
starts the probes whose phase has come; how late each tick wakes is the loop lag (a stalled
loop shows here first). A spread with nothing to probe does not wake at all (on this kind of
VM each wake-up of the loop costs ~0.2 ms of CPU) until items are set.
"""

from __future__ import annotations

import asyncio
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
        store: Callable[[list[T]], Sequence[T]] | None = None,
    ) -> None:
        """``batch``, if given, is called once per tick with the slice of items that came
        due (instead of ``action`` per item): one call per wake-up for cheap probes.
        ``on_tick`` runs first at every tick (e.g. reading the replies of earlier probes on
        the same wake-up). ``store`` turns the items, once in their spread order, into the
        sequence that is sliced (e.g. an ``array`` of ints: a slice's items are then read
        from one block of memory rather than from objects all over the heap)."""
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.action = action
        self.key = key
        self.min_tick = min(tick, interval / 2)
        self.on_lag = on_lag
        self.batch = batch
        self.on_tick = on_tick
        self.store = store
        self._items: Sequence[T] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._running = False
        self._start = self._wake = 0.0
        self._done = 0.0  # the fraction of the current cycle already handled
        self.cycles = 0

    def set_items(self, items: Sequence[T]) -> None:
        """Replace the items (a reload); phases are recomputed, the cycle goes on."""
        ordered = sorted(items, key=lambda item: zlib.crc32(self.key(item).encode()))
        self._items = ordered if self.store is None else self.store(ordered)
        if self._running and ordered and self._timer is None:
            self._begin()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._running = True
        if self._items:
            self._begin()

    async def stop(self) -> None:
        self._running = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _begin(self) -> None:
        """Start ticking; the items' phases count from now."""
        assert self._loop is not None
        self._start = self._wake = self._loop.time()
        self._done, self.cycles = 0.0, 0
        self._timer = self._loop.call_soon(self._tick)

    def _tick(self) -> None:
        """One wake-up, then the next one timed with ``call_at``: a plain callback is one
        pass of the event loop per tick, where a task sleeping in ``asyncio.sleep`` takes
        two (~50 µs of CPU each on this kind of VM). A failing probe call is logged by the
        loop and the schedule goes on."""
        self._timer = None
        items = self._items
        loop = self._loop
        if not items or loop is None or not self._running:
            return  # nothing to probe: no wake-up until set_items gives some
        now = loop.time()
        # Wake as often as the next item is due, but at most every min_tick (the ICMP
        # spread: 200 ms, at 10,000 targets a batch of 400 echoes per wake-up) and at least
        # once a second.
        pause = min(1.0, max(self.min_tick, self.interval / len(items)))
        try:
            if self.on_lag is not None and now > self._start:
                self.on_lag(max(0.0, now - self._wake))
            if self.on_tick is not None:
                self.on_tick()
            position = (now - self._start) / self.interval
            cycle = int(position)
            fraction = position - cycle
            if cycle > self.cycles:  # finish the previous cycle first
                self._fire(items, self._done, 1.0)
                self.cycles = cycle
                self._done = 0.0
            self._fire(items, self._done, fraction)
            self._done = fraction
        finally:
            if self._timer is None and self._running:  # (a reload in the tick began anew)
                self._wake = now + pause
                self._timer = loop.call_at(self._wake, self._tick)

    def _fire(self, items: Sequence[T], low: float, high: float) -> None:
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
