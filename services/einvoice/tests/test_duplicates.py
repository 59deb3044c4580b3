"""Duplicate keys (same seller, number and kind of document) and links from corrections to invoices."""

from __future__ import annotations

from datetime import date

import pytest
from ikdz_einvoice.domain.duplicates import (
    DocumentKind,
    InvoiceReference,
    document_kind,
    duplicate_key,
    links,
    seller_key,
)
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.invoice import DocumentReference, Identifier, Invoice, Party

from .support import CII_STANDARD, UBL_STANDARD, load

INVOICE = extract_invoice(load(UBL_STANDARD))


def variant(invoice: Invoice = INVOICE, **changes: object) -> Invoice:
    return invoice.model_copy(update=changes)


def seller(**changes: object) -> Party:
    return INVOICE.seller.model_copy(update=changes)


def test_the_same_invoice_in_ubl_and_cii_has_one_key() -> None:
    assert duplicate_key(extract_invoice(load(UBL_STANDARD))) == duplicate_key(extract_invoice(load(CII_STANDARD)))


def test_formatting_does_not_hide_a_duplicate() -> None:
    reformatted = variant(number=" 123456xx ", seller=seller(vat_id="de-123.456.789"))
    assert duplicate_key(reformatted) == duplicate_key(INVOICE)
    assert duplicate_key(INVOICE).value == "VAT:DE123456789|123456XX|invoice"


@pytest.mark.parametrize(
    "changed",
    [
        variant(number="123456XY"),
        variant(seller=seller(vat_id="DE987654321")),
        variant(type_code="381"),
        variant(type_code="384"),
    ],
    ids=["other number", "other seller", "credit note", "corrected invoice"],
)
def test_other_documents_have_other_keys(changed: Invoice) -> None:
    assert duplicate_key(changed) != duplicate_key(INVOICE)


@pytest.mark.parametrize(
    ("party", "expected"),
    [
        (
            seller(vat_id=None, identifiers=(Identifier(value="4000001 000005", scheme="0088"),)),
            "ID:0088:4000001000005",
        ),
        (seller(vat_id=None, identifiers=(), tax_number="201/113/40209"), "TAX:20111340209"),
        (seller(vat_id=None, tax_number=None, legal_registration_id=Identifier(value="HRB 1234")), "REG:HRB1234"),
        (seller(vat_id=None, legal_registration_id=None, name="  Muster  GmbH "), "NAME:muster gmbh"),
    ],
)
def test_the_seller_key_falls_back_in_a_fixed_order(party: Party, expected: str) -> None:
    assert seller_key(party) == expected


@pytest.mark.parametrize(
    ("type_code", "kind"),
    [
        ("380", DocumentKind.INVOICE),
        ("326", DocumentKind.INVOICE),
        ("389", DocumentKind.INVOICE),
        ("875", DocumentKind.INVOICE),
        ("381", DocumentKind.CREDIT_NOTE),
        ("396", DocumentKind.CREDIT_NOTE),
        ("384", DocumentKind.CORRECTED_INVOICE),
    ],
)
def test_document_kind_by_type_code(type_code: str, kind: DocumentKind) -> None:
    assert document_kind(variant(type_code=type_code)) is kind


def test_a_credit_note_and_its_new_invoice_link_to_the_corrected_invoice() -> None:
    original = variant(number="R-2026-100")
    reference = (DocumentReference(number="r-2026-100", issue_date=date(2026, 3, 1)),)
    credit_note = variant(number="G-2026-7", type_code="381", preceding_invoices=reference)
    replacement = variant(number="R-2026-130", type_code="384", preceding_invoices=reference)
    expected = (InvoiceReference(seller="VAT:DE123456789", number="R-2026-100"),)
    assert links(credit_note) == expected
    assert links(replacement) == expected
    assert duplicate_key(original).reference == expected[0]
    assert len({duplicate_key(d).value for d in (original, credit_note, replacement)}) == 3


def test_an_invoice_without_references_links_nothing() -> None:
    assert links(INVOICE) == ()
