"""A service stopped while work keeps arriving: what it stored before it stopped is sent and settled."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent, encode
from ikdz_contracts.events import CaseStatus
from ikdz_platform.consumer import subscribe_batch
from ikdz_platform.outbox import outbox_entry
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.settings import PlatformSettings
from ikdz_platform.testing.apps import settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from pymongo import AsyncMongoClient

from .events import status_event

pytestmark = pytest.mark.infra


async def test_a_service_stopped_under_load_leaves_no_batch_to_a_lease(
    infra: Infra, mongo_db_name: str, topic_prefix: str
) -> None:
    settings = settings_for(PlatformSettings, infra, database=mongo_db_name, topic_prefix=topic_prefix)
    runtime = ServiceRuntime("stop-test", settings)
    incoming, outgoing = f"{topic_prefix}stop-in.v1", f"{topic_prefix}stop-out.v1"
    runtime.create_topics([incoming, outgoing], with_dead_letters=True)
    writer = runtime.outbox_relay().batch_writer(runtime.db["docs"])

    @subscribe_batch(runtime.broker, incoming, CaseStatus, group_id=runtime.group_id, dead_letters=runtime.dead_letters)
    async def store(events: list[CloudEvent[CaseStatus]]) -> None:
        await asyncio.sleep(0.05)  # a handler takes a while: there is always a batch in flight
        await writer.insert_many([({"_id": e.id}, [outbox_entry(outgoing, e)]) for e in events])

    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="stop-test-feed")
    await producer.start()

    async def feed() -> None:
        n = 0
        while True:
            event = status_event(f"case-{n}")
            await producer.send_all([OutgoingMessage(topic=incoming, key=event.subject.encode(), value=encode(event))])
            n += 1
            await asyncio.sleep(0.005)

    await runtime.start()
    feeding = asyncio.create_task(feed())
    await asyncio.sleep(1.5)
    await runtime.stop()  # while the feed goes on
    feeding.cancel()
    await producer.stop()

    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    stored = await db["docs"].count_documents({})
    left = await db["docs_outbox_batches"].count_documents({})
    await mongo.close()
    assert stored > 0
    assert left == 0, "every stored batch was sent and settled before the service ended"
    async with TopicReader(infra.kafka_bootstrap_servers, outgoing) as reader:
        await reader.wait_for(lambda records: len(records) > 0)
        sent = await reader.settle(1.0)
    assert len(sent) == stored
