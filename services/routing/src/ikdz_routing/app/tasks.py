"""Use cases of human tasks: take a request into a pool's worklist, act on a task, list worklists."""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import TaskCompleted, TaskRequested
from ikdz_contracts.topics import Topics
from ikdz_platform.consumer import PoisonMessage
from ikdz_platform.outbox import outbox_entry

from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.ports import Clock, Notifier
from ikdz_routing.app.task_deadlines import check_day
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskNotFoundError, TaskRepository
from ikdz_routing.domain.assignment import assignment_problem, pick_assignee
from ikdz_routing.domain.calendar import SAXONY_TZ, saxon_day
from ikdz_routing.domain.config import Pool
from ikdz_routing.domain.deadlines import deadline_after
from ikdz_routing.domain.tasks import (
    Action,
    Actor,
    Command,
    Outcome,
    Task,
    TaskChange,
    TaskDefinition,
    TaskRuleError,
    TaskState,
    decide,
    evolve,
    replay,
)

SOURCE = "urn:ikdz:routing"
RETRIES = 3
RECENTLY_DONE_DAYS = 7  # the completed tasks a worklist shows on request


class AcceptTaskRequest:
    """Put a requested task into the worklist of the pool that processes its case."""

    def __init__(self, repository: TaskRepository, active: ActiveConfig, clock: Clock) -> None:
        self._repository = repository
        self._active = active
        self._clock = clock

    async def __call__(self, event: CloudEvent[TaskRequested]) -> bool:
        request = event.data
        route = await self._repository.route_of(request.case_id)
        if route is None or route.get("pool_id") != request.pool_id:
            # Tasks go only to the pool the case was routed to, which an agreement covers.
            msg = f"task {request.task_id}: case {request.case_id} is not routed to pool {request.pool_id}"
            raise PoisonMessage(msg)
        if (route.get("owner_ags"), route.get("service")) != (request.owner_ags, request.service.value):
            # The agreement covers the case's service for its owner town, nothing else: a task naming
            # another town or service would show the partner pool what no agreement gave it.
            msg = (
                f"task {request.task_id}: case {request.case_id} belongs to {route.get('owner_ags')} "
                f"({route.get('service')}), not to {request.owner_ags} ({request.service.value})"
            )
            raise PoisonMessage(msg)
        definition = TaskDefinition(
            task_id=request.task_id,
            case_id=request.case_id,
            service=request.service,
            owner_ags=request.owner_ags,
            pool_id=request.pool_id,
            kind=request.kind,
            title_de=request.title_de,
            instructions_de=request.instructions_de,
            required_skills=tuple(request.required_skills),
            due_at=request.due_at,
            legal_deadline=request.legal_deadline,
            four_eyes_excluded=frozenset(request.four_eyes.excluded_actors) if request.four_eyes else frozenset(),
            four_eyes_reason=request.four_eyes.reason if request.four_eyes else None,
            outcomes=tuple(Outcome(code=o.code, label_de=o.label_de) for o in request.outcomes),
            agreement_ref=route.get("agreement_ref"),
            requested_at=event.time,
            target_date=self._target(request, event.time),
        )
        config = self._active.current
        filed = check_day(Task(definition=definition), config, saxon_day(self._clock()))
        if not await self._repository.create(definition, route.get("audit_hash"), check_day=filed):
            return False
        pool = config.pool(definition.pool_id)
        if pool is not None and pool.assign_on_arrival:
            await self._assign_on_arrival(pool, definition)
        return True

    async def _assign_on_arrival(self, pool: Pool, definition: TaskDefinition) -> None:
        """Give the new task to the fitting member with the least load; else it waits to be claimed."""
        open_tasks: Counter[str] = Counter()
        for records in (await self._repository.open_in_pools([pool.id])).values():
            task = replay(TaskDefinition.model_validate(records[0]["definition"]), [_change(r) for r in records[1:]])
            if task.state is TaskState.CLAIMED and task.assignee:
                open_tasks[task.assignee] += 1
        picked = pick_assignee(pool, definition, open_tasks)
        loaded = await self._repository.load(definition.task_id)
        if picked is None or loaded is None or loaded[1]:
            return  # nobody fits, or someone acted already
        member, reason = picked
        now = self._clock()
        change = TaskChange(
            task_id=definition.task_id,
            version=1,
            action=Action.ASSIGNED,
            actor="routing",
            acting_ags=pool.processing_ags,
            assignee=member.staff_id,
            reason=reason,
            at=now,
        )
        filed = check_day(evolve(Task(definition=definition), change), self._active.current, saxon_day(now))
        with suppress(ConcurrentChangeError):
            await self._repository.append(change, definition, loaded[2], [], pool_id=pool.id, check_day=filed)

    def _target(self, request: TaskRequested, requested_at: datetime) -> date | None:
        """The requester's due day, else the service's task target in the owner town's working days."""
        if request.due_at is not None:
            return request.due_at.astimezone(SAXONY_TZ).date()
        config = self._active.current
        deadlines = config.deadlines_of(request.service)
        if deadlines is None:
            return None
        calendar = config.calendar_of_town(request.owner_ags)
        return deadline_after(requested_at.astimezone(SAXONY_TZ).date(), deadlines.task_target_days, calendar)


