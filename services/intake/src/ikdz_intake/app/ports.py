"""Ports of intake's use cases; ``adapters/`` implements them on MongoDB, tests on fakes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from ikdz_contracts.services import ServiceId

from ikdz_intake.domain.case import StatusEntry


class DuplicateKeyError(Exception):
    """The idempotency key, file number (or case id) is stored already.

    ``field`` names the unique field that collided when the store says so (MongoDB does, FerretDB v1
    does not: then it is None).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CaseRepository(Protocol):
    async def next_sequence(self, counter: str) -> int:
        """The next number of a named counter: never handed out twice, across processes and restarts;
        increasing within a process, with gaps (numbers are reserved in blocks)."""
        ...

    async def insert(self, case: dict[str, Any], outbox: list[dict[str, Any]]) -> None:
        """Store a new case with its outgoing events, returning only once both are stored (the outbox
        relay sends the events); ``DuplicateKeyError`` if its idempotency key or file number is taken."""
        ...

    async def find_by_idempotency_key(self, key: str) -> dict[str, Any] | None: ...

    async def get(self, case_id: str) -> dict[str, Any] | None: ...

    async def add_statuses(self, items: Sequence[tuple[str, StatusEntry, str]]) -> set[str]:
        """Append each ``(case id, entry, event id)`` once per event id; returns the event ids applied
        now (not those of unknown cases, nor those applied before)."""
        ...


class DocumentSource(Protocol):
    async def fetch(self, service: ServiceId, case_id: str, document_id: str) -> bytes | None:
        """The document's bytes from the service that issued it; None if it has no such document."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
