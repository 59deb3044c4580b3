"""The backlog's markers on the real store: the recount reads only what is open, a store from before
the markers is marked once, and redeliveries and crashes between the two writes count once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from .fakes import store_only_relay

pytestmark = pytest.mark.infra

POOLS = ["wurzen", "augustusburg"]


def routes(*case_ids: str, pool: str = "wurzen") -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    return [({"_id": case_id, "pool_id": pool}, []) for case_id in case_ids]


async def counted_from_store(db: AsyncDatabase[dict[str, Any]]) -> dict[str, int]:
    """What a replica that starts now counts."""
    return await MongoRouteRepository(db, store_only_relay()).open_cases(POOLS)


async def test_the_recount_reads_the_open_markers_only(infra: Infra, mongo_db_name: str) -> None:
    commands = StoreCommands()
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    db = mongo[mongo_db_name]
    repository = MongoRouteRepository(db, store_only_relay(), recount_seconds=0.2)
    await repository.create_indexes()
    await repository.insert_many(routes(*(f"w{n}" for n in range(30))))
    await repository.insert_many(routes(*(f"a{n}" for n in range(20)), pool="augustusburg"))
    await asyncio.gather(*(repository.close([(f"w{n}", "wurzen")]) for n in range(27)))
    await asyncio.gather(*(repository.close([(f"a{n}", None)]) for n in range(15)))  # the route names the pool
    assert await repository.open_cases(POOLS) == {"wurzen": 3, "augustusburg": 5}, "first count"
    assert await db["open_routes"].count_documents({}) == 8

    other_replica = MongoRouteRepository(db, store_only_relay())
    await other_replica.insert_many(routes("elsewhere"))
    commands.sent.clear()
    await asyncio.sleep(0.3)
    assert await repository.open_cases(POOLS) == {"wurzen": 3, "augustusburg": 5}, "the recount runs in the background"
    for _ in range(100):
        if await repository.open_cases(POOLS) == {"wurzen": 4, "augustusburg": 5}:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the recount did not see the other replica's route")
    recounts = list(commands.sent)
    await mongo.close()

    assert {command.collection for command in recounts} == {"open_routes"}, "no route or closing is read"
    assert {command.name for command in recounts} == {"aggregate"}


async def test_a_store_from_before_the_markers_is_marked_once_at_start(infra: Infra, mongo_db_name: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    await db["routes"].insert_many(
        [{"_id": f"w{n}", "pool_id": "wurzen"} for n in range(6)]
        + [{"_id": f"a{n}", "pool_id": "augustusburg"} for n in range(4)]
        + [{"_id": "rejected", "pool_id": None}]
    )
    await db["closed_routes"].insert_many(
        [{"_id": f"w{n}", "pool_id": "wurzen"} for n in range(4)] + [{"_id": "a0", "pool_id": "augustusburg"}]
    )

    replicas = [MongoRouteRepository(db, store_only_relay()) for _ in range(2)]
    await asyncio.gather(*(replica.set_up_store() for replica in replicas))  # two replicas start at once
    assert [await replica.open_cases(POOLS) for replica in replicas] == [{"wurzen": 2, "augustusburg": 3}] * 2
    assert sorted(doc["_id"] for doc in await db["open_routes"].find().to_list()) == ["a1", "a2", "a3", "w4", "w5"]
    [record] = await db["routing_migrations"].find().to_list()
    assert record["_id"] == "open_routes"

    commands = StoreCommands()
    watched: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    later = MongoRouteRepository(watched[mongo_db_name], store_only_relay())
    await later.set_up_store()
    assert not commands.of("find", "routes"), "a later start reads no route"
    assert not commands.of("find", "closed_routes")
    assert await later.open_cases(POOLS) == {"wurzen": 2, "augustusburg": 3}
    await watched.close()
    await mongo.close()


async def test_marking_again_repairs_what_replicas_without_markers_left(infra: Infra, mongo_db_name: str) -> None:
    """A rolling update: replicas of the previous version route without markers and close without
    deleting them; with the record deleted, the next start marks again, beside running replicas."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    repository = MongoRouteRepository(db, store_only_relay())
    await repository.set_up_store()
    await repository.insert_many(routes("c1", "c2", "c3"))
    await db["routes"].insert_one({"_id": "unmarked", "pool_id": "wurzen"})  # routed by a previous version
    await db["closed_routes"].insert_one({"_id": "c1", "pool_id": "wurzen"})  # closed by a previous version
    assert await counted_from_store(db) == {"wurzen": 3, "augustusburg": 0}, "c1 counts, 'unmarked' does not"

    await db["routing_migrations"].delete_one({"_id": "open_routes"})
    await asyncio.gather(
        MongoRouteRepository(db, store_only_relay()).set_up_store(),
        repository.insert_many(routes("c4")),
        repository.close([("c2", "wurzen")]),
    )
    assert await counted_from_store(db) == {"wurzen": 3, "augustusburg": 0}  # c3, c4, unmarked
    assert sorted(doc["_id"] for doc in await db["open_routes"].find().to_list()) == ["c3", "c4", "unmarked"]
    await mongo.close()


