"""Batch consumption on the real broker: many events per call, and per record the guarantees of
single consumption (retries, dead letters with the reason, the others go on, commit after)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent, encode
from ikdz_contracts.events import CaseStatus
from ikdz_contracts.topics import dlq
from ikdz_platform.commits import CommitCoalescer
from ikdz_platform.consumer import DeadLetterPolicy, stop_consuming, subscribe_batch
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader

from .events import status_event
from .topics import case_status_topic

pytestmark = pytest.mark.infra


@pytest.fixture
async def topic(infra: Infra, topic_prefix: str) -> str:
    return await case_status_topic(infra, topic_prefix, partitions=2, dead_letters=True)


class Recorder:
    def __init__(self) -> None:
        self.handled: list[str | None] = []
        self.batch_sizes: list[int] = []
        self.flaky_failures = 1


async def start_consumer(
    infra: Infra, producer: EventProducer, topic: str, group: str, recorder: Recorder, gather_ms: int = 0
) -> KafkaBroker:
    policy = DeadLetterPolicy(producer, group_id=group, max_attempts=2, backoff_seconds=0.01)
    broker = KafkaBroker(infra.kafka_bootstrap_servers, middlewares=[CommitCoalescer(0.05), policy.middleware])

    @subscribe_batch(
        broker, topic, CaseStatus, group_id=group, dead_letters=policy, max_records=100, gather_ms=gather_ms
    )
    async def handle(events: list[CloudEvent[CaseStatus]]) -> None:
        messages = [event.data.message_de for event in events]
        recorder.batch_sizes.append(len(events))
        if "always fails" in messages:
            raise RuntimeError("downstream refused")
        if "flaky" in messages and recorder.flaky_failures:
            recorder.flaky_failures -= 1
            raise RuntimeError("temporary")
        recorder.handled.extend(messages)  # idempotent per event in the real consumers; here we count

    await broker.start()
    return broker


@pytest.fixture
async def recorder(infra: Infra, producer: EventProducer, topic: str, topic_prefix: str) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    broker = await start_consumer(infra, producer, topic, f"{topic_prefix}g", recorder)
    yield recorder
    await stop_consuming(broker)


async def send_all(producer: EventProducer, topic: str, values: list[bytes]) -> None:
    await producer.send_all([OutgoingMessage(topic=topic, key=b"case-1", value=v) for v in values])


async def wait_until(condition: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_events_arrive_in_batches_in_record_order(
    producer: EventProducer, topic: str, recorder: Recorder
) -> None:
    expected = [f"m{n}" for n in range(300)]
    await send_all(producer, topic, [encode(status_event("case-1", m)) for m in expected])

    await wait_until(lambda: len(recorder.handled) >= 300)

    assert recorder.handled == expected
    assert max(recorder.batch_sizes) > 1, "several events per call"
    assert max(recorder.batch_sizes) <= 100


async def test_a_gathering_consumer_takes_events_sent_one_by_one_in_few_batches(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str
) -> None:
    recorder = Recorder()
    broker = await start_consumer(infra, producer, topic, f"{topic_prefix}gather", recorder, gather_ms=1000)
    try:
        await send_all(producer, topic, [encode(status_event("case-1", "joined"))])
        await wait_until(lambda: recorder.handled == ["joined"])  # a lone event still comes, after the wait
        expected = [f"g{n}" for n in range(20)]
        for message in expected:  # one record per send, as status changes trickle in
            await send_all(producer, topic, [encode(status_event("case-1", message))])
        await wait_until(lambda: len(recorder.handled) >= 21)
    finally:
        await stop_consuming(broker)

    assert recorder.handled == ["joined", *expected]
    assert len(recorder.batch_sizes[1:]) <= 3, f"gathered, not one fetch per record: {recorder.batch_sizes}"


async def test_poison_and_failing_records_are_dead_lettered_alone_and_the_rest_take_effect(
    infra: Infra, producer: EventProducer, topic: str, recorder: Recorder
) -> None:
    values = [
        encode(status_event("case-1", "before")),
        b"{not json",
        encode(status_event("case-1", "always fails")),
        encode(status_event("case-1", "after")),
    ]
    await send_all(producer, topic, values)
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
        dead = await reader.wait_for(lambda r: len(r) >= 2)
    await wait_until(lambda: "after" in recorder.handled)

    reasons = {r.value: dict(r.headers) for r in dead}
    assert reasons[b"{not json"]["x-dlq-error-type"] == b"PoisonMessage"
    failing = reasons[values[2]]
    assert failing["x-dlq-reason"] == b"RuntimeError: downstream refused"
    assert failing["x-dlq-attempts"] == b"2"
    assert recorder.handled.count("before") >= 1 and recorder.handled.count("after") >= 1
    assert "always fails" not in recorder.handled


async def test_a_transient_failure_is_retried_as_a_batch_and_offsets_are_committed_after(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str
) -> None:
    group = f"{topic_prefix}commit"
    first = Recorder()
    broker = await start_consumer(infra, producer, topic, group, first)
    try:
        await send_all(producer, topic, [encode(status_event("case-1", m)) for m in ("a", "flaky", "b")])
        await wait_until(lambda: "b" in first.handled)
    finally:
        await stop_consuming(broker)
    assert first.handled == ["a", "flaky", "b"], "the retried batch took effect once, nothing dead-lettered"

    # The same group after a restart goes on behind the committed offsets.
    again = Recorder()
    broker = await start_consumer(infra, producer, topic, group, again)
    try:
        await send_all(producer, topic, [encode(status_event("case-1", "c"))])
        await wait_until(lambda: "c" in again.handled)
    finally:
        await stop_consuming(broker)
    assert again.handled == ["c"]


async def test_a_header_that_is_not_utf8_neither_stops_the_batch_nor_comes_back_forever(
    infra: Infra, producer: EventProducer, topic: str, recorder: Recorder
) -> None:
    """FastStream decodes every header of a batch as UTF-8; the handler never reads them."""
    bad_header = {"x-trace": b"\xff\xfe"}
    await producer.send_all(
        [
            OutgoingMessage(topic=topic, key=b"case-1", value=encode(status_event("case-1", "before"))),
            OutgoingMessage(
                topic=topic, key=b"case-1", value=encode(status_event("case-1", "odd header")), headers=bad_header
            ),
            OutgoingMessage(topic=topic, key=b"case-1", value=b"{not json", headers=bad_header),
            OutgoingMessage(topic=topic, key=b"case-1", value=encode(status_event("case-1", "after"))),
        ]
    )
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
        dead = await reader.wait_for(lambda r: len(r) >= 1)
    await wait_until(lambda: "after" in recorder.handled)
    await asyncio.sleep(0.5)  # a batch that failed to parse would come again meanwhile

    assert [record.value for record in dead] == [b"{not json"]
    assert recorder.handled == ["before", "odd header", "after"]
