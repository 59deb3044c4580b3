"""A service process exempts its start-up heap from the cyclic garbage collector, once."""

from __future__ import annotations

import gc
import weakref

from ikdz_platform.runtime import freeze_start_up_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_the_start_up_heap_is_frozen_once_and_garbage_is_collected_first() -> None:
    gc.unfreeze()
    garbage = weakref.ref(_Node())
    kept = [_Node()]
    freeze_start_up_heap()
    frozen = gc.get_freeze_count()

    assert garbage() is None, "collected, not kept for good"
    assert frozen > 0
    assert not any(o is kept for o in gc.get_objects()), "frozen: no longer walked by collections"

    later = [_Node()]  # built after start-up: stays with the collector
    freeze_start_up_heap()
    assert gc.get_freeze_count() == frozen
    assert any(o is later for o in gc.get_objects())
