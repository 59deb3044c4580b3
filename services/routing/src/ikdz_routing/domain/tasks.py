"""Human tasks in pool worklists: a pure state machine with four-eyes, as ``decide`` and ``evolve``.

A task's history is a list of ``TaskChange`` records numbered from 0 (the request). The store keeps
them as inserts keyed by ``<task>:<version>``, so two clerks acting on the same task at once cannot
both win (the second insert of the same version fails) — on MongoDB and on FerretDB alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ikdz_contracts.services import ServiceId
from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    CLERK = "clerk"
    COORDINATOR = "coordinator"
    APPROVER = "approver"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """Who acts: a pseudonymous staff id with the pools, roles and towns the token grants.

    ``acting_ags`` is the town recorded on what the person does; ``towns`` are all the towns the
    person works for (an admin of several towns reads the audit logs of all their cases).
    """

    staff_id: str
    pools: frozenset[str]
    roles: frozenset[Role]
    acting_ags: str
    towns: frozenset[str] = frozenset()


class TaskState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    COMPLETED = "completed"

    @property
    def label_de(self) -> str:
        return {"open": "Offen", "claimed": "In Bearbeitung", "completed": "Erledigt"}[self.value]


class Outcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    label_de: str


class TaskDefinition(BaseModel):
    """What the requesting domain service asked for; fixed for the task's life."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    case_id: str
    service: ServiceId
    owner_ags: str
    pool_id: str
    kind: str
    title_de: str
    instructions_de: str
    required_skills: tuple[str, ...] = ()
    due_at: datetime | None = None
    legal_deadline: date | None = None
    target_date: date | None = None  # the owner town's working-day target when the request set no due_at
    four_eyes_excluded: frozenset[str] = frozenset()
    four_eyes_reason: str | None = None
    outcomes: tuple[Outcome, ...]
    agreement_ref: str | None = None
    requested_at: datetime


class Action(StrEnum):
    REQUESTED = "requested"
    CLAIMED = "claimed"
    RETURNED = "returned"
    HANDED_OVER = "handed_over"
    ASSIGNED = "assigned"
    RELEASED = "released"
    COMPLETED = "completed"
    WARNED = "warned"  # the deadline checker: the deadline is near
    ESCALATED = "escalated"  # the deadline checker: the deadline passed, the coordinator is told
    REROUTED = "rerouted"  # the deadline checker: unclaimed work moved to a partner pool


SYSTEM_ACTIONS = frozenset({Action.WARNED, Action.ESCALATED, Action.REROUTED})
CHECKER = "routing:deadline-checker"


class TaskChange(BaseModel):
    """One step in a task's history (and one audit entry)."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    version: int = Field(ge=0)
    action: Action
    actor: str
    acting_ags: str | None = None
    assignee: str | None = None
    outcome: str | None = None
    reason: str | None = None
    pool_id: str | None = None  # re-routing: the new pool
    agreement_ref: str | None = None  # re-routing: the agreement the new pool works under
    at: datetime


class Task(BaseModel):
    """The current state of a task, folded from its changes."""

    model_config = ConfigDict(frozen=True)

    definition: TaskDefinition
    state: TaskState = TaskState.OPEN
    assignee: str | None = None
    version: int = 0
    outcome: str | None = None
    completed_by: str | None = None
    reason: str | None = None
    warned: bool = False
    escalated: bool = False
    rerouted_to: str | None = None
    rerouted_agreement: str | None = None

    @property
    def pool_id(self) -> str:
        """The pool the task is in now (re-routing moves it once)."""
        return self.rerouted_to or self.definition.pool_id

    @property
    def agreement_ref(self) -> str | None:
        return self.rerouted_agreement if self.rerouted_to else self.definition.agreement_ref

    @property
    def due(self) -> date | None:
        """The task's target day (the requester's due date, else the configured target), if any."""
        return self.definition.target_date


class TaskRuleError(Exception):
    """A command the rules refuse; ``code`` maps to an HTTP status at the entrypoint."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # forbidden | not_assigned | invalid_state | invalid_outcome | four_eyes | invalid


@dataclass(frozen=True)
class Command:
    action: Action
    outcome: str | None = None
    reason: str | None = None
    target: str | None = None  # the staff id for hand-over and assignment
    reassign: bool = False  # an assignment that takes a claimed task from its clerk


def _require(condition: bool, code: str, message: str) -> None:
    if not condition:
        raise TaskRuleError(code, message)


def _four_eyes(task: Task, staff_id: str) -> None:
    _require(
        staff_id not in task.definition.four_eyes_excluded,
        "four_eyes",
        f"four-eyes rule: {staff_id} prepared this case and may not decide this task"
        + (f" ({task.definition.four_eyes_reason})" if task.definition.four_eyes_reason else ""),
    )


def _reassignable(task: Task, command: Command) -> None:
    """A reassignment takes a claimed task from its clerk and gives it to another."""
    if command.reassign:
        _require(task.state is TaskState.CLAIMED, "invalid_state", "only a claimed task can be reassigned")
        _require(command.target != task.assignee, "invalid", "reassign to another clerk")


