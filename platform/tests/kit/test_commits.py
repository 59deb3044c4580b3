"""Coalesced offset commits on the real broker: few commit requests, the committed offset right after
a graceful stop, nothing committed past a record that could not be dead-lettered, dead letters count
as handled; for single and batch subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError
from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent, encode
from ikdz_contracts.events import CaseStatus
from ikdz_contracts.topics import dlq
from ikdz_platform.commits import COMMITS, CommitCoalescer
from ikdz_platform.consumer import DeadLetterPolicy, stop_consuming, subscribe, subscribe_batch
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader

from .events import status_event
from .topics import case_status_topic

pytestmark = pytest.mark.infra


@pytest.fixture
async def topic(infra: Infra, topic_prefix: str) -> str:
    return await case_status_topic(infra, topic_prefix, partitions=2, dead_letters=True)


@pytest.fixture
async def admin(infra: Infra) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers)
    await client.start()
    yield client
    await client.close()


class DeadLetterProducer:
    """The producer of dead letters, which can be broken (the dead-letter topic cannot be written)."""

    def __init__(self, producer: EventProducer) -> None:
        self.producer = producer
        self.broken = False

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        if self.broken:
            raise KafkaConnectionError("dead-letter topic unavailable")
        await self.producer.send_all(messages)


class Consumer:
    """A broker with one subscriber of ``topic``, recording what its handler saw and took."""

    def __init__(self, infra: Infra, producer: EventProducer, topic: str, group: str, *, interval: float) -> None:
        self.dead_letters = DeadLetterProducer(producer)
        policy = DeadLetterPolicy(self.dead_letters, group_id=group, max_attempts=2, backoff_seconds=0.01)
        self.broker = KafkaBroker(
            infra.kafka_bootstrap_servers, middlewares=[CommitCoalescer(interval), policy.middleware]
        )
        self.policy = policy
        self.topic = topic
        self.group = group
        self.seen: list[str | None] = []
        self.handled: list[str | None] = []

    def take(self, message: str | None) -> None:
        self.seen.append(message)
        if message == "always fails":
            raise RuntimeError("downstream refused")
        self.handled.append(message)

    def single(self) -> Consumer:
        @subscribe(self.broker, self.topic, CaseStatus, group_id=self.group)
        async def handle(event: CloudEvent[CaseStatus]) -> None:
            self.take(event.data.message_de)

        return self

    def batches(self) -> Consumer:
        @subscribe_batch(self.broker, self.topic, CaseStatus, group_id=self.group, dead_letters=self.policy)
        async def handle(events: list[CloudEvent[CaseStatus]]) -> None:
            for event in events:
                self.take(event.data.message_de)

        return self


KEYS = (b"case-0", b"case-2")
"""Keys of partition 0 and 1 (murmur2), so that records alternating between them fill both."""


async def send(
    producer: EventProducer, topic: str, messages: Sequence[str | bytes], *, keys: Sequence[bytes] = KEYS, **extra: Any
) -> None:
    await producer.send_all(
        [
            OutgoingMessage(
                topic=topic,
                key=keys[n % len(keys)],
                value=m if isinstance(m, bytes) else encode(status_event(message=m)),
                **extra,
            )
            for n, m in enumerate(messages)
        ]
    )


async def committed(admin: AIOKafkaAdminClient, group: str) -> dict[int, int]:
    offsets = await admin.list_consumer_group_offsets(group)
    return {tp.partition: meta.offset for tp, meta in offsets.items()}


async def ends(infra: Infra, topic: str) -> dict[int, int]:
    """The offset after the last record of each partition: what a consumer that handled all commits."""
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await consumer.start()
    try:
        offsets = await consumer.end_offsets([TopicPartition(topic, 0), TopicPartition(topic, 1)])
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in offsets.items()}


async def wait_until(condition: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def wait_for_commit(admin: AIOKafkaAdminClient, group: str, expected: dict[int, int]) -> None:
    async with asyncio.timeout(20):
        while await committed(admin, group) != expected:
            await asyncio.sleep(0.1)


def commit_requests() -> float:
    return COMMITS.labels("ok")._value.get()


async def seen_after_restart(again: Consumer, producer: EventProducer) -> list[str | None]:
    """What a restarted consumer of the group sees when two new records arrive, sorted."""
    await again.broker.start()
    try:
        await send(producer, again.topic, ["after 0", "after 1"])
        await wait_until(lambda: len(again.handled) >= 2)
    finally:
        await stop_consuming(again.broker)
    return sorted(again.seen, key=str)


async def test_a_burst_is_committed_with_far_fewer_requests_than_messages(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str, admin: AIOKafkaAdminClient
) -> None:
    consumer = Consumer(infra, producer, topic, f"{topic_prefix}burst", interval=0.5).single()
    messages = [f"m{n}" for n in range(200)]
    await consumer.broker.start()
    try:
        before = commit_requests()
        await send(producer, topic, messages)
        await wait_until(lambda: len(consumer.handled) >= len(messages))
        await wait_for_commit(admin, consumer.group, await ends(infra, topic))  # by the timer, not a stop
        requests = commit_requests() - before
    finally:
        await stop_consuming(consumer.broker)

    assert sorted(consumer.handled) == sorted(messages)
    assert 1 <= requests <= 10, f"{requests} commit requests for {len(messages)} messages"


async def test_a_graceful_stop_commits_the_offset_after_the_last_handled_record_and_a_restart_goes_on(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str, admin: AIOKafkaAdminClient
) -> None:
    group = f"{topic_prefix}stop"
    first = Consumer(infra, producer, topic, group, interval=60).single()
    await first.broker.start()
    try:
        await send(producer, topic, [f"m{n}" for n in range(20)])
        await wait_until(lambda: len(first.handled) >= 20)
        assert await committed(admin, group) == {}, "nothing committed before the interval is over"
        before = commit_requests()
    finally:
        await stop_consuming(first.broker)

    assert commit_requests() - before == 1, "one request for both partitions"
    assert await committed(admin, group) == await ends(infra, topic) == {0: 10, 1: 10}

    assert await seen_after_restart(Consumer(infra, producer, topic, group, interval=60).single(), producer) == [
        "after 0",
        "after 1",
    ], "nothing redelivered, nothing skipped"


async def test_dead_lettered_records_count_as_handled(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str, admin: AIOKafkaAdminClient
) -> None:
    group = f"{topic_prefix}dead"
    first = Consumer(infra, producer, topic, group, interval=60).single()
    await first.broker.start()
    try:
        await send(producer, topic, ["fine", b"{not json", "always fails"], keys=KEYS[:1])
        # FastStream cannot even parse this one: the dead-letter middleware takes the raw record.
        await send(producer, topic, ["undecodable header"], keys=KEYS[:1], headers={"x-note": b"\xff"})
        async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
            await reader.wait_for(lambda r: len(r) >= 3)
    finally:
        await stop_consuming(first.broker)
    assert await committed(admin, group) == {0: 4}

    again = Consumer(infra, producer, topic, group, interval=60).single()
    await again.broker.start()
    try:
        await send(producer, topic, ["after"], keys=KEYS[:1])
        await wait_until(lambda: "after" in again.handled)
    finally:
        await stop_consuming(again.broker)
    assert again.seen == ["after"]
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
        await reader.wait_for(lambda r: len(r) >= 3)
        await reader.settle(0.5)
    assert len(reader.records) == 3, "no record dead-lettered twice"


async def test_a_record_that_cannot_be_dead_lettered_comes_again_and_nothing_past_it_is_committed(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str, admin: AIOKafkaAdminClient
) -> None:
    consumer = Consumer(infra, producer, topic, f"{topic_prefix}broken", interval=0.05).single()
    consumer.dead_letters.broken = True
    await consumer.broker.start()
    try:
        await send(producer, topic, ["a", "always fails", "b"], keys=KEYS[:1])
        await wait_for_commit(admin, consumer.group, {0: 1})
        await wait_until(lambda: consumer.seen.count("always fails") >= 6)  # two attempts per delivery
        assert "b" not in consumer.seen
        assert await committed(admin, consumer.group) == {0: 1}

        consumer.dead_letters.broken = False
        await wait_until(lambda: "b" in consumer.handled)
    finally:
        await stop_consuming(consumer.broker)
    assert consumer.handled == ["a", "b"]
    assert await committed(admin, consumer.group) == {0: 3}


async def test_a_batch_subscriber_commits_once_at_a_graceful_stop_dead_letters_included(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str, admin: AIOKafkaAdminClient
) -> None:
    group = f"{topic_prefix}batches"
    first = Consumer(infra, producer, topic, group, interval=60).batches()
    messages = [f"m{n}" for n in range(300)]
    await first.broker.start()
    try:
        await send(producer, topic, [*messages, b"{not json", b"{not json"])
        async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
            await reader.wait_for(lambda r: len(r) >= 2)
        await wait_until(lambda: len(first.handled) >= len(messages))
        before = commit_requests()
    finally:
        await stop_consuming(first.broker)

    assert commit_requests() - before == 1
    assert await committed(admin, group) == await ends(infra, topic) == {0: 151, 1: 151}

    assert await seen_after_restart(Consumer(infra, producer, topic, group, interval=60).batches(), producer) == [
        "after 0",
        "after 1",
    ], "nothing redelivered, nothing skipped"


async def test_a_batch_that_cannot_be_dead_lettered_comes_again_and_nothing_past_it_is_committed(
    infra: Infra, producer: EventProducer, topic: str, topic_prefix: str, admin: AIOKafkaAdminClient
) -> None:
    consumer = Consumer(infra, producer, topic, f"{topic_prefix}broken-batch", interval=0.05).batches()
    consumer.dead_letters.broken = True
    await consumer.broker.start()
    try:
        await send(producer, topic, ["a", "always fails", "b"], keys=KEYS[:1])
        await wait_until(lambda: consumer.seen.count("always fails") >= 6)
        assert "b" not in consumer.seen
        assert (await committed(admin, consumer.group)).get(0, 0) <= 1, "at most the offset after a"

        consumer.dead_letters.broken = False
        await wait_until(lambda: "b" in consumer.handled)
    finally:
        await stop_consuming(consumer.broker)
    assert await committed(admin, consumer.group) == {0: 3}
