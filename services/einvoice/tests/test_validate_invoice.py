"""The validate-invoice use case: refused, rejected, unroutable or accepted, with what the caller needs."""

from __future__ import annotations

import hashlib

import pytest
from ikdz_einvoice.adapters.config_files import load_leitweg_routing
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.app.validate_invoice import OutcomeStatus, ValidateInvoice
from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.errors import RefusalReason
from ikdz_einvoice.domain.routing import InvoiceRoute, RoutingRejection, RoutingRejectionReason
from ikdz_einvoice.domain.validation import Finding, RuleSetInfo, Severity, Stage, ValidationReport

from .support import CII_STANDARD, UBL_STANDARD, XXE

RULES = RuleSetInfo(
    xrechnung="3.0.2", xrechnung_schematron="2.5.0", en16931="1.3.15", ubl="2.1", cii="D16B", source="t"
)
WURZEN_KAEMMEREI = "14729410-24"


class FakeValidator:
    """Accepts everything, or rejects with one fatal finding; records what it was given."""

    def __init__(self, *, accept: bool = True) -> None:
        self.accept = accept
        self.seen: list[ParsedDocument] = []

    def validate(self, document: ParsedDocument) -> ValidationReport:
        self.seen.append(document)
        findings = (
            ()
            if self.accept
            else (Finding(rule_id="BR-01", severity=Severity.FATAL, stage=Stage.EN16931, message="x"),)
        )
        return ValidationReport(
            syntax=document.syntax, customization_id="x", scenario="fake", findings=findings, rules=RULES
        )


def with_leitweg_id(leitweg_id: str) -> bytes:
    return UBL_STANDARD.read_text(encoding="utf-8").replace("04011000-12345-03", leitweg_id).encode()


def test_an_accepted_routable_invoice() -> None:
    data = with_leitweg_id(WURZEN_KAEMMEREI)
    outcome = ValidateInvoice(FakeValidator(), load_leitweg_routing())(data)
    assert outcome.status is OutcomeStatus.ACCEPTED
    assert outcome.sha256 == hashlib.sha256(data).hexdigest()
    assert outcome.size == len(data)
    assert outcome.invoice is not None
    assert outcome.invoice.number == "123456XX"
    assert isinstance(outcome.route, InvoiceRoute)
    assert (outcome.route.owner_ags, outcome.route.pool) == ("14729410", "wurzen")
    assert outcome.duplicate_key is not None
    assert outcome.duplicate_key.value == "VAT:DE123456789|123456XX|invoice"
    assert outcome.model_dump(mode="json")["status"] == "accepted"


def test_a_valid_invoice_with_a_wrong_leitweg_id_is_unroutable() -> None:
    outcome = ValidateInvoice(FakeValidator(), load_leitweg_routing())(UBL_STANDARD.read_bytes())
    assert outcome.status is OutcomeStatus.UNROUTABLE
    assert isinstance(outcome.route, RoutingRejection)
    assert outcome.route.reason is RoutingRejectionReason.UNKNOWN_RECIPIENT  # 04011000-12345-03 is Bremen's


def test_a_rejected_invoice_is_not_extracted() -> None:
    outcome = ValidateInvoice(FakeValidator(accept=False), load_leitweg_routing())(UBL_STANDARD.read_bytes())
    assert outcome.status is OutcomeStatus.REJECTED
    assert outcome.report is not None
    assert outcome.invoice is None
    assert outcome.route is None


def test_a_refused_upload_never_reaches_the_validator() -> None:
    validator = FakeValidator()
    use_case = ValidateInvoice(validator, load_leitweg_routing(), max_bytes=1000)
    hostile = use_case(XXE)
    too_large = use_case(b"<a>" + b"x" * 1000 + b"</a>")
    assert validator.seen == []
    assert hostile.status is OutcomeStatus.REFUSED
    assert hostile.refusal is not None
    assert hostile.refusal.reason is RefusalReason.DOCTYPE
    assert hostile.sha256 == hashlib.sha256(XXE).hexdigest()
    assert too_large.refusal is not None
    assert too_large.refusal.reason is RefusalReason.TOO_LARGE
    assert too_large.sha256 is None


@pytest.mark.rules
def test_with_the_official_rules(validator: XRechnungValidator) -> None:
    data = CII_STANDARD.read_text(encoding="utf-8").replace("04011000-12345-03", "14729410-BAU-48").encode()
    outcome = ValidateInvoice(validator, load_leitweg_routing())(data)
    assert outcome.status is OutcomeStatus.ACCEPTED
    assert isinstance(outcome.route, InvoiceRoute)
    assert outcome.route.department == "Bauamt"
