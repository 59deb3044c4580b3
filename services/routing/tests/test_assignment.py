"""Members' skills, roles and hours decide who may take a task and who gets it on arrival."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import new_event
from ikdz_contracts.events import FourEyes, TaskOutcome, TaskRequested
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.tasks import AcceptTaskRequest, ActOnTask
from ikdz_routing.domain.assignment import assignment_problem, pick_assignee
from ikdz_routing.domain.config import Pool, RoutingConfig
from ikdz_routing.domain.tasks import Action, Actor, Command, Outcome, Role, TaskDefinition, TaskRuleError

from .fakes import FakeClock, FakeTaskRepository

WURZEN = "14729410"
MEMBERS = [
    {"staff_id": "anna", "roles": ["clerk"], "skills": ["bewachung", "gaststaetten"], "hours_per_day": 4},
    {"staff_id": "ben", "roles": ["clerk"], "skills": ["bewachung"]},
    {"staff_id": "carla", "roles": ["coordinator"], "skills": ["bewachung"]},
    {"staff_id": "dora", "roles": ["approver"], "skills": []},
]
POOL: dict[str, Any] = {
    "id": "wurzen",
    "processing_ags": WURZEN,
    "services": ["trade-registration"],
    "skills": ["bewachung", "gaststaetten"],
    "members": MEMBERS,
    "hours_per_case": 2,
}


def pool(**changes: Any) -> Pool:
    return Pool.model_validate(POOL | changes)


def definition(skills: tuple[str, ...] = (), excluded: frozenset[str] = frozenset()) -> TaskDefinition:
    return TaskDefinition(
        task_id="t1",
        case_id="c1",
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags=WURZEN,
        pool_id="wurzen",
        kind="gewerbe.check",
        title_de="Prüfen",
        instructions_de="Bitte prüfen.",
        required_skills=skills,
        four_eyes_excluded=excluded,
        outcomes=(Outcome(code="ok", label_de="In Ordnung"),),
        requested_at=datetime(2026, 11, 25, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("staff_id", "skills", "problem"),
    [
        ("anna", ("bewachung", "gaststaetten"), None),
        ("ben", ("bewachung",), None),
        ("ben", ("gaststaetten",), "ben lacks the skills gaststaetten"),
        ("carla", (), "carla has neither the clerk nor the approver role in pool wurzen"),
        ("dora", (), None),
        ("erik", (), "erik is not a listed member of pool wurzen"),
    ],
)
def test_who_may_take_a_task(staff_id: str, skills: tuple[str, ...], problem: str | None) -> None:
    assert assignment_problem(pool(), definition(skills), staff_id) == problem


def test_a_pool_without_a_member_list_leaves_it_to_the_tokens() -> None:
    open_pool = Pool(id="x1", processing_ags=WURZEN, services=frozenset({ServiceId.EINVOICE}), capacity_per_day=3)
    assert assignment_problem(open_pool, definition(("anything",)), "whoever") is None
    assert assignment_problem(None, definition(), "whoever") is None


@pytest.mark.parametrize(
    ("skills", "load", "excluded", "expected"),
    [
        ((), {}, frozenset(), "anna"),  # all empty: ties by staff id
        ((), {"anna": 1}, frozenset(), "ben"),  # anna: 1 per 4 h; ben: 0
        ((), {"anna": 1, "ben": 1, "dora": 1}, frozenset(), "ben"),  # 1/8 h < 1/4 h; ties by id: ben < dora
        (("bewachung",), {"ben": 3}, frozenset(), "anna"),  # 0/4 h < 3/8 h
        (("bewachung",), {"ben": 3, "anna": 2}, frozenset(), "ben"),  # 3/8 h < 2/4 h
        (("gaststaetten",), {"anna": 9}, frozenset(), "anna"),  # the only one with the skill
        (("gaststaetten",), {}, frozenset({"anna"}), None),  # four-eyes excludes her: nobody
    ],
)
def test_who_gets_a_task_on_arrival(
    skills: tuple[str, ...], load: dict[str, int], excluded: frozenset[str], expected: str | None
) -> None:
    picked = pick_assignee(pool(), definition(skills, excluded), load)
    assert (picked[0].staff_id if picked else None) == expected
    if picked:
        assert "lowest load" in picked[1]


def request(skills: list[str]) -> Any:
    data = TaskRequested(
        task_id="t1",
        case_id="c1",
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags=WURZEN,
        pool_id="wurzen",
        kind="gewerbe.check",
        title_de="Prüfen",
        instructions_de="Bitte prüfen.",
        required_skills=skills,
        four_eyes=FourEyes(excluded_actors=["ben"], reason="hat vorbereitet"),
        outcomes=[TaskOutcome(code="ok", label_de="In Ordnung")],
    )
    return new_event(data, source="urn:ikdz:test", subject="c1", ownerags=WURZEN, time=datetime.now(UTC))


def world(assign_on_arrival: bool) -> tuple[FakeTaskRepository, ActiveConfig]:
    route = {"_id": "c1", "owner_ags": WURZEN, "service": "trade-registration", "pool_id": "wurzen"}
    config = RoutingConfig(version="t", pools=(pool(assign_on_arrival=assign_on_arrival),))
    return FakeTaskRepository({"c1": route}), ActiveConfig(config)


async def test_a_new_task_goes_to_the_fitting_member_on_arrival_and_the_audit_says_why() -> None:
    tasks, active = world(assign_on_arrival=True)
    assert await AcceptTaskRequest(tasks, active, FakeClock())(request(["bewachung"]))
    loaded = await tasks.load("t1")
    assert loaded is not None
    [change] = loaded[1]
    assert (change.action, change.actor, change.assignee) == (Action.ASSIGNED, "routing", "anna")  # ben: four-eyes
    assert "skills (bewachung) held" in (change.reason or "")


async def test_without_assignment_on_arrival_clerks_claim_but_only_with_the_skills() -> None:
    tasks, active = world(assign_on_arrival=False)
    assert await AcceptTaskRequest(tasks, active, FakeClock())(request(["gaststaetten"]))
    loaded = await tasks.load("t1")
    assert loaded is not None and loaded[1] == []
    act = ActOnTask(tasks, Topics("t."), FakeClock(), _NoRelay(), active)
    dora = Actor("dora", frozenset({"wurzen"}), frozenset({Role.APPROVER}), WURZEN)
    with pytest.raises(TaskRuleError, match="dora lacks the skills gaststaetten"):
        await act("t1", Command(Action.CLAIMED), dora)
    carla = Actor("carla", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN)
    with pytest.raises(TaskRuleError, match="dora lacks the skills"):
        await act("t1", Command(Action.ASSIGNED, target="dora", reason="Vertretung"), carla)
    anna = Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN)
    assert (await act("t1", Command(Action.CLAIMED), anna)).task.assignee == "anna"


async def test_someone_working_for_two_towns_acts_for_the_town_of_the_tasks_pool() -> None:
    tasks, active = world(assign_on_arrival=False)
    assert await AcceptTaskRequest(tasks, active, FakeClock())(request([]))
    act = ActOnTask(tasks, Topics("t."), FakeClock(), _NoRelay(), active)
    augustusburg = "14522020"  # the token's first town; the task sits in Wurzen's pool
    anna = Actor(
        "anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), augustusburg, frozenset({augustusburg, WURZEN})
    )
    await act("t1", Command(Action.CLAIMED), anna)
    loaded = await tasks.load("t1")
    assert loaded is not None
    assert [c.acting_ags for c in loaded[1]] == [WURZEN]


class _NoRelay:
    def notify(self) -> None:
        """Nothing to wake in a unit test."""
