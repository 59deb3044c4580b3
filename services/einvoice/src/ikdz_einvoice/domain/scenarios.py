"""KoSIT's validation scenarios for XRechnung 3.0.2: which rules apply and which severities they override.

The KoSIT validator configuration for XRechnung (``scenarios.xml`` of itplr-kosit/
validator-configuration-xrechnung, release 2026-01-31) selects a scenario by document type and the
exact specification identifier (BT-24, ``cbc:CustomizationID`` / ``ram:GuidelineSpecifiedDocumentContextParameter/ram:ID``),
runs XML Schema, the CEN EN 16931 Schematron and, for XRechnung scenarios, the XRechnung Schematron,
then applies the scenario's ``customLevel`` overrides and accepts the document only if no error
remains. A document no scenario matches is rejected.

That configuration is not on a package registry (its zip is published on GitHub and KoSIT's
GitLab only), so the overrides are kept here as data. Sources: KoSIT ``scenarios.xml``
(CIUS, extension and CVD scenarios, as summarised in the project's XRechnung reference) and, for
the same rule release, phive-rules-xrechnung 4.2.3 (``XRechnungValidation``, XRechnung 3.0.2 with
Schematron 2.5.0), which carries the same overrides except the two KoSIT added for UBL-CR-646 and
the CVD scenario. KoSIT's ``error`` is our ``fatal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ikdz_einvoice.domain.document import ParsedDocument, Syntax
from ikdz_einvoice.domain.fields import customization_ids
from ikdz_einvoice.domain.validation import Severity

EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG_CIUS = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
XRECHNUNG_EXTENSION = f"{XRECHNUNG_CIUS}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"
XRECHNUNG_CVD = f"{XRECHNUNG_CIUS}#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"

FATAL, WARN, INFO = Severity.FATAL, Severity.WARNING, Severity.INFORMATION


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    syntax: Syntax
    customization_id: str
    xrechnung_rules: bool
    """Whether the XRechnung Schematron runs after the CEN Schematron (not for plain EN 16931)."""
    levels: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))

    def severity(self, rule_id: str, declared: Severity) -> Severity:
        return self.levels.get(rule_id, declared)


def _levels(**levels: Severity) -> Mapping[str, Severity]:
    return MappingProxyType({rule.replace("_", "-"): level for rule, level in levels.items()})


_CIUS_UBL = _levels(BR_CL_23=WARN, BR_CL_21=WARN, UBL_CR_646=FATAL)
_CIUS_CII = _levels(BR_CL_23=WARN, BR_CL_21=WARN, CII_SR_452=FATAL, CII_SR_453=FATAL, CII_SR_454=FATAL)
_EXT_UBL = _levels(
    BR_CL_21=INFO, BR_CL_23=WARN, BR_CL_24=INFO, BR_CL_10=INFO, BR_CL_11=INFO, BR_CL_25=INFO, BR_CL_26=INFO,
    BR_CO_16=INFO, UBL_CR_470=INFO, UBL_CR_646=INFO,
)  # fmt: skip
_EXT_CII = _levels(
    BR_CL_23=WARN, BR_CL_21=INFO, BR_CL_11=INFO, BR_CL_10=INFO, BR_CL_24=INFO, BR_CL_25=INFO, BR_CL_26=INFO,
    CII_SR_452=FATAL, CII_SR_453=FATAL, CII_SR_454=FATAL,
)  # fmt: skip
_CVD_UBL = MappingProxyType({**_CIUS_UBL, "BR-CL-13": INFO})
_CVD_CII = MappingProxyType({**_CIUS_CII, "BR-CL-13": INFO})

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("EN16931 XRechnung (UBL Invoice)", Syntax.UBL_INVOICE, XRECHNUNG_CIUS, True, _CIUS_UBL),
    Scenario("EN16931 XRechnung (UBL CreditNote)", Syntax.UBL_CREDIT_NOTE, XRECHNUNG_CIUS, True, _CIUS_UBL),
    Scenario("EN16931 XRechnung (CII)", Syntax.CII, XRECHNUNG_CIUS, True, _CIUS_CII),
    Scenario("EN16931 XRechnung Extension (UBL Invoice)", Syntax.UBL_INVOICE, XRECHNUNG_EXTENSION, True, _EXT_UBL),
    Scenario("EN16931 XRechnung Extension (CII)", Syntax.CII, XRECHNUNG_EXTENSION, True, _EXT_CII),
    Scenario("EN16931 XRechnung CVD (UBL Invoice)", Syntax.UBL_INVOICE, XRECHNUNG_CVD, True, _CVD_UBL),
    Scenario("EN16931 XRechnung CVD (UBL CreditNote)", Syntax.UBL_CREDIT_NOTE, XRECHNUNG_CVD, True, _CVD_UBL),
    Scenario("EN16931 XRechnung CVD (CII)", Syntax.CII, XRECHNUNG_CVD, True, _CVD_CII),
    Scenario("EN16931 (UBL Invoice)", Syntax.UBL_INVOICE, EN16931, False),
    Scenario("EN16931 (UBL CreditNote)", Syntax.UBL_CREDIT_NOTE, EN16931, False),
    Scenario("EN16931 (CII)", Syntax.CII, EN16931, False),
)


def select_scenario(syntax: Syntax, customization_id: str | None) -> Scenario | None:
    """The scenario for this document type and exact BT-24 value; ``None`` means the document is rejected."""
    if customization_id is None:
        return None
    for scenario in SCENARIOS:
        if scenario.syntax is syntax and scenario.customization_id == customization_id:
            return scenario
    return None


def scenario_for(document: ParsedDocument) -> tuple[str | None, Scenario | None]:
    """The document's BT-24 and the scenario it selects.

    With several CII guideline parameters the first one that selects a scenario counts, as KoSIT's
    ``match`` expressions test whether any of them equals the scenario's identifier.
    """
    values = customization_ids(document)
    for value in values:
        scenario = select_scenario(document.syntax, value)
        if scenario is not None:
            return value, scenario
    return (values[0] if values else None), None
