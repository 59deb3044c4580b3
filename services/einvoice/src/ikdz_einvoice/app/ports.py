"""Ports of einvoice's use cases; ``adapters/`` implements them, tests use fakes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.validation import ValidationReport


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
