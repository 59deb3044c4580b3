"""The periodic deadline check with a controlled clock: warn, escalate, re-route unclaimed work to a
partner pool under an active agreement, each once and in the task's audit chain; open cases are warned
and escalated the same way, once, in the case's audit chain, and the coordinator sees them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from ikdz_contracts.services import ServiceId
from ikdz_platform.testing.infra import Infra
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.audit_log import CaseAudit
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.coordination import Coordination, DeadlineLights
from ikdz_routing.app.deadline_checker import CheckDeadlines
from ikdz_routing.app.tasks import Worklists
from ikdz_routing.domain.audit import GENESIS, broken_links, record_hash
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.tasks import (
    CHECKER,
    Action,
    Actor,
    Command,
    Outcome,
    Role,
    TaskDefinition,
    TaskRuleError,
    TaskState,
    checker_change,
    decide,
    replay,
)
from pymongo import AsyncMongoClient

from .fakes import FakeClock, FakeRoutes, FakeTaskRepository, store_only_relay

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
    def __init__(self, routing: RoutingConfig) -> None:
        self.tasks = FakeTaskRepository()
        self.clock = FakeClock(datetime(2026, 11, 30, 10, tzinfo=UTC))
        self.check = CheckDeadlines(self.tasks, FakeRoutes({"wurzen": 30}), ActiveConfig(routing), self.clock)

    def at(self, day: int, month: int = 12) -> None:
        self.clock.now = datetime(2026, month, day, 7, tzinfo=UTC)

    async def task(self, task_id: str = "t1") -> Any:
        loaded = await self.tasks.load(task_id)
        assert loaded is not None
        return replay(loaded[0], loaded[1])


async def test_warn_then_escalate_then_reroute_each_once() -> None:
    world = World(config(reroute=["trade-registration"]))
    await world.tasks.create(definition(), "a" * 64)

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
    await world.tasks.create(definition(), None)
    clerk = Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN)
    loaded = await world.tasks.load("t1")
    assert loaded is not None
    claim = decide(replay(loaded[0], loaded[1]), Command(Action.CLAIMED), clerk, world.clock())
    assert claim is not None
    await world.tasks.append(claim, loaded[0], loaded[2], [], pool_id="wurzen")
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
    await world.tasks.create(definition(), None)
    world.at(3)
    report = await world.check()
    assert (report.escalated, report.rerouted) == (1, 0), why
    assert (await world.task()).pool_id == "wurzen"


async def test_the_legal_deadline_counts_when_it_is_earlier_and_completed_tasks_are_left_alone() -> None:
    world = World(config(reroute=[]))
    await world.tasks.create(definition("t1", target_date=None, legal_deadline=date(2026, 12, 5)), None)
    await world.tasks.create(definition("t2", target_date=None), None)  # no deadline at all
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
        "target_date": target,
        "legal_date": legal,
        "audit": head,
        "audit_hash": record_hash(GENESIS, head),
        **extra,
    }


COORDINATOR = Actor("wilma", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN)


async def test_open_cases_are_warned_then_escalated_once_and_the_coordinator_sees_them() -> None:
    routes = FakeRoutes(
        routes=[
            route("c1", "2026-12-02"),
            route("c-closed", "2026-11-01", closed=True),
            route("c-none", None),
            route("c-legal", "2026-12-31", "2026-12-05"),  # legal on Saturday: due Monday 7.12.
        ]
    )
    tasks, clock = FakeTaskRepository(), FakeClock(datetime(2026, 12, 1, 7, tzinfo=UTC))  # Tuesday
    check = CheckDeadlines(tasks, routes, ActiveConfig(config(reroute=["trade-registration"])), clock)
    report = await check()
    assert (report.cases_warned, report.cases_escalated, report.warned) == (1, 0, 0)
    assert (await check()).cases_warned == 0

    clock.now = datetime(2026, 12, 8, 7, tzinfo=UTC)
    report = await check()
    assert (report.cases_warned, report.cases_escalated) == (0, 2)  # c-legal missed without a warning
    assert (await check()) == type(report)()

    steps = await routes.deadline_steps()
    assert sorted(steps) == ["c-legal", "c1"]
    assert [(r["action"], r["actor"]) for r in steps["c1"]] == [("warned", CHECKER), ("escalated", CHECKER)]
    assert "07.12.2026" in steps["c-legal"][0]["reason"]
    assert broken_links(route("c1", None)["audit_hash"], steps["c1"]) == []

    active = ActiveConfig(config(reroute=[]))
    coordination = Coordination(Worklists(tasks), DeadlineLights(active, clock), routes)
    overview = await coordination.overview(COORDINATOR)
    assert [(row.key, row.cases_escalated) for row in overview.pools] == [("wurzen", 2)]
    assert [(row.key, row.cases_escalated) for row in overview.towns] == [(WURZEN, 2)]
    other = Actor("carla", frozenset({"augustusburg"}), frozenset({Role.COORDINATOR}), AUGUSTUSBURG)
    assert [row.cases_escalated for row in (await coordination.overview(other)).pools] == [0]


@pytest.mark.infra
async def test_case_escalation_on_the_real_store_is_once_under_concurrent_checkers_and_in_the_audit_log(
    infra: Infra, mongo_db_name: str
) -> None:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    routes, tasks = MongoRouteRepository(db, store_only_relay()), MongoTaskRepository(db)
    await routes.create_indexes()
    assert await routes.insert_many([(route("c1", "2026-12-02"), []), (route("c2", "2026-12-02"), [])]) == {"c1", "c2"}
    await routes.close("c2")
    clock = FakeClock(datetime(2026, 12, 3, 7, tzinfo=UTC))
    active = ActiveConfig(config(reroute=[]))
    checkers = [CheckDeadlines(tasks, routes, active, clock) for _ in range(3)]

    reports = await asyncio.gather(*(check() for check in checkers))
    assert sum(r.cases_escalated for r in reports) == 1
    assert (await checkers[0]()).cases_escalated == 0

    audit = await CaseAudit(tasks, routes)("c1", COORDINATOR)
    assert audit["chain_intact"], audit["problems"]
    assert [(e["action"], e["actor"]) for e in audit["entries"]] == [("routed", "routing"), ("escalated", CHECKER)]
    overview = await Coordination(Worklists(tasks), DeadlineLights(active, clock), routes).overview(COORDINATOR)
    assert [(row.key, row.cases_escalated) for row in overview.pools] == [("wurzen", 1)]
    await mongo.close()
