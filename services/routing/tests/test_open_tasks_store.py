"""Worklists on the real FerretDB read only the open tasks of their pools (the ``open_tasks``
markers), whatever the pools completed before: a re-routed task is found in its new pool only, a
completed one in none (unless asked for, for the last days), markers a stop leaves behind never hide
or show a task wrongly, assignment on arrival counts claims as before, and a store from before the
markers gets them once at start-up."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ikdz_contracts.cloudevents import new_event
from ikdz_contracts.events import TaskOutcome, TaskRequested
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.deadline_checker import CheckTaskDeadlines
from ikdz_routing.app.task_ports import ConcurrentChangeError
from ikdz_routing.app.tasks import AcceptTaskRequest, ActOnTask, Worklists
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.deadlines import Step
from ikdz_routing.domain.tasks import (
    Action,
    Actor,
    Command,
    Role,
    Task,
    TaskChange,
    TaskDefinition,
    TaskState,
    checker_change,
    replay,
)
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from .fakes import FakeClock, FakeRoutes
from .test_assignment import _NoRelay, pool
from .test_deadline_checker import config, definition

pytestmark = pytest.mark.infra

WURZEN, AUGUSTUSBURG = "14729410", "14522020"
ANCHOR = "a" * 64
REQUESTED = datetime(2026, 11, 20, 9, tzinfo=UTC)
TODAY = datetime(2026, 12, 3, 9, tzinfo=UTC)  # a Thursday
DONE = Command(Action.COMPLETED, outcome="ok", reason="geprüft")


def clerk(staff_id: str, *pools: str) -> Actor:
    return Actor(staff_id, frozenset(pools), frozenset({Role.CLERK}), WURZEN if "wurzen" in pools else AUGUSTUSBURG)


@dataclass
class Store:
    db: AsyncDatabase[dict[str, Any]]
    commands: StoreCommands
    tasks: MongoTaskRepository
    clock: FakeClock
    active: ActiveConfig

    @property
    def act(self) -> ActOnTask:
        return ActOnTask(self.tasks, Topics("t."), self.clock, _NoRelay(), self.active)

    @property
    def worklists(self) -> Worklists:
        return Worklists(self.tasks, self.clock)

    async def request(self, task_id: str, pool_id: str = "wurzen", target: date | None = None) -> TaskDefinition:
        requested = definition(task_id, pool_id=pool_id, requested_at=REQUESTED, target_date=target)
        assert await self.tasks.create(requested, ANCHOR, check_day=None)
        return requested

    async def markers(self) -> list[str]:
        return sorted(str(m["_id"]) for m in await self.db["open_tasks"].find({}).to_list())

    async def visible(self, actor: Actor, **options: bool) -> list[str]:
        return [t.definition.task_id for t in await self.worklists.visible(actor, **options)]


async def _store(infra: Infra, db_name: str, routing: RoutingConfig) -> tuple[AsyncMongoClient[Any], Store]:
    commands = StoreCommands()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, event_listeners=[commands])
    tasks = MongoTaskRepository(client[db_name])
    await tasks.set_up_store()
    return client, Store(client[db_name], commands, tasks, FakeClock(TODAY), ActiveConfig(routing))


@pytest.fixture
async def store(infra: Infra, mongo_db_name: str) -> AsyncIterator[Store]:
    client, found = await _store(infra, mongo_db_name, config(reroute=["trade-registration"]))
    yield found
    await client.close()


async def in_chunks(*steps: Any, size: int = 32) -> None:
    for start in range(0, len(steps), size):
        await asyncio.gather(*steps[start : start + size])


async def replayed_history(db: AsyncDatabase[dict[str, Any]], pools: set[str]) -> list[str]:
    """The worklist as it was computed before the markers: every record of the store replayed, the
    tasks open in the pools kept, most urgent first."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(await db["task_changes"].find({}).to_list(), key=lambda r: r["version"]):
        grouped.setdefault(record["task_id"], []).append(record)
    tasks = [
        replay(TaskDefinition.model_validate(rs[0]["definition"]), [TaskChange.model_validate(r) for r in rs[1:]])
        for rs in grouped.values()
    ]
    kept = [t for t in tasks if t.pool_id in pools and t.state is not TaskState.COMPLETED]
    return [t.definition.task_id for t in sorted(kept, key=lambda t: (t.due is None, t.due, t.definition.requested_at))]


