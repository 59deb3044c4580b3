"""Validation with the official rules: XML Schema (lxml), then the CEN and KoSIT Schematron XSLT (SaxonC-HE).

The four stylesheets and two schemas are compiled once, when the validator is built (about one to
five seconds); validating one invoice then costs milliseconds. Saxon only ever sees the
re-serialised tree of a :class:`ParsedDocument`, which the hardened parser produced and which holds
no DOCTYPE; in addition Saxon's XML parser is told to refuse any DOCTYPE, so even a mistake
upstream cannot make it expand entities or fetch a DTD.

One validator serves one process; calls are serialised by a lock (SaxonC executables are not
thread-safe, and the work is CPU-bound either way): run more processes for more throughput.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from lxml import etree
from saxonche import PySaxonProcessor  # type: ignore[import-not-found]  # compiled module without stubs

from ikdz_einvoice.adapters.rule_artefacts import RuleArtefacts
from ikdz_einvoice.adapters.xml_schemas import load_cii_schema, load_ubl_schema
from ikdz_einvoice.domain.document import ParsedDocument, Syntax
from ikdz_einvoice.domain.errors import EinvoiceError
from ikdz_einvoice.domain.scenarios import SCENARIOS, Scenario, scenario_for
from ikdz_einvoice.domain.svrl import parse_svrl
from ikdz_einvoice.domain.validation import Finding, Severity, Stage, ValidationReport

_DISALLOW_DOCTYPE = (
    "http://saxon.sf.net/feature/parserFeature?uri=http%3A//apache.org/xml/features/disallow-doctype-decl"
)


class ValidationEngineError(EinvoiceError):
    """The rule engine failed on a document that passed the XML gate (a fault on our side, not the sender's)."""


def _schema_findings(schema: etree.XMLSchema) -> list[Finding]:
    return [
        Finding(
            rule_id="XML-SCHEMA",
            severity=Severity.FATAL,
            flag="error",
            stage=Stage.XML_SCHEMA,
            message=error.message,
            location=f"line {error.line}, column {error.column}",
        )
        for error in schema.error_log
    ]


def _no_scenario(syntax: Syntax, bt24: str | None) -> Finding:
    accepted = sorted({s.customization_id for s in SCENARIOS if s.syntax is syntax})
    return Finding(
        rule_id="IKDZ-SCENARIO",
        severity=Severity.FATAL,
        stage=Stage.SCENARIO,
        message=(
            f"No validation scenario for a {syntax.value} document with specification identifier (BT-24) "
            f"{bt24!r}; accepted are: {', '.join(accepted)}"
        ),
        location="/*/cbc:CustomizationID"
        if syntax.is_ubl
        else "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
        business_terms=("BT-24",),
    )


class XRechnungValidator:
    """Validates parsed documents against the pinned XRechnung / EN 16931 rules and KoSIT's scenarios."""

    def __init__(self, artefacts: RuleArtefacts) -> None:
        self.artefacts = artefacts
        self._lock = threading.Lock()
        self._processor = PySaxonProcessor(license=False)
        self._processor.set_configuration_property(_DISALLOW_DOCTYPE, "true")
        compiler = self._processor.new_xslt30_processor()

        def compile_(role: str) -> Any:  # saxonche has no type information
            return compiler.compile_stylesheet(stylesheet_file=str(artefacts[role]))

        self._xslt: dict[tuple[bool, Stage], Any] = {
            (True, Stage.EN16931): compile_("en16931_ubl_xslt"),
            (True, Stage.XRECHNUNG): compile_("xrechnung_ubl_xslt"),
            (False, Stage.EN16931): compile_("en16931_cii_xslt"),
            (False, Stage.XRECHNUNG): compile_("xrechnung_cii_xslt"),
        }
        self._ubl_schema = load_ubl_schema(artefacts)
        self._cii_schema = load_cii_schema(artefacts)

    def _schema(self, syntax: Syntax) -> etree.XMLSchema:
        return self._ubl_schema if syntax.is_ubl else self._cii_schema

    def _run_schematron(
        self, document: ParsedDocument, stages: Sequence[Stage], scenario: Scenario | None
    ) -> list[Finding]:
        try:
            node = self._processor.parse_xml(xml_text=document.canonical_text())
            findings: list[Finding] = []
            for stage in stages:
                svrl = self._xslt[(document.syntax.is_ubl, stage)].transform_to_string(xdm_node=node)
                findings.extend(parse_svrl(svrl, stage, scenario))
        except Exception as error:  # saxonche raises PySaxonApiError; any failure here is ours
            raise ValidationEngineError(f"Schematron run failed: {error}") from error
        return findings

    def schematron(
        self, document: ParsedDocument, *, stages: Sequence[Stage] = (Stage.EN16931, Stage.XRECHNUNG)
    ) -> list[Finding]:
        """The rules' own findings (declared severities, no scenario, no XML Schema): for rule-level tests."""
        with self._lock:
            return self._run_schematron(document, stages, None)

    def validate(self, document: ParsedDocument) -> ValidationReport:
        """XML Schema, then the scenario's Schematron stages, as the KoSIT validator would run them.

        Like KoSIT, the Schematron stages run only on a schema-valid document, and a document whose
        BT-24 selects no scenario is rejected without further checks.
        """
        bt24, scenario = scenario_for(document)
        if scenario is None:
            findings = [_no_scenario(document.syntax, bt24)]
        else:
            with self._lock:
                schema = self._schema(document.syntax)
                findings = [] if schema.validate(document.root) else _schema_findings(schema)
                if not findings:
                    stages = (Stage.EN16931, Stage.XRECHNUNG) if scenario.xrechnung_rules else (Stage.EN16931,)
                    findings = self._run_schematron(document, stages, scenario)
        return ValidationReport(
            syntax=document.syntax,
            customization_id=bt24,
            scenario=scenario.name if scenario else None,
            findings=tuple(findings),
            rules=self.artefacts.release,
        )
