"""The periodic deadline check with a controlled clock: warn, escalate, re-route unclaimed work to a
partner pool under an active agreement, each once and in the task's audit chain; open cases are warned
and escalated the same way, once, in the case's audit chain, reading only the day buckets of cases
that can need a step, and the coordinator sees them with their light."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.testing.infra import Infra
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.audit_log import CaseAudit
from ikdz_routing.app.case_deadlines import CheckCaseDeadlines, first_deadline_check
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.coordination import Coordination, DeadlineLights
from ikdz_routing.app.deadline_checker import CheckDeadlines, CheckTaskDeadlines
from ikdz_routing.app.task_deadlines import check_day
from ikdz_routing.app.tasks import ActOnTask, Worklists
from ikdz_routing.domain.audit import GENESIS, broken_links, record_hash
from ikdz_routing.domain.calendar import saxon_day
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.deadlines import Light
from ikdz_routing.domain.tasks import (
    CHECKER,
    Action,
    Actor,
    Command,
    Outcome,
    Role,
    Task,
    TaskDefinition,
    TaskRuleError,
    TaskState,
    checker_change,
    decide,
    replay,
)
from pymongo import AsyncMongoClient

from .fakes import (
    FakeCaseDeadlines,
    FakeClock,
    FakeRoutes,
    FakeTaskDeadlines,
    FakeTaskRepository,
    store_only_relay,
)
from .test_assignment import _NoRelay

WURZEN, AUGUSTUSBURG = "14729410", "14522020"
SERVICES = ["trade-registration", "einvoice"]


def config(*, reroute: list[str], agreement_to: str | None = "2030-01-01") -> RoutingConfig:
    pools = [
        {
            "id": "wurzen",
            "processing_ags": WURZEN,
            "services": SERVICES,
            "capacity_per_day": 10,
            "escalation": {"warn_days_before": 1, "reroute_unclaimed": reroute},
        },
        {"id": "augustusburg", "processing_ags": AUGUSTUSBURG, "services": SERVICES, "capacity_per_day": 10},
    ]
    agreement = {
        "reference": "ZV W->A",
        "owner_ags": WURZEN,
        "processing_ags": AUGUSTUSBURG,
        "services": SERVICES,
        "valid_from": "2026-01-01",
        "valid_to": agreement_to,
    }
    return RoutingConfig.model_validate(
        {
            "version": "t",
            "pools": pools,
            "agreements": [agreement],
            "deadlines": {"trade-registration": {"case_target_days": 5, "task_target_days": 2}},
        }
    )


def definition(task_id: str = "t1", **changes: Any) -> TaskDefinition:
    fields: dict[str, Any] = {
        "task_id": task_id,
        "case_id": "c1",
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": WURZEN,
        "pool_id": "wurzen",
        "kind": "gewerbe.check",
        "title_de": "Prüfen",
        "instructions_de": "Bitte prüfen.",
        "outcomes": (Outcome(code="ok", label_de="In Ordnung"),),
        "requested_at": datetime(2026, 11, 30, 9, tzinfo=UTC),  # a Monday
        "target_date": date(2026, 12, 2),  # Wednesday
    } | changes
    return TaskDefinition(**fields)


class World:
    """The checker over tasks in memory, the clock in hand; tasks are filed as routing files them."""

    def __init__(self, routing: RoutingConfig, *, swept_through: str | None = "2026-11-27") -> None:
        self.active = ActiveConfig(routing)
        self.tasks = FakeTaskRepository()
        self.store = FakeTaskDeadlines(self.tasks)
        if swept_through:
            self.store.sweeps.add(swept_through)
        self.clock = FakeClock(datetime(2026, 11, 30, 10, tzinfo=UTC))
        self.check = CheckDeadlines(
            CheckTaskDeadlines(self.tasks, self.store, FakeRoutes({"wurzen": 30})),
            CheckCaseDeadlines(FakeCaseDeadlines()),
            self.active,
            self.clock,
        )
        self.act = ActOnTask(self.tasks, Topics("t."), self.clock, _NoRelay(), self.active)

    def at(self, day: int, month: int = 12) -> None:
        self.clock.now = datetime(2026, month, day, 7, tzinfo=UTC)

    async def request(self, requested: TaskDefinition, anchor: str | None = None) -> None:
        """Store a requested task as ``AcceptTaskRequest`` does: filed under its first step's day."""
        filed = check_day(Task(definition=requested), self.active.current, saxon_day(self.clock()))
        assert await self.tasks.create(requested, anchor, check_day=filed)

    async def task(self, task_id: str = "t1") -> Any:
        loaded = await self.tasks.load(task_id)
        assert loaded is not None
        return replay(loaded[0], loaded[1])


