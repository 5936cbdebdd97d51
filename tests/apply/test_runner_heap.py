"""The runner's collector settings while hosts run, and that they are put back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from communet.runner import YOUNG_THRESHOLD, long_lived_heap


@pytest.fixture(autouse=True)
def clean_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_heap_is_frozen_and_young_objects_collected_less_often_while_hosts_run() -> None:
    gc.set_threshold(700, 10, 10)
    with long_lived_heap():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_set_by_the_program_is_kept() -> None:
    gc.set_threshold(YOUNG_THRESHOLD * 2, 10, 10)
    with long_lived_heap():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD * 2


def _is_frozen(thing: object) -> bool:
    # The permanent generation's count moves as frozen objects die by their reference count
    # (other tests' threads end meanwhile), so the freeze is told by an object we keep alive.
    return not any(tracked is thing for tracked in gc.get_objects())


def test_a_freeze_made_before_stays_and_an_error_still_restores_the_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    kept = [object()]
    gc.freeze()  # an Ansible worker inherits the freeze of ansible_task.preload
    assert _is_frozen(kept)
    with pytest.raises(RuntimeError), long_lived_heap():
        raise RuntimeError("a host's task failed")
    assert _is_frozen(kept)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_heap_frozen_only_while_hosts_run_is_unfrozen_after_an_error() -> None:
    kept = [object()]
    frozen_inside: list[bool] = []

    def fail() -> None:
        frozen_inside.append(_is_frozen(kept))
        raise RuntimeError("a host's task failed")

    with pytest.raises(RuntimeError), long_lived_heap():
        fail()
    assert frozen_inside == [True]
    assert not _is_frozen(kept)