@dataclass(frozen=True)
class ActResult:
    task: Task
    changed: bool


class ActOnTask:
    """Apply a clerk's or coordinator's command; completions publish ``task.completed``."""

    def __init__(
        self, repository: TaskRepository, topics: Topics, clock: Clock, relay: Notifier, active: ActiveConfig
    ) -> None:
        self._repository = repository
        self._topics = topics
        self._clock = clock
        self._relay = relay
        self._active = active

    async def __call__(self, task_id: str, command: Command, actor: Actor) -> ActResult:
        for _ in range(RETRIES):
            loaded = await self._repository.load(task_id)
            if loaded is None:
                raise TaskNotFoundError(task_id)
            definition, changes, last_hash = loaded
            task = replay(definition, changes)
            if task.pool_id not in actor.pools:
                raise TaskNotFoundError(task_id)  # invisible tasks do not exist for the actor
            actor = self._acting_for_pool(actor, task.pool_id)
            now = self._clock()
            change = decide(task, command, actor, now)
            if change is None:
                return ActResult(task, changed=False)
            if change.action in {Action.CLAIMED, Action.ASSIGNED, Action.HANDED_OVER} and change.assignee:
                problem = assignment_problem(self._active.current.pool(task.pool_id), definition, change.assignee)
                if problem:
                    raise TaskRuleError("invalid", problem)
            outbox = self._completion(definition, change, actor) if change.action is Action.COMPLETED else []
            after = evolve(task, change)
            filed = check_day(after, self._active.current, saxon_day(now))  # released overdue work: today
            try:
                await self._repository.append(
                    change, definition, last_hash, outbox, pool_id=task.pool_id, check_day=filed
                )
            except ConcurrentChangeError:
                continue  # someone acted first: decide again on the new state
            if outbox:
                self._relay.notify()
            return ActResult(after, changed=True)
        raise ConcurrentChangeError(task_id)

    def _acting_for_pool(self, actor: Actor, pool_id: str) -> Actor:
        """Someone who works for several towns acts for the town of the task's pool, so the audit and
        ``task.completed`` name the town that processed the case, not the first town of the token."""
        pool = self._active.current.pool(pool_id)
        if pool is None or pool.processing_ags not in actor.towns:
            return actor
        return replace(actor, acting_ags=pool.processing_ags)

    def _completion(self, definition: TaskDefinition, change: TaskChange, actor: Actor) -> list[dict[str, Any]]:
        event = new_event(
            TaskCompleted(
                task_id=definition.task_id,
                case_id=definition.case_id,
                service=definition.service,
                kind=definition.kind,
                outcome=str(change.outcome),
                reason=str(change.reason),
                completed_by=actor.staff_id,
                acting_ags=actor.acting_ags,
                completed_at=change.at,
            ),
            source=SOURCE,
            subject=definition.case_id,
            ownerags=definition.owner_ags,
            processingags=actor.acting_ags,
        )
        return [outbox_entry(self._topics.task_completed, event)]


class Worklists:
    """What an actor may see: the tasks of her pools, nothing else."""

    def __init__(self, repository: TaskRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    async def visible(self, actor: Actor, *, mine: bool = False, include_done: bool = False) -> list[Task]:
        """The open and claimed tasks of the actor's pools, most urgent first; with ``include_done``
        also those completed in them in the last ``RECENTLY_DONE_DAYS`` days (today included): a
        pool's older history is never read."""
        found = await self._repository.open_in_pools(actor.pools)
        if include_done:
            today = saxon_day(self._clock())
            days = [today - timedelta(days=n) for n in range(RECENTLY_DONE_DAYS)]
            found |= await self._repository.completed_in_pools(actor.pools, days)
        tasks = []
        for records in found.values():
            definition = TaskDefinition.model_validate(records[0]["definition"])
            task = replay(definition, [_change(r) for r in records[1:]])
            if task.pool_id not in actor.pools:
                continue  # re-routed away from the actor's pools
            if not include_done and task.state is TaskState.COMPLETED:
                continue
            if mine and task.assignee != actor.staff_id:
                continue
            tasks.append(task)
        return sorted(tasks, key=lambda t: (t.due is None, t.due, t.definition.requested_at))

    async def get(self, task_id: str, actor: Actor) -> Task:
        loaded = await self._repository.load(task_id)
        task = replay(loaded[0], loaded[1]) if loaded else None
        if task is None or task.pool_id not in actor.pools:
            raise TaskNotFoundError(task_id)
        return task


def _change(record: dict[str, Any]) -> TaskChange:
    return TaskChange.model_validate(record)
