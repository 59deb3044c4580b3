"""Use case: from the uploaded bytes to a verdict, the typed invoice, its route and its duplicate key.

Synchronous and CPU-bound (milliseconds to tens of milliseconds per invoice): call it from a worker
thread or process, not on the event loop. It stores nothing; the caller stores the original bytes
(``ValidationOutcome.sha256``/``size`` name them) and decides what to acknowledge.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from ikdz_einvoice.app.ports import InvoiceValidator
from ikdz_einvoice.domain.document import DEFAULT_MAX_BYTES, parse_document
from ikdz_einvoice.domain.duplicates import DuplicateKey, InvoiceReference, duplicate_key, links
from ikdz_einvoice.domain.errors import DocumentRefusedError, RefusalReason
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.routing import InvoiceRoute, LeitwegRoutingTable, RoutingRejection
from ikdz_einvoice.domain.validation import ValidationReport


class OutcomeStatus(StrEnum):
    REFUSED = "refused"
    """Not an XML e-invoice at all (gate): nothing was validated."""
    REJECTED = "rejected"
    """Validated, and the rules reject it (or no scenario accepts its BT-24)."""
    UNROUTABLE = "unroutable"
    """Valid, but its Leitweg-ID (BT-10) is missing, wrong or not one of ours."""
    ACCEPTED = "accepted"
    """Valid and routed to a town, department and pool."""


class Refusal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: RefusalReason
    detail: str
    message_de: str


class ValidationOutcome(BaseModel):
    """Everything the caller needs to answer the sender and to hand the invoice on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    size: int
    sha256: str | None
    """SHA-256 of the uploaded bytes; ``None`` only for an upload refused as too large."""
    refusal: Refusal | None = None
    report: ValidationReport | None = None
    invoice: Invoice | None = None
    route: InvoiceRoute | RoutingRejection | None = None
    duplicate_key: DuplicateKey | None = None
    links: tuple[InvoiceReference, ...] = ()
    """Invoices this document corrects or credits (BG-3), to link it to them."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> OutcomeStatus:
        if self.refusal is not None:
            return OutcomeStatus.REFUSED
        if self.report is None or not self.report.accepted:
            return OutcomeStatus.REJECTED
        if not isinstance(self.route, InvoiceRoute):
            return OutcomeStatus.UNROUTABLE
        return OutcomeStatus.ACCEPTED


class ValidateInvoice:
    """``ValidateInvoice(validator, routing)(data) -> ValidationOutcome``."""

    def __init__(
        self, validator: InvoiceValidator, routing: LeitwegRoutingTable, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self._validator = validator
        self._routing = routing
        self._max_bytes = max_bytes

    def __call__(self, data: bytes) -> ValidationOutcome:
        sha256 = hashlib.sha256(data).hexdigest() if len(data) <= self._max_bytes else None
        try:
            document = parse_document(data, max_bytes=self._max_bytes)
        except DocumentRefusedError as error:
            refusal = Refusal(reason=error.reason, detail=error.detail, message_de=error.message_de)
            return ValidationOutcome(size=len(data), sha256=sha256, refusal=refusal)
        report = self._validator.validate(document)
        if not report.accepted:
            return ValidationOutcome(size=document.size, sha256=document.sha256, report=report)
        invoice = extract_invoice(document)  # ExtractionError here means a gap in the rules: a fault of ours
        return ValidationOutcome(
            size=document.size,
            sha256=document.sha256,
            report=report,
            invoice=invoice,
            route=self._routing.route(invoice.buyer_reference),
            duplicate_key=duplicate_key(invoice),
            links=links(invoice),
        )
