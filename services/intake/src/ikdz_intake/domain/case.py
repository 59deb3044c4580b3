"""The case as intake sees it: file numbers, request fingerprints, access tokens, status history."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from ikdz_contracts.events import CaseDocument, CaseState
from ikdz_contracts.services import ServiceId
from pydantic import BaseModel, ConfigDict, Field


def file_number(town_code: str, service: ServiceId, year: int, sequence: int) -> str:
    """Readable file number, e.g. ``WUR-GEW-2026-000123``: town, service, year, running number."""
    if not 0 < sequence < 1_000_000:
        msg = f"sequence {sequence} out of range"
        raise ValueError(msg)
    return f"{town_code}-{service.code}-{year:04d}-{sequence:06d}"


def fingerprint(body: Any) -> str:
    """A stable hash of a request body, so a repeated ``Idempotency-Key`` can be compared."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def access_token(secret: bytes, case_id: str) -> str:
    """The token of a case's status URL: an HMAC of the case id, so it need not be stored."""
    return hmac.new(secret, f"status:{case_id}".encode(), hashlib.sha256).hexdigest()[:40]


def token_matches(secret: bytes, case_id: str, token: str) -> bool:
    return hmac.compare_digest(access_token(secret, case_id), token)


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
