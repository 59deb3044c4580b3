"""Ports of routing's use cases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol


class RouteRepository(Protocol):
    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        """Cases routed to each pool and not closed yet."""
        ...

    async def insert_many(self, routes: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> set[str]:
        """Store the routings of cases with their events, in one write; returns the ids stored
        (a case routed before keeps its route, and its new events are dropped)."""
        ...

    async def close(self, case_id: str) -> None: ...

    async def open_routes(self) -> list[dict[str, Any]]:
        """Cases routed to a pool and not closed yet (without their outbox)."""
        ...

    async def deadline_steps(self, case_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """The deadline checker's records per case (of one case if given), in the order they were chained."""
        ...

    async def add_deadline_step(self, key: str, record: dict[str, Any]) -> bool:
        """Insert a write-once checker record under ``key``; False if it exists (another run was first)."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Notifier(Protocol):
    def notify(self, doc_id: str | None = None) -> None:
        """The document ``doc_id`` was stored with events to publish (None: some document)."""
        ...
