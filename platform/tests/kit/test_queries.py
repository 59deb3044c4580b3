"""find_each on the real store: the documents of every value, each value read once."""

from __future__ import annotations

from typing import Any

import pytest
from ikdz_platform.queries import find_each

pytestmark = pytest.mark.infra


async def test_find_each_returns_the_documents_of_each_value_once_in_value_order(db: Any) -> None:
    items = db["items"]
    await items.create_index("pool_id")
    await items.insert_many(
        [{"_id": f"i{n}", "pool_id": pool, "n": n} for n, pool in enumerate(["b", "a", "c", "b", "a"])]
    )

    found = await find_each(items, "pool_id", ["b", "a", "b", "missing"], projection={"n": 1})

    assert [(doc["_id"], doc["n"]) for doc in found] == [("i1", 1), ("i4", 4), ("i0", 0), ("i3", 3)]
    assert all(set(doc) == {"_id", "n"} for doc in found), "the projection applies"
    assert await find_each(items, "pool_id", []) == []
