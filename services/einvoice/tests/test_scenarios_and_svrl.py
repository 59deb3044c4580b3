"""KoSIT scenario selection, severity levels and SVRL reading, without running any rules."""

from __future__ import annotations

import pytest
from ikdz_einvoice.domain.document import Syntax
from ikdz_einvoice.domain.scenarios import (
    EN16931,
    SCENARIOS,
    XRECHNUNG_CIUS,
    XRECHNUNG_CVD,
    XRECHNUNG_EXTENSION,
    scenario_for,
    select_scenario,
)
from ikdz_einvoice.domain.svrl import parse_svrl
from ikdz_einvoice.domain.validation import Severity, Stage, business_terms, severity_of_flag

from .support import CII_STANDARD, edited


@pytest.mark.parametrize(
    ("syntax", "bt24", "name"),
    [
        (Syntax.UBL_INVOICE, XRECHNUNG_CIUS, "EN16931 XRechnung (UBL Invoice)"),
        (Syntax.UBL_CREDIT_NOTE, XRECHNUNG_CIUS, "EN16931 XRechnung (UBL CreditNote)"),
        (Syntax.CII, XRECHNUNG_CIUS, "EN16931 XRechnung (CII)"),
        (Syntax.UBL_INVOICE, XRECHNUNG_EXTENSION, "EN16931 XRechnung Extension (UBL Invoice)"),
        (Syntax.CII, XRECHNUNG_EXTENSION, "EN16931 XRechnung Extension (CII)"),
        (Syntax.CII, XRECHNUNG_CVD, "EN16931 XRechnung CVD (CII)"),
        (Syntax.UBL_CREDIT_NOTE, EN16931, "EN16931 (UBL CreditNote)"),
        (Syntax.UBL_CREDIT_NOTE, XRECHNUNG_EXTENSION, None),  # KoSIT has no extension scenario for credit notes
        (Syntax.UBL_INVOICE, XRECHNUNG_CIUS + " ", None),  # compared verbatim
        (Syntax.UBL_INVOICE, "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", None),
        (Syntax.UBL_INVOICE, None, None),
    ],
)
def test_scenario_selection(syntax: Syntax, bt24: str | None, name: str | None) -> None:
    scenario = select_scenario(syntax, bt24)
    assert (scenario.name if scenario else None) == name


def test_scenario_names_are_unique_and_en16931_runs_no_xrechnung_rules() -> None:
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
    assert all(s.xrechnung_rules == (s.customization_id != EN16931) for s in SCENARIOS)


def test_kosit_levels() -> None:
    cius = select_scenario(Syntax.UBL_INVOICE, XRECHNUNG_CIUS)
    extension = select_scenario(Syntax.UBL_INVOICE, XRECHNUNG_EXTENSION)
    cvd = select_scenario(Syntax.CII, XRECHNUNG_CVD)
    assert cius is not None
    assert extension is not None
    assert cvd is not None
    assert cius.severity("BR-CL-21", Severity.FATAL) is Severity.WARNING
    assert cius.severity("UBL-CR-646", Severity.WARNING) is Severity.FATAL
    assert cius.severity("BR-CO-16", Severity.FATAL) is Severity.FATAL
    assert extension.severity("BR-CO-16", Severity.FATAL) is Severity.INFORMATION
    assert cvd.severity("BR-CL-13", Severity.FATAL) is Severity.INFORMATION
    assert cvd.severity("CII-SR-452", Severity.WARNING) is Severity.FATAL


def test_any_cii_guideline_parameter_may_select_the_scenario() -> None:
    second = (
        "<ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:other</ram:ID>"
        "</ram:GuidelineSpecifiedDocumentContextParameter><ram:GuidelineSpecifiedDocumentContextParameter>"
    )
    document = edited(CII_STANDARD, "<ram:GuidelineSpecifiedDocumentContextParameter>", second)
    bt24, scenario = scenario_for(document)
    assert bt24 == XRECHNUNG_CIUS
    assert scenario is not None


@pytest.mark.parametrize(
    ("flag", "severity"),
    [
        ("fatal", Severity.FATAL),
        ("error", Severity.FATAL),
        ("ERROR", Severity.FATAL),
        (None, Severity.FATAL),
        ("warning", Severity.WARNING),
        ("warn", Severity.WARNING),
        ("information", Severity.INFORMATION),
        ("info", Severity.INFORMATION),
    ],
)
def test_flags_map_to_severities(flag: str | None, severity: Severity) -> None:
    assert severity_of_flag(flag) is severity


def test_business_terms_are_read_from_the_message() -> None:
    message = "[BR-DEX-09] Die Summe (BT-DEX-002) muss BT-115 und BG-22 entsprechen; BT-115 zählt einmal."
    assert business_terms(message) == ("BT-DEX-002", "BT-115", "BG-22")
    assert business_terms("no terms here, not even XBT-1") == ()


SVRL = """<?xml version="1.0" encoding="UTF-8"?>
<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <svrl:fired-rule context="/"/>
  <svrl:failed-assert id="BR-CL-21" flag="fatal" location="/Invoice[1]/Line[1]" test="x">
    <svrl:text>[BR-CL-21]-Item standard identifier (BT-157) scheme
      identifier shall be from the ISO 6523 list.</svrl:text>
  </svrl:failed-assert>
  <svrl:successful-report id="BR-DE-TMP-32" flag="information" location="/Invoice[1]" test="y">
    <svrl:text>Hinweis zu BG-14</svrl:text>
  </svrl:successful-report>
  <svrl:failed-assert id="R-1" role="warning" location="/Invoice[1]" test="z"><svrl:text>role only</svrl:text></svrl:failed-assert>
</svrl:schematron-output>"""


def test_svrl_findings_with_and_without_a_scenario() -> None:
    declared = parse_svrl(SVRL, Stage.EN16931)
    assert [(f.rule_id, f.severity, f.flag) for f in declared] == [
        ("BR-CL-21", Severity.FATAL, "fatal"),
        ("BR-DE-TMP-32", Severity.INFORMATION, "information"),
        ("R-1", Severity.WARNING, "warning"),
    ]
    first = declared[0]
    assert (
        first.message
        == "[BR-CL-21]-Item standard identifier (BT-157) scheme identifier shall be from the ISO 6523 list."
    )
    assert first.business_terms == ("BT-157",)
    assert first.location == "/Invoice[1]/Line[1]"
    assert first.stage is Stage.EN16931

    leveled = parse_svrl(SVRL, Stage.EN16931, select_scenario(Syntax.UBL_INVOICE, XRECHNUNG_CIUS))
    assert leveled[0].severity is Severity.WARNING
    assert leveled[0].flag == "fatal"
