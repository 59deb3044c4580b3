"""The deadline checker's task part reads only the tasks filed under the days it has not swept: each
task change files the task under the day of its next step, the checker looks at nothing else, catches
up after a pause, files a store from before the buckets once, and sees work a clerk released."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import TaskOutcome, TaskRequested
from ikdz_contracts.services import ServiceId
from ikdz_routing.app.tasks import AcceptTaskRequest
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.tasks import Action, Actor, Command, Role, TaskState

from .test_deadline_checker import WURZEN, World, config, definition

CLERK = Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN)
COORDINATOR = Actor("carla", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN)


async def run_on(world: World, day: int, month: int = 12, hour: int = 7) -> Any:
    """One run at that time (UTC); what it read is in ``world.store.days_read`` and ``world.tasks.loaded``."""
    world.clock.now = datetime(2026, month, day, hour, tzinfo=UTC)
    world.store.days_read.clear()
    world.tasks.loaded.clear()
    return await world.check()


async def test_a_run_loads_only_the_tasks_filed_under_the_days_it_has_not_swept() -> None:
    world = World(config(reroute=["trade-registration"]))
    await world.request(definition("t-soon"))  # due Wednesday 2.12.: warned Tuesday, escalated Thursday
    await world.request(definition("t-later", target_date=date(2026, 12, 18)))
    await world.request(definition("t-none", target_date=None))  # no deadline: never filed

    report = await run_on(world, 30, 11)
    assert world.store.days_read == ["2026-11-28", "2026-11-29", "2026-11-30"]
    assert (world.tasks.loaded, report.warned) == ([], 0)
    assert await world.store.swept_through() == "2026-11-28"
    await run_on(world, 30, 11, hour=12)
    assert world.store.days_read == ["2026-11-29", "2026-11-30"]  # later runs: only the unsettled days

    report = await run_on(world, 1)
    assert (world.tasks.loaded, report.warned) == (["t-soon"], 1)
    await run_on(world, 1, hour=12)
    assert world.tasks.loaded == []  # each filing once
    await run_on(world, 2)
    assert world.tasks.loaded == []
    report = await run_on(world, 3)
    assert (world.tasks.loaded, report.escalated, report.rerouted) == (["t-soon"], 1, 1)

    assert await run_on(world, 4) == type(report)()
    # The escalation's record filed t-soon under the next day too, in case the checker stopped before
    # it recorded the re-routing: one look, nothing to do.
    assert world.tasks.loaded == ["t-soon"]
    for day in (5, 7, 10, 14):
        assert (await run_on(world, day)).warned == 0
        assert world.tasks.loaded == []  # t-later's first yellow day is Thursday 17.12.
    report = await run_on(world, 17)
    assert (world.tasks.loaded, report.warned) == (["t-later"], 1)
    assert world.tasks.full_scans == 0
    assert world.store.checks == {}  # every filing came with a change record, none was written extra


async def test_after_a_pause_the_checker_catches_up_on_every_day_it_missed() -> None:
    world = World(config(reroute=[]))
    await world.request(definition())  # due Wednesday 2.12.

    report = await run_on(world, 10)  # no run since 27.11.: missed without a warning first
    assert world.store.days_read == [f"2026-11-{d}" for d in (28, 29, 30)] + [f"2026-12-{d:02d}" for d in range(1, 11)]
    assert (report.warned, report.escalated) == (0, 1)
    escalation = (await world.tasks.of_case("c1"))[-1]
    assert (escalation["action"], escalation["reason"]) == (
        "escalated",
        "deadline 02.12.2026 missed; raised to the coordinator",
    )
    await run_on(world, 10, hour=12)
    assert world.store.days_read == ["2026-12-09", "2026-12-10"]
    assert world.tasks.loaded == []


async def test_a_store_from_before_the_day_buckets_is_filed_once() -> None:
    world = World(config(reroute=[]), swept_through=None)
    for task_id, target in [("t1", date(2026, 12, 2)), ("t-late", date(2026, 12, 18)), ("t-none", None)]:
        await world.tasks.create(definition(task_id, target_date=target), None, check_day=None)  # no filing yet
    await world.tasks.create(definition("t-done"), None, check_day=None)
    await world.act("t-done", Command(Action.CLAIMED), CLERK)
    await world.act("t-done", Command(Action.COMPLETED, outcome="ok", reason="geprüft"), CLERK)

    report = await run_on(world, 1)  # Tuesday: t1 is due tomorrow
    assert world.tasks.full_scans == 1
    assert sorted(c["task_id"] for c in world.store.checks.values() if c["day"] == "2026-12-01") == ["t-late", "t1"]
    assert report.warned == 1
    assert (await run_on(world, 1, hour=12)).warned == 0

    assert (await run_on(world, 3)).escalated == 1
    assert world.tasks.loaded == ["t1"]
    assert (await run_on(world, 17)).warned == 1  # t-late, filed under its warning day at the first look
    assert world.tasks.full_scans == 1  # once per store, never per run
    assert (await world.task("t-none")).version == 0


async def test_overdue_work_a_coordinator_releases_is_rerouted_on_the_next_run() -> None:
    world = World(config(reroute=["trade-registration"]))
    await world.request(definition())
    await world.act("t1", Command(Action.CLAIMED), CLERK)

    report = await run_on(world, 3)
    assert (report.escalated, report.rerouted) == (1, 0)  # claimed work stays with its clerk
    await run_on(world, 4)
    assert world.tasks.loaded == []  # escalated and claimed: nothing more to look at

    world.clock.now = datetime(2026, 12, 4, 9, tzinfo=UTC)
    await world.act("t1", Command(Action.RELEASED, reason="Urlaub"), COORDINATOR)
    report = await run_on(world, 4, hour=10)
    assert (world.tasks.loaded, report.rerouted) == (["t1"], 1)
    task = await world.task()
    assert (task.pool_id, task.state, task.rerouted_to) == ("augustusburg", TaskState.OPEN, "augustusburg")


async def test_a_task_with_no_pool_to_move_to_is_looked_at_again_each_day() -> None:
    expired = config(reroute=["trade-registration"], agreement_to="2026-11-30")
    world = World(expired)
    await world.request(definition())

    report = await run_on(world, 3)
    assert (report.escalated, report.rerouted) == (1, 0)  # the agreement expired: no partner pool
    await run_on(world, 3, hour=12)
    assert world.tasks.loaded == []  # not every run: once a day
    report = await run_on(world, 4)
    assert (world.tasks.loaded, report.rerouted) == (["t1"], 0)
    assert [c["day"] for c in world.store.checks.values()] == ["2026-12-05"]  # filed for the next day

    world.active.current = config(reroute=["trade-registration"])  # the agreement is renewed
    report = await run_on(world, 5)
    assert (world.tasks.loaded, report.rerouted) == (["t1"], 1)
    assert (await world.task()).pool_id == "augustusburg"
    await run_on(world, 6)
    assert world.tasks.loaded == []  # moved once: nothing more to look at


def event(task_id: str, at: datetime) -> CloudEvent[TaskRequested]:
    requested = TaskRequested(
        task_id=task_id,
        case_id="c1",
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags=WURZEN,
        pool_id="wurzen",
        kind="gewerbe.check",
        title_de="Prüfen",
        instructions_de="Bitte prüfen.",
        outcomes=[TaskOutcome(code="ok", label_de="In Ordnung")],
    )
    return new_event(requested, source="urn:ikdz:test", subject="c1", ownerags=WURZEN, time=at)


@pytest.mark.parametrize("assign_on_arrival", [False, True])
async def test_every_writer_files_the_task_under_the_day_of_its_next_step(assign_on_arrival: bool) -> None:
    raw = config(reroute=["trade-registration"]).model_dump(mode="json")
    raw["pools"][0] |= {"assign_on_arrival": assign_on_arrival, "members": [{"staff_id": "anna", "roles": ["clerk"]}]}
    world = World(RoutingConfig.model_validate(raw))
    world.tasks.routes["c1"] = {"_id": "c1", "owner_ags": WURZEN, "service": "trade-registration", "pool_id": "wurzen"}

    def filed() -> list[str | None]:
        return [r.get("deadline_check_day") for r in world.tasks.records.values()]

    # Requested Monday 30.11.: two working days' target, Wednesday 2.12.; yellow from Tuesday.
    assert await AcceptTaskRequest(world.tasks, world.active, world.clock)(event("t1", world.clock()))
    assert filed() == ["2026-12-01"] * (2 if assign_on_arrival else 1)  # assigned on arrival: the same day
    if not assign_on_arrival:
        await world.act("t1", Command(Action.CLAIMED), CLERK)
        assert filed() == ["2026-12-01", "2026-12-01"]
    await run_on(world, 1)
    assert filed()[-1] == "2026-12-03"  # warned: the first red day
    world.clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await world.act("t1", Command(Action.COMPLETED, outcome="ok", reason="geprüft"), CLERK)
    assert filed()[-1] is None  # done: never again
    report = await run_on(world, 3)  # the warning's filing still names Thursday: one look, nothing to do
    assert (report, world.tasks.loaded, world.store.checks) == (type(report)(), ["t1"], {})
