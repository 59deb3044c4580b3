"""Who issues a document, for whom, under which agreement, by which rules (the documents' letterhead data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

from ikdz_trade_registration.domain.fees import Authority, Fee


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


class IssuedWith(BaseModel):
    """What rendering a step's documents needs besides its notice, fixed when they are issued.

    Stored with the step as one JSON text (``to_text``): the documents are rendered on their first
    download, and the fee configuration or a town's authority may have changed by then.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    context: IssuingContext
    fee: Fee | None = None
    """Only with a fee notice."""

    def to_text(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_text(cls, text: str) -> IssuedWith:
        return cls.model_validate_json(text)
