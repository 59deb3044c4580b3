"""A task's deadline as the configuration in force counts it, and the day the deadline checker next
looks at the task.

Every writer of a task change (the request, an assignment on arrival, a clerk's or coordinator's
action, the checker's own steps) files the task under the day of its next deadline step with the
change record itself (``deadline_check_day``): the checker reads only the tasks filed under the days
it has not swept (``app/day_buckets.py``), never every unfinished task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ikdz_routing.domain.calendar import WorkingCalendar
from ikdz_routing.domain.config import Escalation, RoutingConfig
from ikdz_routing.domain.deadlines import Flags, Light, Step, due_steps, effective_due, light, next_check
from ikdz_routing.domain.tasks import Task, TaskState


@dataclass(frozen=True)
class TaskTerms:
    """The due day in the owner town's calendar (the earlier of target and legal deadline), and the
    warning time and re-routing rule of the pool the task is in now."""

    task: Task
    due: date | None
    calendar: WorkingCalendar
    warn_days: int
    reroute_allowed: bool

    @classmethod
    def of(cls, task: Task, config: RoutingConfig) -> TaskTerms:
        calendar = config.calendar_of_town(task.definition.owner_ags)
        pool = config.pool(task.pool_id)
        escalation = pool.escalation if pool else Escalation()
        due = effective_due(task.due, task.definition.legal_deadline, calendar)
        reroute = task.definition.service in escalation.reroute_unclaimed
        return cls(task, due, calendar, escalation.warn_days_before, reroute)

    @property
    def flags(self) -> Flags:
        task = self.task
        return Flags(task.state is TaskState.OPEN, task.warned, task.escalated, task.rerouted_to is not None)

    def light(self, today: date) -> Light:
        return light(self.due, today, self.calendar, self.warn_days)

    def steps(self, today: date) -> list[Step]:
        """What the checker does today (nothing for a completed task)."""
        if self.task.state is TaskState.COMPLETED:
            return []
        return due_steps(self.light(today), self.flags, reroute_allowed=self.reroute_allowed)

    def next_check(self, since: date) -> date | None:
        """The first day on or after ``since`` with a step; None for a completed task or when no
        step will come while the task stays as it is."""
        if self.task.state is TaskState.COMPLETED:
            return None
        return next_check(
            self.due, since, self.calendar, self.warn_days, self.flags, reroute_allowed=self.reroute_allowed
        )


def check_day(task: Task, config: RoutingConfig, since: date) -> str | None:
    """``deadline_check_day`` of a change that leaves the task as ``task``: a writer files it from its
    own today, the checker, which has looked at today, from tomorrow."""
    day = TaskTerms.of(task, config).next_check(since)
    return None if day is None else day.isoformat()