def decide(task: Task, command: Command, actor: Actor, now: datetime) -> TaskChange | None:
    """The change ``command`` makes, or None when it was already made (a repeated completion).

    Raises ``TaskRuleError`` when the rules forbid it. Authorisation on the pool is part of the
    rules: only members of the task's pool act on it; coordinators assign and release.
    """
    definition = task.definition
    _require(task.pool_id in actor.pools, "forbidden", f"{actor.staff_id} is not a member of pool {task.pool_id}")
    reason = (command.reason or "").strip() or None
    action = command.action
    if action is Action.COMPLETED and task.state is TaskState.COMPLETED:
        if task.completed_by == actor.staff_id and task.outcome == command.outcome:
            return None  # the same completion again: idempotent
        raise TaskRuleError("invalid_state", "the task is already completed")
    _require(task.state is not TaskState.COMPLETED, "invalid_state", "the task is already completed")

    assignee: str | None
    outcome: str | None = None
    if action is Action.CLAIMED:
        _require(task.state is TaskState.OPEN, "invalid_state", "only an open task can be claimed")
        _require(
            bool(actor.roles & {Role.CLERK, Role.APPROVER}), "forbidden", "claiming needs the clerk or approver role"
        )
        _four_eyes(task, actor.staff_id)
        assignee = actor.staff_id
    elif action is Action.COMPLETED:
        _require(
            task.state is TaskState.CLAIMED and task.assignee == actor.staff_id,
            "not_assigned",
            "only the assigned clerk can complete the task",
        )
        _four_eyes(task, actor.staff_id)
        allowed = {o.code for o in definition.outcomes}
        _require(command.outcome in allowed, "invalid_outcome", f"outcome must be one of {', '.join(sorted(allowed))}")
        _require(reason is not None, "invalid", "a reason is required")
        assignee, outcome = actor.staff_id, command.outcome
    elif action is Action.RETURNED:
        _require(
            task.state is TaskState.CLAIMED and task.assignee == actor.staff_id,
            "not_assigned",
            "only the assigned clerk can return the task",
        )
        _require(reason is not None, "invalid", "a reason is required")
        assignee = None
    elif action is Action.HANDED_OVER:
        _require(
            task.state is TaskState.CLAIMED and task.assignee == actor.staff_id,
            "not_assigned",
            "only the assigned clerk can hand the task over",
        )
        _require(
            bool(command.target) and command.target != actor.staff_id, "invalid", "name another clerk to hand over to"
        )
        _require(reason is not None, "invalid", "a reason is required")
        assert command.target is not None
        _four_eyes(task, command.target)
        assignee = command.target
    elif action is Action.ASSIGNED:
        _require(Role.COORDINATOR in actor.roles, "forbidden", "assigning needs the coordinator role")
        _require(bool(command.target), "invalid", "name the clerk to assign")
        _reassignable(task, command)
        _require(reason is not None, "invalid", "a reason is required")
        assert command.target is not None
        _four_eyes(task, command.target)
        assignee = command.target
    elif action is Action.RELEASED:
        _require(Role.COORDINATOR in actor.roles, "forbidden", "releasing needs the coordinator role")
        _require(task.state is TaskState.CLAIMED, "invalid_state", "only a claimed task can be released")
        _require(reason is not None, "invalid", "a reason is required")
        assignee = None
    else:
        raise TaskRuleError("invalid", f"{action} is not a clerk's action")
    return TaskChange(
        task_id=definition.task_id,
        version=task.version + 1,
        action=action,
        actor=actor.staff_id,
        acting_ags=actor.acting_ags,
        assignee=assignee,
        outcome=outcome,
        reason=reason,
        at=now,
    )


def checker_change(
    task: Task,
    action: Action,
    reason: str,
    now: datetime,
    *,
    pool_id: str | None = None,
    agreement_ref: str | None = None,
) -> TaskChange:
    """A change the deadline checker makes (warn, escalate, re-route), with its reason for the audit."""
    if action not in SYSTEM_ACTIONS:
        msg = f"{action} is not a deadline checker's action"
        raise ValueError(msg)
    if task.state is TaskState.COMPLETED:
        msg = f"task {task.definition.task_id} is completed"
        raise ValueError(msg)
    if (action is Action.REROUTED) != (pool_id is not None):
        msg = "a re-routing, and only a re-routing, names the new pool"
        raise ValueError(msg)
    return TaskChange(
        task_id=task.definition.task_id,
        version=task.version + 1,
        action=action,
        actor=CHECKER,
        assignee=task.assignee if action is not Action.REROUTED else None,
        reason=reason,
        pool_id=pool_id,
        agreement_ref=agreement_ref,
        at=now,
    )


def evolve(task: Task, change: TaskChange) -> Task:
    """The task after ``change``."""
    if change.version != task.version + 1:
        msg = f"change {change.version} does not follow version {task.version} of task {change.task_id}"
        raise ValueError(msg)
    if change.action is Action.WARNED:
        return task.model_copy(update={"version": change.version, "warned": True})
    if change.action is Action.ESCALATED:
        return task.model_copy(update={"version": change.version, "escalated": True})
    if change.action is Action.REROUTED:
        return task.model_copy(
            update={
                "version": change.version,
                "state": TaskState.OPEN,
                "assignee": None,
                "rerouted_to": change.pool_id,
                "rerouted_agreement": change.agreement_ref,
                "reason": change.reason,
            }
        )
    if change.action is Action.COMPLETED:
        state = TaskState.COMPLETED
    elif change.assignee is None:
        state = TaskState.OPEN
    else:
        state = TaskState.CLAIMED
    return task.model_copy(
        update={
            "state": state,
            "assignee": change.assignee,
            "version": change.version,
            "outcome": change.outcome if state is TaskState.COMPLETED else None,
            "completed_by": change.actor if state is TaskState.COMPLETED else None,
            "reason": change.reason,
        }
    )


def replay(definition: TaskDefinition, changes: list[TaskChange]) -> Task:
    """Fold a task's changes (version 1 onward, in order) onto its definition."""
    task = Task(definition=definition)
    for change in sorted(changes, key=lambda c: c.version):
        task = evolve(task, change)
    return task
