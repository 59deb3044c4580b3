"""File numbers on the real store: reserved in blocks per process, never twice, also after a lost update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ikdz_intake.adapters.mongo_cases import MongoCaseRepository
from ikdz_platform.testing.infra import Infra
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

pytestmark = pytest.mark.infra

COUNTER = "WUR-GEW-2026"


@pytest.fixture
async def db(infra: Infra, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    yield client[mongo_db_name]
    await client.close()


async def test_a_process_hands_out_its_block_in_order_then_reserves_the_next(db: AsyncDatabase[dict[str, Any]]) -> None:
    repo = MongoCaseRepository(db, number_block=5)
    numbers = [await repo.next_sequence(COUNTER) for _ in range(7)]
    assert numbers == [1, 2, 3, 4, 5, 6, 7]
    assert await db["counters"].find_one({"_id": COUNTER}) == {"_id": COUNTER, "value": 10}
    assert await repo.next_sequence("AUG-GEW-2026") == 1, "each counter has its own blocks"


async def test_processes_and_restarts_never_share_a_number(db: AsyncDatabase[dict[str, Any]]) -> None:
    first, second = MongoCaseRepository(db, number_block=5), MongoCaseRepository(db, number_block=5)
    numbers = await asyncio.gather(*(repo.next_sequence(COUNTER) for _ in range(12) for repo in (first, second)))
    restarted = MongoCaseRepository(db, number_block=5)
    after_restart = await restarted.next_sequence(COUNTER)
    assert len(set(numbers)) == 24
    assert after_restart > max(numbers), "a restart skips the rest of its blocks, it never reuses them"


async def test_a_lost_counter_update_does_not_hand_out_a_block_twice(db: AsyncDatabase[dict[str, Any]]) -> None:
    first, second = MongoCaseRepository(db, number_block=5), MongoCaseRepository(db, number_block=5)
    assert await first.next_sequence(COUNTER) == 1
    # FerretDB v1 can give two concurrent increments the same result, as if one update were lost.
    await db["counters"].update_one({"_id": COUNTER}, {"$set": {"value": 0}})
    assert await second.next_sequence(COUNTER) == 6, "block 1-5 is claimed: the second process takes the next"
    assert [await first.next_sequence(COUNTER) for _ in range(4)] == [2, 3, 4, 5]
