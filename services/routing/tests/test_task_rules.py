"""The task state machine: who may claim, complete, return, hand over, assign and release; four-eyes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ikdz_contracts.services import ServiceId
from ikdz_routing.domain.tasks import (
    Action,
    Actor,
    Command,
    Outcome,
    Role,
    Task,
    TaskDefinition,
    TaskRuleError,
    TaskState,
    decide,
    evolve,
    replay,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DEFINITION = TaskDefinition(
    task_id="t1",
    case_id="c1",
    service=ServiceId.TRADE_REGISTRATION,
    owner_ags="14729410",
    pool_id="augustusburg",
    kind="gewerbe.permit_check",
    title_de="Erlaubnis prüfen",
    instructions_de="Prüfen Sie die Erlaubnis nach § 34a GewO.",
    four_eyes_excluded=frozenset({"preparer"}),
    four_eyes_reason="hat den Fall vorbereitet",
    outcomes=(
        Outcome(code="approved", label_de="Erlaubnis liegt vor"),
        Outcome(code="rejected", label_de="Keine Erlaubnis"),
    ),
    requested_at=NOW,
)
OPEN = Task(definition=DEFINITION)


def actor(staff_id: str, *roles: Role, pools: tuple[str, ...] = ("augustusburg",)) -> Actor:
    return Actor(
        staff_id=staff_id, pools=frozenset(pools), roles=frozenset(roles or (Role.CLERK,)), acting_ags="14522020"
    )


ANNA = actor("anna")
BEN = actor("ben")
COORD = actor("carla", Role.COORDINATOR)
OUTSIDER = actor("otto", pools=("wurzen",))


def apply(task: Task, command: Command, who: Actor) -> Task:
    change = decide(task, command, who, NOW)
    assert change is not None
    return evolve(task, change)


CLAIMED_BY_ANNA = apply(OPEN, Command(Action.CLAIMED), ANNA)


def test_claim_then_complete_carries_outcome_reason_and_actor() -> None:
    done = apply(
        CLAIMED_BY_ANNA, Command(Action.COMPLETED, outcome="approved", reason="Erlaubnis vom 1.10. liegt vor"), ANNA
    )
    assert (done.state, done.outcome, done.completed_by, done.version) == (TaskState.COMPLETED, "approved", "anna", 2)


@pytest.mark.parametrize(
    ("task", "command", "who", "code"),
    [
        (OPEN, Command(Action.CLAIMED), OUTSIDER, "forbidden"),
        (OPEN, Command(Action.CLAIMED), actor("pat", Role.COORDINATOR), "forbidden"),
        (OPEN, Command(Action.CLAIMED), actor("preparer"), "four_eyes"),
        (CLAIMED_BY_ANNA, Command(Action.CLAIMED), BEN, "invalid_state"),
        (CLAIMED_BY_ANNA, Command(Action.COMPLETED, outcome="approved", reason="x"), BEN, "not_assigned"),
        (OPEN, Command(Action.COMPLETED, outcome="approved", reason="x"), ANNA, "not_assigned"),
        (CLAIMED_BY_ANNA, Command(Action.COMPLETED, outcome="maybe", reason="x"), ANNA, "invalid_outcome"),
        (CLAIMED_BY_ANNA, Command(Action.COMPLETED, outcome="approved", reason="  "), ANNA, "invalid"),
        (CLAIMED_BY_ANNA, Command(Action.RETURNED), ANNA, "invalid"),
        (CLAIMED_BY_ANNA, Command(Action.RETURNED, reason="x"), BEN, "not_assigned"),
        (CLAIMED_BY_ANNA, Command(Action.HANDED_OVER, target="preparer", reason="Urlaub"), ANNA, "four_eyes"),
        (CLAIMED_BY_ANNA, Command(Action.HANDED_OVER, target="anna", reason="x"), ANNA, "invalid"),
        (OPEN, Command(Action.ASSIGNED, target="ben", reason="x"), ANNA, "forbidden"),
        (OPEN, Command(Action.ASSIGNED, target="ben"), COORD, "invalid"),
        (OPEN, Command(Action.ASSIGNED, target="preparer", reason="x"), COORD, "four_eyes"),
        (OPEN, Command(Action.RELEASED, reason="x"), COORD, "invalid_state"),
        (CLAIMED_BY_ANNA, Command(Action.RELEASED, reason="x"), BEN, "forbidden"),
    ],
)
def test_refused_commands(task: Task, command: Command, who: Actor, code: str) -> None:
    with pytest.raises(TaskRuleError) as refused:
        decide(task, command, who, NOW)
    assert refused.value.code == code


def test_four_eyes_survives_reassignment_to_the_preparer_by_any_route() -> None:
    # even a coordinator cannot put the task in the preparer's hands, and the preparer cannot complete it
    sneaky = CLAIMED_BY_ANNA.model_copy(update={"assignee": "preparer"})
    with pytest.raises(TaskRuleError, match="four-eyes"):
        decide(sneaky, Command(Action.COMPLETED, outcome="approved", reason="x"), actor("preparer"), NOW)


def test_return_hand_over_assign_and_release() -> None:
    returned = apply(CLAIMED_BY_ANNA, Command(Action.RETURNED, reason="Rückfrage nötig"), ANNA)
    assert (returned.state, returned.assignee) == (TaskState.OPEN, None)
    handed = apply(CLAIMED_BY_ANNA, Command(Action.HANDED_OVER, target="ben", reason="Urlaub"), ANNA)
    assert (handed.state, handed.assignee) == (TaskState.CLAIMED, "ben")
    assigned = apply(OPEN, Command(Action.ASSIGNED, target="ben", reason="Rückstau"), COORD)
    assert (assigned.state, assigned.assignee) == (TaskState.CLAIMED, "ben")
    released = apply(assigned, Command(Action.RELEASED, reason="krank"), COORD)
    assert (released.state, released.assignee) == (TaskState.OPEN, None)


def test_completing_twice_is_idempotent_for_the_same_decision_only() -> None:
    done = apply(CLAIMED_BY_ANNA, Command(Action.COMPLETED, outcome="approved", reason="ok"), ANNA)
    assert decide(done, Command(Action.COMPLETED, outcome="approved", reason="ok"), ANNA, NOW) is None
    with pytest.raises(TaskRuleError, match="already completed"):
        decide(done, Command(Action.COMPLETED, outcome="rejected", reason="ok"), ANNA, NOW)
    with pytest.raises(TaskRuleError, match="already completed"):
        decide(done, Command(Action.CLAIMED), BEN, NOW)


def test_replay_folds_changes_in_version_order_and_refuses_gaps() -> None:
    first = decide(OPEN, Command(Action.CLAIMED), ANNA, NOW)
    assert first is not None
    second = decide(evolve(OPEN, first), Command(Action.RETURNED, reason="x"), ANNA, NOW)
    assert second is not None
    assert replay(DEFINITION, [second, first]).state is TaskState.OPEN
    with pytest.raises(ValueError, match="does not follow"):
        replay(DEFINITION, [second])
