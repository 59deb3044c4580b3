"""Use cases of case deadlines: the deadline checker's warning and escalation of open cases, and the
notice a clerk sees on a task whose case's deadline is near or missed.

A routed case has a target and maybe a legal date in its owner town's working days. The checker
warns and escalates each open case once (write-once records ``<case>:<step>`` chained after the
routing decision in the case's audit log) and never moves it.

It reads only cases that can need a step: every case is filed under the day of its next step — the
route's ``deadline_check_day`` when it is routed, then a small document ``<case>:<day>`` after each
look — and a run reads only the day buckets not swept yet (``app/day_buckets.py``, shared with the
tasks). Every write is an insert (FerretDB v1 can lose one of two concurrent updates of a document),
so replicas checking at once record each step once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog

from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.day_buckets import DaySweep
from ikdz_routing.app.ports import CaseDeadlineStore, Clock
from ikdz_routing.domain.audit import chained
from ikdz_routing.domain.calendar import WorkingCalendar, saxon_day
from ikdz_routing.domain.config import Escalation, RoutingConfig
from ikdz_routing.domain.deadlines import (
    ONE_DAY,
    DateLight,
    Light,
    Step,
    case_date_lights,
    case_steps,
    effective_due,
    light,
    next_case_check,
    worst,
)
from ikdz_routing.domain.tasks import CHECKER, Action, Actor, Task

log = structlog.get_logger(__name__)

# What the checker and the coordinator view need of a route; copied into the day buckets and the
# coordinator's flags, so neither reads the route document (it never changes after routing).
CASE_FIELDS = ("owner_ags", "pool_id", "service", "file_number", "target_date", "legal_date", "audit_hash")


@dataclass(frozen=True)
class CaseTerms:
    """A case's deadlines as the configuration in force counts them: the owner town's calendar and
    the warning time of the pool the case was routed to."""

    target: date | None
    legal: date | None
    calendar: WorkingCalendar
    warn_days: int

    @classmethod
    def of(cls, case: Mapping[str, Any], config: RoutingConfig) -> CaseTerms | None:
        """None when the case has no deadline (its service sets none)."""
        target, legal = _day(case.get("target_date")), _day(case.get("legal_date"))
        if target is None and legal is None:
            return None
        pool = config.pool(str(case.get("pool_id")))
        warn_days = (pool.escalation if pool else Escalation()).warn_days_before
        return cls(target, legal, config.calendar_of_town(str(case["owner_ags"])), warn_days)

    @property
    def due(self) -> date | None:
        return effective_due(self.target, self.legal, self.calendar)

    def light(self, today: date) -> Light:
        return light(self.due, today, self.calendar, self.warn_days)

    def dates(self, today: date) -> list[DateLight]:
        return case_date_lights(self.target, self.legal, today, self.calendar, self.warn_days)

    def next_check(self, since: date, *, warned: bool, escalated: bool) -> date | None:
        return next_case_check(self.due, since, self.calendar, self.warn_days, warned=warned, escalated=escalated)


def first_deadline_check(route: Mapping[str, Any], config: RoutingConfig, now: datetime) -> dict[str, str]:
    """``deadline_check_day`` of a new route: the day the checker first looks at the case (none for
    a case without deadline or without pool)."""
    terms = CaseTerms.of(route, config) if route.get("pool_id") else None
    day = terms.next_check(saxon_day(now), warned=False, escalated=False) if terms else None
    return {"deadline_check_day": day.isoformat()} if day else {}


class CheckCaseDeadlines:
    """One run over the cases filed under the day buckets not swept yet; part of the periodic
    deadline check."""

    def __init__(self, store: CaseDeadlineStore) -> None:
        self._store = store
        self._sweep = DaySweep(store, "case_id")

    async def __call__(self, config: RoutingConfig, now: datetime) -> Counter[Step]:
        today = saxon_day(now)

        async def look(case: dict[str, Any]) -> list[Step]:
            step = await self._check(case, config, today, now)
            return [] if step is None else [step]

        return await self._sweep(today, look, lambda: self._file_existing_cases(config, today))

    async def _file_existing_cases(self, config: RoutingConfig, today: date) -> None:
        """A store never swept may hold routes from before the day buckets: file every open case with
        a deadline under today."""
        for route in await self._store.open_routes():
            if CaseTerms.of(route, config) is not None:
                await self._store.schedule(str(route["_id"]), today.isoformat(), route)

    async def _check(self, case: Mapping[str, Any], config: RoutingConfig, today: date, now: datetime) -> Step | None:
        """Record the case's step if it needs one today and file it under its next step's day."""
        case_id = str(case["case_id"])
        terms = CaseTerms.of(case, config)
        if terms is None or await self._store.is_closed(case_id):
            return None  # no case deadline, or the case is done: nothing more to check
        records = await self._store.steps(case_id)
        done = {str(r["action"]): r for r in records}
        warned, escalated = Action.WARNED.value in done, Action.ESCALATED.value in done
        recorded = None
        for step in case_steps(terms.light(today), warned=warned, escalated=escalated):  # at most one
            action = Action.WARNED if step is Step.WARN else Action.ESCALATED
            record = _record(case, terms, action, records, now)
            if await self._store.add_step(f"{case_id}:{step.value}", record):
                recorded, done[action.value] = step, record
                log.warning("case_deadline", step=step.value, case_id=case_id)
            warned, escalated = warned or step is Step.WARN, escalated or step is Step.ESCALATE
        latest = Action.ESCALATED if escalated else Action.WARNED if warned else None
        if latest is not None:
            # The coordinator's view of the case; inserted again after a crash between the two writes.
            at = done[latest.value]["at"] if latest.value in done else now.isoformat()
            await self._store.flag(f"{case_id}:{latest.value}", _flag(case, latest, at))
        next_day = terms.next_check(today + ONE_DAY, warned=warned, escalated=escalated)
        if next_day is not None:
            await self._store.schedule(case_id, next_day.isoformat(), case)
        return recorded


def _record(
    case: Mapping[str, Any], terms: CaseTerms, action: Action, records: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """The write-once audit record, chained after the case's last step or its routing decision."""
    day = f"{terms.due:%d.%m.%Y}" if terms.due else "?"
    reason = (
        f"case deadline {day} is near"
        if action is Action.WARNED
        else f"case deadline {day} missed; raised to the coordinator"
    )
    prev_hash = str(records[-1]["hash"]) if records else str(case.get("audit_hash"))
    return chained(
        prev_hash,
        {
            "case_id": str(case["case_id"]),
            "seq": len(records),
            "action": action.value,
            "actor": CHECKER,
            "reason": reason,
            "pool_id": case["pool_id"],
            "owner_ags": case["owner_ags"],
            "at": now.isoformat(),
        },
    )


