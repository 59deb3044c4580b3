"""Read the SVRL report a compiled Schematron writes into findings, applying the scenario's levels."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ikdz_einvoice.domain.scenarios import Scenario
from ikdz_einvoice.domain.validation import Finding, Stage, business_terms, severity_of_flag

SVRL = "http://purl.oclc.org/dsdl/svrl"
_FAILED_ASSERT = f"{{{SVRL}}}failed-assert"
_SUCCESSFUL_REPORT = f"{{{SVRL}}}successful-report"
_TEXT = f"{{{SVRL}}}text"


def _svrl_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _message(element: etree._Element) -> str:
    text = element.find(_TEXT)
    raw = "".join(text.itertext()) if text is not None else ""
    return " ".join(raw.split())


def _findings(report: etree._Element, stage: Stage, scenario: Scenario | None) -> Iterator[Finding]:
    for element in report.iter(_FAILED_ASSERT, _SUCCESSFUL_REPORT):
        flag = element.get("flag") or element.get("role")
        rule_id = element.get("id") or "(no rule id)"
        declared = severity_of_flag(flag)
        message = _message(element)
        yield Finding(
            rule_id=rule_id,
            severity=scenario.severity(rule_id, declared) if scenario else declared,
            flag=flag,
            stage=stage,
            message=message,
            location=element.get("location"),
            business_terms=business_terms(message),
        )


def parse_svrl(svrl: str | bytes, stage: Stage, scenario: Scenario | None = None) -> list[Finding]:
    """Every ``failed-assert`` and ``successful-report`` of an SVRL document, in document order."""
    data = svrl.encode() if isinstance(svrl, str) else svrl
    return list(_findings(etree.fromstring(data, _svrl_parser()), stage, scenario))
