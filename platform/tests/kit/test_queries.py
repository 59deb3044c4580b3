"""find_each and delete_each on the real store: one ``$in`` query per chunk of values, MongoDB's
array semantics, the documents of every value once and in value order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from ikdz_platform import queries
from ikdz_platform.queries import delete_each, find_each
from ikdz_platform.testing import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from pymongo import AsyncMongoClient

pytestmark = pytest.mark.infra


@pytest.fixture
async def counted(infra: Infra, mongo_db_name: str) -> AsyncIterator[tuple[Any, StoreCommands]]:
    """A database whose client counts the commands it sends."""
    commands = StoreCommands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    yield client[mongo_db_name], commands
    await client.close()


async def test_find_each_returns_the_documents_of_each_value_once_in_value_order(
    counted: tuple[Any, StoreCommands],
) -> None:
    db, commands = counted
    items = db["items"]
    await items.create_index("pool_id")
    await items.insert_many(
        [{"_id": f"i{n}", "pool_id": pool, "n": n} for n, pool in enumerate(["b", "a", "c", "b", "a"])]
    )
    commands.sent.clear()

    found = await find_each(items, "pool_id", ["b", "a", "b", "missing"], projection={"n": 1})

    assert [(doc["_id"], doc["n"]) for doc in found] == [("i1", 1), ("i4", 4), ("i0", 0), ("i3", 3)]
    assert all(set(doc) == {"_id", "n"} for doc in found), "the projection applies"
    assert len(commands.sent) == 1, "one query for all values"
    commands.sent.clear()
    assert await find_each(items, "pool_id", []) == []
    assert not commands.sent, "nothing to look up, no round trip"


@pytest.mark.parametrize(
    ("projection", "fields"),
    [
        (None, {"_id", "pool_id", "n"}),
        ({"n": 1}, {"_id", "n"}),
        ({"n": 1, "_id": 0}, {"n"}),
        ({"pool_id": 0}, {"_id", "n"}),
        ({"n": 0}, {"_id", "pool_id"}),
        ({"_id": 1}, {"_id"}),
        ({"_id": 0}, {"pool_id", "n"}),
    ],
)
async def test_find_each_orders_by_the_field_whatever_the_projection_shows(
    db: Any, projection: dict[str, int] | None, fields: set[str]
) -> None:
    await db["items"].insert_many([{"_id": f"i{n}", "pool_id": pool, "n": n} for n, pool in enumerate("cab")])

    found = await find_each(db["items"], "pool_id", ["c", "b", "a"], projection=projection)

    assert [set(doc) for doc in found] == [fields] * 3
    assert [doc.get("_id", doc.get("n")) for doc in found] == (["i1", "i2", "i0"] if "_id" in fields else [1, 2, 0])


async def test_find_each_matches_arrays_holding_a_value_as_mongodb_does(
    counted: tuple[Any, StoreCommands], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, commands = counted
    monkeypatch.setattr(queries, "CHUNK", 2)
    items = db["items"]
    await items.create_index("tags")
    await items.insert_many(
        [
            {"_id": "both", "tags": ["d", "x", "a"]},  # values of the first and the second chunk
            {"_id": "one", "tags": ["zz", "c"]},
            {"_id": "none", "tags": ["x"]},
            {"_id": "plain", "tags": "b"},
            {"_id": "other type", "tags": True},
        ]
    )
    commands.sent.clear()

    found = await find_each(items, "tags", ["a", "b", "c", "d"], projection={"_id": 1})

    assert [doc["_id"] for doc in found] == ["both", "plain", "one"]
    assert len(commands.of("find")) == 2, "one query per chunk"


async def test_find_each_over_many_values_in_chunks(db: Any) -> None:
    values = [f"v{n:05d}" for n in range(2 * queries.CHUNK + 10)]
    await db["items"].insert_many([{"_id": value, "n": n} for n, value in enumerate(reversed(values))])

    found = await find_each(db["items"], "_id", [*values[::2], "missing"], projection={"_id": 1})

    assert [doc["_id"] for doc in found] == values[::2]


async def test_delete_each_deletes_exactly_those_ids_in_one_round_trip(counted: tuple[Any, StoreCommands]) -> None:
    db, commands = counted
    items = db["items"]
    await items.insert_many([{"_id": f"i{n}"} for n in range(10)])
    commands.sent.clear()

    await delete_each(items, ["i3", "i1", "i3", "i7", "missing"])
    await delete_each(items, [])

    assert [command.name for command in commands.sent] == ["delete"]
    assert sorted(doc["_id"] for doc in await items.find().to_list()) == ["i0", "i2", "i4", "i5", "i6", "i8", "i9"]


async def test_delete_each_spares_those_ids_that_do_not_match_where(db: Any) -> None:
    items = db["items"]
    await items.insert_many([{"_id": f"i{n}", "batch": "mine" if n < 3 else "other"} for n in range(5)])

    await delete_each(items, ["i1", "i2", "i3"], where={"batch": "mine"})

    assert sorted(doc["_id"] for doc in await items.find().to_list()) == ["i0", "i3", "i4"]