def _flag(case: Mapping[str, Any], action: Action, at: str) -> dict[str, Any]:
    fields = {key: case.get(key) for key in CASE_FIELDS if key != "audit_hash"}
    return {**fields, "case_id": str(case["case_id"]), "action": action.value, "at": at}


@dataclass(frozen=True)
class CaseNotice:
    """A case deadline that is near or missed, shown on the case's tasks."""

    case_id: str
    light: Light
    dates: list[DateLight]

    @property
    def due(self) -> date:
        """The earlier deadline: the one the case's light is of."""
        return min(d.day for d in self.dates)


class CaseNotices:
    """The deadlines of a task's case, for members of the pool the case was routed to (the same rule
    as for the case's audit log): a clerk sees only cases routed to her pools."""

    def __init__(self, store: CaseDeadlineStore, active: ActiveConfig, clock: Clock) -> None:
        self._store = store
        self._active = active
        self._clock = clock

    async def of(self, task: Task, actor: Actor) -> CaseNotice | None:
        """None while every deadline of the case is green, or when it has none, is closed or not the actor's."""
        case_id = task.definition.case_id
        route = await self._store.route(case_id)
        if route is None or route.get("pool_id") not in actor.pools:
            return None
        terms = CaseTerms.of(route, self._active.current)
        if terms is None or await self._store.is_closed(case_id):
            return None
        dates = terms.dates(saxon_day(self._clock()))
        overall = worst(d.light for d in dates)
        return None if overall is Light.GREEN else CaseNotice(case_id, overall, dates)


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None
