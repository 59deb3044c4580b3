"""Kafka consumption with at-least-once delivery, bounded retries and a dead-letter topic.

Every subscriber commits only what its handler finished, coalesced by the broker's
:class:`~ikdz_platform.commits.CommitCoalescer` (``AckPolicy.MANUAL``: on an unhandled error the
consumer seeks back and the message comes again). The dead-letter middleware
retries a failing handler a bounded number of times with exponential backoff; a message that still
fails, or that can never succeed (malformed JSON, wrong envelope, wrong data), is copied to
``<topic>.dlq`` with the reason in ``x-dlq-*`` headers and acknowledged, so the consumer goes on with
the next message. Only if the dead-letter copy cannot be written does the error propagate (the
message is then redelivered, never lost).
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar

import structlog
from faststream import AckPolicy, BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from ikdz_contracts.cloudevents import CloudEvent, EventData, decode
from ikdz_contracts.topics import dlq
from prometheus_client import Counter
from pydantic import ValidationError

from ikdz_platform.commits import CommitCoalescer
from ikdz_platform.logs import bound_event, trace_id_of
from ikdz_platform.producer import EventProducer, OutgoingMessage

log = structlog.get_logger(__name__)

CONSUMED = Counter("ikdz_messages_consumed_total", "Messages handled", ["topic", "outcome"])
DEAD_LETTERED = Counter("ikdz_messages_dead_lettered_total", "Messages sent to a dead-letter topic", ["topic"])

GATHER_MIN_BYTES = 512 * 1024
"""A gathering batch consumer's fetch returns early once this much has arrived (some 500 events)."""

D = TypeVar("D", bound=EventData)
T = TypeVar("T")
BatchRun = Callable[[list[T]], Awaitable[None]]


class PoisonMessage(Exception):  # noqa: N818 - it names the message, as Kafka people say
    """A message that can never be handled; it goes to the dead-letter topic without retries."""


NON_RETRYABLE: tuple[type[BaseException], ...] = (PoisonMessage, ValidationError, UnicodeDecodeError, ValueError)


