"""Use case: the periodic deadline check of open tasks (warn, escalate to the coordinator, re-route)
and of open cases (warn, escalate).

Every step is a task change by ``routing:deadline-checker`` in the task's hash chain (the audit entry
with its reason) and a marker the worklists and the coordinator view show. Re-routing moves unclaimed
work once, to the pool the routing policy picks among the owner's own pools and the pools of partners
under an agreement active today, never the pool it leaves.

A case (routed, not closed) gets the same warning and escalation against its target and legal date,
never a re-routing (``app/case_deadlines.py``, which reads only the cases that can need a step).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import structlog

from ikdz_routing.app.case_deadlines import CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.ports import Clock, RouteRepository
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskRepository
from ikdz_routing.domain.calendar import SAXONY_TZ
from ikdz_routing.domain.config import Escalation, RoutingConfig
from ikdz_routing.domain.deadlines import Flags, Step, due_steps, effective_due, light
from ikdz_routing.domain.policy import CaseToRoute, Routed, decide
from ikdz_routing.domain.tasks import (
    Action,
    Task,
    TaskChange,
    TaskDefinition,
    TaskState,
    checker_change,
    evolve,
    replay,
)

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class CheckReport:
    warned: int = 0
    escalated: int = 0
    rerouted: int = 0
    cases_warned: int = 0
    cases_escalated: int = 0


class CheckDeadlines:
    def __init__(
        self,
        tasks: TaskRepository,
        routes: RouteRepository,
        cases: CheckCaseDeadlines,
        active: ActiveConfig,
        clock: Clock,
    ) -> None:
        self._tasks = tasks
        self._routes = routes
        self._cases = cases
        self._active = active
        self._clock = clock

    async def __call__(self) -> CheckReport:
        config, now = self._active.current, self._clock()
        today = now.astimezone(SAXONY_TZ).date()
        counts = {Step.WARN: 0, Step.ESCALATE: 0, Step.REROUTE: 0}
        for records in (await self._tasks.unfinished()).values():
            definition = TaskDefinition.model_validate(records[0]["definition"])
            task = replay(definition, [TaskChange.model_validate(r) for r in records[1:]])
            if task.state is TaskState.COMPLETED:
                continue
            calendar = config.calendar_of_town(definition.owner_ags)
            pool = config.pool(task.pool_id)
            escalation = pool.escalation if pool else Escalation()
            due = effective_due(task.due, definition.legal_deadline, calendar)
            steps = due_steps(
                light(due, today, calendar, escalation.warn_days_before),
                Flags(
                    open=task.state is TaskState.OPEN,
                    warned=task.warned,
                    escalated=task.escalated,
                    rerouted=task.rerouted_to is not None,
                ),
                reroute_allowed=definition.service in escalation.reroute_unclaimed,
            )
            last_hash = str(records[-1]["hash"])
            for step in steps:
                change = await self._change(task, step, due, config, now)
                if change is None:
                    continue
                try:
                    last_hash = await self._tasks.append(change, definition, last_hash, [], pool_id=task.pool_id)
                except ConcurrentChangeError:
                    break  # a clerk acted meanwhile: the next run decides on the new state
                task = evolve(task, change)
                counts[step] += 1
                log.warning("task_deadline", step=step.value, task_id=definition.task_id, case_id=definition.case_id)
        cases = await self._cases(config, now)
        return CheckReport(
            counts[Step.WARN], counts[Step.ESCALATE], counts[Step.REROUTE], cases[Step.WARN], cases[Step.ESCALATE]
        )

    async def _change(
        self, task: Task, step: Step, due: date | None, config: RoutingConfig, now: datetime
    ) -> TaskChange | None:
        day = f"{due:%d.%m.%Y}" if due else "?"
        if step is Step.WARN:
            return checker_change(task, Action.WARNED, f"deadline {day} is near", now)
        if step is Step.ESCALATE:
            return checker_change(task, Action.ESCALATED, f"deadline {day} missed; raised to the coordinator", now)
        d = task.definition
        backlog = await self._routes.open_cases([pool.id for pool in config.pools])
        case = CaseToRoute(d.owner_ags, d.service, frozenset(d.required_skills))
        outcome = decide(case, config, backlog, now.astimezone(SAXONY_TZ).date(), excluded=frozenset({task.pool_id}))
        if not isinstance(outcome, Routed):
            log.info("task_not_rerouted", task_id=d.task_id, reasons=outcome.decision.reasons)
            return None
        reason = f"deadline {day} missed and unclaimed in pool {task.pool_id}; " + "; ".join(outcome.decision.reasons)
        return checker_change(
            task, Action.REROUTED, reason, now, pool_id=outcome.pool.id, agreement_ref=outcome.agreement_ref
        )
