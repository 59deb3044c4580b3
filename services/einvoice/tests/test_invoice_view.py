"""The readable view model: German labels per business term, de-DE formatting, on every official instance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from ikdz_einvoice.domain.document import Syntax
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.formatting import format_amount, format_date, format_iban, format_number, format_percent
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.invoice_view import InvoiceView, build_invoice_view
from ikdz_einvoice.domain.labels import BUSINESS_TERMS_DE
from ikdz_einvoice.domain.validation import Finding, RuleSetInfo, Severity, Stage, ValidationReport

from .support import CEN_EXAMPLES, CII_STANDARD, TESTSUITE, UBL_STANDARD, instances, load

COMPREHENSIVE_UBL = TESTSUITE / "technical-cases" / "cius" / "01.01_comprehensive_test_ubl.xml"
COMPREHENSIVE_CII = TESTSUITE / "technical-cases" / "cius" / "01.01_comprehensive_test_uncefact.xml"
RULES = RuleSetInfo(
    xrechnung="3.0.2", xrechnung_schematron="2.5.0", en16931="1.3.15", ubl="2.1", cii="D16B", source="t"
)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("0"), 0, "0"),
        (Decimal("1234.5"), 0, "1.234,5"),
        (Decimal("1234.5"), 2, "1.234,50"),
        (Decimal("1234567.891"), 2, "1.234.567,891"),
        (Decimal("-1000"), 2, "-1.000,00"),
        (Decimal("999"), 0, "999"),
        (Decimal("1.000"), 0, "1"),
        (Decimal("0.0500"), 2, "0,05"),
        (Decimal("1E+3"), 0, "1.000"),
    ],
)
def test_numbers_are_formatted_de_de(value: Decimal, places: int, expected: str) -> None:
    assert format_number(value, min_places=places) == expected


def test_amounts_percentages_dates_and_ibans_read_as_in_german_documents() -> None:
    assert format_amount(Decimal("336.9"), "EUR") == "336,90\u00a0€"
    assert format_amount(Decimal("-12"), "USD") == "-12,00\u00a0USD"
    assert format_amount(Decimal("0.125")) == "0,125"
    assert format_percent(Decimal("19.00")) == "19\u00a0%"
    assert format_percent(Decimal("7.5")) == "7,5\u00a0%"
    assert format_date(date(2026, 1, 5)) == "05.01.2026"
    assert format_iban("DE75512108001245126199") == "DE75 5121 0800 1245 1261 99"


def _official_invoices() -> list[Path]:
    return [*instances(TESTSUITE), *instances(CEN_EXAMPLES)]


def _all_fields(view: InvoiceView) -> list[tuple[str | None, str]]:
    fields = [f for section in view.sections for f in section.fields] + list(view.totals) + list(view.notes)
    return [(f.term, f.value) for f in fields]


@pytest.mark.parametrize("path", _official_invoices(), ids=lambda p: p.name)
def test_every_official_instance_shows_its_business_terms(path: Path) -> None:
    invoice = extract_invoice(load(path))
    view = build_invoice_view(invoice)
    fields = _all_fields(view)
    shown = {term for term, _ in fields}
    values = dict(fields)

    assert {"BT-1", "BT-2", "BT-3", "BT-5", "BT-24", "BT-27", "BT-44", "BT-106", "BT-109", "BT-112", "BT-115"} <= shown
    assert values["BT-1"] == invoice.number and invoice.number in view.title
    assert values["BT-2"] == format_date(invoice.issue_date)
    assert values["BT-115"] == format_amount(invoice.totals.payable, invoice.currency)
    assert view.payable.value in view.subtitle
    for term, value in [
        ("BT-10", invoice.buyer_reference),
        ("BT-13", invoice.order_reference),
        ("BT-31", invoice.seller.vat_id),
        ("BT-20", invoice.payment.terms),
    ]:
        assert (value is not None) == (term in shown), term
        if value is not None and term != "BT-31":
            assert value in [v for t, v in fields if t == term]
    if invoice.due_date is not None:
        assert values["BT-9"] == format_date(invoice.due_date)
    for iban in invoice.payment.ibans:
        assert format_iban(iban) in [v for t, v in fields if t == "BT-84"]
    # every term shown is a known term with a German label, and no value is empty
    assert all(term is None or term in BUSINESS_TERMS_DE for term, _ in fields)
    assert all(value.strip() for _, value in fields)
    assert len(view.lines.rows) == len(invoice.lines)
    assert [row[0] for row in view.lines.rows] == [line.id for line in invoice.lines]
    assert all(len(row) == len(view.lines.columns) for row in view.lines.rows)
    assert [row[-1] for row in view.lines.rows] == [
        format_amount(ln.net_amount, invoice.currency) for ln in invoice.lines
    ]
    assert len(view.vat_breakdown.rows) == len(invoice.vat_breakdown)
    assert len(view.notes) == len(invoice.notes)
    assert (view.allowances_charges is None) == (not invoice.allowances_charges)
    line_items = [item for line in invoice.lines for item in line.allowances_charges]
    assert len(view.line_allowances_charges.rows if view.line_allowances_charges else ()) == len(line_items)
    details = {row[1] for row in (view.line_details.rows if view.line_details else ())}
    assert ("Artikelbeschreibung (BT-154)" in details) == any(line.item_description for line in invoice.lines)
    assert len(view.supporting_documents.rows if view.supporting_documents else ()) == len(invoice.supporting_documents)
    assert ("BT-59" in shown) == (invoice.payee is not None)
    assert ("BT-62" in shown) == (invoice.tax_representative is not None)


def test_the_standard_invoice_reads_as_a_clerk_expects() -> None:
    view = build_invoice_view(extract_invoice(load(UBL_STANDARD)))
    assert view.title == "Rechnung 123456XX"
    assert view.subtitle == "[Seller name] an [Buyer name], 04.04.2016, fällig: 336,90\u00a0€"
    document, seller, buyer, payment = view.sections
    assert [s.title for s in view.sections] == ["Rechnung", "Verkäufer", "Käufer", "Zahlung"]
    assert ("Leitweg-ID (Käuferreferenz) (BT-10)", "04011000-12345-03") in document.items
    assert ("Rechnungsart (BT-3)", "Rechnung (380)") in document.items
    assert ("Umsatzsteuer-Identifikationsnummer (BT-31)", "DE 123456789") in seller.items
    assert ("Telefon (BT-42)", "+49 1234-5678") in seller.items
    assert ("Anschrift (BT-50)", "[Buyer address line 1], 12345 [Buyer city]") in buyer.items
    assert ("Zahlungsart (BT-81)", "SEPA-Überweisung (58)") in payment.items
    assert ("IBAN (BT-84)", "DE79 0000 0000 1234 5678 90") in payment.items
    assert view.lines.rows[1] == (
        "Porto + Versandkosten",
        "Porto + Versandkosten",
        "1",
        "Stück",
        "26,07\u00a0€",
        "7\u00a0%",
        "26,07\u00a0€",
    )
    assert view.vat_breakdown.rows == (("Normalsatz (S)", "7\u00a0%", "314,86\u00a0€", "22,04\u00a0€", ""),)
    assert view.notes[0].label == "Anmerkung" and view.notes[0].value.startswith("Es gelten unsere")
    assert [f.value for f in view.totals] == [
        "314,86\u00a0€",
        "314,86\u00a0€",
        "22,04\u00a0€",
        "336,90\u00a0€",
        "336,90\u00a0€",
    ]


@pytest.mark.parametrize("path", [COMPREHENSIVE_UBL, COMPREHENSIVE_CII], ids=lambda p: p.name)
def test_allowances_charges_dates_and_references_are_shown(path: Path) -> None:
    invoice = extract_invoice(load(path))
    view = build_invoice_view(invoice)
    values = dict(_all_fields(view))
    assert values["BT-72"] == "13.04.2018"
    assert values["BT-73"].endswith(format_date(invoice.period_end)) if invoice.period_end else True
    assert values["BT-19"] == "Buchungscode1"
    assert values["BT-11"] == "PR12345678"
    assert values["BT-12"] == "0000000752"
    assert view.allowances_charges is not None
    kinds = [row[0] for row in view.allowances_charges.rows]
    assert kinds == ["Zuschlag", "Zuschlag", "Nachlass", "Nachlass"]
    assert view.allowances_charges.rows[2][1] == "Fixed long term (Code 102)"
    assert view.allowances_charges.rows[2][-1] == "-10,00\u00a0€"  # an allowance reduces the amount
    assert view.allowances_charges.rows[0][-1] == "10,00\u00a0€"
    assert view.allowances_charges.rows[0][4] == "0\u00a0% (Steuerbefreit)"


@pytest.mark.parametrize("path", [COMPREHENSIVE_UBL, COMPREHENSIVE_CII], ids=lambda p: p.name)
def test_payee_tax_representative_delivery_and_supporting_documents_are_shown(path: Path) -> None:
    view = build_invoice_view(extract_invoice(load(path)))
    sections = {s.title: s for s in view.sections}
    payee = sections["Zahlungsempfänger"]
    assert payee.term == "BG-10"
    assert ("Name (BT-59)", "[Payee name]") in payee.items
    assert ("Kennung (BT-60)", "74") in payee.items
    representative = sections["Steuervertreter des Verkäufers"]
    assert representative.term == "BG-11"
    assert representative.items == (
        ("Name (BT-62)", "[Seller tax representative name]"),
        ("Umsatzsteuer-Identifikationsnummer (BT-63)", "DE124567"),
        (
            "Anschrift (BT-64)",
            "[Seller tax representative address line 1], [Seller tax representative address line 2], "
            "[Seller tax representative address line 3], 12345 [Seller tax representative city], Bayern",
        ),
    )
    delivery = sections["Lieferung"]
    assert delivery.term == "BG-13"
    assert delivery.items == (
        ("Name des Empfängers (BT-70)", "[Deliver to party name]"),
        ("Kennung des Lieferorts (BT-71)", "68"),
        ("Lieferanschrift (BT-75)", "[Deliver to street], 4. OG, More Details, 98765 [Deliver to city], Bayern"),
    )
    documents = view.supporting_documents
    assert documents is not None and documents.term == "BG-24"
    assert [c.label for c in documents.columns] == ["Kennung", "Beschreibung", "Dateiname", "Dateityp"]
    assert documents.rows[0] == (
        "01_15_Anhang_01.pdf",
        "Aufschlüsselung der einzelnen Leistungspositionen",
        "01_15_Anhang_01.pdf",
        "application/pdf",
    )
    assert len(documents.rows) == 2


@pytest.mark.parametrize("path", [COMPREHENSIVE_UBL, COMPREHENSIVE_CII], ids=lambda p: p.name)
def test_line_allowances_and_charges_are_shown_with_their_line(path: Path) -> None:
    table = build_invoice_view(extract_invoice(load(path))).line_allowances_charges
    assert table is not None and table.caption == "Nachlässe und Zuschläge auf Positionsebene"
    assert [(c.label, c.term) for c in table.columns] == [
        ("Pos.", "BT-126"),
        ("Art", None),
        ("Grund", "BT-139"),
        ("Grundbetrag", "BT-137"),
        ("Prozentsatz", "BT-138"),
        ("Betrag", "BT-136"),
    ]
    assert table.rows[0] == ("1", "Zuschlag", "Testing (Code TAC)", "200,00\u00a0€", "10\u00a0%", "20,00\u00a0€")
    assert table.rows[2] == (
        "1",
        "Nachlass",
        "Fixed long term (Code 102)",
        "200,00\u00a0€",
        "10\u00a0%",
        "-20,00\u00a0€",
    )
    assert all(row[0] == "1" for row in table.rows[:4])


def test_syntaxes_agree_on_the_same_business_case() -> None:
    ubl, cii = (build_invoice_view(extract_invoice(load(p))) for p in (UBL_STANDARD, CII_STANDARD))
    assert extract_invoice(load(CII_STANDARD)).syntax is Syntax.CII
    assert ubl.lines == cii.lines
    assert ubl.vat_breakdown == cii.vat_breakdown
    assert ubl.notes == cii.notes
    assert ubl.payable == cii.payable


def _report(*findings: Finding) -> ValidationReport:
    return ValidationReport(
        syntax=Syntax.UBL_INVOICE,
        customization_id="x",
        scenario="XRechnung (UBL Invoice)",
        findings=findings,
        rules=RULES,
    )


def _finding(rule_id: str, severity: Severity, message: str, terms: tuple[str, ...] = ()) -> Finding:
    return Finding(
        rule_id=rule_id, severity=severity, stage=Stage.XRECHNUNG, message=message, location="/x", business_terms=terms
    )


def test_findings_come_most_severe_first_with_a_plain_german_meaning() -> None:
    invoice: Invoice = extract_invoice(load(UBL_STANDARD))
    report = _report(
        _finding("BR-CL-23", Severity.WARNING, "[BR-CL-23] Unit code", ("BT-130",)),
        _finding("UNKNOWN-1", Severity.INFORMATION, "something"),
        _finding("BR-DE-15", Severity.FATAL, "[BR-DE-15] Das Element „Buyer reference“ (BT-10) ...", ("BT-10",)),
    )
    view = build_invoice_view(invoice, report)
    assert view.accepted is False
    assert view.verdict == "Abgelehnt nach XRechnung 3.0.2 (Schematron 2.5.0), EN 16931 1.3.15"
    assert [f.rule_id for f in view.findings] == ["BR-DE-15", "BR-CL-23", "UNKNOWN-1"]
    assert [f.severity_label for f in view.findings] == ["Fehler", "Warnung", "Hinweis"]
    fatal = view.findings[0]
    assert fatal.explanation is not None and "Leitweg-ID" in fatal.explanation
    assert fatal.terms == ("BT-10 Leitweg-ID (Käuferreferenz)",)
    assert fatal.row[3].startswith("[BR-DE-15]")  # the official message is kept next to the explanation
    assert view.findings[2].explanation is None


def test_an_accepted_report_says_so() -> None:
    view = build_invoice_view(extract_invoice(load(UBL_STANDARD)), _report())
    assert view.accepted is True
    assert view.verdict is not None and view.verdict.startswith("Gültig nach XRechnung 3.0.2")
    assert view.findings == ()
    assert build_invoice_view(extract_invoice(load(UBL_STANDARD))).verdict is None


@pytest.mark.parametrize("path", [COMPREHENSIVE_UBL, COMPREHENSIVE_CII], ids=lambda p: p.name)
def test_line_period_price_details_and_item_terms_are_shown_with_their_line(path: Path) -> None:
    table = build_invoice_view(extract_invoice(load(path))).line_details
    assert table is not None and table.caption == "Weitere Angaben zu den Positionen"
    assert [(c.label, c.term) for c in table.columns] == [("Pos.", "BT-126"), ("Angabe", None), ("Wert", None)]
    first = tuple(row for row in table.rows if row[0] == "1")
    assert {row[1] for row in table.rows if row[0] == "2"} <= {"Basismenge (BT-149)"}
    assert first[1:] == (
        ("1", "Objektkennung (BT-128)", "ANG987654321 (Schema ABZ)"),
        ("1", "Buchungsreferenz des Käufers (BT-133)", "Konto 1"),
        ("1", "Abrechnungszeitraum (BT-134)", "13.04.2018 bis 13.04.2018"),
        ("1", "Bruttopreis (BT-148)", format_amount(Decimal("168.125"), "EUR")),
        ("1", "Preisnachlass (BT-147)", "10,00\u00a0€"),
        ("1", "Basismenge (BT-149)", "1 Stück"),
        ("1", "Artikelbeschreibung (BT-154)", "Anforderungsmanagement"),
        ("1", "Artikelnummer des Verkäufers (BT-155)", "1034"),
        ("1", "Artikelnummer des Käufers (BT-156)", "5034"),
        ("1", "Standard-Artikelkennung (BT-157)", "123456789 (Schema 0088)"),
        ("1", "Artikelklassifizierung (BT-158)", "0721-880X (Liste IB)"),
        ("1", "Artikelklassifizierung (BT-158)", "0721-880XYZ (Liste IB)"),
        ("1", "Herkunftsland (BT-159)", "Deutschland (DE)"),
        ("1", "Artikelmerkmal (BT-160)", "[Description]: [Value]"),
        ("1", "Artikelmerkmal (BT-160)", "[Description 2]: [Value 2]"),
    )
    assert first[0][1] == "Bemerkung zur Position (BT-127)"
    assert first[0][2].startswith("Die letzte Lieferung im Rahmen des abgerechneten Abonnements")


@pytest.mark.parametrize("path", [COMPREHENSIVE_UBL, COMPREHENSIVE_CII], ids=lambda p: p.name)
def test_vat_point_date_process_and_document_references_are_shown(path: Path) -> None:
    document = build_invoice_view(extract_invoice(load(path))).sections[0]
    for item in (
        ("Steuerdatum (BT-7)", "13.04.2018"),
        ("Auftragsnummer des Verkäufers (BT-14)", "ABC123456789"),
        ("Wareneingangsmeldung (BT-15)", "RAR123456789"),
        ("Versandanzeige (BT-16)", "DAR123456789"),
        ("Ausschreibung oder Los (BT-17)", "ANG987654321"),
        ("Objektkennung (BT-18)", "OK987654321"),
        ("Geschäftsprozess (BT-23)", "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"),
    ):
        assert item in document.items


@pytest.mark.parametrize(("syntax", "code"), [("ubl", "3"), ("uncefact", "5")])
def test_the_vat_point_date_code_is_named(syntax: str, code: str) -> None:
    path = TESTSUITE / "technical-cases" / "cius" / f"01.02_comprehensive_test_{syntax}.xml"
    document = build_invoice_view(extract_invoice(load(path))).sections[0]
    assert ("Steuerdatum nach (BT-8)", f"Rechnungsdatum ({code})") in document.items


@pytest.mark.parametrize("syntax", ["ubl", "uncefact"])
def test_direct_debit_terms_are_shown_under_payment(syntax: str) -> None:
    path = TESTSUITE / "technical-cases" / "cius" / f"01.04_comprehensive_test_{syntax}.xml"
    payment = next(s for s in build_invoice_view(extract_invoice(load(path))).sections if s.title == "Zahlung")
    assert ("Zahlungsart (BT-81)", "SEPA-Lastschrift (59)") in payment.items
    assert ("Mandatsreferenz (BT-89)", "[Mandate Reference Identifier]") in payment.items
    assert ("Gläubiger-Identifikationsnummer (BT-90)", "[Bank assigned creditor identifier]") in payment.items
    assert ("Belastetes Konto (BT-91)", "DE79 0000 0000 1234 5678 90") in payment.items