class DeadLetterPolicy:
    """Retry and dead-letter settings of one consumer group."""

    def __init__(
        self,
        producer: EventProducer,
        *,
        group_id: str,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.producer = producer
        self.group_id = group_id
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.sleep = sleep

    def middleware(self, msg: Any, /, *, context: Any) -> _DeadLetterMiddleware:
        """FastStream middleware factory: pass ``policy.middleware`` in ``middlewares=``."""
        return _DeadLetterMiddleware(msg, context=context, policy=self)

    async def dead_letter(self, record: Any, error: BaseException, attempts: int) -> None:
        topic = dlq(record.topic)
        headers = {k: bytes(v) for k, v in (record.headers or ())}
        headers.update(
            {
                "x-dlq-reason": _reason(error).encode(),
                "x-dlq-error-type": type(error).__name__.encode(),
                "x-dlq-original-topic": record.topic.encode(),
                "x-dlq-original-partition": str(record.partition).encode(),
                "x-dlq-original-offset": str(record.offset).encode(),
                "x-dlq-attempts": str(attempts).encode(),
                "x-dlq-failed-at": datetime.now(UTC).isoformat().encode(),
                "x-dlq-consumer-group": self.group_id.encode(),
            }
        )
        await self.producer.send_all(
            [OutgoingMessage(topic=topic, key=record.key, value=record.value, headers=headers)]
        )
        DEAD_LETTERED.labels(record.topic).inc()
        log.error(
            "message_dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=_reason(error),
            attempts=attempts,
        )

    async def handle_batch(self, records: Sequence[Any], decode_one: Callable[[Any], T], run: BatchRun[T]) -> None:
        """Run ``run`` over the decodable records of a batch with the single-message guarantees.

        Undecodable records are dead-lettered first. The rest run as one batch, retried with backoff;
        a batch that still fails runs record by record, each with its own retries, so one poison
        message is dead-lettered alone while the others take effect. ``run`` must be idempotent per
        record (a retried batch repeats what took effect before the failure).
        """
        decoded: list[tuple[Any, T]] = []
        for record in records:
            try:
                decoded.append((record, decode_one(record)))
            except NON_RETRYABLE as error:
                await self.dead_letter(record, error, 1)
                CONSUMED.labels(record.topic, "dead_lettered").inc()
        if not decoded:
            return
        failure = await self._attempts(run, [item for _, item in decoded])
        if failure is None:
            # One counter update per topic: looking up a labelled child costs as much as decoding a small event.
            for topic, handled in collections.Counter(record.topic for record, _ in decoded).items():
                CONSUMED.labels(topic, "ok").inc(handled)
            return
        log.warning("batch_failed_running_records_one_by_one", size=len(decoded), error=_reason(failure))
        for record, item in decoded:
            single_error = await self._attempts(run, [item]) if len(decoded) > 1 else failure
            if single_error is None:
                CONSUMED.labels(record.topic, "ok").inc()
            else:
                await self.dead_letter(record, single_error, self.max_attempts)
                CONSUMED.labels(record.topic, "dead_lettered").inc()

    async def _attempts(self, run: BatchRun[T], items: list[T]) -> BaseException | None:
        """Up to ``max_attempts`` runs with backoff; the last error, or None once one succeeded."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                await run(items)
            except NON_RETRYABLE as error:
                return error
            except Exception as error:
                if attempt == self.max_attempts:
                    return error
                log.warning("batch_failed_retrying", size=len(items), attempt=attempt, error=_reason(error))
                await self.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            else:
                return None
        raise AssertionError("unreachable: max_attempts is at least 1")


def _reason(error: BaseException) -> str:
    text = str(error).replace("\n", "; ")
    return f"{type(error).__name__}: {text}"[:2000]


class _DeadLetterMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, policy: DeadLetterPolicy) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        record = msg.raw_message
        if isinstance(record, tuple):  # a batch: its handler retries and dead-letters per record
            return await call_next(msg)
        attempt = 0
        while True:
            attempt += 1
            try:
                result = await call_next(msg)
            except NON_RETRYABLE as error:
                await self.policy.dead_letter(record, error, attempt)
                CONSUMED.labels(record.topic, "dead_lettered").inc()
                return None
            except Exception as error:
                if attempt >= self.policy.max_attempts:
                    await self.policy.dead_letter(record, error, attempt)
                    CONSUMED.labels(record.topic, "dead_lettered").inc()
                    return None
                log.warning("handler_failed_retrying", topic=record.topic, attempt=attempt, error=_reason(error))
                await self.policy.sleep(self.policy.backoff_seconds * 2 ** (attempt - 1))
            else:
                CONSUMED.labels(record.topic, "ok").inc()
                return result

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,  # noqa: ARG002 - FastStream's signature
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,  # noqa: ARG002
    ) -> bool | None:
        """Errors raised while FastStream parsed the record, before the handler ran, end here."""
        if exc_val is None or not isinstance(exc_val, Exception) or isinstance(exc_val, asyncio.CancelledError):
            return False
        if isinstance(exc_val, NON_RETRYABLE) and hasattr(self.msg, "topic"):
            await self.policy.dead_letter(self.msg, exc_val, 1)
            return True
        return False


def _decode(value: bytes, data_type: type[D]) -> CloudEvent[D]:
    """The event of a record value; a malformed or foreign event is a poison message."""
    try:
        return decode(value, data_type)
    except (ValidationError, ValueError) as error:
        raise PoisonMessage(str(error)) from error


async def _raw_body(msg: StreamMessage[Any]) -> bytes:
    """Hand the handler the record value untouched; the contracts decode it."""
    return msg.body


def _event_type(body: bytes) -> str | None:
    """The CloudEvents ``type`` of a record value, or None if it has none (then decoding decides)."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None


Handler = Callable[[CloudEvent[D]], Awaitable[None]]


def subscribe(
    broker: KafkaBroker,
    topics: str | list[str],
    data_type: type[D],
    *,
    group_id: str,
    skip_other_types: bool = False,
) -> Callable[[Handler[D]], Handler[D]]:
    """Register ``func`` for events of ``data_type`` on ``topics``; what it finished is committed.

    The record value is decoded and validated with the contracts (a malformed or foreign event is a
    poison message) and the event's ids are bound to the log context before ``func`` runs. On a
    topic that carries several event types (a domain topic), ``skip_other_types`` acknowledges
    well-formed events of other types without calling ``func``.
    """
    names = [topics] if isinstance(topics, str) else topics
    _require_commits(broker)

    def register(func: Handler[D]) -> Handler[D]:
        async def handle(body: bytes) -> None:
            if skip_other_types and _event_type(body) not in {None, data_type.EVENT_TYPE}:
                return
            event = _decode(body, data_type)
            with bound_event(event_id=event.id, case_id=event.subject, trace_id=trace_id_of(event.traceparent)):
                await func(event)

        handle.__name__ = func.__name__
        handle.__doc__ = func.__doc__
        broker.subscriber(
            *names,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            decoder=_raw_body,
            auto_offset_reset="earliest",
            title=f"{group_id}:{func.__name__}",
        )(handle)
        return func

    return register


BatchHandler = Callable[[list[CloudEvent[D]]], Awaitable[None]]


def subscribe_batch(
    broker: KafkaBroker,
    topics: str | list[str],
    data_type: type[D],
    *,
    group_id: str,
    dead_letters: DeadLetterPolicy,
    max_records: int = 500,
    batch_timeout_ms: int = 20,
    gather_ms: int = 0,
) -> Callable[[BatchHandler[D]], BatchHandler[D]]:
    """Register ``func`` for batches of up to ``max_records`` events of ``data_type``, in record order.

    For consumers whose cost is per store round trip, not per event: ``func`` writes a batch with
    one ``insert_many``. The offsets are committed after the batch (coalesced with the next ones);
    ``dead_letters`` gives each record the guarantees of :func:`subscribe` (see
    :meth:`DeadLetterPolicy.handle_batch`), so ``func`` must be idempotent per event, as every
    consumer is. A batch is what the consumer has
    fetched, from one or several partitions, so waiting adds no latency when traffic is low. When
    nothing was fetched within ``batch_timeout_ms``, FastStream sleeps as long again before the next
    look: a small value keeps that from delaying the next event (the look itself is in memory; the
    fetching runs in the background).

    ``gather_ms`` > 0 lets the broker hold each fetch up to that long while less than
    ``GATHER_MIN_BYTES`` have arrived, so batches grow with the time instead of holding the one or
    two records that came since the last fetch: for consumers off the latency path (a projection),
    it trades that much delay for one fetch and one store write per ``gather_ms`` instead of per
    record or two.
    """
    names = [topics] if isinstance(topics, str) else topics
    _require_commits(broker)

    def register(func: BatchHandler[D]) -> BatchHandler[D]:
        async def handle(records: Any) -> None:
            await dead_letters.handle_batch(records, lambda record: _decode(record.value, data_type), func)

        handle.__name__ = func.__name__
        handle.__doc__ = func.__doc__
        broker.subscriber(
            *names,
            group_id=group_id,
            batch=True,
            max_records=max_records,
            batch_timeout_ms=batch_timeout_ms,
            ack_policy=AckPolicy.MANUAL,
            parser=_batch_with_text_headers,
            decoder=_raw_records,
            auto_offset_reset="earliest",
            title=f"{group_id}:{func.__name__}",
            # Without gathering, aiokafka's defaults: a fetch returns as soon as one record is there.
            fetch_min_bytes=GATHER_MIN_BYTES if gather_ms > 0 else 1,
            fetch_max_wait_ms=gather_ms if gather_ms > 0 else 500,
        )(handle)
        return func

    return register


async def stop_consuming(broker: KafkaBroker) -> None:
    """Stop ``broker`` so that a restart redelivers nothing it handled: its coalescer commits first,
    and records handled while the subscribers finish are committed at once."""
    for middleware in broker.middlewares:
        if isinstance(middleware, CommitCoalescer):
            await middleware.close()
    await broker.stop()


def _require_commits(broker: KafkaBroker) -> None:
    """Our subscribers leave committing to the broker's coalescer; without one nothing would be committed."""
    if not any(isinstance(middleware, CommitCoalescer) for middleware in broker.middlewares):
        msg = "the broker needs a CommitCoalescer first in its middlewares (see ikdz_platform.commits)"
        raise ValueError(msg)


async def _batch_with_text_headers(records: Any, parse: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's batch parser decodes every header as UTF-8: one record with other header bytes
    failed the whole batch before any handler ran, and the batch came again forever. The handlers
    never read headers (the contracts decode the value), so such bytes are replaced instead; a
    single-record subscriber dead-letters that record (see ``after_processed``)."""
    return await parse(tuple(_text_headers(record) for record in records))


def _text_headers(record: Any) -> Any:
    """``record`` itself, or a copy whose headers are valid UTF-8 (other bytes replaced)."""
    try:
        for _, value in record.headers:
            value.decode()
    except UnicodeDecodeError:
        headers = [(name, value.decode(errors="replace").encode()) for name, value in record.headers]
        return dataclasses.replace(record, headers=headers)
    return record


async def _raw_records(msg: StreamMessage[Any]) -> Any:
    """Hand a batch handler the consumer records themselves: dead-lettering needs their coordinates."""
    return msg.raw_message
