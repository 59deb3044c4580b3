"""The outbox relay on the real store and broker: nothing written is lost, order per case is kept."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import pytest
from ikdz_platform.outbox import OutboxRelay, new_document_outbox, outbox_entry
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader

from .events import messages_of, status_event
from .topics import case_status_topic

pytestmark = pytest.mark.infra


@pytest.fixture
async def topic(infra: Infra, topic_prefix: str) -> str:
    return await case_status_topic(infra, topic_prefix, partitions=3)


async def test_publishes_pending_events_in_order_and_settles_the_document(
    infra: Infra, db: Any, producer: EventProducer, topic: str
) -> None:
    cases = db["cases"]
    entries = [outbox_entry(topic, status_event("c1", "first")), outbox_entry(topic, status_event("c1", "second"))]
    await cases.insert_one({"_id": "c1", "x": 1, **new_document_outbox(entries)})
    relay = OutboxRelay([cases], producer)

    assert await relay.run_once() == 2

    async with TopicReader(infra.kafka_bootstrap_servers, topic) as reader:
        records = await reader.wait_for(lambda r: len(r) >= 2)
    assert messages_of(records) == ["first", "second"]
    assert all(r.key == b"c1" for r in records)
    assert dict(records[0].headers)["content-type"] == b"application/cloudevents+json"
    doc = await cases.find_one({"_id": "c1"})
    assert doc["outbox"] == [] and doc["outbox_pending"] is False and doc["x"] == 1
    assert await relay.run_once() == 0


async def test_a_dead_relays_lease_expires_and_another_relay_sends(
    infra: Infra, db: Any, producer: EventProducer, topic: str
) -> None:
    cases = db["cases"]
    entry = outbox_entry(topic, status_event("c2", "orphaned"))
    # A relay claimed the document and died before sending: its lease runs out in half a second.
    await cases.insert_one(
        {"_id": "c2", **new_document_outbox([entry]), "outbox_lease": time.time() + 0.5, "outbox_owner": "dead"}
    )
    relay = OutboxRelay([cases], producer, lease_seconds=5)

    assert await relay.run_once() == 0, "a live lease must be respected"
    await asyncio.sleep(0.6)
    assert await relay.run_once() == 1

    async with TopicReader(infra.kafka_bootstrap_servers, topic) as reader:
        records = await reader.wait_for(lambda r: len(r) >= 1)
    assert messages_of(records) == ["orphaned"]


class FlakySender:
    """Fails the first send, as a broker outage would; records what it sent."""

    def __init__(self) -> None:
        self.failures_left = 1
        self.sent: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("broker unavailable")
        self.sent.extend(messages)


async def test_a_failed_send_releases_the_documents_for_the_next_pass(db: Any, topic: str) -> None:
    cases = db["cases"]
    await cases.insert_one({"_id": "c3", **new_document_outbox([outbox_entry(topic, status_event("c3", "retry me"))])})
    sender = FlakySender()
    relay = OutboxRelay([cases], sender, lease_seconds=60)

    with pytest.raises(ConnectionError):
        await relay.run_once()
    assert await relay.run_once() == 1  # no need to wait for the 60 s lease
    assert [m.key for m in sender.sent] == [b"c3"]
    assert (await cases.find_one({"_id": "c3"}))["outbox_pending"] is False


async def test_notify_wakes_the_running_relay(infra: Infra, db: Any, producer: EventProducer, topic: str) -> None:
    cases = db["cases"]
    relay = OutboxRelay([cases], producer, poll_seconds=30)
    relay.start()
    try:
        await asyncio.sleep(0.2)
        await cases.insert_one({"_id": "c5", **new_document_outbox([outbox_entry(topic, status_event("c5", "now"))])})
        relay.notify()
        async with TopicReader(infra.kafka_bootstrap_servers, topic) as reader:
            records = await reader.wait_for(lambda r: len(r) >= 1, timeout=5)
    finally:
        await relay.stop()
    assert messages_of(records) == ["now"]


async def test_a_document_announced_by_id_is_sent_at_once_the_rest_waits_for_the_scan(
    infra: Infra, db: Any, producer: EventProducer, topic: str
) -> None:
    cases = db["cases"]
    relay = OutboxRelay([], producer, poll_seconds=30)
    outbox = relay.watch(cases)
    relay.start()
    try:
        await asyncio.sleep(0.5)  # the start-up scan has run and found nothing
        await cases.insert_one({"_id": "c6", **new_document_outbox([outbox_entry(topic, status_event("c6", "quiet"))])})
        await cases.insert_one({"_id": "c7", **new_document_outbox([outbox_entry(topic, status_event("c7", "told"))])})
        outbox.notify("c7")
        async with TopicReader(infra.kafka_bootstrap_servers, topic) as reader:
            await reader.wait_for(lambda r: len(r) >= 1, timeout=5)
            assert messages_of(await reader.settle(1.5)) == ["told"], "only the announced document, no scan"
            outbox.notify()  # no id: look for whatever is pending
            records = await reader.wait_for(lambda r: len(r) >= 2, timeout=5)
    finally:
        await relay.stop()
    assert messages_of(records) == ["told", "quiet"]
    assert (await cases.find_one({"_id": "c7"}))["outbox_pending"] is False


async def test_an_announced_document_another_relay_holds_is_left_alone(db: Any, topic: str) -> None:
    cases = db["cases"]
    entry = outbox_entry(topic, status_event("c8", "theirs"))
    await cases.insert_one(
        {"_id": "c8", **new_document_outbox([entry]), "outbox_lease": time.time() + 60, "outbox_owner": "other"}
    )
    sender = FlakySender()
    sender.failures_left = 0
    relay = OutboxRelay([], sender, poll_seconds=30)
    relay.watch(cases).notify("c8")
    relay.watch(cases).notify("no-such-case")
    relay.start()
    try:
        await asyncio.sleep(1.0)
    finally:
        await relay.stop()
    assert sender.sent == []
    assert (await cases.find_one({"_id": "c8"}))["outbox_owner"] == "other"
