"""The rejection notice: failed rules in plain German, the document named, what to do next; text and PDF."""

from __future__ import annotations

from datetime import date

import pytest
from ikdz_einvoice.adapters.config_files import load_leitweg_routing
from ikdz_einvoice.adapters.pdf_documents import render_rejection_pdf
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.app.rejection_notice import rejection_notice, rejection_reasons
from ikdz_einvoice.app.validate_invoice import OutcomeStatus, ValidateInvoice
from ikdz_einvoice.domain.document import Syntax
from ikdz_einvoice.domain.rejection import DocumentFacts, build_rejection_notice, document_facts, reasons_from_report
from ikdz_einvoice.domain.validation import Finding, RuleSetInfo, Severity, Stage, ValidationReport

from .support import CII_STANDARD, UBL_STANDARD, edited, load, pdf_text

RULES = RuleSetInfo(
    xrechnung="3.0.2", xrechnung_schematron="2.5.0", en16931="1.3.15", ubl="2.1", cii="D16B", source="t"
)
TODAY = date(2026, 11, 25)


def _report(*findings: Finding, scenario: str | None = "XRechnung (UBL Invoice)") -> ValidationReport:
    return ValidationReport(
        syntax=Syntax.UBL_INVOICE, customization_id="x", scenario=scenario, findings=findings, rules=RULES
    )


def test_only_fatal_findings_are_reasons_each_explained_or_quoted() -> None:
    report = _report(
        Finding(rule_id="BR-CL-23", severity=Severity.WARNING, stage=Stage.EN16931, message="unit"),
        Finding(
            rule_id="BR-CO-10",
            severity=Severity.FATAL,
            stage=Stage.EN16931,
            message="[BR-CO-10]-Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).",
            location="/*:Invoice[1]",
            business_terms=("BT-106", "BT-131"),
        ),
        Finding(rule_id="PEPPOL-X", severity=Severity.FATAL, stage=Stage.XRECHNUNG, message="Official text only"),
    )
    reasons = reasons_from_report(report)
    assert [r.rule_id for r in reasons] == ["BR-CO-10", "PEPPOL-X"]
    assert "Summe der Positionen" in reasons[0].explanation
    assert reasons[0].official_message is not None and reasons[0].official_message.startswith("[BR-CO-10]")
    assert reasons[0].terms == ("BT-106 Summe der Positionen (netto)", "BT-131 Nettobetrag")
    assert reasons[0].location == "/*:Invoice[1]"
    assert (reasons[1].explanation, reasons[1].official_message) == ("Official text only", None)


def test_no_scenario_is_explained_even_without_findings() -> None:
    (reason,) = reasons_from_report(_report(scenario=None))
    assert reason.rule_id == "IKDZ-SCENARIO"
    assert "xrechnung_3.0" in reason.explanation


def test_the_notice_names_the_document_the_reasons_and_the_next_steps() -> None:
    facts = document_facts(load(CII_STANDARD), received_on=TODAY, filename="rechnung.xml")
    assert (facts.invoice_number, facts.issue_date, facts.buyer_reference) == (
        "123456XX",
        date(2016, 4, 4),
        "04011000-12345-03",
    )
    report = _report(
        Finding(
            rule_id="BR-DE-15",
            severity=Severity.FATAL,
            stage=Stage.XRECHNUNG,
            message="[BR-DE-15] Das Element „Buyer reference“ (BT-10) muss übermittelt werden.",
            business_terms=("BT-10",),
        )
    )
    notice = build_rejection_notice(
        facts, reasons_from_report(report), town="Stadt Wurzen", issued_on=TODAY, contact="rechnung@wurzen.de"
    )
    text = notice.text()
    assert text.startswith("Stadt Wurzen, 25.11.2026\n\nZurückweisung Ihrer elektronischen Rechnung 123456XX\n")
    assert "Rechnungsdatum: 04.04.2016" in text
    assert "Datei: rechnung.xml" in text
    assert f"Prüfsumme (SHA-256): {facts.sha256}" in text
    assert "einen Grund für die Zurückweisung" in text
    assert "1. BR-DE-15: Die Leitweg-ID (Käuferreferenz, BT-10) fehlt." in text
    assert "Betrifft: BT-10 Leitweg-ID (Käuferreferenz)" in text
    assert "Was Sie jetzt tun können:" in text
    assert "rechnung@wurzen.de" in text


