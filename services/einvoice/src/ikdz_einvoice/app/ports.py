"""Ports of einvoice's use cases; ``adapters/`` implements them, tests use fakes."""

from __future__ import annotations

from typing import Protocol

from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.validation import ValidationReport


class InvoiceValidator(Protocol):
    """Validates a document that passed the XML gate (``adapters.saxon_validator.XRechnungValidator``)."""

    def validate(self, document: ParsedDocument) -> ValidationReport: ...
