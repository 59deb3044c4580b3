"""REST API of the worklists: clerks claim, complete, return and hand over; coordinators assign and
release (also in bulk); everyone with access exports a case's audit log.

No ``from __future__ import annotations`` here: FastAPI must see the dependency in the route
signatures, which close over the injected actor resolver."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from ikdz_platform.problems import PROBLEM, problem
from pydantic import BaseModel, Field

from ikdz_routing.app.audit_log import CaseAudit
from ikdz_routing.app.coordination import Backlog, CaseLight, Coordination, DeadlineLights
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskNotFoundError
from ikdz_routing.app.tasks import RECENTLY_DONE_DAYS, ActOnTask, Worklists
from ikdz_routing.domain.deadlines import Light
from ikdz_routing.domain.tasks import Action, Actor, Command, Task, TaskRuleError

ActorResolver = Callable[[Request], Awaitable[Actor]]
STATUS_OF_RULE = {
    "forbidden": 403,
    "not_assigned": 403,
    "four_eyes": 403,
    "invalid_state": 409,
    "invalid_outcome": 422,
    "invalid": 422,
}
ACTIONS: dict[str, Action] = {
    "claim": Action.CLAIMED,
    "complete": Action.COMPLETED,
    "return": Action.RETURNED,
    "handover": Action.HANDED_OVER,
    "assign": Action.ASSIGNED,
    "release": Action.RELEASED,
    "reassign": Action.ASSIGNED,
}


class OutcomeOut(BaseModel):
    code: str
    label_de: str


class TaskOut(BaseModel):
    task_id: str
    case_id: str
    service: str
    owner_ags: str
    pool_id: str
    agreement_ref: str | None
    kind: str
    title_de: str
    instructions_de: str
    state: str
    assignee: str | None
    outcomes: list[OutcomeOut]
    outcome: str | None
    due_at: datetime | None
    target_date: date | None = Field(description="Target day: the requester's due date or the configured target.")
    legal_deadline: date | None
    deadline_light: Light = Field(
        description="gruen, gelb (deadline near) or rot (missed), in the owner town's calendar."
    )
    warned: bool
    escalated: bool = Field(description="The deadline was missed and the coordinator was told.")
    version: int


class TaskCommand(BaseModel):
    outcome: str | None = Field(default=None, max_length=63)
    reason: str | None = Field(default=None, max_length=2000)
    to: str | None = Field(default=None, max_length=200, description="Staff id for hand-over and assignment.")


class BulkCommand(BaseModel):
    action: Literal["assign", "reassign", "release"] = Field(
        description="assign (open or claimed tasks) and reassign (claimed tasks, to another clerk) need `to`."
    )
    task_ids: list[str] = Field(min_length=1, max_length=500)
    to: str | None = Field(default=None, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


def task_out(task: Task, lights: DeadlineLights) -> TaskOut:
    d = task.definition
    return TaskOut(
        task_id=d.task_id,
        case_id=d.case_id,
        service=d.service.value,
        owner_ags=d.owner_ags,
        pool_id=task.pool_id,
        agreement_ref=task.agreement_ref,
        kind=d.kind,
        title_de=d.title_de,
        instructions_de=d.instructions_de,
        state=task.state.value,
        assignee=task.assignee,
        outcomes=[OutcomeOut(code=o.code, label_de=o.label_de) for o in d.outcomes],
        outcome=task.outcome,
        due_at=d.due_at,
        target_date=task.due,
        legal_deadline=d.legal_deadline,
        deadline_light=lights.of(task).light,
        warned=task.warned,
        escalated=task.escalated,
        version=task.version,
    )


def refused(error: Exception) -> JSONResponse:
    if isinstance(error, TaskNotFoundError):
        return problem(404, "Not found", "No such task or case, or not visible to you.")
    if isinstance(error, ConcurrentChangeError):
        return problem(409, "Conflict", str(error))
    assert isinstance(error, TaskRuleError)
    return problem(STATUS_OF_RULE.get(error.code, 422), error.code, str(error))


_ERRORS: dict[int | str, dict[str, Any]] = {code: {"content": {PROBLEM: {}}} for code in (401, 403, 404, 409, 422)}


class BacklogOut(BaseModel):
    key: str = Field(description="Pool id or owner town AGS.")
    open: int
    claimed: int
    escalated: int
    cases_warned: int = Field(
        description="Open cases whose own target or legal deadline is near (warned, not escalated)."
    )
    cases_escalated: int = Field(description="Open cases whose own target or legal deadline was missed.")
    gruen: int
    gelb: int
    rot: int
    worst: Light = Field(description="The worst light of the tasks and of the warned or escalated open cases.")


class CaseDeadlineOut(BaseModel):
    case_id: str
    file_number: str | None
    service: str
    owner_ags: str
    pool_id: str
    target_date: date | None
    legal_date: date | None
    due_date: date | None = Field(description="The earlier of both, moved off days the owner town's office is closed.")
    deadline_light: Light = Field(description="Light of the due date today: gelb (near) or rot (missed).")
    step: Literal["warned", "escalated"] = Field(description="What the deadline checker last did for the case.")
    since: datetime = Field(description="When the deadline checker did it.")


class CoordinationOut(BaseModel):
    pools: list[BacklogOut]
    towns: list[BacklogOut]
    attention: list[TaskOut] = Field(
        description="Tasks whose deadline is near or missed, or escalated; most urgent first."
    )
    cases: list[CaseDeadlineOut] = Field(
        description="Open cases of the caller's pools whose own deadline is near or missed; most urgent first."
    )


def backlog_out(row: Backlog) -> BacklogOut:
    return BacklogOut(
        key=row.key,
        open=row.open,
        claimed=row.claimed,
        escalated=row.escalated,
        cases_warned=row.cases_warned,
        cases_escalated=row.cases_escalated,
        gruen=row.lights[Light.GREEN],
        gelb=row.lights[Light.YELLOW],
        rot=row.lights[Light.RED],
        worst=row.worst,
    )


def case_deadline_out(case: CaseLight) -> CaseDeadlineOut:
    return CaseDeadlineOut(
        case_id=case.case_id,
        file_number=case.file_number,
        service=case.service,
        owner_ags=case.owner_ags,
        pool_id=case.pool_id,
        target_date=case.target,
        legal_date=case.legal,
        due_date=case.due,
        deadline_light=case.light,
        step="escalated" if case.escalated else "warned",
        since=case.since,
    )


def tasks_router(
    worklists: Worklists,
    act: ActOnTask,
    audit: CaseAudit,
    coordination: Coordination,
    lights: DeadlineLights,
    resolve_actor: ActorResolver,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["worklists"], responses=_ERRORS)
    CurrentActor = Annotated[Actor, Depends(resolve_actor)]  # noqa: N806 - a type alias

    @router.get("/worklist", response_model=list[TaskOut])
    async def worklist(
        actor: CurrentActor,
        mine: Annotated[bool, Query(description="Only tasks assigned to me")] = False,
        include_done: Annotated[
            bool, Query(description=f"Also the tasks completed in the last {RECENTLY_DONE_DAYS} days")
        ] = False,
    ) -> list[TaskOut]:
        """Open and claimed tasks of the caller's pools, most urgent first."""
        return [task_out(t, lights) for t in await worklists.visible(actor, mine=mine, include_done=include_done)]

    @router.get("/tasks/{task_id}", response_model=TaskOut)
    async def get_task(task_id: str, actor: CurrentActor) -> TaskOut | JSONResponse:
        """One task, if it is in one of the caller's pools."""
        try:
            return task_out(await worklists.get(task_id, actor), lights)
        except TaskNotFoundError as error:
            return refused(error)

    @router.post("/tasks/{task_id}/{action}", response_model=TaskOut)
    async def act_on_task(
        task_id: str,
        action: Literal["claim", "complete", "return", "handover", "assign", "release"],
        body: TaskCommand,
        actor: CurrentActor,
    ) -> TaskOut | JSONResponse:
        """Claim, complete (outcome and reason), return (reason), hand over (to, reason); coordinators
        assign (to, reason) and release (reason). Completing again with the same outcome is a no-op."""
        command = Command(ACTIONS[action], outcome=body.outcome, reason=body.reason, target=body.to)
        try:
            return task_out((await act(task_id, command, actor)).task, lights)
        except (TaskRuleError, TaskNotFoundError, ConcurrentChangeError) as error:
            return refused(error)

    @router.post("/tasks:bulk")
    async def bulk(body: BulkCommand, actor: CurrentActor) -> dict[str, Any]:
        """Coordinators assign, reassign or release many tasks at once, with one mandatory reason; results per task."""
        results: dict[str, Any] = {}
        for task_id in body.task_ids:
            command = Command(
                ACTIONS[body.action], reason=body.reason, target=body.to, reassign=body.action == "reassign"
            )
            try:
                results[task_id] = {
                    "status": 200,
                    "task": task_out((await act(task_id, command, actor)).task, lights).model_dump(mode="json"),
                }
            except (TaskRuleError, TaskNotFoundError, ConcurrentChangeError) as error:
                response = refused(error)
                results[task_id] = {"status": response.status_code, "detail": str(error)}
        return {"results": results}

    @router.get("/coordination", response_model=CoordinationOut)
    async def coordination_view(actor: CurrentActor) -> CoordinationOut | JSONResponse:
        """Backlog and deadline traffic lights per pool and per owner town, and the cases whose own
        deadline is near or missed, for the coordinator's pools."""
        try:
            overview = await coordination.overview(actor)
        except TaskRuleError as error:
            return refused(error)
        return CoordinationOut(
            pools=[backlog_out(row) for row in overview.pools],
            towns=[backlog_out(row) for row in overview.towns],
            attention=[task_out(item.task, lights) for item in overview.attention],
            cases=[case_deadline_out(case) for case in overview.cases],
        )

    @router.get("/cases/{case_id}/audit", response_model=None)
    async def case_audit(case_id: str, actor: CurrentActor) -> dict[str, Any] | JSONResponse:
        """The case's audit log as JSON: who acted, for which town, under which agreement; hash-chained."""
        try:
            return await audit(case_id, actor)
        except TaskNotFoundError as error:
            return refused(error)

    return router
