"""REST API of the worklists: clerks claim, complete, return and hand over; coordinators assign and
release (also in bulk); everyone with access exports a case's audit log.

No ``from __future__ import annotations`` here: FastAPI must see the dependency in the route
signatures, which close over the injected actor resolver."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from ikdz_platform.problems import PROBLEM, problem
from pydantic import BaseModel, Field

from ikdz_routing.app.audit_log import CaseAudit
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskNotFoundError
from ikdz_routing.app.tasks import ActOnTask, Worklists
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
    version: int


class TaskCommand(BaseModel):
    outcome: str | None = Field(default=None, max_length=63)
    reason: str | None = Field(default=None, max_length=2000)
    to: str | None = Field(default=None, max_length=200, description="Staff id for hand-over and assignment.")


class BulkCommand(BaseModel):
    action: Literal["assign", "release"]
    task_ids: list[str] = Field(min_length=1, max_length=500)
    to: str | None = Field(default=None, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


def task_out(task: Task) -> TaskOut:
    d = task.definition
    return TaskOut(
        task_id=d.task_id,
        case_id=d.case_id,
        service=d.service.value,
        owner_ags=d.owner_ags,
        pool_id=d.pool_id,
        agreement_ref=d.agreement_ref,
        kind=d.kind,
        title_de=d.title_de,
        instructions_de=d.instructions_de,
        state=task.state.value,
        assignee=task.assignee,
        outcomes=[OutcomeOut(code=o.code, label_de=o.label_de) for o in d.outcomes],
        outcome=task.outcome,
        due_at=d.due_at,
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


def tasks_router(worklists: Worklists, act: ActOnTask, audit: CaseAudit, resolve_actor: ActorResolver) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["worklists"], responses=_ERRORS)
    CurrentActor = Annotated[Actor, Depends(resolve_actor)]  # noqa: N806 - a type alias

    @router.get("/worklist", response_model=list[TaskOut])
    async def worklist(
        actor: CurrentActor,
        mine: Annotated[bool, Query(description="Only tasks assigned to me")] = False,
        include_done: bool = False,
    ) -> list[TaskOut]:
        """Open and claimed tasks of the caller's pools."""
        return [task_out(t) for t in await worklists.visible(actor, mine=mine, include_done=include_done)]

    @router.get("/tasks/{task_id}", response_model=TaskOut)
    async def get_task(task_id: str, actor: CurrentActor) -> TaskOut | JSONResponse:
        """One task, if it is in one of the caller's pools."""
        try:
            return task_out(await worklists.get(task_id, actor))
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
            return task_out((await act(task_id, command, actor)).task)
        except (TaskRuleError, TaskNotFoundError, ConcurrentChangeError) as error:
            return refused(error)

    @router.post("/tasks:bulk")
    async def bulk(body: BulkCommand, actor: CurrentActor) -> dict[str, Any]:
        """Coordinators assign or release many tasks at once, with one reason; results per task."""
        results: dict[str, Any] = {}
        for task_id in body.task_ids:
            command = Command(ACTIONS[body.action], reason=body.reason, target=body.to)
            try:
                results[task_id] = {
                    "status": 200,
                    "task": task_out((await act(task_id, command, actor)).task).model_dump(mode="json"),
                }
            except (TaskRuleError, TaskNotFoundError, ConcurrentChangeError) as error:
                response = refused(error)
                results[task_id] = {"status": response.status_code, "detail": str(error)}
        return {"results": results}

    @router.get("/cases/{case_id}/audit", response_model=None)
    async def case_audit(case_id: str, actor: CurrentActor) -> dict[str, Any] | JSONResponse:
        """The case's audit log as JSON: who acted, for which town, under which agreement; hash-chained."""
        try:
            return await audit(case_id, actor)
        except TaskNotFoundError as error:
            return refused(error)

    return router
