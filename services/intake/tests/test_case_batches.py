"""Cases stored through the outbox's batch path with group commit, on the real store and broker:
concurrent submissions share inserts and still get a case and file number each, a repeated key
returns the stored case, a taken file number costs a retry, a store error fails only its own batch,
and every accepted case's ``case.submitted`` arrives exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import decode, new_event
from ikdz_contracts.events import Applicant, CaseSubmitted
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_contracts.testing import gewerbe_payload
from ikdz_contracts.topics import Topics
from ikdz_intake.adapters.mongo_cases import MongoCaseRepository
from ikdz_intake.app.ports import DuplicateKeyError
from ikdz_intake.app.submit_case import Accepted, SubmitCase
from ikdz_platform.outbox import OutboxRelay, outbox_entry
from ikdz_platform.producer import EventProducer
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_platform.testing.topics import TopicReader
from ikdz_platform.topic_admin import ensure_topics
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from .fakes import FixedClock
from .test_submit_case import TODAY, submission

pytestmark = pytest.mark.infra


@dataclass
class Intake:
    submit: SubmitCase
    repository: MongoCaseRepository
    relay: OutboxRelay
    db: AsyncDatabase[dict[str, Any]]
    commands: StoreCommands

    def case_inserts(self) -> list[int]:
        """How many cases each insert into ``cases`` carried."""
        return [c.documents for c in self.commands.of("insert", "cases")]

    topic: str
    kafka: str

    async def published(self, count: int) -> list[Any]:
        """The ``case.submitted`` records once ``count`` arrived, and a second more for late duplicates."""
        async with TopicReader(self.kafka, self.topic) as reader:
            await reader.wait_for(lambda records: len(records) >= count)
            return await reader.settle(1.0)


@pytest.fixture
async def intake(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[Intake]:
    topic = Topics(topic_prefix).case_submitted
    await ensure_topics(infra.kafka_bootstrap_servers, [topic], partitions=3, replication_factor=1)
    commands = StoreCommands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        infra.mongodb_uri, tz_aware=True, event_listeners=[commands]
    )
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test-intake")
    await producer.start()
    relay = OutboxRelay([], producer, poll_seconds=60)
    db = client[mongo_db_name]
    repository = MongoCaseRepository(db, relay, number_block=100)
    await repository.create_indexes()
    relay.start()
    submit = SubmitCase(repository, load_municipalities(), Topics(topic_prefix), FixedClock())
    try:
        yield Intake(submit, repository, relay, db, commands, topic, infra.kafka_bootstrap_servers)
    finally:
        await relay.stop()
        await producer.stop()
        await client.close()


def _once_each(records: list[Any], accepted: list[Accepted]) -> None:
    """Exactly one ``case.submitted`` per accepted case, with its file number, and nothing else."""
    events = [decode(record.value, CaseSubmitted) for record in records]
    assert Counter(event.subject for event in events) == Counter({a.case_id: 1 for a in accepted})
    assert {event.data.case_id: event.data.file_number for event in events} == {
        a.case_id: a.file_number for a in accepted
    }


async def test_concurrent_submissions_share_inserts_and_each_case_is_published_once(intake: Intake) -> None:
    warm = await intake.submit(submission(), None)  # reserves the block of file numbers
    intake.commands.sent.clear()

    accepted = await asyncio.gather(*(intake.submit(submission(), f"key-many-{n:04d}") for n in range(40)))

    assert len({a.case_id for a in accepted}) == len({a.file_number for a in accepted}) == 40
    assert not any(a.replayed for a in accepted)
    assert sum(intake.case_inserts()) == 40
    assert len(intake.case_inserts()) < 5, f"one insert per batch, not per case: {intake.case_inserts()}"
    _once_each(await intake.published(41), [warm, *accepted])
    assert await intake.db["cases"].count_documents({"outbox_pending": True}) == 0, "never claimed one by one"
    assert await _batch_records_left(intake.db, within=5.0) == 0, "every batch settled once its window closed"


async def _batch_records_left(db: AsyncDatabase[dict[str, Any]], within: float) -> int:
    """The batch records left once they are all deleted or ``within`` seconds passed."""
    deadline = asyncio.get_running_loop().time() + within
    while (
        left := await db["cases_outbox_batches"].count_documents({})
    ) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    return left


async def test_a_repeated_key_in_the_same_batch_and_in_a_later_one_returns_the_stored_case(intake: Intake) -> None:
    warm = await intake.submit(submission(), None)
    intake.commands.sent.clear()

    one, same_key, other = await asyncio.gather(
        intake.submit(submission(), "key-twice-0001"),
        intake.submit(submission(), "key-twice-0001"),
        intake.submit(submission(), "key-other-0001"),
    )
    later = await intake.submit(submission(), "key-twice-0001")

    assert intake.case_inserts()[0] == 3, "the three requests went into one insert"
    assert one.case_id == same_key.case_id == later.case_id
    assert one.file_number == same_key.file_number == later.file_number
    assert sorted([one.replayed, same_key.replayed]) == [False, True] and later.replayed
    assert other.case_id != one.case_id and not other.replayed
    assert await intake.db["cases"].count_documents({"idempotency_key": "key-twice-0001"}) == 1
    first = one if not one.replayed else same_key
    _once_each(await intake.published(3), [warm, first, other])


async def test_a_taken_file_number_costs_its_case_a_retry_with_the_next_number(intake: Intake) -> None:
    # Another replica (or an older version) holds number 1 already.
    await intake.db["cases"].insert_one(
        {"_id": "elsewhere", "file_number": "WUR-GEW-2026-000001", "idempotency_key": "case:elsewhere"}
    )

    accepted = await asyncio.gather(
        intake.submit(submission(), "key-number-0001"),
        intake.submit(submission(payload=gewerbe_payload(TODAY, employees_full_time=3)), "key-number-0002"),
    )

    assert sorted(a.file_number for a in accepted) == ["WUR-GEW-2026-000002", "WUR-GEW-2026-000003"]
    assert not any(a.replayed for a in accepted)
    _once_each(await intake.published(2), list(accepted))


def _case(case_id: Any, number: int, topic: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A case document and its event as intake stores them (only the fields the store cares about)."""
    data = CaseSubmitted(
        case_id=str(case_id),
        file_number=f"WUR-GEW-2026-{number:06d}",
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags="14729410",
        submitted_at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        channel="api",
        applicant=Applicant(kind="natural_person", name="Erika Mustermann"),
    )
    event = new_event(data, source="urn:ikdz:test", subject=str(case_id), ownerags="14729410")
    case = {"_id": case_id, "file_number": data.file_number, "idempotency_key": f"case:{case_id}", "status": []}
    return case, [outbox_entry(topic, event)]


