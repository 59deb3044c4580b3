"""Extraction of the typed invoice from UBL and CII instances of the official test suite."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ikdz_einvoice.domain.document import Syntax
from ikdz_einvoice.domain.errors import ExtractionError
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.fields import note
from ikdz_einvoice.domain.invoice import (
    Address,
    DocumentReference,
    Identifier,
    Invoice,
    ItemAttribute,
    SupportingDocument,
)

from .support import CEN_EXAMPLES, CII_STANDARD, TESTSUITE, UBL_STANDARD, edited, instances, load

COMPREHENSIVE = TESTSUITE / "technical-cases" / "cius"


def extract(path: Path) -> Invoice:
    return extract_invoice(load(path))


@pytest.mark.parametrize("path", [UBL_STANDARD, CII_STANDARD], ids=["ubl", "cii"])
def test_business_case_01_01a(path: Path) -> None:
    invoice = extract(path)
    assert invoice.syntax is (Syntax.CII if path == CII_STANDARD else Syntax.UBL_INVOICE)
    assert invoice.number == "123456XX"
    assert invoice.type_code == "380"
    assert invoice.issue_date == date(2016, 4, 4)
    assert invoice.currency == "EUR"
    assert invoice.buyer_reference == "04011000-12345-03"
    assert invoice.seller.name == "[Seller name]"
    assert invoice.seller.vat_id == "DE 123456789"
    assert invoice.buyer.name == "[Buyer name]"
    assert invoice.totals.line_total == Decimal("314.86")
    assert invoice.totals.tax_total == Decimal("22.04")
    assert invoice.totals.payable == Decimal("336.9")
    assert [(v.category, v.rate, v.taxable_amount, v.tax_amount) for v in invoice.vat_breakdown] == [
        ("S", Decimal(7), Decimal("314.86"), Decimal("22.04"))
    ]
    assert invoice.payment.means_code == "58"
    assert invoice.payment.ibans == ("DE79000000001234567890",)
    assert invoice.payment.terms == "Zahlbar sofort ohne Abzug."
    assert [(line.item_name, line.net_amount) for line in invoice.lines] == [
        ("Zeitschrift [...]", Decimal("288.79")),
        ("Porto + Versandkosten", Decimal("26.07")),
    ]
    assert invoice.lines[0].vat_rate == Decimal(7)
    assert invoice.lines[0].order_line_reference == "6171175.1"


@pytest.mark.parametrize(
    "path",
    [COMPREHENSIVE / "01.01_comprehensive_test_ubl.xml", COMPREHENSIVE / "01.01_comprehensive_test_uncefact.xml"],
    ids=["ubl", "cii"],
)
def test_comprehensive_case_01_01(path: Path) -> None:
    invoice = extract(path)
    assert invoice.number == "1234567"
    assert invoice.issue_date == date(2018, 4, 13)
    assert invoice.due_date == date(2018, 4, 13)
    assert invoice.vat_currency == "GBP"
    assert invoice.buyer_reference == "90000000-03083-72"
    assert invoice.order_reference == "65002278"
    assert invoice.preceding_invoices[0] == DocumentReference(number="PIR1234567890", issue_date=date(2018, 2, 4))
    assert invoice.payment.ibans[0] == "DE79000000001234567890"
    assert invoice.totals.tax_total == Decimal("2048.44")  # BT-110 in EUR, not BT-111 in GBP


def test_a_ubl_credit_note() -> None:
    invoice = extract(CEN_EXAMPLES / "ubl" / "ubl-tc434-creditnote1.xml")
    assert invoice.syntax is Syntax.UBL_CREDIT_NOTE
    assert invoice.is_credit_note
    assert invoice.type_code == "381"
    assert invoice.number == "018304 / 28865"
    assert invoice.payment.ibans == ("BE91000000143476",)
    assert invoice.payment.accounts[0].bic == "BPOTBEB1"
    assert invoice.lines[0].quantity == Decimal("1.00")
    assert invoice.lines[0].unit_code == "C62"


ACCEPTED = [
    *instances(TESTSUITE),
    *(p for p in instances(CEN_EXAMPLES) if "BIS3" not in p.name and "issue116" not in p.name),
]


@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: p.name)
def test_every_official_instance_extracts_consistently(path: Path) -> None:
    invoice = extract(path)
    assert sum(line.net_amount for line in invoice.lines) == invoice.totals.line_total  # BR-CO-10
    assert invoice.lines
    assert invoice.vat_breakdown


def core(invoice: Invoice) -> dict[str, object]:
    """The business terms both syntaxes of one test-suite business case carry alike."""
    return {
        "number": invoice.number,
        "type": invoice.type_code,
        "issue": invoice.issue_date,
        "due": invoice.due_date,
        "currency": invoice.currency,
        "leitweg": invoice.buyer_reference,
        "seller": invoice.seller.name,
        "amounts": (
            invoice.totals.line_total,
            invoice.totals.tax_exclusive,
            invoice.totals.tax_inclusive,
            invoice.totals.payable,
        ),
        "vat": [(v.category, v.rate, v.taxable_amount, v.tax_amount) for v in invoice.vat_breakdown],
        "ibans": invoice.payment.ibans,
        "lines": [(line.id, line.quantity, line.net_amount, line.vat_rate) for line in invoice.lines],
    }


PAIRS = [
    (ubl, ubl.with_name(ubl.name.replace("_ubl", "_uncefact")))
    for ubl in instances(TESTSUITE)
    if ubl.name.endswith("_ubl.xml") and ubl.with_name(ubl.name.replace("_ubl", "_uncefact")).exists()
]


@pytest.mark.parametrize(("ubl", "cii"), PAIRS, ids=[p[0].name.removesuffix("_ubl.xml") for p in PAIRS])
def test_ubl_and_cii_of_one_business_case_extract_alike(ubl: Path, cii: Path) -> None:
    assert core(extract(ubl)) == core(extract(cii))


def test_a_missing_mandatory_term_is_reported() -> None:
    document = edited(UBL_STANDARD, "<cbc:IssueDate>2016-04-04</cbc:IssueDate>", "")
    with pytest.raises(ExtractionError, match="BT-2"):
        extract_invoice(document)


def test_an_unreadable_amount_is_reported() -> None:
    document = edited(
        CII_STANDARD,
        "<ram:DuePayableAmount>336.9</ram:DuePayableAmount>",
        "<ram:DuePayableAmount>336,90</ram:DuePayableAmount>",
    )
    with pytest.raises(ExtractionError, match="not a number"):
        extract_invoice(document)


@pytest.mark.parametrize(
    "path", [TESTSUITE / "technical-cases" / "cius" / f"01.01_comprehensive_test_{s}.xml" for s in ("ubl", "uncefact")]
)
def test_notes_contact_allowances_dates_and_references_are_extracted(path: Path) -> None:
    invoice = extract_invoice(load(path))
    assert [(n.subject_code, n.text) for n in invoice.notes] == [
        ("AAC", "Invoice Note Description"),
        ("AAC", "Invoice Note Description 2"),
    ]
    assert invoice.delivery_date == date(2018, 4, 13)
    assert invoice.buyer_accounting_reference == "Buchungscode1"
    assert (invoice.project_reference, invoice.contract_reference) == ("PR12345678", "0000000752")
    charges = [a for a in invoice.allowances_charges if a.charge]
    allowances = [a for a in invoice.allowances_charges if not a.charge]
    assert [a.reason for a in charges] == ["Testing", "Testing 2"]
    assert [a.reason_code for a in allowances] == ["102", "102"]
    assert sum(a.amount for a in allowances) == invoice.totals.allowance_total
    assert sum(a.amount for a in charges) == invoice.totals.charge_total
    assert allowances[0].base_amount == Decimal("100") and allowances[0].percentage == Decimal("10")


@pytest.mark.parametrize("path", [UBL_STANDARD, CII_STANDARD])
def test_seller_contact_and_note_subject(path: Path) -> None:
    invoice = extract_invoice(load(path))
    assert invoice.seller.contact is not None
    assert (invoice.seller.contact.phone, invoice.seller.contact.email) == ("+49 1234-5678", "seller@email.de")
    assert invoice.notes[0].subject_code == "ADU"
    assert not invoice.notes[0].text.startswith("#")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("#ADU#Es gelten unsere AGB.", ("ADU", "Es gelten unsere AGB.")),
        ("Kein Betreff", (None, "Kein Betreff")),
        ("#SKONTO#TAGE=7#PROZENT=2.00#", (None, "#SKONTO#TAGE=7#PROZENT=2.00#")),
        ("#1#Zahl", (None, "#1#Zahl")),
    ],
)
def test_ubl_note_subject_codes_are_split_off(raw: str, expected: tuple[str | None, str]) -> None:
    assert note(raw) == expected


@pytest.mark.parametrize(
    "path", [COMPREHENSIVE / f"01.01_comprehensive_test_{s}.xml" for s in ("ubl", "uncefact")], ids=["ubl", "cii"]
)
def test_payee_tax_representative_delivery_and_supporting_documents_are_extracted(path: Path) -> None:
    invoice = extract(path)
    assert invoice.payee is not None
    assert invoice.payee.name == "[Payee name]"
    assert invoice.payee.identifiers == (Identifier(value="74"),)
    representative = invoice.tax_representative
    assert representative is not None
    assert (representative.name, representative.vat_id) == ("[Seller tax representative name]", "DE124567")
    assert representative.address == Address(
        street="[Seller tax representative address line 1]",
        additional_street="[Seller tax representative address line 2]",
        address_line="[Seller tax representative address line 3]",
        city="[Seller tax representative city]",
        postcode="12345",
        subdivision="Bayern",
        country="DE",
    )
    assert invoice.delivery is not None
    assert (invoice.delivery.party_name, invoice.delivery.location_id) == (
        "[Deliver to party name]",
        Identifier(value="68"),
    )
    assert invoice.delivery.address == Address(
        street="[Deliver to street]",
        additional_street="4. OG",
        address_line="More Details",
        city="[Deliver to city]",
        postcode="98765",
        subdivision="Bayern",
        country="DE",
    )
    # BG-24 only: the BT-18 reference (type 130) and, in CII, the BT-17 tender reference (type 50) stay out
    assert invoice.supporting_documents == tuple(
        SupportingDocument(
            reference=f"01_15_Anhang_0{n}.pdf",
            description="Aufschlüsselung der einzelnen Leistungspositionen",
            filename=f"01_15_Anhang_0{n}.pdf",
            mime_code="application/pdf",
        )
        for n in (1, 2)
    )


def test_the_payee_legal_registration_id_is_extracted_from_cii() -> None:
    payee = extract(COMPREHENSIVE / "01.01_comprehensive_test_uncefact.xml").payee
    assert payee is not None
    assert payee.legal_registration_id == Identifier(value="90000000-03083-72", scheme="0204")


@pytest.mark.parametrize(
    "path", [COMPREHENSIVE / f"01.01_comprehensive_test_{s}.xml" for s in ("ubl", "uncefact")], ids=["ubl", "cii"]
)
def test_line_allowances_and_charges_are_extracted(path: Path) -> None:
    first = extract(path).lines[0]
    assert [(a.charge, a.reason, a.reason_code) for a in first.allowances_charges] == [
        (True, "Testing", "TAC"),
        (True, "Testing 2", "TAC"),
        (False, "Fixed long term", "102"),
        (False, "Fixed long term 2", "102"),
    ]
    assert {(a.amount, a.base_amount, a.percentage) for a in first.allowances_charges} == {
        (Decimal(20), Decimal(200), Decimal(10))
    }
    assert all(a.vat_category is None and a.vat_rate is None for a in first.allowances_charges)


@pytest.mark.parametrize(
    "path", [COMPREHENSIVE / f"01.01_comprehensive_test_{s}.xml" for s in ("ubl", "uncefact")], ids=["ubl", "cii"]
)
def test_line_period_price_details_and_item_terms_are_extracted(path: Path) -> None:
    first, second = extract(path).lines
    assert first.note is not None and first.note.startswith("Die letzte Lieferung im Rahmen des abgerechneten")
    assert first.object_id == Identifier(value="ANG987654321", scheme="ABZ")
    assert first.buyer_accounting_reference == "Konto 1"
    assert (first.period_start, first.period_end) == (date(2018, 4, 13), date(2018, 4, 13))
    assert (first.net_price, first.price_discount, first.gross_price) == (
        Decimal("158.125"),
        Decimal(10),
        Decimal("168.125"),
    )
    assert (first.base_quantity, first.base_quantity_unit) == (Decimal(1), "XPP")
    assert first.item_description == "Anforderungsmanagement"
    assert (first.seller_item_id, first.buyer_item_id) == ("1034", "5034")
    assert first.standard_item_id == Identifier(value="123456789", scheme="0088")
    assert first.classifications == (
        Identifier(value="0721-880X", scheme="IB"),
        Identifier(value="0721-880XYZ", scheme="IB"),
    )
    assert first.origin_country == "DE"
    assert first.attributes == (
        ItemAttribute(name="[Description]", value="[Value]"),
        ItemAttribute(name="[Description 2]", value="[Value 2]"),
    )
    assert (second.note, second.object_id, second.item_description, second.attributes) == (None, None, None, ())


@pytest.mark.parametrize(
    "path", [COMPREHENSIVE / f"01.01_comprehensive_test_{s}.xml" for s in ("ubl", "uncefact")], ids=["ubl", "cii"]
)
def test_vat_point_date_process_and_document_references_are_extracted(path: Path) -> None:
    invoice = extract(path)
    assert invoice.vat_point_date == date(2018, 4, 13)
    assert invoice.business_process == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert (
        invoice.sales_order_reference,
        invoice.receiving_advice_reference,
        invoice.despatch_advice_reference,
        invoice.tender_reference,
        invoice.invoiced_object_id,
    ) == ("ABC123456789", "RAR123456789", "DAR123456789", "ANG987654321", Identifier(value="OK987654321"))


@pytest.mark.parametrize(("syntax", "code"), [("ubl", "3"), ("uncefact", "5")])
def test_the_vat_point_date_code_is_extracted(syntax: str, code: str) -> None:
    # UBL writes UNTDID 2005, CII UNTDID 2475: both codes mean "the invoice date"
    assert extract(COMPREHENSIVE / f"01.02_comprehensive_test_{syntax}.xml").vat_point_date_code == code


@pytest.mark.parametrize("syntax", ["ubl", "uncefact"])
def test_direct_debit_terms_are_extracted(syntax: str) -> None:
    payment = extract(COMPREHENSIVE / f"01.04_comprehensive_test_{syntax}.xml").payment
    assert (payment.means_code, payment.mandate_reference, payment.creditor_id, payment.debited_account) == (
        "59",
        "[Mandate Reference Identifier]",
        "[Bank assigned creditor identifier]",
        "DE79000000001234567890",
    )


def test_instances_without_these_groups_leave_them_empty() -> None:
    for path in (UBL_STANDARD, CII_STANDARD):
        invoice = extract(path)
        assert (invoice.payee, invoice.tax_representative, invoice.supporting_documents) == (None, None, ())
        assert all(not line.allowances_charges for line in invoice.lines)
