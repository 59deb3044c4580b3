"""Ports of intake's use cases; ``adapters/`` implements them on MongoDB, tests on fakes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from ikdz_intake.domain.case import StatusEntry


class DuplicateKeyError(Exception):
    """The idempotency key (or case id) is stored already."""


class CaseRepository(Protocol):
    async def next_sequence(self, counter: str) -> int:
        """Atomically increment and return a named counter."""
        ...

    async def insert(self, case: dict[str, Any], outbox: list[dict[str, Any]]) -> None:
        """Store a new case with its outgoing events; ``DuplicateKeyError`` if its idempotency key or
        file number is taken."""
        ...

    async def find_by_idempotency_key(self, key: str) -> dict[str, Any] | None: ...

    async def get(self, case_id: str) -> dict[str, Any] | None: ...

    async def add_status(self, case_id: str, entry: StatusEntry, event_id: str) -> bool:
        """Append a status entry once per event id; False if the case is unknown or it was applied."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class Notifier(Protocol):
    def notify(self) -> None: ...