async def test_a_worklist_reads_only_the_open_tasks_of_its_pools(store: Store, infra: Infra) -> None:
    anna, ben = clerk("anna", "wurzen"), clerk("ben", "wurzen")
    done = [f"done-{i:03d}" for i in range(60)]
    await in_chunks(*(store.request(task_id, target=date(2026, 12, 2)) for task_id in done))
    store.clock.now = TODAY - timedelta(days=7)  # a week ago: not among the recently completed
    await in_chunks(*(store.act(task_id, Command(Action.CLAIMED), anna) for task_id in done))
    await in_chunks(*(store.act(task_id, DONE, anna) for task_id in done[:10]))
    store.clock.now = TODAY - timedelta(days=6)
    await in_chunks(*(store.act(task_id, DONE, anna) for task_id in done[10:]))
    store.clock.now = TODAY
    targets = {"open-a": date(2026, 12, 9), "open-b": date(2026, 12, 4), "open-c": None, "open-d": date(2026, 12, 7)}
    for task_id, target in targets.items():
        await store.request(task_id, target=target)
    await store.act("open-d", Command(Action.CLAIMED), ben)
    await store.request("partner", pool_id="augustusburg", target=date(2026, 12, 4))
    open_records = 4 + 1  # the four requests and ben's claim

    store.commands.returned.clear()
    found = await store.visible(anna)
    assert found == ["open-b", "open-d", "open-a", "open-c"]  # by due day, none last
    # The markers of the pool and the records of its open tasks: nothing of the 60 completed ones.
    assert store.commands.returned == Counter({"open_tasks": 4, "task_changes": open_records})
    assert found == await replayed_history(store.db, {"wurzen"})  # what reading the whole history gave
    assert await store.visible(ben, mine=True) == ["open-d"]

    store.commands.returned.clear()
    with_done = await store.visible(anna, include_done=True)
    assert sorted(with_done[:50]) == done[10:]  # completed in the last 7 days, not a week ago
    assert with_done[50:] == found  # the completed ones were due first
    # The completion records of the last 7 days, then every record of those 50 tasks.
    assert store.commands.returned == Counter({"open_tasks": 4, "task_changes": open_records + 50 + 50 * 3})
    assert await store.visible(clerk("x", "augustusburg"), include_done=True) == ["partner"]

    plans = [
        (collection, query, await store.db.command("explain", {"find": collection, "filter": query}))
        for collection, query in [  # the shapes find_each sends
            ("open_tasks", {"pool_id": {"$in": ["wurzen"]}}),
            ("task_changes", {"task_id": {"$in": ["open-a", "open-b"]}}),
            ("task_changes", {"completed_pool_day": {"$in": ["wurzen:2026-12-02", "wurzen:2026-12-03"]}}),
        ]
    ]
    if infra.source != "local":  # MongoDB has no SQLite plan; a running FerretDB may predate patch 0004
        pytest.skip("the index patches are in the locally built FerretDB")
    for collection, query, plan in plans:
        assert "USING INDEX" in " ".join(plan["queryPlanner"]["Plan"]), (collection, query, plan)


