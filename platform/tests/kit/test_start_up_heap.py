"""A service process exempts its start-up heap from the cyclic garbage collector, once, and collects
its young objects less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from ikdz_platform.runtime import YOUNG_COLLECTION_EVERY, tune_garbage_collector


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def default_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, *before[1:])
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_thresholds")
def test_the_start_up_heap_is_frozen_once_and_garbage_is_collected_first() -> None:
    gc.unfreeze()
    garbage = weakref.ref(_Node())
    kept = [_Node()]
    tune_garbage_collector()
    frozen = gc.get_freeze_count()

    assert garbage() is None, "collected, not kept for good"
    assert frozen > 0
    assert not any(o is kept for o in gc.get_objects()), "frozen: no longer walked by collections"
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY

    later = [_Node()]  # built after start-up: stays with the collector
    tune_garbage_collector()
    assert gc.get_freeze_count() == frozen
    assert any(o is later for o in gc.get_objects())
