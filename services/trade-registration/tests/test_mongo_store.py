"""The case file and the documents on the real store: each written once, events published once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import new_event
from ikdz_contracts.testing import case_status
from ikdz_platform.outbox import OutboxRelay, outbox_entry
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_trade_registration.adapters.mongo import MongoDocuments, MongoSteps
from ikdz_trade_registration.app.ports import StoredDocument
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

pytestmark = pytest.mark.infra


@pytest.fixture
async def db(infra: Infra, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    yield client[mongo_db_name]
    await client.close()


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.sent.extend(messages)


def document(document_id: str, content: bytes) -> StoredDocument:
    return StoredDocument(
        document_id=document_id,
        case_id="case-1",
        kind="receipt",
        title_de="Empfangsbestätigung zur Gewerbeanmeldung",
        media_type="application/pdf",
        created_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        content=content,
    )


async def test_a_step_is_recorded_once_and_its_events_are_published_once(db: AsyncDatabase[dict[str, Any]]) -> None:
    sender = RecordingSender()
    relay = OutboxRelay([], sender, poll_seconds=30)
    steps = MongoSteps(db, relay)
    await steps.create_indexes()
    event = new_event(case_status(), source="urn:ikdz:trade-registration", subject="case-1", ownerags="14729410")
    step = {"_id": "case-1:received", "case_id": "case-1", "at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC)}
    relay.start()
    try:
        assert await steps.record_all([(step, [outbox_entry("t.case.status.v1", event)])]) == {"case-1:received"}
        again = {**step, "outcome": "other"}
        assert not await steps.record_all([(again, [outbox_entry("t.case.status.v1", event)])])
        for _ in range(100):
            if sender.sent and not await db["steps_outbox_batches"].count_documents({}):
                break
            await asyncio.sleep(0.05)
    finally:
        await relay.stop()

    assert [m.key for m in sender.sent] == [b"case-1"]
    [stored] = await steps.stored(["case-1:received", "case-2:received"])
    assert "outcome" not in stored and "outbox" not in stored
    assert [s["_id"] for s in await steps.of_case("case-1")] == ["case-1:received"]


async def test_a_document_is_stored_once_and_a_second_put_returns_the_first(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    documents = MongoDocuments(db)
    assert await documents.get("case-1", "d1") is None

    assert await documents.put(document("d1", b"%PDF-first")) == document("d1", b"%PDF-first")
    assert await documents.put(document("d1", b"%PDF-again")) == document("d1", b"%PDF-first")

    assert await documents.get("case-1", "d1") == document("d1", b"%PDF-first")
    assert await documents.get("case-other", "d1") is None
    assert await db["documents"].count_documents({}) == 1
