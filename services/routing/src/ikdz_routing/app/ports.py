"""Ports of routing's use cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol


class RouteRepository(Protocol):
    async def exists(self, case_id: str) -> bool: ...

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        """Cases routed to each pool and not closed yet."""
        ...

    async def insert(self, route: dict[str, Any], outbox: list[dict[str, Any]]) -> bool:
        """Store the routing of a case with its events; False if the case was routed before."""
        ...

    async def close(self, case_id: str) -> None: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Notifier(Protocol):
    def notify(self, doc_id: str | None = None) -> None:
        """The document ``doc_id`` was stored with events to publish (None: some document)."""
        ...
