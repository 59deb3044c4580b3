"""Group commit: concurrent writers share one store round trip instead of one each.

Each caller awaits :meth:`GroupCommit.submit` with its item and gets its own outcome. One flush runs
at a time over everything queued (up to ``max_batch`` items). There is no timer: a lone item is
flushed at once, and the items that arrive while a flush is in flight go together in the next one,
so batches grow with the load and a quiet service pays no added latency.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

I = TypeVar("I")  # noqa: E741 - the item type, next to R for the result
R = TypeVar("R")

Flush = Callable[[list[I]], Awaitable[Sequence[R | Exception]]]


class GroupCommit(Generic[I, R]):
    """Batches concurrent :meth:`submit` calls into calls of ``flush``.

    ``flush`` gets the items of one batch and returns one outcome per item, in order: a result for
    its caller, or an exception that is raised to that caller only. When ``flush`` itself raises,
    every caller of that batch gets that error; the next batch is flushed as usual.

    A caller cancelled while its item waits in the queue takes the item out of the next batch; once
    its batch is being flushed the item is written anyway (the others of the batch are unaffected).
    """

    def __init__(self, flush: Flush[I, R], *, max_batch: int = 100, name: str = "group-commit") -> None:
        if max_batch < 1:
            msg = f"max_batch must be at least 1, not {max_batch}"
            raise ValueError(msg)
        self._flush = flush
        self._max_batch = max_batch
        self._name = name
        self._queue: deque[tuple[I, asyncio.Future[R]]] = deque()
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: I) -> R:
        """Write ``item`` with whatever else is queued; returns its outcome once its batch is flushed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush_queued(), name=self._name)
        return await future

    async def _flush_queued(self) -> None:
        try:
            while self._queue:
                batch = self._take()
                if batch:
                    await self._flush_batch(batch)
        except BaseException:  # cancelled (shutdown): nobody may wait for a flush that will not come
            for _, future in self._queue:
                future.cancel()
            self._queue.clear()
            raise
        finally:
            self._flusher = None

    def _take(self) -> list[tuple[I, asyncio.Future[R]]]:
        """Up to ``max_batch`` queued items whose callers still wait."""
        batch: list[tuple[I, asyncio.Future[R]]] = []
        while self._queue and len(batch) < self._max_batch:
            item, future = self._queue.popleft()
            if not future.done():  # done here means its caller was cancelled
                batch.append((item, future))
        return batch

    async def _flush_batch(self, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        outcomes: Sequence[R | Exception]
        try:
            outcomes = await self._flush([item for item, _ in batch])
            if len(outcomes) != len(batch):
                msg = f"{self._name}: flush returned {len(outcomes)} outcomes for {len(batch)} items"
                raise RuntimeError(msg)
        except Exception as error:
            outcomes = [error] * len(batch)
        except BaseException:
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its caller was cancelled during the flush
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