async def test_warn_then_escalate_then_reroute_each_once() -> None:
    world = World(config(reroute=["trade-registration"]))
    await world.request(definition(), "a" * 64)

    assert await world.check() == (await world.check())  # Monday: green, nothing
    assert (await world.task()).version == 0

    world.at(1)  # Tuesday: one working day left
    report = await world.check()
    assert (report.warned, report.escalated, report.rerouted) == (1, 0, 0)
    await world.check()
    assert (await world.task()).warned and (await world.task()).version == 1

    world.at(3)  # Thursday: missed, unclaimed
    report = await world.check()
    assert (report.escalated, report.rerouted) == (1, 1)
    task = await world.task()
    assert (task.escalated, task.pool_id, task.agreement_ref, task.state) == (
        True,
        "augustusburg",
        "ZV W->A",
        TaskState.OPEN,
    )
    world.at(10)
    assert (await world.check()).rerouted == 0  # never moved twice

    changes = (await world.tasks.of_case("c1"))[1:]
    assert [(c["action"], c["actor"]) for c in changes] == [
        ("warned", CHECKER),
        ("escalated", CHECKER),
        ("rerouted", CHECKER),
    ]
    assert "ZV W->A" in changes[-1]["reason"]
    assert changes[-1]["pool_id"] == "augustusburg"
    assert broken_links("a" * 64, await world.tasks.of_case("c1")) == []


async def test_claimed_work_is_escalated_but_stays_with_its_clerk() -> None:
    world = World(config(reroute=["trade-registration"]))
    await world.request(definition())
    clerk = Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN)
    await world.act("t1", Command(Action.CLAIMED), clerk)
    world.at(3)
    report = await world.check()
    assert (report.warned, report.escalated, report.rerouted) == (0, 1, 0)
    task = await world.task()
    assert (task.pool_id, task.assignee, task.state) == ("wurzen", "anna", TaskState.CLAIMED)


@pytest.mark.parametrize(
    ("routing", "why"),
    [
        (config(reroute=[]), "the pool does not re-route this service"),
        (config(reroute=["trade-registration"], agreement_to="2026-11-30"), "the agreement expired"),
        (config(reroute=["einvoice"]), "only einvoice is re-routed"),
    ],
)
async def test_no_rerouting_without_permission_or_an_active_agreement(routing: RoutingConfig, why: str) -> None:
    world = World(routing)
    await world.request(definition())
    world.at(3)
    report = await world.check()
    assert (report.escalated, report.rerouted) == (1, 0), why
    assert (await world.task()).pool_id == "wurzen"


async def test_the_legal_deadline_counts_when_it_is_earlier_and_completed_tasks_are_left_alone() -> None:
    world = World(config(reroute=[]))
    await world.request(definition("t1", target_date=None, legal_deadline=date(2026, 12, 5)))
    await world.request(definition("t2", target_date=None))  # no deadline at all
    world.at(7)  # Monday after a legal deadline on Saturday, moved to Monday (§ 193 BGB): the due day
    report = await world.check()
    assert (report.warned, report.escalated) == (1, 0)
    world.at(8)
    assert (await world.check()).escalated == 1
    assert (await world.task("t2")).version == 0


def test_checker_changes_are_not_clerk_actions_and_clerks_cannot_make_them() -> None:
    task = replay(definition(), [])
    now = datetime(2026, 12, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="names the new pool"):
        checker_change(task, Action.REROUTED, "x", now)
    with pytest.raises(ValueError, match="not a deadline checker's action"):
        checker_change(task, Action.CLAIMED, "x", now)
    coordinator = Actor("carla", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN)
    with pytest.raises(TaskRuleError, match="not a clerk's action"):
        decide(task, Command(Action.ESCALATED, reason="x"), coordinator, now)


def route(case_id: str, target: str | None, legal: str | None = None, **extra: Any) -> dict[str, Any]:
    """A routed case as ``RouteCase`` stores it: the routing decision heads its audit chain."""
    head = {"action": "routed", "actor": "routing", "case_id": case_id, "pool_id": "wurzen"}
    return {
        "_id": case_id,
        "owner_ags": WURZEN,
        "pool_id": "wurzen",
        "service": "trade-registration",
        "file_number": f"WUR-GEW-2026-{case_id}",
        "target_date": target,
        "legal_date": legal,
        "audit": head,
        "audit_hash": record_hash(GENESIS, head),
        **extra,
    }


def routed_on(day: date, case_id: str, target: str | None, legal: str | None = None) -> dict[str, Any]:
    """A route with the first check day ``RouteCase`` files it under (routed on ``day``)."""
    stored = route(case_id, target, legal)
    at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return stored | first_deadline_check(stored, config(reroute=[]), at)


COORDINATOR = Actor("wilma", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN)


