"""Consumption on the real broker: commit after handling, bounded retries, dead-letter topic."""

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
from ikdz_platform.consumer import DeadLetterPolicy, stop_consuming, subscribe
from ikdz_platform.inbox import insert_once
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader

from .events import status_event
from .topics import case_status_topic

pytestmark = pytest.mark.infra


@pytest.fixture
async def topic(infra: Infra, topic_prefix: str) -> str:
    return await case_status_topic(infra, topic_prefix, partitions=1, dead_letters=True)


class Recorder:
    def __init__(self) -> None:
        self.handled: list[str | None] = []
        self.calls = 0
        self.flaky_failures = 2


@pytest.fixture
async def consumer(infra: Infra, producer: EventProducer, topic: str, topic_prefix: str) -> AsyncIterator[Recorder]:
    policy = DeadLetterPolicy(producer, group_id=f"{topic_prefix}g", max_attempts=3, backoff_seconds=0.01)
    broker = KafkaBroker(infra.kafka_bootstrap_servers, middlewares=[CommitCoalescer(0.05), policy.middleware])
    recorder = Recorder()

    @subscribe(broker, topic, CaseStatus, group_id=f"{topic_prefix}g")
    async def handle(event: CloudEvent[CaseStatus]) -> None:
        recorder.calls += 1
        if event.data.message_de == "always fails":
            raise RuntimeError("downstream refused")
        if event.data.message_de == "flaky" and recorder.flaky_failures:
            recorder.flaky_failures -= 1
            raise RuntimeError("temporary")
        recorder.handled.append(event.data.message_de)

    await broker.start()
    yield recorder
    await stop_consuming(broker)


async def send(producer: EventProducer, topic: str, value: bytes, key: bytes = b"case-1") -> None:
    await producer.send_all([OutgoingMessage(topic=topic, key=key, value=value)])


async def wait_until(condition: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_poison_message_goes_to_the_dead_letter_topic_and_the_consumer_goes_on(
    infra: Infra, producer: EventProducer, topic: str, consumer: Recorder
) -> None:
    await send(producer, topic, b"{not json")
    await send(producer, topic, b'{"specversion": "1.0"}')
    await send(producer, topic, encode(status_event(message="after the poison")))

    await wait_until(lambda: consumer.handled == ["after the poison"])
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
        dead = await reader.wait_for(lambda r: len(r) >= 2)
    assert [r.value for r in dead] == [b"{not json", b'{"specversion": "1.0"}']
    headers = dict(dead[0].headers)
    assert headers["x-dlq-reason"].startswith(b"PoisonMessage: ")
    assert b"Invalid JSON" in headers["x-dlq-reason"]
    assert headers["x-dlq-original-topic"] == topic.encode()
    assert headers["x-dlq-original-offset"] == b"0"
    assert headers["x-dlq-attempts"] == b"1"
    assert b"Field required" in dict(dead[1].headers)["x-dlq-reason"]


async def test_a_failing_handler_is_retried_then_dead_lettered_with_its_reason(
    infra: Infra, producer: EventProducer, topic: str, consumer: Recorder
) -> None:
    await send(producer, topic, encode(status_event(message="flaky")))
    await send(producer, topic, encode(status_event(message="always fails")))
    await send(producer, topic, encode(status_event(message="fine")))

    await wait_until(lambda: consumer.handled == ["flaky", "fine"])
    assert consumer.calls == 3 + 3 + 1  # flaky: 2 failures + success; always fails: 3 attempts; fine: 1
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topic)) as reader:
        dead = await reader.wait_for(lambda r: len(r) >= 1)
        await reader.settle(0.5)
    assert len(reader.records) == 1
    headers = dict(dead[0].headers)
    assert headers["x-dlq-reason"] == b"RuntimeError: downstream refused"
    assert headers["x-dlq-attempts"] == b"3"
    assert headers["content-type"] == b"application/cloudevents+json"


async def test_a_redelivered_event_has_one_effect(db: Any) -> None:
    """The inbox: an event's effect is one insert keyed by the event id."""
    effects = db["effects"]
    event = status_event()

    assert await insert_once(effects, event.id, {"case_id": "case-1"})
    assert not await insert_once(effects, event.id, {"case_id": "case-1"})
    assert await insert_once(effects, status_event().id, {"case_id": "case-1"})
    assert await effects.count_documents({"case_id": "case-1"}) == 2
