"""The spread scheduler on a real event loop: every item once per interval, in batches,
and no wake-up at all while there is nothing to probe."""

from __future__ import annotations

import array
import asyncio
from collections import Counter
from collections.abc import Sequence

from communet_exporter.scheduler import Spread


def test_every_item_once_per_interval_in_batches_from_the_stored_sequence() -> None:
    async def run() -> tuple[Counter[int], list[str], int]:
        fired: Counter[int] = Counter()
        kinds: list[str] = []

        def batch(items: Sequence[int]) -> None:
            kinds.append(type(items).__name__)
            fired.update(items)

        spread = Spread(
            0.4,
            lambda _item: None,
            key=str,
            tick=0.02,
            batch=batch,
            store=lambda items: array.array("L", items),
        )
        spread.set_items(list(range(200)))
        spread.start()
        await asyncio.sleep(0.4 * 2.5)  # two whole cycles and half of a third
        await spread.stop()
        return fired, kinds, spread.cycles

    fired, kinds, cycles = asyncio.run(run())
    assert cycles == 2
    assert set(fired) == set(range(200))
    assert set(fired.values()) <= {2, 3}  # each item once per cycle, none twice in one
    assert set(kinds) == {"array"}
    assert 10 < len(kinds) < 200  # batches, not one call per item


def test_an_empty_spread_sleeps_until_items_are_set() -> None:
    async def run() -> tuple[int, int, float | None]:
        ticks = 0
        first: float | None = None

        def on_tick() -> None:
            nonlocal ticks
            ticks += 1

        def action(_item: str) -> None:
            nonlocal first
            if first is None:
                first = loop.time() - began

        loop = asyncio.get_running_loop()
        spread = Spread(0.2, action, key=str, tick=0.05, on_tick=on_tick)
        spread.start()
        await asyncio.sleep(1.3)  # the old spread woke once a second even when empty
        idle_ticks = ticks
        began = loop.time()
        spread.set_items(["a", "b"])
        await asyncio.sleep(0.3)
        spread.set_items([])
        await asyncio.sleep(0.05)
        after = ticks
        await asyncio.sleep(1.3)
        await spread.stop()
        return idle_ticks, ticks - after, first

    idle_ticks, ticks_after_emptied, first = asyncio.run(run())
    assert idle_ticks == 0
    assert ticks_after_emptied == 0
    assert first is not None
    assert first < 0.2  # the new items' first cycle starts when they are set


def test_a_failing_batch_is_logged_and_the_schedule_goes_on() -> None:
    async def run() -> tuple[int, list[str]]:
        calls = 0
        errors: list[str] = []
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: errors.append(str(context["exception"])))

        def batch(_items: Sequence[int]) -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise OSError("sendmmsg: ENOBUFS")

        spread = Spread(0.2, lambda _item: None, key=str, tick=0.02, batch=batch)
        spread.set_items(list(range(20)))
        spread.start()
        await asyncio.sleep(0.3)
        await spread.stop()
        return calls, errors

    calls, errors = asyncio.run(run())
    assert errors == ["sendmmsg: ENOBUFS"]
    assert calls > 3