async def test_a_store_error_fails_only_the_requests_of_its_batch_and_stores_nothing_of_it(intake: Intake) -> None:
    # The store refuses an array as _id: a write error that is not a duplicate key.
    refused = await asyncio.gather(
        intake.repository.insert(*_case(["not", "an", "id"], 901, intake.topic)),
        intake.repository.insert(*_case("c-same-batch", 902, intake.topic)),
        return_exceptions=True,
    )
    stored = await intake.submit(submission(), None)

    for error in refused:
        assert isinstance(error, BulkWriteError) and not isinstance(error, DuplicateKeyError)
        assert [e["index"] for e in error.details["writeErrors"]] == [0]
    assert await intake.db["cases"].count_documents({"_id": "c-same-batch"}) == 0, "nothing half-stored"
    assert await intake.db["cases"].count_documents({}) == 1
    _once_each(await intake.published(1), [stored])
    await intake.relay.run_once()  # the scan settles the failed batch's released record
    assert await intake.db["cases_outbox_batches"].count_documents({}) == 0


async def test_a_case_stored_by_an_older_version_is_still_published(intake: Intake) -> None:
    case, outbox = _case("c-pending", 903, intake.topic)
    await intake.db["cases"].insert_one({**case, "outbox": outbox, "outbox_pending": True})

    # The running relay's start-up scan may take it first; either way it is published once.
    await intake.relay.run_once()
    records = await intake.published(1)
    assert [record.key for record in records] == [b"c-pending"]
    assert await intake.db["cases"].count_documents({"outbox_pending": True}) == 0