def test_a_notice_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="at least one reason"):
        build_rejection_notice(DocumentFacts(received_on=TODAY), (), town="Stadt Wurzen", issued_on=TODAY)


def test_facts_of_an_unreadable_document_are_left_out() -> None:
    document = edited(
        UBL_STANDARD, "<cbc:IssueDate>2016-04-04</cbc:IssueDate>", "<cbc:IssueDate>kein Datum</cbc:IssueDate>"
    )
    facts = document_facts(document, received_on=TODAY)
    assert facts.issue_date is None and facts.invoice_number == "123456XX"


def test_a_refused_upload_gets_a_notice_naming_the_gate_reason() -> None:
    data = b"%PDF-1.7 not an e-invoice"
    outcome = ValidateInvoice(_NeverCalled(), load_leitweg_routing())(data)
    notice = rejection_notice(outcome, data, town="Stadt Wurzen", received_on=TODAY, issued_on=TODAY, filename="r.pdf")
    (reason,) = notice.reasons
    assert reason.rule_id == "EINGANG-PDF"
    assert "PDF" in reason.explanation
    assert notice.subject == "Zurückweisung Ihrer elektronischen Rechnung"
    assert ("Datei", "r.pdf") in notice.document


class _NeverCalled:
    def validate(self, document: object) -> ValidationReport:
        raise AssertionError(f"the gate refuses before any validation, not {document!r}")


@pytest.mark.rules
def test_a_wrong_leitweg_check_digit_produces_a_rejection_notice(validator: XRechnungValidator) -> None:
    data = UBL_STANDARD.read_text(encoding="utf-8").replace("04011000-12345-03", "14729410-25").encode()
    outcome = ValidateInvoice(validator, load_leitweg_routing())(data)
    assert outcome.status is OutcomeStatus.UNROUTABLE
    notice = rejection_notice(outcome, data, town="Stadt Wurzen", received_on=TODAY, issued_on=TODAY)
    (reason,) = notice.reasons
    assert reason.rule_id == "LEITWEG-ID-INVALID"
    assert "14729410-25" in reason.explanation and "Prüfziffer" in reason.explanation
    assert ("Leitweg-ID", "14729410-25") in notice.document


@pytest.mark.rules
def test_rules_failed_by_a_real_invoice_are_listed(validator: XRechnungValidator) -> None:
    text = UBL_STANDARD.read_text(encoding="utf-8")
    data = text.replace("<cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>", "").encode()
    outcome = ValidateInvoice(validator, load_leitweg_routing())(data)
    assert outcome.status is OutcomeStatus.REJECTED
    reasons = rejection_reasons(outcome)
    assert "BR-DE-15" in [r.rule_id for r in reasons]
    notice = rejection_notice(outcome, data, town="Stadt Wurzen", received_on=TODAY, issued_on=TODAY)
    assert "BR-DE-15: Die Leitweg-ID (Käuferreferenz, BT-10) fehlt." in notice.text()
    assert notice.document[0] == ("Rechnungsnummer", "123456XX")
    accepted = text.replace("04011000-12345-03", "14729410-24").encode()
    accepted_outcome = ValidateInvoice(validator, load_leitweg_routing())(accepted)
    with pytest.raises(ValueError, match="accepted"):
        rejection_notice(accepted_outcome, accepted, town="Stadt Wurzen", received_on=TODAY, issued_on=TODAY)


def test_the_pdf_notice_is_deterministic_and_carries_the_rules() -> None:
    facts = document_facts(load(UBL_STANDARD), received_on=TODAY)
    report = _report(
        Finding(
            rule_id="BR-DE-15", severity=Severity.FATAL, stage=Stage.XRECHNUNG, message="m", business_terms=("BT-10",)
        )
    )
    notice = build_rejection_notice(facts, reasons_from_report(report), town="Stadt Wurzen", issued_on=TODAY)
    pdf = render_rejection_pdf(notice)
    assert pdf.startswith(b"%PDF-")
    assert pdf == render_rejection_pdf(notice)
    content = pdf_text(pdf)
    assert b"BR-DE-15" in content
    assert b"123456XX" in content
