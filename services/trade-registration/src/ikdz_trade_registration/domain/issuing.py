"""Who issues a document, for whom, under which agreement, by which rules (the documents' letterhead data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ikdz_trade_registration.domain.fees import Authority


@dataclass(frozen=True)
class IssuingContext:
    """Who issues the document, for whom, under which agreement, by which rules."""

    file_number: str
    registration_id: str
    owner_town: str
    authority: Authority
    issued_on: date
    ruleset_version: str
    processing_town: str | None = None
    agreement_ref: str | None = None
