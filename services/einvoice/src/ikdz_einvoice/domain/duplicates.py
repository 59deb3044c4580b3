"""Duplicate detection and correction links: which received invoices are "the same document".

An invoice is a duplicate of an earlier one when the same seller sent the same invoice number with
the same kind of document. The key is normalised so that formatting differences do not hide a
duplicate:

- **seller**: the first of VAT ID (BT-31), seller identifier (BT-29, with its scheme), tax number
  (BT-32), legal registration ID (BT-30), else the seller's name (BT-27); upper case, without
  blanks, dots, hyphens and slashes (names: case-folded, blanks collapsed);
- **number** (BT-1): upper case, without blanks;
- **kind** from the type code (BT-3, UNTDID 1001): ``credit-note`` (381 and the other credit codes,
  or a UBL CreditNote), ``corrected-invoice`` (384), else ``invoice``. An invoice and a credit note
  with the same number are two documents; so are an invoice and its correction.

A credit note or corrected invoice names the invoice it corrects (BG-3, BT-25); :func:`links`
gives the references (seller + number, any kind) to look the corrected invoice up.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ikdz_einvoice.domain.invoice import Invoice, Party

_ID_NOISE = re.compile(r"[\s./\-]+")
CORRECTED_INVOICE_TYPE_CODE = "384"


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit-note"
    CORRECTED_INVOICE = "corrected-invoice"


class InvoiceReference(BaseModel):
    """Seller and invoice number: how a credit note or correction names the invoice it refers to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seller: str
    number: str

    @property
    def value(self) -> str:
        return f"{self.seller}|{self.number}"


class DuplicateKey(BaseModel):
    """Same key, same document: store a unique index on :attr:`value`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seller: str
    number: str
    kind: DocumentKind

    @property
    def value(self) -> str:
        return f"{self.seller}|{self.number}|{self.kind.value}"

    @property
    def reference(self) -> InvoiceReference:
        return InvoiceReference(seller=self.seller, number=self.number)


def normalise_identifier(value: str) -> str:
    return _ID_NOISE.sub("", value).upper()


def normalise_number(value: str) -> str:
    return "".join(value.split()).upper()


def seller_key(seller: Party) -> str:
    """The seller's most stable identifier, prefixed with what it is (``VAT:``, ``ID:``, ``TAX:``, ...)."""
    if seller.vat_id:
        return f"VAT:{normalise_identifier(seller.vat_id)}"
    if seller.identifiers:
        first = seller.identifiers[0]
        return f"ID:{(first.scheme or '').upper()}:{normalise_identifier(first.value)}"
    if seller.tax_number:
        return f"TAX:{normalise_identifier(seller.tax_number)}"
    if seller.legal_registration_id:
        return f"REG:{normalise_identifier(seller.legal_registration_id.value)}"
    return "NAME:" + " ".join(seller.name.casefold().split())


def document_kind(invoice: Invoice) -> DocumentKind:
    if invoice.is_credit_note:
        return DocumentKind.CREDIT_NOTE
    if invoice.type_code.strip() == CORRECTED_INVOICE_TYPE_CODE:
        return DocumentKind.CORRECTED_INVOICE
    return DocumentKind.INVOICE


def duplicate_key(invoice: Invoice) -> DuplicateKey:
    return DuplicateKey(
        seller=seller_key(invoice.seller), number=normalise_number(invoice.number), kind=document_kind(invoice)
    )


def links(invoice: Invoice) -> tuple[InvoiceReference, ...]:
    """The invoices this document corrects or credits (BG-3), as references under the same seller."""
    seller = seller_key(invoice.seller)
    return tuple(
        dict.fromkeys(
            InvoiceReference(seller=seller, number=normalise_number(ref.number)) for ref in invoice.preceding_invoices
        )
    )
