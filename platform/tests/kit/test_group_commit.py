"""Group commit without infrastructure: batches form from what queues during a flush, every caller
gets its own outcome, a failing flush fails only its own callers, and cancelled callers break nothing."""

from __future__ import annotations

import asyncio

import pytest
from ikdz_platform.group_commit import GroupCommit


class Store:
    """A flush that records its batches; ``hold`` keeps the next flush in flight until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.in_flight = asyncio.Event()
        self.fail_with: Exception | None = None

    async def flush(self, items: list[int]) -> list[int | Exception]:
        self.batches.append(items)
        self.in_flight.set()
        await self.hold.wait()
        self.in_flight.clear()
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


async def _started(store: Store, group: GroupCommit[int, int], item: int) -> asyncio.Task[int]:
    """Submit ``item`` and wait until its flush is in flight (held by the store)."""
    store.hold.clear()
    task = asyncio.create_task(group.submit(item))
    await asyncio.wait_for(store.in_flight.wait(), 1)
    return task


async def _queue(group: GroupCommit[int, int], *items: int) -> list[asyncio.Task[int]]:
    tasks = [asyncio.create_task(group.submit(i)) for i in items]
    await asyncio.sleep(0)  # every caller has queued its item
    return tasks


async def test_a_lone_item_is_flushed_at_once_without_a_timer() -> None:
    store = Store()
    group = GroupCommit(store.flush)
    task = asyncio.create_task(group.submit(2))
    for _ in range(3):  # a few turns of the event loop, no waiting for time to pass
        await asyncio.sleep(0)
    assert task.done() and task.result() == 20
    assert store.batches == [[2]]


async def test_items_arriving_during_a_flush_go_together_in_the_next_one() -> None:
    store = Store()
    group = GroupCommit(store.flush)
    first = await _started(store, group, 2)
    queued = await _queue(group, 4, 6, 8)
    assert store.batches == [[2]], "no second flush while one is in flight"

    store.hold.set()
    assert await asyncio.gather(first, *queued) == [20, 40, 60, 80]
    assert store.batches == [[2], [4, 6, 8]]


async def test_each_caller_gets_its_own_result_or_its_own_exception() -> None:
    store = Store()
    group = GroupCommit(store.flush)
    outcomes = await asyncio.gather(*(group.submit(i) for i in (2, 3, 4)), return_exceptions=True)
    assert store.batches == [[2, 3, 4]]
    assert outcomes[0] == 20 and outcomes[2] == 40
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "odd 3"


async def test_a_failing_flush_fails_all_of_its_items_and_only_those() -> None:
    store = Store()
    group = GroupCommit(store.flush)
    store.fail_with = ConnectionError("store unavailable")
    failing = await _started(store, group, 2)
    next_batch = await _queue(group, 4, 6)

    store.hold.set()
    outcomes = await asyncio.gather(failing, *next_batch, return_exceptions=True)
    assert isinstance(outcomes[0], ConnectionError) and str(outcomes[0]) == "store unavailable"
    assert outcomes[1:] == [40, 60], "the next batch is flushed as usual"

    store.fail_with = ConnectionError("store unavailable")
    together = await asyncio.gather(*(group.submit(i) for i in (8, 10)), return_exceptions=True)
    assert [str(error) for error in together] == ["store unavailable", "store unavailable"]
    assert store.batches == [[2], [4, 6], [8, 10]]


async def test_a_flush_returning_the_wrong_number_of_outcomes_fails_its_items() -> None:
    async def flush(items: list[int]) -> list[int | Exception]:
        return items[1:]

    group: GroupCommit[int, int] = GroupCommit(flush, name="short")
    outcomes = await asyncio.gather(group.submit(1), group.submit(2), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) and "1 outcomes for 2 items" in str(o) for o in outcomes)


async def test_a_batch_holds_at_most_max_batch_items() -> None:
    store = Store()
    group = GroupCommit(store.flush, max_batch=3)
    first = await _started(store, group, 0)
    queued = await _queue(group, *range(2, 16, 2))  # seven items

    store.hold.set()
    assert await asyncio.gather(first, *queued) == [i * 10 for i in range(0, 16, 2)]
    assert store.batches == [[0], [2, 4, 6], [8, 10, 12], [14]]


def test_a_batch_must_hold_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(Store().flush, max_batch=0)


async def test_a_caller_cancelled_while_queued_drops_its_item_and_the_others_go_on() -> None:
    store = Store()
    group = GroupCommit(store.flush)
    first = await _started(store, group, 2)
    keep, drop, keep_too = await _queue(group, 4, 6, 8)
    drop.cancel()

    store.hold.set()
    assert await asyncio.gather(first, keep, keep_too) == [20, 40, 80]
    assert drop.cancelled()
    assert store.batches == [[2], [4, 8]]


async def test_a_caller_cancelled_during_its_flush_breaks_nothing() -> None:
    store = Store()
    group = GroupCommit(store.flush)
    store.hold.clear()
    gone, stays = await _queue(group, 2, 4)
    await asyncio.wait_for(store.in_flight.wait(), 1)
    gone.cancel()

    store.hold.set()
    assert await stays == 40
    assert gone.cancelled()
    assert store.batches == [[2, 4]], "the item in flight was written anyway"
    assert await group.submit(6) == 60, "the group keeps working"
