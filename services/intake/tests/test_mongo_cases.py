"""Cases on the real store: file numbers reserved in blocks per process, never twice, also after a lost
update; status events projected once each; the payload stored as JSON text, older nested ones still read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from ikdz_contracts.events import CaseState
from ikdz_contracts.testing import gewerbe_payload
from ikdz_intake.adapters.mongo_cases import MongoCaseRepository
from ikdz_intake.app.status import ViewCase
from ikdz_intake.domain.case import StatusEntry, access_token
from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.testing.infra import Infra
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

pytestmark = pytest.mark.infra

COUNTER = "WUR-GEW-2026"


class NoBroker:
    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        raise AssertionError(f"nothing is sent here, not {len(messages)} messages")


def _relay() -> OutboxRelay:
    """A relay that is not started: these tests store cases, they send nothing."""
    return OutboxRelay([], NoBroker())


@pytest.fixture
async def db(infra: Infra, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    yield client[mongo_db_name]
    await client.close()


async def test_a_process_hands_out_its_block_in_order_then_reserves_the_next(db: AsyncDatabase[dict[str, Any]]) -> None:
    repo = MongoCaseRepository(db, _relay(), number_block=5)
    numbers = [await repo.next_sequence(COUNTER) for _ in range(7)]
    assert numbers == [1, 2, 3, 4, 5, 6, 7]
    assert await db["counters"].find_one({"_id": COUNTER}) == {"_id": COUNTER, "value": 10}
    assert await repo.next_sequence("AUG-GEW-2026") == 1, "each counter has its own blocks"


async def test_processes_and_restarts_never_share_a_number(db: AsyncDatabase[dict[str, Any]]) -> None:
    first, second = MongoCaseRepository(db, _relay(), number_block=5), MongoCaseRepository(db, _relay(), number_block=5)
    numbers = await asyncio.gather(*(repo.next_sequence(COUNTER) for _ in range(12) for repo in (first, second)))
    restarted = MongoCaseRepository(db, _relay(), number_block=5)
    after_restart = await restarted.next_sequence(COUNTER)
    assert len(set(numbers)) == 24
    assert after_restart > max(numbers), "a restart skips the rest of its blocks, it never reuses them"


async def test_a_lost_counter_update_does_not_hand_out_a_block_twice(db: AsyncDatabase[dict[str, Any]]) -> None:
    first, second = MongoCaseRepository(db, _relay(), number_block=5), MongoCaseRepository(db, _relay(), number_block=5)
    assert await first.next_sequence(COUNTER) == 1
    # FerretDB v1 can give two concurrent increments the same result, as if one update were lost.
    await db["counters"].update_one({"_id": COUNTER}, {"$set": {"value": 0}})
    assert await second.next_sequence(COUNTER) == 6, "block 1-5 is claimed: the second process takes the next"
    assert [await first.next_sequence(COUNTER) for _ in range(4)] == [2, 3, 4, 5]


def _case(case_id: str, number: int) -> dict[str, Any]:
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    return {
        "_id": case_id,
        "file_number": f"WUR-GEW-2026-{number:06d}",
        "idempotency_key": f"case:{case_id}",
        "status": [{"state": "received", "label_de": "Eingegangen", "occurred_at": at}],
    }


def _status(state: CaseState, minute: int) -> StatusEntry:
    return StatusEntry(state=state, label_de=state.label_de, occurred_at=datetime(2026, 11, 25, 9, minute, tzinfo=UTC))


async def test_statuses_are_applied_once_per_event_and_only_to_stored_cases(db: AsyncDatabase[dict[str, Any]]) -> None:
    filing, other = MongoCaseRepository(db, _relay()), MongoCaseRepository(db, _relay())
    await filing.insert(_case("c-here", 1), [])
    await other.insert(_case("c-elsewhere", 2), [])  # filed by another replica: looked up, not remembered
    routed, working, done = (
        _status(CaseState.ROUTED, 1),
        _status(CaseState.IN_PROGRESS, 2),
        _status(CaseState.COMPLETED, 3),
    )

    applied = await filing.add_statuses(
        [
            ("c-here", routed, "e1"),
            ("c-elsewhere", routed, "e2"),
            ("c-unknown", routed, "e3"),
            ("c-here", working, "e4"),
        ]
    )
    again = await filing.add_statuses([("c-here", working, "e4"), ("c-here", done, "e5")])  # e4 redelivered

    assert (applied, again) == ({"e1", "e2", "e4"}, {"e5"})
    case = await filing.get("c-here")
    assert case is not None
    assert [entry["state"] for entry in case["status"]] == ["received", "routed", "in_progress", "completed"]
    assert await filing.get("c-unknown") is None
    assert await db["case_statuses"].count_documents({"case_id": "c-unknown"}) == 0


async def test_the_payload_is_stored_as_one_json_text_and_reads_back_exactly(db: AsyncDatabase[dict[str, Any]]) -> None:
    repo = MongoCaseRepository(db, _relay())
    activity = {"description": "Gärtnerei und Floristik", "wz_code": "01.19.2"}  # nested, lists, non-ASCII
    payload = gewerbe_payload(date(2026, 11, 25), activities=[activity])
    await repo.insert({**_case("c-json", 1), "payload": payload}, [])

    raw = await db["cases"].find_one({"_id": "c-json"})
    assert raw is not None and isinstance(raw["payload"], str), "one string field, not some 80 nested ones"
    assert "Gärtnerei" in raw["payload"]
    for read in (await repo.get("c-json"), await repo.find_by_idempotency_key("case:c-json")):
        assert read is not None
        assert read["payload"] == payload
        assert json.dumps(read["payload"]) == json.dumps(payload), "key order kept too"


async def test_a_case_stored_with_a_nested_payload_by_an_older_version_still_reads(
    db: AsyncDatabase[dict[str, Any]],
) -> None:
    payload = gewerbe_payload(date(2026, 11, 25))
    stored = {
        **_case("c-old", 1),
        "service": "trade-registration",
        "owner_ags": "14729410",
        "owner_town": "Wurzen",
        "submitted_at": datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        "payload": payload,
        "request_fingerprint": "f" * 64,
        "outbox": [],
        "outbox_pending": False,
    }
    await db["cases"].insert_one(stored)
    repo = MongoCaseRepository(db, _relay())

    by_key = await repo.find_by_idempotency_key("case:c-old")
    assert by_key is not None and by_key["payload"] == payload
    secret = b"0123456789abcdef"
    view = await ViewCase(repo, secret)("c-old", access_token(secret, "c-old"))
    assert (view.file_number, view.owner_town, view.state) == ("WUR-GEW-2026-000001", "Wurzen", CaseState.RECEIVED)
    case = await repo.get("c-old")
    assert case is not None and case["payload"] == payload