async def test_a_rerouted_task_is_found_in_its_new_pool_only_until_completed(store: Store) -> None:
    wanda, anna, ben = clerk("wanda", "wurzen"), clerk("anna", "augustusburg"), clerk("ben", "augustusburg")
    await store.request("t-move", target=date(2026, 12, 2))  # overdue and unclaimed: moves
    await store.request("t-stay", target=date(2026, 12, 2))  # overdue but claimed: stays
    await store.act("t-stay", Command(Action.CLAIMED), wanda)
    check = CheckTaskDeadlines(store.tasks, MongoTaskDeadlines(store.db), FakeRoutes())
    assert (await check(store.active.current, TODAY))[Step.REROUTE] == 1

    assert await store.visible(wanda) == ["t-stay"]
    assert await store.visible(anna) == ["t-move"]
    assert await store.markers() == ["t-move:augustusburg", "t-stay:wurzen"]

    await store.act("t-move", Command(Action.CLAIMED), anna)
    handed = Command(Action.HANDED_OVER, target="ben", reason="Vertretung")
    assert (await store.act("t-move", handed, anna)).task.assignee == "ben"
    assert await store.visible(ben, mine=True) == ["t-move"]  # handed over within the pool
    assert await store.visible(wanda) == ["t-stay"]
    assert await store.markers() == ["t-move:augustusburg", "t-stay:wurzen"]

    assert (await store.act("t-move", DONE, ben)).changed
    assert (await store.act("t-move", DONE, ben)).changed is False  # the same completion again
    assert await store.visible(anna) == await store.visible(ben) == []
    assert await store.visible(wanda) == ["t-stay"]
    assert await store.markers() == ["t-stay:wurzen"]
    assert await store.visible(ben, include_done=True) == ["t-move"]  # completed in Augustusburg
    assert await store.visible(wanda, include_done=True) == ["t-stay"]


