"""Pinned findings on modified official instances: rule id, severity, stage, business terms, location."""

from __future__ import annotations

import pytest
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.scenarios import EN16931, XRECHNUNG_CIUS, XRECHNUNG_EXTENSION
from ikdz_einvoice.domain.validation import Finding, Severity, Stage, ValidationReport, Verdict

from .support import CII_STANDARD, TESTSUITE, UBL_STANDARD, edited, load, without

pytestmark = pytest.mark.rules

CBC = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
RAM = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
EXTENSION = TESTSUITE / "business-cases" / "extension" / "05.01a-INVOICE_ubl.xml"
CVD = TESTSUITE / "technical-cases" / "cvd" / "02.01a-cvd_INVOICE_ubl.xml"


def the(report: ValidationReport, rule_id: str) -> Finding:
    found = [f for f in report.findings if f.rule_id == rule_id]
    assert found, f"{rule_id} not reported; got {sorted(report.rule_ids())}"
    return found[0]


@pytest.mark.parametrize(
    "document",
    [
        without(UBL_STANDARD, "//cbc:BuyerReference", CBC),
        without(CII_STANDARD, "//ram:BuyerReference", RAM),
    ],
    ids=["ubl", "cii"],
)
def test_br_de_15_a_missing_leitweg_id_rejects(validator: XRechnungValidator, document: ParsedDocument) -> None:
    report = validator.validate(document)
    assert report.verdict is Verdict.REJECTED
    finding = the(report, "BR-DE-15")
    assert finding.severity is Severity.FATAL
    assert finding.flag == "fatal"
    assert finding.stage is Stage.XRECHNUNG
    assert finding.business_terms == ("BT-10",)
    assert "Buyer reference" in finding.message
    assert finding.location
    assert [f.rule_id for f in report.fatal()] == ["BR-DE-15"]


def test_br_co_10_line_amounts_must_add_up(validator: XRechnungValidator) -> None:
    document = edited(UBL_STANDARD, ">288.79</cbc:LineExtensionAmount>", ">288.80</cbc:LineExtensionAmount>")
    report = validator.validate(document)
    assert report.verdict is Verdict.REJECTED
    finding = the(report, "BR-CO-10")
    assert (finding.severity, finding.stage) == (Severity.FATAL, Stage.EN16931)
    assert finding.business_terms == ("BT-106", "BT-131")
    assert finding.location is not None
    assert "LegalMonetaryTotal" in finding.location


def test_br_co_15_total_with_vat_must_add_up_in_cii(validator: XRechnungValidator) -> None:
    document = edited(
        CII_STANDARD,
        "<ram:GrandTotalAmount>336.9</ram:GrandTotalAmount>",
        "<ram:GrandTotalAmount>336.8</ram:GrandTotalAmount>",
    )
    report = validator.validate(document)
    assert report.verdict is Verdict.REJECTED
    assert the(report, "BR-CO-15").severity is Severity.FATAL
    assert "BT-112" in the(report, "BR-CO-15").business_terms


def test_warnings_and_information_do_not_reject(validator: XRechnungValidator) -> None:
    report = validator.validate(load(UBL_STANDARD))
    assert report.verdict is Verdict.ACCEPTED
    assert the(report, "BR-DE-TMP-32").severity is Severity.INFORMATION
    assert not report.fatal()


def test_xml_schema_errors_reject_before_schematron(validator: XRechnungValidator) -> None:
    document = edited(UBL_STANDARD, "<cbc:BuyerReference>", "<cbc:Unbekannt>x</cbc:Unbekannt><cbc:BuyerReference>")
    report = validator.validate(document)
    assert report.verdict is Verdict.REJECTED
    assert {f.stage for f in report.findings} == {Stage.XML_SCHEMA}
    finding = the(report, "XML-SCHEMA")
    assert "Unbekannt" in finding.message
    assert finding.location == "line 12, column 0"


def test_the_extension_scenario_lowers_kosit_levels(validator: XRechnungValidator) -> None:
    report = validator.validate(load(EXTENSION))
    assert report.scenario == "EN16931 XRechnung Extension (UBL Invoice)"
    assert report.verdict is Verdict.ACCEPTED
    finding = the(report, "BR-CO-16")
    assert finding.flag == "fatal"  # what the CEN rule declares ...
    assert finding.severity is Severity.INFORMATION  # ... and what KoSIT's scenario makes of it


def test_an_extension_invoice_declared_as_plain_xrechnung_is_rejected(validator: XRechnungValidator) -> None:
    document = edited(EXTENSION, XRECHNUNG_EXTENSION, XRECHNUNG_CIUS)
    report = validator.validate(document)
    assert report.scenario == "EN16931 XRechnung (UBL Invoice)"
    assert report.verdict is Verdict.REJECTED
    assert the(report, "BR-CO-16").severity is Severity.FATAL


def test_the_cvd_scenario_allows_other_currencies(validator: XRechnungValidator) -> None:
    assert validator.validate(load(CVD)).verdict is Verdict.ACCEPTED
    cvd_id = f"{XRECHNUNG_CIUS}#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"
    report = validator.validate(
        edited(CVD, f"<cbc:CustomizationID>{cvd_id}<", f"<cbc:CustomizationID>{XRECHNUNG_CIUS}<")
    )
    assert report.verdict is Verdict.REJECTED
    assert the(report, "BR-CL-13").severity is Severity.FATAL


def test_plain_en16931_runs_the_cen_rules_only(validator: XRechnungValidator) -> None:
    document = without(edited(UBL_STANDARD, XRECHNUNG_CIUS, EN16931), "//cbc:BuyerReference", CBC)
    report = validator.validate(document)
    assert report.scenario == "EN16931 (UBL Invoice)"
    assert report.verdict is Verdict.ACCEPTED  # BR-DE-15 is an XRechnung rule
    assert {f.stage for f in report.findings} <= {Stage.EN16931}


@pytest.mark.parametrize(
    "bt24",
    ["urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", " " + XRECHNUNG_CIUS, "urn:foo"],
)
def test_no_scenario_no_acceptance(validator: XRechnungValidator, bt24: str) -> None:
    report = validator.validate(edited(UBL_STANDARD, XRECHNUNG_CIUS, bt24))
    assert report.verdict is Verdict.REJECTED
    assert report.scenario is None
    finding = the(report, "IKDZ-SCENARIO")
    assert finding.business_terms == ("BT-24",)
    assert XRECHNUNG_CIUS in finding.message


def test_a_missing_bt24_selects_no_scenario(validator: XRechnungValidator) -> None:
    report = validator.validate(without(UBL_STANDARD, "//cbc:CustomizationID", CBC))
    assert report.verdict is Verdict.REJECTED
    assert report.customization_id is None


def test_the_report_names_the_rule_releases(validator: XRechnungValidator) -> None:
    report = validator.validate(load(CII_STANDARD))
    assert (report.rules.xrechnung, report.rules.xrechnung_schematron, report.rules.en16931) == (
        "3.0.2",
        "2.5.0",
        "1.3.15",
    )
    dumped = report.model_dump(mode="json")
    assert dumped["verdict"] == "accepted"
    assert dumped["syntax"] == "cii"
