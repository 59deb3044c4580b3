"""Use case: the periodic deadline check of open tasks (warn, escalate to the coordinator, re-route)
and of open cases (warn, escalate).

Every step is a task change by ``routing:deadline-checker`` in the task's hash chain (the audit entry
with its reason) and a marker the worklists and the coordinator view show. Re-routing moves unclaimed
work once, to the pool the routing policy picks among the owner's own pools and the pools of partners
under an agreement active today, never the pool it leaves.

A run reads only the tasks that can need a step: each task change is filed under the day of the
task's next step (``app/task_deadlines.py``) and the run reads the day buckets it has not swept
(``app/day_buckets.py``), loading each task found by its id. Steps are inserts keyed
``<task>:<version>``, so of several checkers at once only one records a step.

A case (routed, not closed) gets the same warning and escalation against its target and legal date,
never a re-routing (``app/case_deadlines.py``, over its own day buckets).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog

from ikdz_routing.app.case_deadlines import CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.day_buckets import DaySweep
from ikdz_routing.app.ports import Clock, RouteRepository
from ikdz_routing.app.task_deadlines import TaskTerms, check_day
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskDeadlineStore, TaskRepository
from ikdz_routing.domain.calendar import saxon_day
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.deadlines import ONE_DAY, Step
from ikdz_routing.domain.policy import CaseToRoute, Routed, decide
from ikdz_routing.domain.tasks import Action, Task, TaskChange, checker_change, evolve, replay

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
        self, tasks: CheckTaskDeadlines, cases: CheckCaseDeadlines, active: ActiveConfig, clock: Clock
    ) -> None:
        self._tasks = tasks
        self._cases = cases
        self._active = active
        self._clock = clock

    async def __call__(self) -> CheckReport:
        config, now = self._active.current, self._clock()
        tasks = await self._tasks(config, now)
        cases = await self._cases(config, now)
        return CheckReport(
            tasks[Step.WARN], tasks[Step.ESCALATE], tasks[Step.REROUTE], cases[Step.WARN], cases[Step.ESCALATE]
        )


class CheckTaskDeadlines:
    """One run over the tasks filed under the day buckets not swept yet."""

    def __init__(self, tasks: TaskRepository, store: TaskDeadlineStore, routes: RouteRepository) -> None:
        self._tasks = tasks
        self._store = store
        self._routes = routes
        self._sweep = DaySweep(store, "task_id")

    async def __call__(self, config: RoutingConfig, now: datetime) -> Counter[Step]:
        today = saxon_day(now)

        async def look(entry: dict[str, Any]) -> list[Step]:
            return await self._check(str(entry["task_id"]), config, today, now)

        return await self._sweep(today, look, lambda: self._file_existing_tasks(today))

    async def _file_existing_tasks(self, today: date) -> None:
        """A store never swept may hold tasks from before the day buckets: file every unfinished task
        with a deadline under today."""
        for task_id, records in (await self._tasks.unfinished()).items():
            definition = records[0]["definition"]
            if definition.get("target_date") or definition.get("legal_deadline"):
                await self._store.schedule(task_id, today.isoformat())

    async def _check(self, task_id: str, config: RoutingConfig, today: date, now: datetime) -> list[Step]:
        """Take the task's steps due today; each step's record files the task under its next step's
        day, and a look without a step files it with a write-once filing."""
        loaded = await self._tasks.load(task_id)
        if loaded is None:
            return []
        definition, changes, last_hash = loaded
        task = replay(definition, changes)
        terms = TaskTerms.of(task, config)
        done: list[Step] = []
        for step in terms.steps(today):
            change = await self._change(task, step, terms.due, config, now)
            if change is None:
                continue
            after = evolve(task, change)
            filed = check_day(after, config, today + ONE_DAY)  # today is looked at
            try:
                last_hash = await self._tasks.append(
                    change, definition, last_hash, [], pool_id=task.pool_id, check_day=filed
                )
            except ConcurrentChangeError:
                return done  # a clerk or another checker acted meanwhile: their record files the task
            task = after
            done.append(step)
            log.warning("task_deadline", step=step.value, task_id=task_id, case_id=definition.case_id)
        if not done:  # e.g. no pool to re-route to today: look again on the next step's day
            later = TaskTerms.of(task, config).next_check(today + ONE_DAY)
            if later is not None:
                await self._store.schedule(task_id, later.isoformat())
        return done

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
        outcome = decide(case, config, backlog, saxon_day(now), excluded=frozenset({task.pool_id}))
        if not isinstance(outcome, Routed):
            log.info("task_not_rerouted", task_id=d.task_id, reasons=outcome.decision.reasons)
            return None
        reason = f"deadline {day} missed and unclaimed in pool {task.pool_id}; " + "; ".join(outcome.decision.reasons)
        return checker_change(
            task, Action.REROUTED, reason, now, pool_id=outcome.pool.id, agreement_ref=outcome.agreement_ref
        )
