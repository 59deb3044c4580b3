"""Deadlines in working days of the owner town, traffic lights, and what the deadline checker does.

A deadline counted in working days starts the day after the event (§ 187 (1) BGB, § 31 VwVfG) and
ends on a working day; a date given from outside (a legal deadline) that falls on a weekend or
holiday moves to the next working day (§ 193 BGB, § 31 (3) VwVfG). Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ikdz_routing.domain.calendar import WorkingCalendar


class Light(StrEnum):
    """Deadline traffic light; the label is shown with the colour, never colour alone."""

    GREEN = "gruen"
    YELLOW = "gelb"
    RED = "rot"

    @property
    def label_de(self) -> str:
        return {"gruen": "Grün: im Plan", "gelb": "Gelb: Frist naht", "rot": "Rot: Frist überschritten"}[self.value]


ONE_DAY = timedelta(days=1)
_SEVERITY = (Light.GREEN, Light.YELLOW, Light.RED)


def deadline_after(start: date, working_days: int, calendar: WorkingCalendar) -> date:
    """The last day of a deadline of ``working_days`` (at least 1) counted from the day after ``start``."""
    if working_days < 1:
        msg = "a deadline is at least one working day"
        raise ValueError(msg)
    return calendar.add_working_days(start, working_days)


def effective_due(target: date | None, legal: date | None, calendar: WorkingCalendar) -> date | None:
    """The earlier of the target and the legal deadline, each moved off days the office is closed."""
    dates = [calendar.roll_forward(day) for day in (target, legal) if day is not None]
    return min(dates, default=None)


def light(due: date | None, today: date, calendar: WorkingCalendar, warn_days: int) -> Light:
    """Red once the due day has passed; yellow from ``warn_days`` working days before it; else green."""
    if due is None:
        return Light.GREEN
    if today > due:
        return Light.RED
    if calendar.working_days_between(today, due) <= warn_days:
        return Light.YELLOW
    return Light.GREEN


def warn_from(due: date, calendar: WorkingCalendar, warn_days: int) -> date:
    """The first day on which ``light`` turns yellow for ``due`` (the due day at the latest)."""
    day = due
    while calendar.working_days_between(day - ONE_DAY, due) <= warn_days:
        day -= ONE_DAY
    return day


def worst(lights: Iterable[Light]) -> Light:
    """The light of a backlog row: red if anything in it is red, else yellow if anything is yellow,
    else green (also when it is empty). Tasks and open cases count alike: a case past its target day
    turns the row red however well its tasks are doing."""
    return max(lights, key=_SEVERITY.index, default=Light.GREEN)


class CaseDate(StrEnum):
    TARGET = "target"
    LEGAL = "legal"


@dataclass(frozen=True)
class DateLight:
    """One of a case's deadlines (moved off closed days) and its light today."""

    kind: CaseDate
    day: date
    light: Light


def case_date_lights(
    target: date | None, legal: date | None, today: date, calendar: WorkingCalendar, warn_days: int
) -> list[DateLight]:
    """Each deadline of a case with its own light. The worst of them is the light of the case's
    effective due day (the earlier date), which the deadline checker acts on."""
    dates = [(CaseDate.TARGET, target), (CaseDate.LEGAL, legal)]
    due_days = [(kind, calendar.roll_forward(day)) for kind, day in dates if day is not None]
    return [DateLight(kind, due, light(due, today, calendar, warn_days)) for kind, due in due_days]


class Step(StrEnum):
    WARN = "warn"
    ESCALATE = "escalate"
    REROUTE = "reroute"


@dataclass(frozen=True)
class Flags:
    """What the checker already did for a task (each step happens once)."""

    open: bool  # nobody has claimed it
    warned: bool = False
    escalated: bool = False
    rerouted: bool = False


def due_steps(light_now: Light, flags: Flags, *, reroute_allowed: bool) -> list[Step]:
    """The checker's next steps for a task: warn on yellow, escalate on red, and move unclaimed work
    to a partner pool on red where the pool allows it for the service (once; never back and forth)."""
    steps: list[Step] = []
    if light_now is Light.YELLOW and not flags.warned:
        steps.append(Step.WARN)
    if light_now is Light.RED:
        if not flags.escalated:
            steps.append(Step.ESCALATE)
        if reroute_allowed and flags.open and not flags.rerouted:
            steps.append(Step.REROUTE)
    return steps


def case_steps(light_now: Light, *, warned: bool, escalated: bool) -> list[Step]:
    """The checker's next steps for an open case: the task rules, without re-routing (a routed case
    stays where it was routed; only its unclaimed tasks move)."""
    return due_steps(light_now, Flags(open=False, warned=warned, escalated=escalated), reroute_allowed=False)


def next_check(
    due: date | None, since: date, calendar: WorkingCalendar, warn_days: int, flags: Flags, *, reroute_allowed: bool
) -> date | None:
    """The first day on or after ``since`` on which ``due_steps`` has a step for a task or case with
    these flags, or None when it never will while the flags stay (a clerk releasing claimed work
    changes them). The checker files the task or case under that day and looks at nothing else before it."""
    if due is None:
        return None
    if not flags.warned and since <= due:
        return max(warn_from(due, calendar, warn_days), since)
    if not flags.escalated or (reroute_allowed and flags.open and not flags.rerouted):
        return max(due + ONE_DAY, since)
    return None


def next_case_check(
    due: date | None, since: date, calendar: WorkingCalendar, warn_days: int, *, warned: bool, escalated: bool
) -> date | None:
    """``next_check`` for an open case: the first day ``case_steps`` has a step (never a re-routing)."""
    flags = Flags(open=False, warned=warned, escalated=escalated)
    return next_check(due, since, calendar, warn_days, flags, reroute_allowed=False)
