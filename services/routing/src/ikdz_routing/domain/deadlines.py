"""Deadlines in working days of the owner town, traffic lights, and what the deadline checker does.

A deadline counted in working days starts the day after the event (§ 187 (1) BGB, § 31 VwVfG) and
ends on a working day; a date given from outside (a legal deadline) that falls on a weekend or
holiday moves to the next working day (§ 193 BGB, § 31 (3) VwVfG). Pure: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