class CaseWorld:
    """The deadline checker over open cases only, with the store in memory and the clock in hand."""

    def __init__(self, *routes: dict[str, Any], swept_through: str | None = None) -> None:
        self.store = FakeCaseDeadlines(routes)
        if swept_through:
            self.store.sweeps.add(swept_through)
        self.clock = FakeClock()
        self.active = ActiveConfig(config(reroute=["trade-registration"]))
        self.tasks = FakeTaskRepository()
        check_tasks = CheckTaskDeadlines(self.tasks, FakeTaskDeadlines(self.tasks), FakeRoutes())
        self.check = CheckDeadlines(check_tasks, CheckCaseDeadlines(self.store), self.active, self.clock)
        self.coordination = Coordination(
            Worklists(self.tasks, self.clock), DeadlineLights(self.active, self.clock), self.store
        )

    async def on(self, day: int, month: int = 12) -> Any:
        """Run the check at 8:00 Saxon time of that day; what was read, and the report."""
        self.clock.now = datetime(2026, month, day, 7, tzinfo=UTC)
        self.store.days_read.clear()
        return await self.check()


@pytest.mark.parametrize(
    ("target", "legal", "pool", "expected"),
    [
        ("2026-12-07", None, "wurzen", {"deadline_check_day": "2026-12-04"}),  # Friday: 1 working day left
        ("2026-12-31", "2026-12-05", "wurzen", {"deadline_check_day": "2026-12-04"}),  # legal Sat -> Mon 7.12.
        ("2026-12-01", None, "wurzen", {"deadline_check_day": "2026-11-30"}),  # yellow on arrival: today
        ("2026-11-27", None, "wurzen", {"deadline_check_day": "2026-11-30"}),  # already missed: today
        (None, None, "wurzen", {}),  # the service sets no case deadline
        ("2026-12-07", None, None, {}),  # not routed
    ],
)
def test_a_route_is_filed_under_the_day_of_its_first_deadline_step(
    target: str | None, legal: str | None, pool: str | None, expected: dict[str, str]
) -> None:
    stored = route("c1", target, legal) | {"pool_id": pool}
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert first_deadline_check(stored, config(reroute=[]), monday) == expected


async def test_the_checker_reads_only_the_day_buckets_of_cases_that_can_need_a_step() -> None:
    monday = date(2026, 11, 30)
    world = CaseWorld(
        routed_on(monday, "c1", "2026-12-07"),  # warned on Friday 4.12., escalated on Tuesday 8.12.
        routed_on(monday, "c-none", None),
        swept_through="2026-11-27",
    )
    assert world.store.routes["c1"]["deadline_check_day"] == "2026-12-04"

    report = await world.on(30, 11)
    assert world.store.days_read == ["2026-11-28", "2026-11-29", "2026-11-30"]
    assert (report.cases_warned, report.cases_escalated) == (0, 0)
    assert await world.store.swept_through() == "2026-11-28"  # two days back: settled for good
    await world.on(30, 11)
    assert world.store.days_read == ["2026-11-29", "2026-11-30"]  # the next run: only the unsettled days

    for day in (1, 2, 3):
        assert (await world.on(day)) == type(report)()
    report = await world.on(4)
    assert (report.cases_warned, report.cases_escalated) == (1, 0)
    assert world.store.days_read == ["2026-12-02", "2026-12-03", "2026-12-04"]  # the day's first run
    assert [c["day"] for c in world.store.checks.values()] == ["2026-12-08"]  # the escalation's day
    assert (await world.on(4)).cases_warned == 0  # once
    for day in (5, 6, 7):
        assert (await world.on(day)).cases_escalated == 0
    report = await world.on(8)
    assert (report.cases_warned, report.cases_escalated) == (0, 1)
    assert [c["day"] for c in world.store.checks.values()] == ["2026-12-08"]  # nothing left to check
    assert world.store.full_scans == 0
    assert [(r["action"], r["actor"]) for r in await world.store.steps("c1")] == [
        ("warned", CHECKER),
        ("escalated", CHECKER),
    ]
    assert broken_links(route("c1", None)["audit_hash"], await world.store.steps("c1")) == []


async def test_after_a_pause_the_checker_catches_up_on_every_day_it_missed() -> None:
    world = CaseWorld(routed_on(date(2026, 11, 30), "c1", "2026-12-07"), swept_through="2026-11-27")
    report = await world.on(10)  # no run since 27.11.: missed without a warning first
    assert world.store.days_read == [f"2026-{d}" for d in ("11-28", "11-29", "11-30")] + [
        f"2026-12-{d:02d}" for d in range(1, 11)
    ]
    assert (report.cases_warned, report.cases_escalated) == (0, 1)
    assert "07.12.2026" in (await world.store.steps("c1"))[0]["reason"]
    await world.on(10)
    assert world.store.days_read == ["2026-12-09", "2026-12-10"]


