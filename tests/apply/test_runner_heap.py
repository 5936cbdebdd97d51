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


def test_a_freeze_made_before_stays_and_an_error_still_restores_the_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    gc.freeze()  # an Ansible worker inherits the freeze of ansible_task.preload
    before = gc.get_freeze_count()
    with pytest.raises(RuntimeError), long_lived_heap():
        raise RuntimeError("a host's task failed")
    assert gc.get_freeze_count() >= before > 0
    assert gc.get_threshold() == (700, 10, 10)
