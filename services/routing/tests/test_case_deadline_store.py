"""The deadline checker's store on the real FerretDB: day buckets, write-once records and flags, and
every query the checker and the coordinator view repeat answered from an index."""

from __future__ import annotations

from typing import Any

import pytest
from ikdz_platform.testing.infra import Infra
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from pymongo import AsyncMongoClient

pytestmark = pytest.mark.infra


def route(case_id: str, pool_id: str, check_day: str | None) -> dict[str, Any]:
    return {
        "_id": case_id,
        "owner_ags": "14729410",
        "pool_id": pool_id,
        "service": "einvoice",
        "file_number": f"WUR-RE-{case_id}",
        "target_date": "2026-12-07",
        "legal_date": None,
        "audit_hash": "a" * 64,
        "decision": {"reasons": ["big"]},
        "outbox": [],
        **({"deadline_check_day": check_day} if check_day else {}),
    }


async def test_buckets_records_flags_and_sweeps_on_the_real_store(infra: Infra, mongo_db_name: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = client[mongo_db_name]
    store = MongoCaseDeadlines(db)
    await store.create_indexes()
    await db["routes"].insert_many(
        [route("c1", "wurzen", "2026-12-04"), route("c2", "wurzen", None), route("c3", "wurzen", "2026-12-08")]
    )
    await db["closed_routes"].insert_one({"_id": "c3", "pool_id": "wurzen"})

    await store.schedule("c2", "2026-12-04", route("c2", "wurzen", None))
    await store.schedule("c2", "2026-12-04", route("c2", "wurzen", None))  # a second checker: once
    due = await store.due("2026-12-04")
    assert sorted((d["case_id"], d["file_number"], d["target_date"], d["audit_hash"]) for d in due) == [
        ("c1", "WUR-RE-c1", "2026-12-07", "a" * 64),
        ("c2", "WUR-RE-c2", "2026-12-07", "a" * 64),
    ]
    assert all("decision" not in d and "outbox" not in d for d in due)
    assert [d["case_id"] for d in await store.due("2026-12-08")] == ["c3"]
    assert await store.due("2026-12-05") == []
    assert (await store.is_closed("c3"), await store.is_closed("c1")) == (True, False)
    assert sorted(r["_id"] for r in await store.open_routes()) == ["c1", "c2"]
    found = await store.route("c1")
    assert found is not None and "decision" not in found and found["deadline_check_day"] == "2026-12-04"

    assert await store.add_step("c1:escalate", {"case_id": "c1", "seq": 1, "action": "escalated"})
    assert await store.add_step("c1:warn", {"case_id": "c1", "seq": 0, "action": "warned"})
    assert not await store.add_step("c1:warn", {"case_id": "c1", "seq": 0, "action": "warned"})
    assert [r["action"] for r in await store.steps("c1")] == ["warned", "escalated"]

    await store.flag("c1:warned", {"case_id": "c1", "pool_id": "wurzen", "action": "warned"})
    await store.flag("c1:warned", {"case_id": "c1", "pool_id": "wurzen", "action": "other"})
    await store.flag("c9:escalated", {"case_id": "c9", "pool_id": "augustusburg", "action": "escalated"})
    assert [f["action"] for f in await store.flags(["wurzen"])] == ["warned"]
    assert sorted(f["case_id"] for f in await store.flags(["wurzen", "augustusburg", "grimma"])) == ["c1", "c9"]
    await store.unflag("c1")
    assert await store.flags(["wurzen"]) == []

    assert await store.swept_through() is None
    for day in ("2026-12-01", "2026-12-03", "2026-12-02", "2026-12-03"):
        await store.mark_swept(day)
    assert await store.swept_through() == "2026-12-03"

    plans = {}
    for collection, query in [
        ("routes", {"deadline_check_day": "2026-12-04"}),
        ("case_deadline_checks", {"day": "2026-12-04"}),
        ("case_deadline_steps", {"case_id": "c1"}),
        ("case_deadline_flags", {"pool_id": "wurzen"}),
        ("closed_routes", {"_id": "c3"}),
    ]:
        plans[collection] = await db.command("explain", {"find": collection, "filter": query})
    await client.close()
    if "queryPlanner" not in plans["routes"] or "Plan" not in plans["routes"]["queryPlanner"]:
        pytest.skip("not FerretDB on SQLite: no query plan to read")
    for collection, plan in plans.items():
        assert "USING INDEX" in " ".join(plan["queryPlanner"]["Plan"]), (collection, plan)
