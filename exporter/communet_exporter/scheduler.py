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
        self._filled = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.cycles = 0

    def set_items(self, items: Sequence[T]) -> None:
        """Replace the items (a reload); phases are recomputed, the cycle goes on."""
        ordered = sorted(items, key=lambda item: zlib.crc32(self.key(item).encode()))
        self._items = ordered if self.store is None else self.store(ordered)
        if ordered:
            self._filled.set()
        else:
            self._filled.clear()

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
            if not self._items:
                await self._filled.wait()  # nothing to probe: no wake-up until there is
                start = wake = loop.time()  # the new items' phases count from now
                done, self.cycles = 0.0, 0
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
            # spread: 200 ms, at 10,000 targets a batch of 400 echoes per wake-up) and at
            # least once a second.
            pause = self.interval / len(items) if items else 1.0
            pause = min(1.0, max(self.min_tick, pause))
            wake = now + pause
            await asyncio.sleep(pause)

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
