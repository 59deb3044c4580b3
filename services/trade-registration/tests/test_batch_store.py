"""Work item batches on the real store: a few store commands per batch, the results of one at a time."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseSubmitted
from ikdz_contracts.payloads.gewerbe import PreviousRegistration, to_payload
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_platform.outbox import OutboxRelay, unpacked_outbox
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_trade_registration.adapters.mongo import MongoDocuments, MongoRegister, MongoSteps
from ikdz_trade_registration.adapters.xgewerbe_export import export_messages
from ikdz_trade_registration.app.documents import CaseDocuments, DocumentNotFoundError
from ikdz_trade_registration.app.effects import StepWriter
from ikdz_trade_registration.app.notices import HELD_ELSEWHERE_DE, Planner, ProcessWorkItem, new_registration_id
from ikdz_trade_registration.domain.registrations import duplicate_key
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from .builders import AUGUSTUSBURG, FEES, GRIMMA, abmeldung, anmeldung, moved_within_wurzen, person
from .fakes import CountingRenderer, FixedClock
from .service import MUNICIPALITIES, TOPICS, work_item

pytestmark = pytest.mark.infra

Db = AsyncDatabase[dict[str, Any]]
BATCH_RECORDS = "steps_outbox_batches"


class Sent:
    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.messages.extend(messages)


@dataclass
class Wired:
    """The use case on the store, with a running relay whose sends are recorded."""

    db: Db
    process: ProcessWorkItem
    sent: Sent
    documents: CaseDocuments
    renderer: CountingRenderer


@pytest.fixture
async def store(infra: Infra, mongo_db_name: str) -> AsyncIterator[tuple[StoreCommands, Db, Db]]:
    """A watched database for the batch path and a second one for one item at a time."""
    commands = StoreCommands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongodb_uri, tz_aware=True, event_listeners=[commands]
    )
    yield commands, client[mongo_db_name], client[f"{mongo_db_name}_single"]
    await client.drop_database(f"{mongo_db_name}_single")
    await client.close()


@pytest.fixture
async def relays() -> AsyncIterator[list[OutboxRelay]]:
    started: list[OutboxRelay] = []
    yield started
    for relay in started:
        await relay.stop()


async def wired(db: Db, relays: list[OutboxRelay]) -> Wired:
    sent = Sent()
    relay = OutboxRelay([], sent, poll_seconds=60)
    steps, register, documents = MongoSteps(db, relay), MongoRegister(db), MongoDocuments(db)
    await steps.create_indexes()
    await register.create_indexes()
    wz = wz_catalogue()
    planner = Planner(register, wz, FEES, {m.ags: m.display_name for m in MUNICIPALITIES})
    writer = StepWriter(export_messages, wz, FEES, MUNICIPALITIES, TOPICS)
    relay.start()
    relays.append(relay)
    renderer = CountingRenderer()
    process = ProcessWorkItem(steps, register, planner, writer, FixedClock())
    return Wired(db, process, sent, CaseDocuments(steps, documents, renderer), renderer)


async def settled(db: Db) -> None:
    """Wait until the relay sent every batch and deleted its record."""
    for _ in range(200):
        if not await db[BATCH_RECORDS].count_documents({}):
            return
        await asyncio.sleep(0.02)
    pytest.fail("the relay did not settle")


def sole_traders(first: int, count: int) -> list[CloudEvent[CaseSubmitted]]:
    return [
        work_item(n, to_payload(anmeldung(persons=(person(family_name=f"Muster{n}"),))))
        for n in range(first, first + count)
    ]


async def test_a_batch_costs_one_insert_per_collection_and_at_most_one_register_query_per_business(
    store: tuple[StoreCommands, Db, Db], relays: list[OutboxRelay]
) -> None:
    commands, db, _ = store
    service = await wired(db, relays)
    await service.process.batch("augustusburg", sole_traders(100, 1))  # the relay's first scan, fonts loaded
    for size in (1, 20):
        items = sole_traders(size * 1000, size)
        await settled(db)
        commands.sent.clear()

        assert await service.process.batch("augustusburg", items) == [True] * size

        # The relay deletes the records of the batches it sent within 100 ms with one command.
        sent = [c for c in commands.sent if (c.name, c.collection) != ("delete", BATCH_RECORDS)]
        kinds = Counter((c.name, c.collection) for c in sent)
        register_queries = kinds.pop(("find", "registrations"))
        assert register_queries == 1  # find_each: one $in query for every holder (none refers to a registration)
        assert kinds == {  # no documents: they are rendered and stored on their first download
            ("insert", "registration_keys"): 1,
            ("insert", BATCH_RECORDS): 1,
            ("insert", "steps"): 1,
            ("insert", "registrations"): 1,
        }
        assert [c.documents for c in sent if c.name == "insert"] == [size, 1, size, size]


async def test_a_mixed_batch_stores_and_sends_what_one_item_at_a_time_does(
    store: tuple[StoreCommands, Db, Db], relays: list[OutboxRelay]
) -> None:
    _, db, single_db = store
    batched, single = await wired(db, relays), await wired(single_db, relays)
    traders = sole_traders(1, 14)
    elsewhere = anmeldung(persons=(person(family_name="Gleichzeitig"),))
    items = [
        *traders,
        work_item(15, to_payload(abmeldung(persons=(person(family_name="Muster1"),)))),
        work_item(16, to_payload(anmeldung(persons=(person(family_name="Muster2"),)))),  # a duplicate
        work_item(
            17,
            to_payload(
                moved_within_wurzen(
                    persons=(person(family_name="Muster3"),),
                    previous_registration=PreviousRegistration(registration_id=new_registration_id("case-3")),
                )
            ),
        ),
        traders[3],  # delivered twice
        work_item(18, to_payload(elsewhere)),  # its key is held by an Anmeldung decided elsewhere just now
        work_item(19, {"activity": "Webdesign"}),
    ]
    for target in (batched, single):
        await target.db["registration_keys"].insert_one({"_id": duplicate_key(elsewhere), "registration_id": "x"})

    recorded = await batched.process.batch("augustusburg", items)
    for item in items:
        await single.process.batch("augustusburg", [item])
    await asyncio.gather(settled(db), settled(single_db))

    assert recorded == [True] * 17 + [False, True, True]
    assert await contents(db) == await contents(single_db)
    assert events(batched.sent.messages) == events(single.sent.messages) == await stored_events(db)
    refused = await db["steps"].find_one({"_id": "case-18:received"})
    assert refused is not None and refused["message_de"] == HELD_ELSEWHERE_DE


async def test_a_redelivery_decided_differently_now_leaves_no_key_in_the_store(
    store: tuple[StoreCommands, Db, Db], relays: list[OutboxRelay]
) -> None:
    _, db, _ = store
    service = await wired(db, relays)
    first, duplicate = work_item(1, to_payload(anmeldung())), work_item(2, to_payload(anmeldung()))
    for item in (first, duplicate):
        await service.process.batch("augustusburg", [item])  # the second is refused
    await service.process.batch("augustusburg", [work_item(3, to_payload(abmeldung()))])
    before = await contents(db)
    assert not before["registration_keys"]

    assert await service.process.batch("augustusburg", [duplicate, *sole_traders(4, 1)]) == [False, True]

    after = await contents(db)
    new = new_registration_id("case-4")
    assert [key["registration_id"] for key in after["registration_keys"]] == [new]  # no key for the redelivery
    assert after["documents"] == before["documents"] == []  # nothing is rendered before a download
    assert [r for r in after["registrations"] if r["_id"] != new] == before["registrations"]
    assert [s for s in after["steps"] if s["_id"] != "case-4:received"] == before["steps"]


async def test_the_first_download_renders_and_stores_once_and_later_ones_read_the_stored_bytes(
    store: tuple[StoreCommands, Db, Db], relays: list[OutboxRelay]
) -> None:
    commands, db, _ = store
    service = await wired(db, relays)
    [item] = sole_traders(1, 1)
    await service.process.batch("augustusburg", [item])
    [step] = await db["steps"].find({}).to_list()
    receipt, fee_notice = (d["document_id"] for d in step["documents"])
    assert not await db["documents"].count_documents({})

    first = await service.documents.get("case-1", receipt, None)
    assert first.content.startswith(b"%PDF") and service.renderer.rendered == ["receipt"]
    commands.sent.clear()
    again = await service.documents.get("case-1", receipt, frozenset({AUGUSTUSBURG}))
    assert again == first and service.renderer.rendered == ["receipt"]
    assert not [c for c in commands.sent if c.name == "insert"]  # read, not rendered or written again

    both = await asyncio.gather(*(service.documents.get("case-1", fee_notice, None) for _ in range(2)))
    assert both[0] == both[1]  # the copy stored first, for both
    assert await db["documents"].count_documents({"_id": fee_notice}) == 1
    for case_id, document_id in [("case-1", "no-such-document"), ("case-2", receipt)]:
        with pytest.raises(DocumentNotFoundError):
            await service.documents.get(case_id, document_id, None)
    with pytest.raises(DocumentNotFoundError):
        await service.documents.get("case-1", receipt, frozenset({GRIMMA}))


async def contents(db: Db) -> dict[str, list[dict[str, Any]]]:
    """Every collection the use case writes, without the outbox (its events have ids and times of
    their own)."""
    leave_out = {"steps": {"outbox": 0, "outbox_batch": 0, "outbox_pending": 0}}
    return {
        name: await db[name].find({}, projection=leave_out.get(name)).sort("_id").to_list()
        for name in ("steps", "registrations", "registration_keys", "documents")
    }


def events(messages: Sequence[OutgoingMessage]) -> list[tuple[str, str, str, str]]:
    """What was sent, without each event's id and time, in a fixed order."""
    decoded = [(m.topic, m.key.decode(), json.loads(m.value)) for m in messages]
    return sorted(
        (topic, key, event["type"], json.dumps(event["data"], sort_keys=True)) for topic, key, event in decoded
    )


async def stored_events(db: Db) -> list[tuple[str, str, str, str]]:
    steps = await db["steps"].find({}, projection={"outbox": 1}).to_list()
    entries = [entry for step in steps for entry in unpacked_outbox(step["outbox"])]
    decoded = [(e["topic"], e["key"], json.loads(e["value"])) for e in entries]
    return sorted(
        (topic, key, event["type"], json.dumps(event["data"], sort_keys=True)) for topic, key, event in decoded
    )
