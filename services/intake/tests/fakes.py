"""In-memory fakes of intake's ports; they record what they were given."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ikdz_contracts.services import ServiceId
from ikdz_intake.app.ports import DuplicateKeyError
from ikdz_intake.domain.case import StatusEntry


class FakeCaseRepository:
    def __init__(self, *, names_fields: bool = True) -> None:
        self.names_fields = names_fields  # MongoDB names the collided field, FerretDB v1 does not
        self.key_lookups = 0
        self.cases: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.counters: dict[str, int] = {}

    async def next_sequence(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    async def insert(self, case: dict[str, Any], outbox: list[dict[str, Any]]) -> None:
        for field in ("_id", "idempotency_key", "file_number"):
            if any(c[field] == case[field] for c in self.cases.values()):
                raise DuplicateKeyError(case[field], field=field if self.names_fields else None)
        self.cases[case["_id"]] = {**copy.deepcopy(case), "outbox": outbox}

    async def find_by_idempotency_key(self, key: str) -> dict[str, Any] | None:
        self.key_lookups += 1
        return next((c for c in self.cases.values() if c["idempotency_key"] == key), None)

    async def get(self, case_id: str) -> dict[str, Any] | None:
        case = self.cases.get(case_id)
        if case is None:
            return None
        projected = [
            {k: v for k, v in s.items() if k != "case_id"} for s in self.statuses.values() if s["case_id"] == case_id
        ]
        return {**case, "status": [*case["status"], *projected]}

    async def add_statuses(self, items: Sequence[tuple[str, StatusEntry, str]]) -> set[str]:
        applied = set()
        for case_id, entry, event_id in items:
            if case_id in self.cases and event_id not in self.statuses:
                self.statuses[event_id] = {"case_id": case_id, **entry.model_dump(mode="python")}
                applied.add(event_id)
        return applied


class FakeDocumentSource:
    """Documents as the issuing service holds them; records what was fetched."""

    def __init__(self, documents: dict[tuple[str, str], bytes] | None = None) -> None:
        self.documents = documents or {}
        self.fetched: list[tuple[str, str]] = []

    async def fetch(self, service: ServiceId, case_id: str, document_id: str) -> bytes | None:
        del service
        self.fetched.append((case_id, document_id))
        return self.documents.get((case_id, document_id))


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
