"""Every official test instance gets the verdict its suite expects (KoSIT validator, XRechnung configuration).

- KoSIT test suite (XRechnung 3.0.2): all 86 instances are positive, so all are accepted, each under
  the scenario its BT-24 names (standard, extension, CVD).
- CEN examples: the 27 plain EN 16931 instances are accepted by the EN 16931 scenarios; the Peppol
  BIS 3 and ZUGFeRD 1 instances carry specification identifiers no scenario of the XRechnung
  configuration accepts, so they are rejected.
- KoSIT Schematron unit tests: every ``<?xmute mutator="identity" …?>`` expectation holds on the file
  as it is (rules in ``schematron-invalid`` fire, rules in ``schematron-valid`` do not), and a file
  on which a rule the rules declare fatal must fire is rejected.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.routing import LeitwegRoutingTable, RoutingRejection, RoutingRejectionReason
from ikdz_einvoice.domain.validation import Severity, Verdict

from .support import CEN_EXAMPLES, SCHEMATRON_UNIT_TESTS, TESTSUITE, instances, load

pytestmark = pytest.mark.rules

SUITE = instances(TESTSUITE)
CEN = instances(CEN_EXAMPLES)
UNIT_TESTS = instances(SCHEMATRON_UNIT_TESTS)

CEN_REJECTED = {
    "BIS3_Invoice_negativ.XML": "Peppol BIS 3",
    "BIS3_Invoice_positive.XML": "Peppol BIS 3",
    "issue116.xml": "Peppol BIS 3",
    "CII-BR-CO-10-RoundingIssue.xml": "ZUGFeRD 1 comfort",
    "CII_business_example_02.xml": "ZUGFeRD 1 comfort",
    "CII_business_example_Z.xml": "ZUGFeRD 1 comfort",
}


def expected_scenario(path: Path) -> str:
    kind = {"extension": " Extension", "cvd": " CVD"}.get(path.parent.name, "")
    syntax = "CII" if path.name.endswith("_uncefact.xml") else "UBL Invoice"
    return f"EN16931 XRechnung{kind} ({syntax})"


def test_the_suites_are_complete() -> None:
    assert (len(SUITE), len(CEN), len(UNIT_TESTS)) == (86, 33, 349)


@pytest.mark.parametrize("path", SUITE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kosit_testsuite_instances_are_accepted(validator: XRechnungValidator, path: Path) -> None:
    report = validator.validate(load(path))
    assert report.verdict is Verdict.ACCEPTED, [f"{f.rule_id}: {f.message}" for f in report.fatal()]
    assert report.scenario == expected_scenario(path)


@pytest.mark.parametrize("path", CEN, ids=lambda p: p.name)
def test_cen_examples_get_the_verdict_of_the_xrechnung_configuration(validator: XRechnungValidator, path: Path) -> None:
    report = validator.validate(load(path))
    if path.name in CEN_REJECTED:
        assert report.verdict is Verdict.REJECTED
        assert report.scenario is None
        assert report.rule_ids() == {"IKDZ-SCENARIO"}
    else:
        assert report.verdict is Verdict.ACCEPTED, [f"{f.rule_id}: {f.message}" for f in report.fatal()]
        assert report.scenario is not None
        assert report.scenario.startswith("EN16931 (")
        assert not any(f.rule_id.startswith("BR-DE") for f in report.findings)  # XRechnung rules did not run


_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def xmute_identity_expectations(path: Path) -> tuple[set[str], set[str]]:
    """(rules that must fire, rules that must not fire) on the file as it is, from its xmute instructions."""
    must_fire: set[str] = set()
    must_not_fire: set[str] = set()
    for instruction in load(path).root.getroottree().xpath("//processing-instruction('xmute')"):
        attributes = _ATTRIBUTE.findall(instruction.text or "")
        if ("mutator", "identity") not in attributes:
            continue
        for name, value in attributes:
            rules = {rule.split(":", 1)[-1] for rule in value.replace(",", " ").split()}
            if name == "schematron-invalid":
                must_fire |= rules
            elif name == "schematron-valid":
                must_not_fire |= rules
    return must_fire, must_not_fire


@pytest.mark.parametrize("path", UNIT_TESTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_kosit_schematron_unit_test_expectations_hold(validator: XRechnungValidator, path: Path) -> None:
    must_fire, must_not_fire = xmute_identity_expectations(path)
    document = load(path)
    findings = validator.schematron(document)
    fired = {f.rule_id for f in findings}
    assert must_fire <= fired, f"did not fire: {sorted(must_fire - fired)}"
    assert not must_not_fire & fired, f"fired although valid: {sorted(must_not_fire & fired)}"
    if any(f.rule_id in must_fire and f.severity is Severity.FATAL for f in findings):
        assert validator.validate(document).verdict is Verdict.REJECTED


def test_the_unit_tests_hold_expectations_of_both_kinds() -> None:
    counts = [xmute_identity_expectations(path) for path in UNIT_TESTS]
    assert sum(1 for fire, _ in counts if fire) == 109  # files that are deliberately invalid as they are
    assert sum(len(fire) + len(not_fire) for fire, not_fire in counts) > 300


@pytest.mark.parametrize(
    ("name", "leitweg_id"),
    [
        ("extension/05.01a-INVOICE_ubl.xml", "04011000-12345-34"),
        ("standard/01.06a-INVOICE_ubl.xml", "99000000-01944-98"),
    ],
)
def test_accepted_instances_may_carry_leitweg_ids_that_routing_rejects(
    validator: XRechnungValidator, name: str, leitweg_id: str
) -> None:
    """Validation and routing are separate: these test-suite dummies have wrong check digits."""
    document = load(TESTSUITE / "business-cases" / name)
    assert validator.validate(document).verdict is Verdict.ACCEPTED
    invoice = extract_invoice(document)
    assert invoice.buyer_reference == leitweg_id
    table = LeitwegRoutingTable.model_validate(
        {
            "version": "t",
            "towns": [
                {"ags": ags, "coarse_parts": [ags], "departments": [{"department": "Kasse", "pool": "p1"}]}
                for ags in ("04011000", "99000000")
            ],
        }
    )
    rejection = table.route(invoice.buyer_reference)
    assert isinstance(rejection, RoutingRejection)
    assert rejection.reason is RoutingRejectionReason.INVALID
