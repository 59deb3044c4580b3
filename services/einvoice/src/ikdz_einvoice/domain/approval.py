"""The approval of an accepted invoice as a pure state machine: ``decide(state, command) -> events``, ``evolve``.

Steps under Saxon municipal budget law: "sachlich richtig" (the ordering department confirms the
delivery), "rechnerisch richtig" (amounts and prices checked) and the release for payment
("Anordnung") by a person with the right authority for the amount, who took no part in the
earlier steps (four-eyes). A town's rules may release an invoice straight through (known
supplier, order reference in the town's format, small amount); that is recorded as automated.
Humans act through routing tasks; this module only says which task is needed next.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from ikdz_contracts.events import ApprovalStep
from pydantic import BaseModel, ConfigDict, Field

from ikdz_einvoice.domain.approval_rules import TownApprovalRules
from ikdz_einvoice.domain.errors import EinvoiceError

_FROZEN = ConfigDict(frozen=True, extra="forbid")
STEP_ORDER = (ApprovalStep.FACTUAL, ApprovalStep.ARITHMETIC, ApprovalStep.RELEASE)


class ApprovalError(EinvoiceError):
    """A command the workflow cannot take (a bug or a forged event, never a normal redelivery)."""


class ApprovalFacts(BaseModel):
    """What the workflow needs to know about the invoice; fixed when the approval starts."""

    model_config = _FROZEN

    invoice_id: str
    file_number: str
    owner_ags: str
    pool_id: str
    amount: Decimal = Field(description="Amount due for payment (BT-115).")
    currency: str
    seller_key: str
    order_reference: str | None = None
    credit_note: bool = False


class Phase(StrEnum):
    AWAITING = "awaiting"
    RELEASED = "released"
    OBJECTED = "objected"


class Approval(BaseModel):
    """Where an invoice's approval stands."""

    model_config = _FROZEN

    facts: ApprovalFacts
    phase: Phase = Phase.AWAITING
    step: ApprovalStep | None = ApprovalStep.FACTUAL
    """The step waiting for a decision; None once released or objected."""
    open_task: str | None = None
    decided_by: tuple[str, ...] = ()
    automated: bool = False


# --- commands -------------------------------------------------------------------------------


class Start(BaseModel):
    model_config = _FROZEN

    facts: ApprovalFacts


class CompleteStep(BaseModel):
    """A clerk decided the task of a step (from ``task.completed``)."""

    model_config = _FROZEN

    task_id: str
    approved: bool
    actor: str
    acting_ags: str
    reason: str


# --- events ---------------------------------------------------------------------------------


class Started(BaseModel):
    model_config = _FROZEN
    kind: Literal["started"] = "started"
    facts: ApprovalFacts


class TaskNeeded(BaseModel):
    """Ask routing for a human decision on ``step``."""

    model_config = _FROZEN
    kind: Literal["task_needed"] = "task_needed"
    step: ApprovalStep
    task_id: str
    excluded_actors: tuple[str, ...] = ()
    required_skills: tuple[str, ...] = ()
    authority_de: str | None = None


class StepDecided(BaseModel):
    model_config = _FROZEN
    kind: Literal["step_decided"] = "step_decided"
    step: ApprovalStep
    approved: bool
    automated: bool
    actor: str | None = None
    acting_ags: str | None = None
    task_id: str | None = None
    reason: str


class Released(BaseModel):
    model_config = _FROZEN
    kind: Literal["released"] = "released"
    automated: bool
    rule: str


class Objected(BaseModel):
    model_config = _FROZEN
    kind: Literal["objected"] = "objected"
    step: ApprovalStep
    reason: str


ApprovalEvent = Annotated[Started | TaskNeeded | StepDecided | Released | Objected, Field(discriminator="kind")]


def task_id_for(invoice_id: str, step: ApprovalStep) -> str:
    """Deterministic, so a repeated decision asks routing for the same task (routing keeps it once)."""
    return f"{invoice_id}-{step.value.replace('_', '-')}"


