"""einvoice's errors; entrypoints map them to HTTP problems or dead letters.

A refusal carries two texts: a precise English one for the integrator who built the upload, and a
plain German one that can be shown to the supplier who sent the invoice.
"""

from __future__ import annotations

from enum import StrEnum


class EinvoiceError(Exception):
    """Base of einvoice's errors."""


class RefusalReason(StrEnum):
    """Why an upload was refused before any validation rule ran (stable codes for API clients)."""

    TOO_LARGE = "too-large"
    EMPTY = "empty"
    PDF = "pdf"
    NOT_XML = "not-xml"
    MALFORMED = "malformed-xml"
    DOCTYPE = "doctype-forbidden"
    UNSUPPORTED_DOCUMENT = "unsupported-document"


class DocumentRefusedError(EinvoiceError):
    """The upload is not an XML e-invoice we accept; nothing in it was executed, expanded or fetched."""

    def __init__(self, reason: RefusalReason, detail: str, message_de: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.message_de = message_de


class InvalidLeitwegIdError(EinvoiceError):
    """A Leitweg-ID (BT-10) that is malformed or whose check digits are wrong."""

    def __init__(self, value: str, problem: str) -> None:
        super().__init__(f"invalid Leitweg-ID {value!r}: {problem}")
        self.value = value
        self.problem = problem


class ExtractionError(EinvoiceError):
    """A validated document lacks a value the invoice model needs, or holds one that cannot be read."""
