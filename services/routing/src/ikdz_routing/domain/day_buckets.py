"""Day buckets: which days the deadline checker reads, and when a day is done for good (pure).

The checker files every task and case under the day of its next deadline step and reads, per run,
only the buckets of the days not swept yet, by equality on the day: an index lookup on FerretDB
v1, where a range scans the collection. A day is settled ``SETTLE`` after it: until then
its bucket is read again on every run, so a writer whose clock is a little behind, filing under the
day before, is still found. After a pause the next run reads every day it missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ikdz_routing.domain.deadlines import ONE_DAY

SETTLE = timedelta(days=2)


@dataclass(frozen=True)
class Sweep:
    """One run: the buckets to read, in order, and the last day settled once they are read (None
    when no new day settles)."""

    days: tuple[date, ...]
    settled: date | None


def plan_sweep(swept_through: date, today: date) -> Sweep:
    """The run on ``today`` after every bucket up to ``swept_through`` is done."""
    first = swept_through + ONE_DAY
    days = tuple(first + timedelta(days=n) for n in range((today - first).days + 1))
    through = today - SETTLE
    return Sweep(days, through if through >= first else None)


def first_settled(today: date) -> date:
    """Where a store never swept starts: what is open is filed under ``today`` once, so the days
    before it that could still hold a filing are the unsettled ones."""
    return today - SETTLE
