"""The readable view served as HTML and PDF: KERN page, German, accessible structure, 404 for the unseen."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from ikdz_einvoice.adapters.invoice_html import render_invoice_html
from ikdz_einvoice.adapters.pdf_documents import render_invoice_pdf
from ikdz_einvoice.app.ports import InvoiceRecord
from ikdz_einvoice.domain.document import Syntax
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.invoice_view import build_invoice_view
from ikdz_einvoice.domain.validation import Finding, RuleSetInfo, Severity, Stage, ValidationReport
from ikdz_einvoice.entrypoints.invoice_pages import invoice_pages_router
from lxml import html as lxml_html

from .support import TESTSUITE, UBL_STANDARD, load, pdf_text

COMPREHENSIVE = TESTSUITE / "technical-cases" / "cius" / "01.01_comprehensive_test_ubl.xml"
RULES = RuleSetInfo(
    xrechnung="3.0.2", xrechnung_schematron="2.5.0", en16931="1.3.15", ubl="2.1", cii="D16B", source="t"
)
REPORT = ValidationReport(
    syntax=Syntax.UBL_INVOICE,
    customization_id="x",
    scenario="XRechnung (UBL Invoice)",
    findings=(
        Finding(
            rule_id="BR-DE-21",
            severity=Severity.WARNING,
            stage=Stage.XRECHNUNG,
            message="[BR-DE-21] <b>Spezifikationskennung</b> & mehr",
            location="/*:Invoice[1]",
            business_terms=("BT-24",),
        ),
    ),
    rules=RULES,
)


class FakeReader:
    def __init__(self) -> None:
        self.records = {"r-1": InvoiceRecord(extract_invoice(load(COMPREHENSIVE)), REPORT, "Wurzen")}

    async def invoice_for_view(self, invoice_id: str) -> InvoiceRecord | None:
        return self.records.get(invoice_id)


def client() -> TestClient:
    app = FastAPI()
    app.include_router(invoice_pages_router(FakeReader()))
    return TestClient(app)


def test_the_page_shows_every_part_of_the_invoice_in_german() -> None:
    response = client().get("/rechnungen/r-1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = lxml_html.fromstring(response.text)
    assert page.get("lang") == "de"
    assert page.findtext(".//title").startswith("Rechnung 1234567 – E-Rechnung")
    assert [h.text_content().strip() for h in page.iter("h1")] == ["Rechnung 1234567"]
    headings = [h.text_content().strip() for h in page.iter("h2")]
    for heading in ("Rechnung", "Verkäufer", "Käufer", "Zahlung", "Bemerkungen", "Beträge"):
        assert heading in headings
    for heading in ("Zahlungsempfänger", "Steuervertreter des Verkäufers", "Lieferung"):
        assert heading in headings
    captions = [c.text_content().strip() for c in page.iter("caption")]
    assert captions == [
        "Rechnungspositionen",
        "Weitere Angaben zu den Positionen",
        "Nachlässe und Zuschläge auf Positionsebene",
        "Nachlässe und Zuschläge auf Rechnungsebene",
        "Umsatzsteuer",
        "Rechnungsbegründende Unterlagen",
        "Meldungen der Prüfung (1)",
    ]
    for table in page.iter("table"):  # every data table has column headers
        assert all(th.get("scope") == "col" for th in table.find("thead").iter("th"))
    terms = [dt.text_content().strip() for dt in page.iter("dt")]
    assert "Leitweg-ID (Käuferreferenz) (BT-10)" in terms
    assert "Fälliger Betrag (BT-115)" in terms
    assert "Wurzen" in page.find(".//header").text_content()
    # the findings' text is escaped, never markup
    assert "<b>Spezifikationskennung</b> &amp; mehr" not in response.text
    assert "&lt;b&gt;Spezifikationskennung&lt;/b&gt; &amp; mehr" in response.text
    assert 'href="/rechnungen/r-1/pdf"' in response.text
    # supporting documents (BG-24) are named, never embedded or linked
    assert "01_15_Anhang_01.pdf" in response.text and "application/pdf" in response.text
    assert "https://xeinkauf.de/xrechnung/" not in response.text and "JVBERi0" not in response.text
    assert [a.get("href") for a in page.iter("a")] == ["#inhalt", "/rechnungen/r-1/pdf"]


def test_an_unknown_or_unseen_invoice_is_404_in_german() -> None:
    response = client().get("/rechnungen/nicht-da")
    assert response.status_code == 404
    assert "Rechnung nicht gefunden" in response.text
    assert client().get("/rechnungen/nicht-da/pdf").status_code == 404


def test_the_pdf_route_serves_the_same_view() -> None:
    response = client().get("/rechnungen/r-1/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="rechnung-1234567.pdf"'
    content = pdf_text(response.content)
    assert b"1234567" in content
    assert b"BR-DE-21" in content
    assert b"Leitweg-ID" in content
    for text in (
        b"[Payee name]",
        b"[Seller tax representative name]",
        b"98765",
        b"01_15_Anhang_02.pdf",
        b"0721-880XYZ",
        b"RAR123456789",
    ):
        assert text in content
    assert b"https://xeinkauf.de/xrechnung/" not in content


def test_html_and_pdf_render_deterministically_without_a_report() -> None:
    view = build_invoice_view(extract_invoice(load(UBL_STANDARD)))
    page = render_invoice_html(view)
    assert "Prüfung" not in page  # no report, no verdict section
    assert render_invoice_pdf(view) == render_invoice_pdf(view)
