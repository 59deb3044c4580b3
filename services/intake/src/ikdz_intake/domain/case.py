"""The case as intake sees it: file numbers, request fingerprints, access tokens, status history."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from ikdz_contracts.events import CaseDocument, CaseState
from ikdz_contracts.events.case import file_number
from ikdz_platform.status_tokens import access_token, token_matches
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "StatusEntry",
    "access_token",
    "current_state",
    "file_number",
    "fingerprint",
    "ordered",
    "token_matches",
]


def fingerprint(body: Any) -> str:
    """A stable hash of a request body, so a repeated ``Idempotency-Key`` can be compared."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class StatusEntry(BaseModel):
    """One line of the citizen's status history."""

    model_config = ConfigDict(frozen=True)

    state: CaseState
    label_de: str
    message_de: str | None = None
    processing_town: str | None = None
    pool_id: str | None = None
    occurred_at: datetime
    documents: list[CaseDocument] = Field(default_factory=list)


def current_state(history: list[StatusEntry]) -> CaseState:
    """The state of the latest entry; the history is kept in order of occurrence."""
    return max(history, key=lambda entry: entry.occurred_at).state if history else CaseState.RECEIVED


def ordered(history: list[StatusEntry]) -> list[StatusEntry]:
    """Entries by time; events of different producers may arrive out of order."""
    return sorted(history, key=lambda entry: entry.occurred_at)


def documents_of(history: list[StatusEntry]) -> list[CaseDocument]:
    """Every document the case's status changes announced, in order, each once."""
    seen: dict[str, CaseDocument] = {}
    for entry in history:
        for document in entry.documents:
            seen.setdefault(document.document_id, document)
    return list(seen.values())
