"""Ports of trade-registration's use cases; ``adapters/`` implements them on MongoDB, tests on fakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige

from ikdz_trade_registration.domain.fees import Fee
from ikdz_trade_registration.domain.flow import RegisterChange
from ikdz_trade_registration.domain.issuing import IssuingContext
from ikdz_trade_registration.domain.recipients import RecipientMessage
from ikdz_trade_registration.domain.registrations import Registration

Document = dict[str, Any]


class StepStore(Protocol):
    """The case file: one write-once step per work item or task completion, carrying its outbox."""

    async def stored(self, step_ids: Sequence[str]) -> list[Document]:
        """The steps with these ids that were recorded (without their outbox)."""
        ...

    async def record_all(self, steps: Sequence[tuple[Document, list[Document]]]) -> set[str]:
        """Insert the steps with their events in one write and have the events published; returns the
        ids inserted (a step whose id was recorded before is skipped with its events)."""
        ...

    async def of_case(self, case_id: str) -> list[Document]:
        """All steps of a case, oldest first."""
        ...


@dataclass(frozen=True)
class KeyClaim:
    """Who holds a duplicate key after a claim."""

    holder: str | None
    """The registration holding the key (maybe another); None if it could not be told (the key was
    given up and taken again while it was read)."""
    new: bool
    """This claim inserted the key (it was free)."""


class Register(Protocol):
    """The register of businesses (all onboarded towns) and the keys that make an Anmeldung unique."""

    async def candidates(self, holder_keys: Sequence[str], registration_ids: Sequence[str]) -> list[Registration]:
        """Registrations of these holders or with these ids (every town; the domain filters)."""
        ...

    async def claim_all(self, claims: Sequence[tuple[str, str]]) -> list[KeyClaim]:
        """Hold each duplicate key for its registration (``(key, registration_id)``, each key once)."""
        ...

    async def release_all(self, claims: Sequence[tuple[str, str]]) -> None:
        """Give up keys where these registrations hold them (claims of decisions that were not stored)."""
        ...

    async def apply_all(self, changes: Sequence[RegisterChange]) -> None:
        """Apply changes, no two of the same registration or key; applying them again changes nothing."""
        ...


@dataclass(frozen=True)
class IssuedDocument:
    """A document a step issued, as the case file lists it (rendered only when first downloaded)."""

    document_id: str
    case_id: str
    kind: str
    title_de: str
    media_type: str
    created_at: datetime


@dataclass(frozen=True)
class StoredDocument(IssuedDocument):
    """An issued document as rendered on its first download; ``content`` is the PDF."""

    content: bytes


class DocumentStore(Protocol):
    """The documents rendered so far: each written once, so a downloaded document never changes."""

    async def get(self, case_id: str, document_id: str) -> StoredDocument | None:
        """The document, only if it belongs to the case and was rendered."""
        ...

    async def put(self, document: StoredDocument) -> StoredDocument:
        """Store the document unless one with its id is stored; returns the one stored (this one, or
        the one a concurrent first download stored before)."""
        ...


class Renderer(Protocol):
    """Renders the receipt and the fee notice (adapters/documents.py)."""

    def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes: ...

    def fee_notice(self, app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes: ...


class Exporter(Protocol):
    """Writes the recipient messages of a step in the exchange format (adapters/xgewerbe_export.py)."""

    def __call__(self, messages: Sequence[RecipientMessage]) -> list[bytes]:
        """One document per message, in their order."""
        ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
