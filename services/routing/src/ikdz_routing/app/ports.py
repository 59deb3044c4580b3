"""Ports of routing's use cases."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol


class RouteRepository(Protocol):
    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        """Cases routed to each pool and not closed yet."""
        ...

    async def insert_many(self, routes: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> set[str]:
        """Store the routings of cases with their events, in one write; returns the ids stored
        (a case routed before keeps its route, and its new events are dropped). Concurrent calls
        are stored one after the other, in the order they were made."""
        ...

    async def close(self, closings: Sequence[tuple[str, str | None]]) -> None:
        """Each ``(case_id, pool_id)`` reached a final state in that pool (None: the pool it was
        routed to); each counts once, however often it comes."""
        ...


class DayBuckets(Protocol):
    """Work filed by the day the deadline checker next looks at it (``domain/day_buckets.py``), and
    the days it swept for good. Days are ISO dates (``2026-12-07``)."""

    async def due(self, day: str) -> list[dict[str, Any]]:
        """What is filed under ``day``: one entry per filing, with its ``_id`` and the id of the task
        or case (an item may be filed more than once under a day)."""
        ...

    async def swept_through(self) -> str | None:
        """The last day whose bucket is done for good; None for a store the checker never swept."""
        ...

    async def mark_swept(self, day: str) -> None: ...


class CaseDeadlineStore(DayBuckets, Protocol):
    """Cases filed by the day of their next deadline step, the checker's write-once records, and the
    flags coordinators see."""

    async def due(self, day: str) -> list[dict[str, Any]]:
        """Cases filed under ``day`` (routed with it as first check day, or scheduled for it later):
        ``case_id`` and the route's fields the checker needs."""
        ...

    async def schedule(self, case_id: str, day: str, case: Mapping[str, Any]) -> None:
        """File the case under ``day`` with the route's fields; once, however many checkers do it."""
        ...

    async def route(self, case_id: str) -> dict[str, Any] | None:
        """The routed case (without decision and outbox)."""
        ...

    async def is_closed(self, case_id: str) -> bool: ...

    async def open_routes(self) -> list[dict[str, Any]]:
        """Every case routed to a pool and not closed: a full scan, for a store never swept only."""
        ...

    async def steps(self, case_id: str) -> list[dict[str, Any]]:
        """The checker's records of one case, in the order they were chained."""
        ...

    async def add_step(self, key: str, record: dict[str, Any]) -> bool:
        """Insert a write-once checker record under ``key``; False if it exists (another run was first)."""
        ...

    async def flag(self, key: str, record: dict[str, Any]) -> None:
        """Show a warned or escalated case to its pool's coordinators (once under ``key``)."""
        ...

    async def flags(self, pool_ids: Iterable[str]) -> list[dict[str, Any]]:
        """The flags of cases routed to these pools (closed ones included until unflagged)."""
        ...

    async def unflag(self, case_id: str) -> None:
        """The case is closed: its flags go."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Notifier(Protocol):
    def notify(self, doc_id: str | None = None) -> None:
        """The document ``doc_id`` was stored with events to publish (None: some document)."""
        ...
