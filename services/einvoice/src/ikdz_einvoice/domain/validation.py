"""The validation report: every finding of XML Schema and Schematron, and the verdict they lead to."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from ikdz_einvoice.domain.document import Syntax

_BUSINESS_TERM = re.compile(r"\b(B[TG]-(?:DEX-)?\d{1,4})\b")


class Severity(StrEnum):
    """Effective severity after the scenario's overrides; only ``fatal`` rejects an invoice."""

    FATAL = "fatal"
    WARNING = "warning"
    INFORMATION = "information"


class Stage(StrEnum):
    """Which rule set produced a finding."""

    SCENARIO = "scenario"
    XML_SCHEMA = "xml-schema"
    EN16931 = "en16931"
    XRECHNUNG = "xrechnung"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def severity_of_flag(flag: str | None) -> Severity:
    """Map a Schematron ``flag``/``role`` to a severity as the KoSIT validator does (fatal/error -> fatal)."""
    match (flag or "").strip().lower():
        case "warning" | "warn":
            return Severity.WARNING
        case "information" | "info":
            return Severity.INFORMATION
        case _:
            return Severity.FATAL  # "fatal", "error", and an assertion without a flag


def business_terms(text: str) -> tuple[str, ...]:
    """The EN 16931 business terms and groups (BT-n, BG-n, BT-DEX-n) a rule message names, in order."""
    return tuple(dict.fromkeys(_BUSINESS_TERM.findall(text)))


class Finding(BaseModel):
    """One failed assertion or report of a rule, or an XML Schema error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    severity: Severity
    flag: str | None = None
    """The severity the rule itself declares (SVRL ``flag``), before any scenario override."""
    stage: Stage
    message: str
    location: str | None = None
    """An XPath into the document (Schematron) or ``line N, column M`` (XML Schema)."""
    business_terms: tuple[str, ...] = ()


class RuleSetInfo(BaseModel):
    """The named, pinned releases a report was produced with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    xrechnung: str
    xrechnung_schematron: str
    en16931: str
    ubl: str
    cii: str
    source: str


class ValidationReport(BaseModel):
    """The result of validating one document against the rules of the scenario its BT-24 selects."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    syntax: Syntax
    customization_id: str | None
    scenario: str | None
    """The matched KoSIT scenario's name; ``None`` if no scenario accepts this specification identifier."""
    findings: tuple[Finding, ...]
    rules: RuleSetInfo

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> Verdict:
        if self.scenario is None or any(f.severity is Severity.FATAL for f in self.findings):
            return Verdict.REJECTED
        return Verdict.ACCEPTED

    @property
    def accepted(self) -> bool:
        return self.verdict is Verdict.ACCEPTED

    def fatal(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.FATAL)

    def rule_ids(self, severity: Severity | None = None) -> set[str]:
        return {f.rule_id for f in self.findings if severity is None or f.severity is severity}
