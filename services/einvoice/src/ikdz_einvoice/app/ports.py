"""Ports of einvoice's use cases; ``adapters/`` implements them, tests use fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.validation import ValidationReport

Document = dict[str, Any]
Clock = Callable[[], datetime]


class InvoiceValidator(Protocol):
    """Validates a document that passed the XML gate (``adapters.saxon_validator.XRechnungValidator``)."""

    def validate(self, document: ParsedDocument) -> ValidationReport: ...


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """A stored invoice as the readable view needs it: the typed invoice, its report and the owner town's name."""

    invoice: Invoice
    report: ValidationReport | None = None
    town: str | None = None


class InvoiceReader(Protocol):
    """Loads an invoice for the readable view; ``None`` if there is none (or the caller may not see it)."""

    async def invoice_for_view(self, invoice_id: str) -> InvoiceRecord | None: ...


class Notifier(Protocol):
    """Tells the outbox relay which document was just written with events (``OutboxNotifier``)."""

    def notify(self, doc_id: Any = None) -> None: ...


class InvoiceStore(Protocol):
    """Everything einvoice keeps. Every write is an insert of a write-once document (FerretDB v1 keeps
    only inserts atomic under concurrency); the documents that carry events have an ``outbox``."""

    async def store_original(self, sha256: str, data: bytes, received_at: datetime) -> None:
        """Keep the original bytes under their hash (a second store of the same bytes is a no-op)."""

    async def original(self, sha256: str) -> bytes | None: ...

    async def insert_invoice(self, invoice: Document, outbox: list[Document]) -> bool:
        """False when an invoice with this id or these bytes (``sha256``) exists."""

    async def invoice(self, invoice_id: str) -> Document | None: ...

    async def invoice_by_sha256(self, sha256: str) -> Document | None: ...

    async def insert_outcome(self, outcome: Document, outbox: list[Document]) -> bool:
        """The result of processing one invoice, keyed by its id; False when processed before."""

    async def outcome(self, invoice_id: str) -> Document | None: ...

    async def claim_duplicate_key(self, key: str, invoice_id: str) -> str:
        """The invoice that holds ``key``: ``invoice_id`` if it is the first, else the earlier one."""

    async def register_reference(self, reference: str, invoice_id: str) -> None:
        """Remember seller + number of an accepted invoice, so later credit notes can be linked."""

    async def invoices_for_references(self, references: list[str]) -> list[str]: ...

    async def next_sequence(self, counter: str) -> int: ...

    async def approval_records(self, invoice_id: str) -> list[Document]:
        """The approval's transitions in order of ``version``."""

    async def append_approval(self, record: Document, outbox: list[Document]) -> bool:
        """Insert transition ``record['version']``; False if that version exists (someone was first)."""

    async def released_invoices(self, owner_ags: str) -> list[Document]:
        """Transitions that released an invoice of the town (``released: true``)."""

    async def mark_exported(self, invoice_id: str, export_id: str, at: datetime) -> bool:
        """Claim an invoice for an export; False if another export holds it."""

    async def move_mark(self, invoice_id: str, from_export: str, to_export: str, at: datetime) -> bool:
        """Take over the claim of an abandoned export; False if someone else moved it first."""

    async def export_marks(self, invoice_ids: list[str]) -> dict[str, Document]:
        """invoice id -> its claim (``export_id``, ``at``) for the invoices already claimed."""

    async def insert_export(self, export: Document, outbox: list[Document]) -> None: ...

    async def export(self, export_id: str) -> Document | None: ...

    async def exports(self, owner_ags: str) -> list[Document]: ...