async def test_a_store_from_before_the_day_buckets_is_filed_once_then_warned_and_escalated() -> None:
    world = CaseWorld(
        route("c1", "2026-12-02"),
        route("c-closed", "2026-11-01"),
        route("c-none", None),
        route("c-legal", "2026-12-31", "2026-12-05"),  # legal on Saturday: due Monday 7.12.
    )
    world.store.closed.add("c-closed")
    report = await world.on(1)  # Tuesday
    assert world.store.full_scans == 1
    assert (report.cases_warned, report.cases_escalated, report.warned) == (1, 0, 0)
    assert (await world.on(1)).cases_warned == 0

    report = await world.on(8)
    assert (report.cases_warned, report.cases_escalated) == (0, 2)  # c-legal missed without a warning
    assert (await world.on(8)) == type(report)()
    assert world.store.full_scans == 1  # once per store, never per run
    assert sorted({r["case_id"] for r in world.store.records.values()}) == ["c-legal", "c1"]
    assert "07.12.2026" in (await world.store.steps("c-legal"))[0]["reason"]


async def test_the_coordinator_sees_warned_and_escalated_open_cases_of_her_pools_and_their_light() -> None:
    world = CaseWorld(
        routed_on(date(2026, 11, 30), "c-red", "2026-12-02"),
        routed_on(date(2026, 11, 30), "c-yellow", "2026-12-04"),
        routed_on(date(2026, 11, 30), "c-green", "2026-12-18"),
        routed_on(date(2026, 11, 30), "c-closed", "2026-12-02"),
        swept_through="2026-11-29",
    )
    await world.on(2)  # Wednesday: c-red and c-closed warned (their due day), c-yellow not yet
    world.store.closed.add("c-closed")
    await world.on(3)  # c-red escalated, c-yellow warned; c-closed left alone
    assert {r["case_id"] for r in world.store.records.values() if r["action"] == "escalated"} == {"c-red"}

    overview = await world.coordination.overview(COORDINATOR)
    assert [(c.case_id, c.light, c.escalated, c.due) for c in overview.cases] == [
        ("c-red", Light.RED, True, date(2026, 12, 2)),
        ("c-yellow", Light.YELLOW, False, date(2026, 12, 4)),
    ]
    [pool] = overview.pools
    assert (pool.key, pool.cases_warned, pool.cases_escalated, pool.open, pool.worst) == ("wurzen", 1, 1, 0, Light.RED)
    assert [(t.key, t.cases_escalated, t.worst) for t in overview.towns] == [(WURZEN, 1, Light.RED)]
    assert {f["case_id"] for f in world.store.flagged.values()} == {"c-red", "c-yellow"}  # the closed case's went

    other = Actor("carla", frozenset({"augustusburg"}), frozenset({Role.COORDINATOR}), AUGUSTUSBURG)
    theirs = await world.coordination.overview(other)
    assert theirs.cases == []
    assert [(p.key, p.cases_escalated, p.worst) for p in theirs.pools] == [("augustusburg", 0, Light.GREEN)]


@pytest.mark.infra
async def test_case_escalation_on_the_real_store_is_once_under_concurrent_checkers_and_in_the_audit_log(
    infra: Infra, mongo_db_name: str
) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    routes, tasks, cases = MongoRouteRepository(db, store_only_relay()), MongoTaskRepository(db), MongoCaseDeadlines(db)
    await cases.create_indexes()
    stored = [(routed_on(date(2026, 11, 30), case_id, "2026-12-02"), []) for case_id in ("c1", "c2")]
    assert await routes.insert_many(stored) == {"c1", "c2"}
    await routes.close([("c2", None)])
    await cases.mark_swept("2026-11-29")
    clock = FakeClock(datetime(2026, 12, 3, 7, tzinfo=UTC))
    active = ActiveConfig(config(reroute=[]))

    def checker() -> CheckDeadlines:
        check_tasks = CheckTaskDeadlines(tasks, MongoTaskDeadlines(db), routes)
        return CheckDeadlines(check_tasks, CheckCaseDeadlines(cases), active, clock)

    checkers = [checker() for _ in range(3)]

    reports = await asyncio.gather(*(check() for check in checkers))
    assert sum(r.cases_escalated for r in reports) == 1
    assert (await checkers[0]()).cases_escalated == 0
    assert (await checker()()).cases_escalated == 0

    audit = await CaseAudit(tasks, cases)("c1", COORDINATOR)
    assert audit["chain_intact"], audit["problems"]
    assert [(e["action"], e["actor"]) for e in audit["entries"]] == [("routed", "routing"), ("escalated", CHECKER)]
    overview = await Coordination(Worklists(tasks, clock), DeadlineLights(active, clock), cases).overview(COORDINATOR)
    assert [(row.key, row.cases_escalated, row.worst) for row in overview.pools] == [("wurzen", 1, Light.RED)]
    assert [c.case_id for c in overview.cases] == ["c1"]
    await mongo.close()