async def test_markers_a_stop_leaves_behind_never_hide_or_show_a_task_wrongly(store: Store) -> None:
    wanda, anna = clerk("wanda", "wurzen"), clerk("anna", "augustusburg")
    both = clerk("xaver", "wurzen", "augustusburg")
    open_tasks = store.db["open_tasks"]

    # A stop between a request's marker and its record: the marker waits for the redelivery.
    await open_tasks.insert_one({"_id": "t-new:wurzen", "task_id": "t-new", "pool_id": "wurzen"})
    assert await store.visible(wanda) == []
    assert await store.markers() == ["t-new:wurzen"]
    await store.request("t-new")
    assert not await store.tasks.create(definition("t-new"), ANCHOR, check_day=None)  # redelivered again
    assert await store.visible(wanda) == ["t-new"]
    assert await store.markers() == ["t-new:wurzen"]

    # A stop after a re-routing's record, before the marker of the pool it left was deleted.
    requested = await store.request("t-moved")
    moved = checker_change(
        Task(definition=requested), Action.REROUTED, "overdue", TODAY, pool_id="augustusburg", agreement_ref="ZV W->A"
    )
    await store.tasks.append(moved, requested, await _hash(store, "t-moved"), [], pool_id="wurzen", check_day=None)
    await open_tasks.insert_one({"_id": "t-moved:wurzen", "task_id": "t-moved", "pool_id": "wurzen"})
    assert await store.visible(wanda) == ["t-new"]
    assert list(await store.tasks.open_in_pools(["wurzen"])) == ["t-new"]  # the port's promise, too
    assert await store.visible(anna) == ["t-moved"]
    assert sorted(await store.visible(both)) == ["t-moved", "t-new"]  # each once

    # A stop after a completion's record, before its marker was deleted: the next reader deletes it.
    await store.act("t-new", Command(Action.CLAIMED), wanda)
    await store.act("t-new", DONE, wanda)
    await open_tasks.insert_one({"_id": "t-new:wurzen", "task_id": "t-new", "pool_id": "wurzen"})
    assert await store.visible(wanda) == []
    assert await store.markers() == ["t-moved:augustusburg", "t-moved:wurzen"]

    # Two re-routings to different pools at once: one wins, the other's marker shows nothing.
    raced = await store.request("t-raced")
    head = Task(definition=raced)
    changes = [
        checker_change(head, Action.REROUTED, "overdue", TODAY, pool_id=target, agreement_ref="ZV")
        for target in ("augustusburg", "elsewhere")
    ]
    prev = await _hash(store, "t-raced")
    results = await asyncio.gather(
        *(store.tasks.append(c, raced, prev, [], pool_id="wurzen", check_day=None) for c in changes),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["ConcurrentChangeError", "str"]
    winner = changes[0].pool_id if isinstance(results[1], ConcurrentChangeError) else changes[1].pool_id
    assert sorted(await store.visible(clerk("y", "augustusburg", "elsewhere"))) == ["t-moved", "t-raced"]
    assert ("t-raced" in await store.visible(anna)) is (winner == "augustusburg")
    assert await store.visible(wanda) == []


async def _hash(store: Store, task_id: str) -> str:
    loaded = await store.tasks.load(task_id)
    assert loaded is not None
    return loaded[2]


async def test_assignment_on_arrival_counts_the_claimed_tasks_only(infra: Infra, mongo_db_name: str) -> None:
    client, store = await _store(
        infra, mongo_db_name, RoutingConfig(version="t", pools=(pool(assign_on_arrival=True),))
    )
    anna, ben = clerk("anna", "wurzen"), clerk("ben", "wurzen")
    await store.db["routes"].insert_one(
        {"_id": "c1", "owner_ags": WURZEN, "service": "trade-registration", "pool_id": "wurzen"}
    )
    claims = {"a1": anna, "a2": anna, "b1": ben} | {f"b-done-{i}": ben for i in range(5)}
    for task_id, member in claims.items():
        await store.request(task_id)
        await store.act(task_id, Command(Action.CLAIMED), member)
    await in_chunks(*(store.act(f"b-done-{i}", DONE, ben) for i in range(5)))
    arrival = TaskRequested(
        task_id="new",
        case_id="c1",
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags=WURZEN,
        pool_id="wurzen",
        kind="gewerbe.check",
        title_de="Prüfen",
        instructions_de="Bitte prüfen.",
        required_skills=["bewachung"],  # anna (4 h a day) and ben (8 h)
        outcomes=[TaskOutcome(code="ok", label_de="In Ordnung")],
    )
    event = new_event(arrival, source="urn:ikdz:test", subject="c1", ownerags=WURZEN, time=TODAY)

    assert await AcceptTaskRequest(store.tasks, store.active, store.clock)(event)
    loaded = await store.tasks.load("new")
    assert loaded is not None
    [assigned] = loaded[1]
    # anna: 2 claimed in 4 h; ben: 1 claimed in 8 h (his 5 completed ones do not count)
    assert assigned.assignee == "ben"
    assert "lowest load (1 open tasks in" in str(assigned.reason)
    await client.close()


async def test_a_store_from_before_the_markers_gets_them_once_at_start(infra: Infra, mongo_db_name: str) -> None:
    client, store = await _store(infra, mongo_db_name, config(reroute=["trade-registration"]))
    wanda, anna = clerk("wanda", "wurzen"), clerk("anna", "augustusburg")
    for task_id in ("t-open", "t-claimed", "t-done"):
        await store.request(task_id, target=date(2026, 12, 9))
    await store.act("t-claimed", Command(Action.CLAIMED), wanda)
    await store.act("t-done", Command(Action.CLAIMED), wanda)
    await store.act("t-done", DONE, wanda)
    requested = await store.request("t-moved")
    moved = checker_change(
        Task(definition=requested), Action.REROUTED, "overdue", TODAY, pool_id="augustusburg", agreement_ref="ZV W->A"
    )
    await store.tasks.append(moved, requested, await _hash(store, "t-moved"), [], pool_id="wurzen", check_day=None)
    await store.db["open_tasks"].drop()  # as stored before the markers
    await store.db["routing_migrations"].drop()
    assert await store.visible(wanda) == []

    await asyncio.gather(*(MongoTaskRepository(store.db).set_up_store() for _ in range(2)))  # two replicas start
    assert await store.markers() == ["t-claimed:wurzen", "t-moved:augustusburg", "t-open:wurzen"]
    assert await store.db["routing_migrations"].find({}, projection={"at": 0}).to_list() == [{"_id": "open_tasks"}]
    assert await store.visible(wanda) == ["t-claimed", "t-open"]
    assert await store.visible(anna) == ["t-moved"]

    store.commands.sent.clear()
    await store.tasks.set_up_store()  # a later start reads no task
    assert [c.name for c in store.commands.sent if c.collection == "task_changes"] == ["createIndexes"] * 4
    assert await store.db["routing_migrations"].count_documents({}) == 1
    await client.close()
