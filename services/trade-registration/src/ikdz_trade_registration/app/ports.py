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

    async def get(self, step_id: str) -> Document | None: ...

    async def record(self, step: Document, outbox: list[Document]) -> bool:
        """Insert the step with its events and have them published; False if a step with this id was
        recorded before (its events are not sent again)."""
        ...

    async def of_case(self, case_id: str) -> list[Document]:
        """All steps of a case, oldest first."""
        ...


class Register(Protocol):
    """The register of businesses (all onboarded towns) and the keys that make an Anmeldung unique."""

    async def candidates(self, holder_keys: Sequence[str], registration_ids: Sequence[str]) -> list[Registration]:
        """Registrations of these holders or with these ids (every town; the domain filters)."""
        ...

    async def get(self, registration_id: str) -> Registration | None: ...

    async def claim(self, key: str, registration_id: str) -> str:
        """Hold a duplicate key for a registration; returns the registration that holds it (maybe another)."""
        ...

    async def apply(self, change: RegisterChange) -> None:
        """Apply a change; applying it again changes nothing."""
        ...


@dataclass(frozen=True)
class StoredDocument:
    """An issued document; ``content`` is the PDF."""

    document_id: str
    case_id: str
    kind: str
    title_de: str
    media_type: str
    created_at: datetime
    content: bytes


class DocumentStore(Protocol):
    async def put_all(self, documents: Sequence[StoredDocument]) -> None:
        """Store each once; a document with the same id stays as it is."""
        ...

    async def get(self, case_id: str, document_id: str) -> StoredDocument | None:
        """The document, only if it belongs to the case."""
        ...


class Renderer(Protocol):
    """Renders the receipt and the fee notice (adapters/documents.py)."""

    def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes: ...

    def fee_notice(self, app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes: ...


class Exporter(Protocol):
    """Writes one recipient message in the exchange format (adapters/xgewerbe_export.py)."""

    def __call__(self, message: RecipientMessage) -> bytes: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
