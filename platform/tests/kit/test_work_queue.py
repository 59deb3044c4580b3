"""A domain service takes routed cases from its pools' work topics: once each, bad items to the DLQ."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import decode, encode, new_event
from ikdz_contracts.events import Applicant, CaseState, CaseStatus, CaseSubmitted
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics, dlq
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_traffic_orders.bootstrap import create_app
from ikdz_traffic_orders.settings import Settings
from pymongo import AsyncMongoClient

pytestmark = pytest.mark.infra


def work_item(case_id: str, service: ServiceId = ServiceId.TRAFFIC_ORDERS) -> bytes:
    data = CaseSubmitted(
        case_id=case_id,
        file_number="WUR-VRA-2026-000007",
        service=service,
        owner_ags="14729410",
        submitted_at=datetime.now(UTC),
        channel="api",
        applicant=Applicant(kind="legal_entity", name="Muster Bau GmbH"),
    )
    event = new_event(data, source="urn:ikdz:routing", subject=case_id, ownerags="14729410", processingags="14522020")
    return encode(event)


@pytest.fixture
async def service_db(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[Any]:
    settings = settings_for(Settings, infra, database=mongo_db_name, topic_prefix=topic_prefix, pools=["augustusburg"])
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    async with running(create_app(settings)):
        yield mongo[mongo_db_name]
    await mongo.close()


async def test_a_work_item_delivered_twice_is_accepted_once_and_confirmed_once(
    infra: Infra, topic_prefix: str, service_db: Any
) -> None:
    topics = Topics(topic_prefix)
    topic = topics.work(ServiceId.TRAFFIC_ORDERS, "augustusburg")
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    item = OutgoingMessage(topic=topic, key=b"case-w1", value=work_item("case-w1"))
    wrong = OutgoingMessage(topic=topic, key=b"case-w2", value=work_item("case-w2", ServiceId.EINVOICE))
    await producer.send_all([item, wrong, item])
    await producer.stop()

    async with TopicReader(infra.kafka_bootstrap_servers, topics.case_status, dlq(topic)) as reader:
        await reader.wait_for(lambda r: len(r) >= 2)
        records = await reader.settle(1.5)
    statuses = [decode(r.value, CaseStatus) for r in records if r.topic == topics.case_status]
    dead = [r for r in records if r.topic == dlq(topic)]

    assert len(statuses) == 1
    status = statuses[0]
    assert status.data.state == CaseState.IN_PROGRESS
    assert status.data.label_de == "In Bearbeitung"
    assert status.data.pool_id == "augustusburg"
    assert status.data.processing_town == "Augustusburg"
    assert status.source == "urn:ikdz:traffic-orders"
    assert [r.key for r in dead] == [b"case-w2"]
    assert b"einvoice on a traffic-orders work topic" in dict(dead[0].headers)["x-dlq-reason"]
    assert await service_db["cases"].count_documents({}) == 1