async def test_redeliveries_and_a_crash_between_the_two_writes_count_once(infra: Infra, mongo_db_name: str) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    repository = MongoRouteRepository(db, store_only_relay())
    await repository.create_indexes()
    assert await repository.insert_many(routes("c1", "c2", "c3")) == {"c1", "c2", "c3"}
    assert await repository.open_cases(POOLS) == {"wurzen": 3, "augustusburg": 0}

    assert await repository.insert_many(routes("c1", "c2", "c3", pool="augustusburg")) == set(), "redelivered"
    assert await repository.open_cases(POOLS) == {"wurzen": 3, "augustusburg": 0}
    assert await counted_from_store(db) == {"wurzen": 3, "augustusburg": 0}, "each case keeps its first marker"

    # A crash after the marker, before the route: the case counts while its redelivery is on the way.
    await db["open_routes"].insert_one({"_id": "c4", "pool_id": "wurzen"})
    assert await counted_from_store(db) == {"wurzen": 4, "augustusburg": 0}
    assert await repository.insert_many(routes("c4")) == {"c4"}, "the redelivery stores the route"
    assert await repository.open_cases(POOLS) == {"wurzen": 4, "augustusburg": 0}
    assert await counted_from_store(db) == {"wurzen": 4, "augustusburg": 0}

    await repository.close([("c4", None)])
    assert await counted_from_store(db) == {"wurzen": 3, "augustusburg": 0}, "closing deletes the marker"
    # The case's submission redelivered after it closed (its offset was not committed yet).
    assert await repository.insert_many(routes("c4", "c5")) == {"c5"}
    assert await repository.open_cases(POOLS) == {"wurzen": 4, "augustusburg": 0}
    assert await counted_from_store(db) == {"wurzen": 4, "augustusburg": 0}, "c4 stays closed"
    assert await db["open_routes"].count_documents({"_id": "c4"}) == 0
    await mongo.close()


class FailingWrites:
    """A route writer that fails: before storing anything (the store refused the batch and the
    writer took it back), or after storing it (taking it back failed too)."""

    def __init__(self, writer: Any, *, stores: bool) -> None:
        self._writer, self._stores = writer, stores

    async def insert_many(self, items: Any) -> set[str]:
        if self._stores:
            await self._writer.insert_many(items)
        raise ConnectionError("the store went away")


@pytest.mark.parametrize("stores", [False, True], ids=["taken-back", "left-stored"])
async def test_a_route_write_that_fails_leaves_markers_only_for_stored_routes(
    infra: Infra, mongo_db_name: str, stores: bool
) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    repository = MongoRouteRepository(db, store_only_relay())
    await repository.create_indexes()
    await repository.insert_many(routes("c1"))
    repository._writer = FailingWrites(repository._writer, stores=stores)  # type: ignore[assignment]
    with pytest.raises(ConnectionError):
        await repository.insert_many(routes("c1", "c2", "c3"))
    marked = sorted(doc["_id"] for doc in await db["open_routes"].find().to_list())
    assert marked == (["c1", "c2", "c3"] if stores else ["c1"]), "a redelivered case keeps its marker"
    await mongo.close()
