"""``decide``: what the service does with a Gewerbeanzeige by itself, and what it asks a human.

The decision table (:mod:`~ikdz_trade_registration.domain.trades`) is evaluated over every activity
line, the declarations and every person; the strictest outcome wins:

- ``AUTO``: receipt, fee notice and messages go out with no human;
- ``AUTO_WITH_TASKS``: the same, plus one follow-up task per category found;
- ``STOP``: a human (or the applicant) first: no receipt, no fee notice; only the blocking tasks are
  opened, the other findings are listed as reasons and come back once a clerk has cleared the stop
  (pass the cleared categories in :class:`DecisionContext` and decide again).

Abmeldungen are not checked for permits, Handwerk or nationality: the business ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from ikdz_contracts.payloads.gewerbe import BusinessType, Gewerbeanzeige, NoticeKind, PermitKind
from ikdz_contracts.payloads.gewerbe_rules import RuleContext, Severity, Violation, validate
from ikdz_contracts.reference.wz import WzCatalogue
from pydantic import BaseModel, ConfigDict

from ikdz_trade_registration.domain.countries import has_free_movement
from ikdz_trade_registration.domain.fees import Fee, FeeConfig, FeeResult, FeeUnavailable, fee_for
from ikdz_trade_registration.domain.trades import (
    ALCOHOL_KEYWORDS,
    GASTRONOMY_WZ_PREFIXES,
    LOW_CONFIDENCE,
    ROWS,
    TRIGGERS,
    Category,
    Outcome,
)

RULESET_VERSION = "gewerbe-2026.11-1"
"""Version of rules, decision table and trigger lists; named on every document and audit entry."""

PERMIT_CATEGORIES: dict[PermitKind, Category] = {
    PermitKind.GEWO_30: Category.PERMIT_30,
    PermitKind.GEWO_33A: Category.PERMIT_33A,
    PermitKind.GEWO_33C: Category.PERMIT_GAMING,
    PermitKind.GEWO_33D: Category.PERMIT_GAMING,
    PermitKind.GEWO_33I: Category.PERMIT_GAMING,
    PermitKind.GEWO_34: Category.PERMIT_34,
    PermitKind.GEWO_34A: Category.PERMIT_34A,
    PermitKind.GEWO_34B: Category.PERMIT_34B,
    PermitKind.GEWO_34C: Category.PERMIT_34C,
    PermitKind.GEWO_34D: Category.FINANCIAL_BROKER,
    PermitKind.GEWO_34F: Category.FINANCIAL_BROKER,
    PermitKind.GEWO_34H: Category.FINANCIAL_BROKER,
    PermitKind.GEWO_34I: Category.FINANCIAL_BROKER,
    PermitKind.SONSTIGE: Category.SPECIAL_LAW,
}
"""A declared permit means the trade needs one: the clerk verifies it."""

ABMELDUNG_CATEGORIES = frozenset({Category.INCOMPLETE, Category.PLAUSIBILITY, Category.FEE_NOT_CONFIGURED})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class Finding(_Frozen):
    """Why a category applies: the category and the evidence (WZ code, keyword, declaration …)."""

    category: Category
    evidence_de: str


class TaskOutcomeSpec(_Frozen):
    code: str
    label_de: str


class TaskSpec(_Frozen):
    """A task to request from routing (``task.requested``): what, why, who, by when, which answers."""

    kind: str
    category: Category
    title_de: str
    instructions_de: str
    required_skills: tuple[str, ...]
    outcomes: tuple[TaskOutcomeSpec, ...]
    legal_basis: str
    blocks_receipt: bool
    due_on: date
    evidence_de: tuple[str, ...]


class Reason(_Frozen):
    """One line of the explanation: a category found, its legal basis and the evidence."""

    category: Category
    text_de: str
    legal_basis: str
    evidence_de: tuple[str, ...]


class Decision(_Frozen):
    """The result of :func:`decide`."""

    ruleset_version: str
    outcome: Outcome
    automated_receipt: bool
    automated_fee_notice: bool
    fee: FeeResult
    tasks: tuple[TaskSpec, ...]
    reasons: tuple[Reason, ...]
    violations: tuple[Violation, ...]

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(reason.category for reason in self.reasons)


@dataclass(frozen=True)
class DecisionContext:
    """What decide needs besides the notice."""

    rules: RuleContext
    fees: FeeConfig | None
    cleared: frozenset[Category] = field(default_factory=frozenset)
    """Categories a clerk has already decided (e.g. ``NOT_A_TRADE`` answered with 'is_trade')."""


def task_for(category: Category, filed_on: date, evidence_de: Iterable[str]) -> TaskSpec:
    """The task of a decision-table row, due counted from the filing day."""
    row = ROWS[category]
    return TaskSpec(
        kind=row.task.kind,
        category=row.category,
        title_de=row.task.title_de,
        instructions_de=row.task.instructions_de,
        required_skills=row.task.skills,
        outcomes=tuple(TaskOutcomeSpec(code=code, label_de=label) for code, label in row.task.outcomes),
        legal_basis=row.legal_basis,
        blocks_receipt=row.outcome is Outcome.STOP,
        due_on=filed_on + timedelta(days=row.task.due_in_days),
        evidence_de=tuple(evidence_de),
    )


def classify(app: Gewerbeanzeige, wz: WzCatalogue) -> list[Finding]:
    """The trade-related findings: activity lines, declarations, persons (no validation, no fee)."""
    return _activity_findings(app, wz) + _declaration_findings(app)


def _activity_findings(app: Gewerbeanzeige, wz: WzCatalogue) -> list[Finding]:
    findings: list[Finding] = []
    for number, line in enumerate(app.activities, start=1):
        for trigger in TRIGGERS:
            prefix = trigger.wz_match(line.wz_code)
            if prefix is not None:
                title = wz.title(line.wz_code) or "unbekannt"
                findings.append(
                    Finding(category=trigger.category, evidence_de=f"Tätigkeit {number}: WZ {line.wz_code} ({title})")
                )
            keyword = trigger.keyword_match(line.description)
            if keyword is not None:
                findings.append(
                    Finding(category=trigger.category, evidence_de=f"Tätigkeit {number}: Stichwort „{keyword}“")
                )
        if line.wz_code.startswith(GASTRONOMY_WZ_PREFIXES):
            alcohol = next((m.group(0) for p in ALCOHOL_KEYWORDS if (m := p.search(line.description))), None)
            if alcohol is not None:
                findings.append(
                    Finding(
                        category=Category.GASTSTAETTE_ALCOHOL,
                        evidence_de=f"Tätigkeit {number}: Gastronomie (WZ {line.wz_code}) mit „{alcohol}“",
                    )
                )
        if line.wz_confidence is not None and line.wz_confidence < LOW_CONFIDENCE:
            findings.append(
                Finding(
                    category=Category.WZ_LOW_CONFIDENCE,
                    evidence_de=f"Tätigkeit {number}: WZ {line.wz_code} vorgeschlagen mit Sicherheit {line.wz_confidence:.2f}",
                )
            )
    return findings


def _declaration_findings(app: Gewerbeanzeige) -> list[Finding]:
    findings: list[Finding] = []
    declarations = app.declarations
    if declarations.serves_alcohol:
        findings.append(Finding(category=Category.GASTSTAETTE_ALCOHOL, evidence_de="Erklärung: Alkoholausschank"))
    if declarations.travelling_trade:
        findings.append(Finding(category=Category.TRAVELLING_TRADE, evidence_de="Erklärung: Reisegewerbe"))
    for permit in declarations.permits:
        findings.append(
            Finding(
                category=PERMIT_CATEGORIES[permit.kind],
                evidence_de=f"Erklärung: Erlaubnis {permit.kind.value} vom {permit.issued_on:%d.%m.%Y}, {permit.authority}",
            )
        )
    if BusinessType.HANDWERK in app.business_types:
        findings.append(Finding(category=Category.HANDWERK_A, evidence_de="Art des Betriebs: Handwerk"))
    for number, person in enumerate(app.persons, start=1):
        if not has_free_movement(person.nationalities):
            findings.append(
                Finding(
                    category=Category.NON_EU_NATIONAL,
                    evidence_de=f"Person {number}: Staatsangehörigkeit {', '.join(person.nationalities)}",
                )
            )
    return findings


def _validation_findings(violations: list[Violation]) -> list[Finding]:
    return [
        Finding(
            category=Category.INCOMPLETE if v.severity is Severity.ERROR else Category.PLAUSIBILITY,
            evidence_de=f"{v.field}: {v.message_de}",
        )
        for v in violations
    ]


def decide(app: Gewerbeanzeige, ctx: DecisionContext) -> Decision:
    """Evaluate the rules, the decision table and the fee for one notice. Pure and deterministic."""
    violations = validate(app, ctx.rules)
    findings = _validation_findings(violations) + classify(app, ctx.rules.wz)
    fee = fee_for(ctx.fees, app.owner_ags, app.kind, app.filed_on)
    if isinstance(fee, FeeUnavailable):
        findings.append(Finding(category=Category.FEE_NOT_CONFIGURED, evidence_de=fee.reason_de))
    if app.kind is NoticeKind.ABMELDUNG:
        findings = [f for f in findings if f.category in ABMELDUNG_CATEGORIES]
    findings = [f for f in findings if f.category not in ctx.cleared]

    evidence: dict[Category, list[str]] = {}
    for finding in findings:
        lines = evidence.setdefault(finding.category, [])
        if finding.evidence_de not in lines:
            lines.append(finding.evidence_de)
    categories = [c for c in Category if c in evidence]  # table order
    outcome = max((ROWS[c].outcome for c in categories), key=lambda o: o.rank, default=Outcome.AUTO)
    stop = outcome is Outcome.STOP

    tasks = tuple(
        task_for(c, app.filed_on, evidence[c]) for c in categories if not stop or ROWS[c].outcome is Outcome.STOP
    )
    reasons = tuple(
        Reason(
            category=c,
            text_de=ROWS[c].label_de
            + (" (Aufgabe folgt nach Klärung)" if stop and ROWS[c].outcome is not Outcome.STOP else ""),
            legal_basis=ROWS[c].legal_basis,
            evidence_de=tuple(evidence[c]),
        )
        for c in categories
    )
    return Decision(
        ruleset_version=RULESET_VERSION,
        outcome=outcome,
        automated_receipt=not stop,
        automated_fee_notice=not stop and isinstance(fee, Fee),
        fee=fee,
        tasks=tasks,
        reasons=reasons,
        violations=tuple(violations),
    )
