"""The deadline checker's task part on the real FerretDB: tasks filed by their change records and the
checker's write-once filings, each step once under concurrent checkers (also while they file a store
from before the buckets), the audit chain intact, and every query it repeats answered from an index."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from ikdz_platform.testing.infra import Infra
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.case_deadlines import CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.deadline_checker import CheckDeadlines, CheckTaskDeadlines
from ikdz_routing.app.task_deadlines import check_day
from ikdz_routing.domain.audit import broken_links
from ikdz_routing.domain.tasks import CHECKER, Action, Task, checker_change, replay
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from .fakes import FakeClock, store_only_relay
from .test_deadline_checker import config, definition

pytestmark = pytest.mark.infra
ANCHOR = "a" * 64


async def test_filings_by_change_record_and_by_the_checker_on_the_real_store(infra: Infra, mongo_db_name: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = client[mongo_db_name]
    tasks, store = MongoTaskRepository(db), MongoTaskDeadlines(db)
    await tasks.create_indexes()
    await store.create_indexes()
    assert await tasks.create(definition("t1"), ANCHOR, check_day="2026-12-01")
    assert await tasks.create(definition("t2"), ANCHOR, check_day=None)
    loaded = await tasks.load("t1")
    assert loaded is not None
    warn = checker_change(replay(loaded[0], loaded[1]), Action.WARNED, "near", datetime(2026, 12, 1, tzinfo=UTC))
    await tasks.append(warn, loaded[0], loaded[2], [], pool_id="wurzen", check_day="2026-12-03")
    await store.schedule("t2", "2026-12-03")
    await store.schedule("t2", "2026-12-03")  # a second checker: once

    assert [(d["_id"], d["task_id"]) for d in await store.due("2026-12-01")] == [("t1:000000", "t1")]
    assert sorted((d["_id"], d["task_id"]) for d in await store.due("2026-12-03")) == [
        ("t1:000001", "t1"),
        ("t2:2026-12-03", "t2"),
    ]
    assert await store.due("2026-12-02") == []
    t1 = [r for r in await tasks.of_case("c1") if r["task_id"] == "t1"]
    assert [r["deadline_check_day"] for r in t1] == ["2026-12-01", "2026-12-03"]
    assert broken_links(ANCHOR, t1) == []  # the day is part of the hashed record

    assert await store.swept_through() is None
    for day in ("2026-12-01", "2026-12-03", "2026-12-02"):
        await store.mark_swept(day)
    assert await store.swept_through() == "2026-12-03"

    plans = [
        (collection, query, await db.command("explain", {"find": collection, "filter": query}))
        for collection, query in [
            ("task_changes", {"deadline_check_day": "2026-12-03"}),
            ("task_deadline_checks", {"day": "2026-12-03"}),
            ("task_changes", {"task_id": "t1"}),  # the look at one task found
        ]
    ]
    await client.close()
    if any("Plan" not in plan.get("queryPlanner", {}) for _, _, plan in plans):
        pytest.skip("not FerretDB on SQLite: no query plan to read")
    for collection, query, plan in plans:
        assert "USING INDEX" in " ".join(plan["queryPlanner"]["Plan"]), (collection, query, plan)


def checkers(db: AsyncDatabase[dict[str, Any]], active: ActiveConfig, clock: FakeClock, n: int) -> list[CheckDeadlines]:
    """``n`` replicas' checkers, each with its own state, on one store."""
    routes = MongoRouteRepository(db, store_only_relay())
    return [
        CheckDeadlines(
            CheckTaskDeadlines(MongoTaskRepository(db), MongoTaskDeadlines(db), routes),
            CheckCaseDeadlines(MongoCaseDeadlines(db)),
            active,
            clock,
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("filed", [True, False], ids=["filed by routing", "store from before the buckets"])
async def test_each_task_step_once_under_concurrent_checkers_on_the_real_store(
    infra: Infra, mongo_db_name: str, filed: bool
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = client[mongo_db_name]
    tasks, store = MongoTaskRepository(db), MongoTaskDeadlines(db)
    await tasks.create_indexes()
    await store.create_indexes()
    active = ActiveConfig(config(reroute=["trade-registration"]))
    monday = date(2026, 11, 30)
    for task_id, target in [
        ("t-warn", date(2026, 12, 4)),
        ("t-move", date(2026, 12, 2)),
        ("t-green", date(2026, 12, 18)),
    ]:
        requested = definition(task_id, target_date=target)
        day = check_day(Task(definition=requested), active.current, monday) if filed else None
        assert await tasks.create(requested, ANCHOR, check_day=day)
    if filed:
        await store.mark_swept("2026-11-28")
    clock = FakeClock(datetime(2026, 12, 3, 7, tzinfo=UTC))  # Thursday

    reports = await asyncio.gather(*(check() for check in checkers(db, active, clock, 3)))
    assert sum(r.warned for r in reports) == 1
    assert (sum(r.escalated for r in reports), sum(r.rerouted for r in reports)) == (1, 1)
    for check in checkers(db, active, clock, 2):  # replicas starting later: nothing left to do
        assert await check() == type(reports[0])()

    records = await tasks.of_case("c1")
    steps = sorted((r["task_id"], r["action"]) for r in records if r["actor"] == CHECKER)
    assert steps == [("t-move", "escalated"), ("t-move", "rerouted"), ("t-warn", "warned")]
    for task_id in ("t-warn", "t-move", "t-green"):
        assert broken_links(ANCHOR, [r for r in records if r["task_id"] == task_id]) == [], task_id
    moved = await tasks.load("t-move")
    assert moved is not None and replay(moved[0], moved[1]).pool_id == "augustusburg"
    await client.close()
