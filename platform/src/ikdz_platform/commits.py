"""Offset commits of handled records, coalesced: one commit request per consumer every few milliseconds.

FastStream's ``AckPolicy.NACK_ON_ERROR`` commits after every message or batch, so at moderate load
Kafka answers one OFFSET_COMMIT request per event and consumer, and those cost it more CPU than the
events. The subscribers of :mod:`ikdz_platform.consumer` use ``AckPolicy.MANUAL`` instead, and this
middleware settles each message or batch once the handler is done with it:

- **handled** (the handler returned, or the dead-letter middleware dead-lettered the record): the
  offset after the record is remembered per topic-partition and committed, together with the
  others, with one explicit ``commit({tp: offset})`` at most every ``interval_seconds`` per consumer
  (0 commits at once). FastStream handles one message or batch of a consumer after the other, so
  the offset after the last handled record never passes one that is not handled yet.
- **not handled** (an error left the dead-letter middleware: the dead-letter copy could not be
  written): the consumer seeks back to the record (per partition to the earliest record of a
  batch), as FastStream's nack does, so it comes again; nothing past it was remembered.

What this costs: a crash redelivers the records handled in the last ``interval_seconds`` (plus
the one in progress, as before), and a rebalance that takes a partition away drops its pending
offset (logged; the new owner redelivers from the last commit). Every consumer is idempotent, so
a redelivered record has no second effect. A graceful stop loses and redelivers nothing: call
:meth:`CommitCoalescer.close` before the broker stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Protocol

import structlog
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from faststream import BaseMiddleware
from faststream.message import StreamMessage
from prometheus_client import Counter

log = structlog.get_logger(__name__)

COMMITS = Counter("ikdz_offset_commits_total", "Offset commit requests", ["outcome"])
COMMIT_TIMEOUT_SECONDS = 5.0
"""A commit waits for the group coordinator without end while Kafka is unreachable; stopping must not."""


class OffsetConsumer(Protocol):
    """What the coalescer uses of an ``aiokafka.AIOKafkaConsumer``."""

    def assignment(self) -> set[TopicPartition]: ...

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...


class CommitCoalescer:
    """Commits the offsets of handled records, at most every ``interval_seconds`` per consumer.

    A FastStream broker middleware: pass it first in ``KafkaBroker(middlewares=[...])``, before the
    dead-letter middleware, so that a dead-lettered record counts as handled. Call :meth:`close`
    before the broker stops.
    """

    def __init__(self, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self._pending: dict[OffsetConsumer, dict[TopicPartition, int]] = {}
        self._locks: dict[OffsetConsumer, asyncio.Lock] = {}
        self._sleeping: dict[OffsetConsumer, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def __call__(self, msg: Any, /, *, context: Any) -> _CommitMiddleware:
        return _CommitMiddleware(msg, context=context, commits=self)

    async def handled(self, consumer: OffsetConsumer, records: Sequence[Any]) -> None:
        """Remember the offsets after ``records`` (in record order) for the next commit of ``consumer``."""
        pending = self._pending.setdefault(consumer, {})
        for record in records:
            pending[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if self._closing or self.interval_seconds <= 0:
            await self.flush(consumer)
        elif consumer not in self._sleeping:
            task = asyncio.create_task(self._flush_later(consumer))
            self._sleeping[consumer] = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    def rewind(consumer: OffsetConsumer, records: Sequence[Any]) -> None:
        """Seek each partition back to its earliest record in ``records``, so they come again."""
        earliest: dict[TopicPartition, int] = {}
        for record in records:
            partition = TopicPartition(record.topic, record.partition)
            earliest[partition] = min(record.offset, earliest.get(partition, record.offset))
        for partition, offset in earliest.items():
            consumer.seek(partition, offset)

    async def flush(self, consumer: OffsetConsumer) -> None:
        """Commit what is pending for ``consumer`` with one request (one at a time per consumer)."""
        async with self._locks.setdefault(consumer, asyncio.Lock()):
            pending = self._pending.pop(consumer, {})
            assigned = consumer.assignment()
            offsets = {partition: offset for partition, offset in pending.items() if partition in assigned}
            if revoked := {partition: offset for partition, offset in pending.items() if partition not in assigned}:
                log.warning("offsets_dropped_partitions_revoked", partitions=_names(revoked))
            if not offsets:
                return
            try:
                async with asyncio.timeout(COMMIT_TIMEOUT_SECONDS):
                    await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as error:
                COMMITS.labels("dropped").inc()
                log.warning("offset_commit_dropped_after_rebalance", partitions=_names(offsets), error=repr(error))
            except (KafkaError, TimeoutError) as error:
                COMMITS.labels("dropped").inc()
                log.error("offset_commit_failed", partitions=_names(offsets), error=repr(error))
            else:
                COMMITS.labels("ok").inc()

    async def close(self) -> None:
        """Commit everything pending now and every later record at once (the broker is about to stop)."""
        self._closing = True
        for task in self._sleeping.values():
            task.cancel()
        self._sleeping.clear()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(self.flush(consumer) for consumer in list(self._pending)))

    async def _flush_later(self, consumer: OffsetConsumer) -> None:
        await asyncio.sleep(self.interval_seconds)
        del self._sleeping[consumer]
        try:
            await self.flush(consumer)
        except Exception:  # a task of its own: nobody else would see the error
            log.exception("offset_flush_failed")


def _names(offsets: dict[TopicPartition, int]) -> list[str]:
    return sorted(f"{partition.topic}-{partition.partition}@{offset}" for partition, offset in offsets.items())


class _CommitMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, commits: CommitCoalescer) -> None:
        super().__init__(msg, context=context)
        self.commits = commits
        self.consumer: OffsetConsumer | None = None

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        self.consumer = msg.consumer  # type: ignore[attr-defined]  # a KafkaMessage: the subscriber's consumer
        return await call_next(msg)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,  # noqa: ARG002 - FastStream's signature
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,  # noqa: ARG002
    ) -> bool | None:
        """Settle the message or batch; an error is never suppressed here (FastStream logs it)."""
        consumer = self.consumer or _subscriber_consumer(self.context)
        records = self.msg if isinstance(self.msg, tuple) else (self.msg,)
        if consumer is None:
            return False
        if exc_val is None:
            await self.commits.handled(consumer, records)
        elif isinstance(exc_val, Exception):  # not a cancellation: that leaves the record to the next owner
            self.commits.rewind(consumer, records)
        return False


def _subscriber_consumer(context: Any) -> OffsetConsumer | None:
    """The consumer of the subscriber handling the message, for a record FastStream could not parse.

    No parsed message carries it then (the dead-letter middleware dead-lettered the raw record), so
    it comes from the subscriber FastStream keeps in its context while it processes a message
    (``handler_``, pinned by a test of a record with an undecodable header).
    """
    return getattr(context.get_local("handler_"), "consumer", None)
