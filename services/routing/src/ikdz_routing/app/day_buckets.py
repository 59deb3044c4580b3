"""The deadline checker's sweep over day buckets, shared by its task and its case part.

Tasks and cases are each filed under the day of their next deadline step; a run reads the buckets
of the days not swept yet (``domain/day_buckets.plan_sweep``) and looks at each task or case found
once. A store never swept may hold work from before the buckets: its open work is filed once under
today (one full scan per store, not per run). Every write is an insert, so replicas sweeping at once
need no coordination: a look is idempotent and a day marked swept twice stays swept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any

from ikdz_routing.app.ports import DayBuckets
from ikdz_routing.domain.day_buckets import first_settled, plan_sweep
from ikdz_routing.domain.deadlines import Step

Look = Callable[[dict[str, Any]], Awaitable[Iterable[Step]]]


class DaySweep:
    """One store's buckets, run after run; ``subject`` names the field with the task's or case's id."""

    def __init__(self, buckets: DayBuckets, subject: str) -> None:
        self._buckets = buckets
        self._subject = subject
        self._swept: date | None = None  # every bucket up to this day is done (from the store at first)
        self._seen: set[tuple[str, str]] = set()  # (day, filing) this process handled in unswept buckets

    async def __call__(self, today: date, look: Look, file_existing: Callable[[], Awaitable[None]]) -> Counter[Step]:
        """Look at what is filed under the unswept days up to ``today``, each task or case once per
        run and each filing once per process; the steps taken. ``file_existing`` files the open work
        of a store never swept under ``today``."""
        if self._swept is None:
            self._swept = await self._start(today, file_existing)
        plan = plan_sweep(self._swept, today)
        counts: Counter[Step] = Counter()
        looked: set[str] = set()
        for day in (d.isoformat() for d in plan.days):
            for entry in await self._buckets.due(day):
                seen = (day, str(entry["_id"]))
                if seen in self._seen:
                    continue  # a bucket is read again until it is settled; each filing is handled once
                subject = str(entry[self._subject])
                if subject not in looked:  # filed under several days, or more than once under one
                    counts.update(await look(entry))
                    looked.add(subject)
                self._seen.add(seen)
        if plan.settled is not None:
            await self._buckets.mark_swept(plan.settled.isoformat())
            self._swept = plan.settled
            self._seen = {seen for seen in self._seen if seen[0] > plan.settled.isoformat()}
        return counts

    async def _start(self, today: date, file_existing: Callable[[], Awaitable[None]]) -> date:
        stored = await self._buckets.swept_through()
        if stored is not None:
            return date.fromisoformat(stored)
        await file_existing()
        settled = first_settled(today)
        await self._buckets.mark_swept(settled.isoformat())
        return settled