def straight_through_rule(facts: ApprovalFacts, rules: TownApprovalRules, rules_version: str) -> str | None:
    """The rule that releases the invoice without a human, or None when a condition fails."""
    rule = rules.straight_through
    if rule is None or facts.credit_note or facts.currency != rules.currency:
        return None
    if facts.seller_key not in rule.known_suppliers or facts.amount > rule.max_amount or facts.amount <= 0:
        return None
    if facts.order_reference is None or not re.fullmatch(rule.order_reference_pattern, facts.order_reference):
        return None
    return (
        f"straight-through@{rules_version}: known supplier, order reference matches "
        f"{rule.order_reference_pattern}, amount {facts.amount} {facts.currency} <= {rule.max_amount}"
    )


def decide(
    state: Approval | None, command: Start | CompleteStep, rules: TownApprovalRules, rules_version: str
) -> list[Started | TaskNeeded | StepDecided | Released | Objected]:
    """What ``command`` causes; an empty list when it changes nothing (a redelivery)."""
    if isinstance(command, Start):
        if state is not None:
            return []
        return _start(command.facts, rules, rules_version)
    if state is None:
        msg = f"task {command.task_id} completed for an invoice whose approval never started"
        raise ApprovalError(msg)
    if state.phase is not Phase.AWAITING or command.task_id != state.open_task:
        return []  # an old task completed again: already applied
    assert state.step is not None
    step = state.step
    if step is ApprovalStep.RELEASE and command.actor in state.decided_by:
        msg = f"four-eyes: {command.actor} took part in an earlier step and cannot release"
        raise ApprovalError(msg)
    decided = StepDecided(
        step=step,
        approved=command.approved,
        automated=False,
        actor=command.actor,
        acting_ags=command.acting_ags,
        task_id=command.task_id,
        reason=command.reason,
    )
    if not command.approved:
        return [decided, Objected(step=step, reason=command.reason)]
    if step is ApprovalStep.RELEASE:
        return [decided, Released(automated=False, rule=f"four-eyes release@{rules_version}")]
    following = STEP_ORDER[STEP_ORDER.index(step) + 1]
    return [decided, _task(state.facts, following, rules, (*state.decided_by, command.actor))]


def _start(
    facts: ApprovalFacts, rules: TownApprovalRules, rules_version: str
) -> list[Started | TaskNeeded | StepDecided | Released | Objected]:
    rule = straight_through_rule(facts, rules, rules_version)
    if rule is None:
        return [Started(facts=facts), _task(facts, ApprovalStep.FACTUAL, rules, ())]
    automated = [StepDecided(step=step, approved=True, automated=True, reason=rule) for step in STEP_ORDER]
    return [Started(facts=facts), *automated, Released(automated=True, rule=rule)]


def _task(
    facts: ApprovalFacts, step: ApprovalStep, rules: TownApprovalRules, prepared_by: tuple[str, ...]
) -> TaskNeeded:
    if step is not ApprovalStep.RELEASE:
        return TaskNeeded(step=step, task_id=task_id_for(facts.invoice_id, step))
    level = rules.release_level(facts.amount)
    return TaskNeeded(
        step=step,
        task_id=task_id_for(facts.invoice_id, step),
        excluded_actors=tuple(dict.fromkeys(prepared_by)),
        required_skills=(level.skill,),
        authority_de=level.label_de,
    )


def evolve(state: Approval | None, event: Started | TaskNeeded | StepDecided | Released | Objected) -> Approval:
    """The approval after ``event``."""
    if isinstance(event, Started):
        return Approval(facts=event.facts)
    if state is None:
        msg = f"{event.kind} before the approval started"
        raise ApprovalError(msg)
    if isinstance(event, TaskNeeded):
        return state.model_copy(update={"step": event.step, "open_task": event.task_id})
    if isinstance(event, StepDecided):
        actors = state.decided_by if event.actor is None else (*state.decided_by, event.actor)
        return state.model_copy(update={"decided_by": actors, "open_task": None, "automated": event.automated})
    if isinstance(event, Released):
        return state.model_copy(update={"phase": Phase.RELEASED, "step": None, "automated": event.automated})
    return state.model_copy(update={"phase": Phase.OBJECTED, "step": None})


def replay(events: list[Started | TaskNeeded | StepDecided | Released | Objected]) -> Approval | None:
    state: Approval | None = None
    for event in events:
        state = evolve(state, event)
    return state
