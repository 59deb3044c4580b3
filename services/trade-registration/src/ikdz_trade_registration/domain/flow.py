"""One step of a case, planned: from the decision and the register to the outcome, register changes and tasks.

Pure. The application layer reads the registrations a notice refers to, asks :func:`plan_notice`
what to do, stores the plan with its documents and events in one write, and then applies the
register changes (idempotently, so a redelivered work item finishes what a crash interrupted).

- A duplicate Anmeldung (same holder and Betriebsstätte, still active) and an Um-/Abmeldung of an
  unknown registration are refused with a German message for the citizen: no human needed, nothing
  stored in the register.
- An Um-/Abmeldung that matches several registrations (or one of another holder) goes to a clerk as
  the clarification task of the decision table.
- A Verlegung aus einem anderen Meldebezirk closes the registration in the old town if that town is
  onboarded (resolved by holder and old site); otherwise the old Gewerbeamt is to be informed.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import date
from enum import StrEnum
from typing import Literal

from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, NoticeKind
from pydantic import BaseModel, ConfigDict

from ikdz_trade_registration.domain.decision import Decision, TaskSpec, task_for
from ikdz_trade_registration.domain.fees import Fee
from ikdz_trade_registration.domain.registrations import (
    Ambiguous,
    ExternalNotice,
    NotFound,
    Registration,
    changed_registration,
    duplicate_violation,
    find_duplicate,
    new_registration,
    registration_key,
    relocation,
    resolve_existing,
    resolve_relocation,
)
from ikdz_trade_registration.domain.trades import Category, Outcome


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class CaseOutcome(StrEnum):
    """Where the case stands after a step (mapped onto ``case.status`` states)."""

    COMPLETED = "completed"
    AWAITING_CLERK = "awaiting_clerk"
    REJECTED = "rejected"


class RegisterChange(_Frozen):
    """One change of the register; ``registration`` is the state after it."""

    action: Literal["create", "update", "deregister"]
    registration: Registration
    release_key: str | None = None
    hold_key: str | None = None


class Plan(_Frozen):
    """What one step does."""

    outcome: CaseOutcome
    message_de: str
    registration_id: str | None
    issue_receipt: bool
    fee: Fee | None
    tasks: tuple[TaskSpec, ...]
    changes: tuple[RegisterChange, ...]
    closed_elsewhere: tuple[Registration, ...] = ()
    """Registrations closed ex officio in another onboarded town (a move here)."""
    note_de: str | None = None
    """For the file: what is left for others (e.g. informing a Gewerbeamt that is not onboarded)."""


def rejected(message_de: str) -> Plan:
    """The citizen gets a plain German reason; nothing is issued or registered."""
    return Plan(
        outcome=CaseOutcome.REJECTED,
        message_de=message_de,
        registration_id=None,
        issue_receipt=False,
        fee=None,
        tasks=(),
        changes=(),
    )


def clarification(app_kind_label: str, tasks: tuple[TaskSpec, ...], reasons: Sequence[str]) -> Plan:
    """A clerk decides before any receipt (the STOP rows, or a registration that is not clear)."""
    return Plan(
        outcome=CaseOutcome.AWAITING_CLERK,
        message_de=(
            f"Ihre {app_kind_label} wird von einer Sachbearbeiterin oder einem Sachbearbeiter geprüft, bevor die "
            f"Empfangsbestätigung erteilt wird. Grund: {'; '.join(reasons)}. Wir melden uns bei Ihnen, falls "
            "Angaben fehlen."
        ),
        registration_id=None,
        issue_receipt=False,
        fee=None,
        tasks=tasks,
        changes=(),
    )


def plan_notice(
    app: Gewerbeanzeige,
    decision: Decision,
    *,
    new_registration_id: str,
    file_number: str,
    registrations: Sequence[Registration],
    town_name: str,
    onboarded: Container[str],
) -> Plan:
    """The plan for a notice the decision table has decided (see module docstring)."""
    if decision.outcome is Outcome.STOP:
        return clarification(app.kind.label_de, decision.tasks, [r.text_de for r in decision.reasons])
    if app.kind is NoticeKind.ANMELDUNG:
        duplicate = find_duplicate(app, registrations)
        if duplicate is not None:
            return rejected(duplicate_violation(duplicate).message_de)
        created = new_registration(app, new_registration_id, file_number)
        changes = [RegisterChange(action="create", registration=created, hold_key=registration_key(created))]
        closed, note = _relocation(app, registrations, onboarded)
        changes += [
            RegisterChange(action="deregister", registration=r, release_key=registration_key(r)) for r in closed
        ]
        return _issued(app, decision, created.registration_id, tuple(changes), closed, note)
    resolution = resolve_existing(app, registrations, town_name)
    if isinstance(resolution, NotFound):
        return rejected(resolution.violation.message_de)
    if isinstance(resolution, Ambiguous):
        task = task_for(Category.INCOMPLETE, app.filed_on, [f"previous_registration: {resolution.reason_de}"])
        return clarification(app.kind.label_de, (task,), [resolution.reason_de])
    existing = resolution.registration
    if app.kind is NoticeKind.ABMELDUNG:
        closed_reg = existing.model_copy(update={"deregistered_on": app.effective_date})
        change = RegisterChange(action="deregister", registration=closed_reg, release_key=registration_key(existing))
    else:
        after = changed_registration(existing, app)
        moved = registration_key(after) != registration_key(existing)
        change = RegisterChange(
            action="update",
            registration=after,
            release_key=registration_key(existing) if moved else None,
            hold_key=registration_key(after) if moved else None,
        )
    return _issued(app, decision, existing.registration_id, (change,), (), None)


def _relocation(
    app: Gewerbeanzeige, registrations: Sequence[Registration], onboarded: Container[str]
) -> tuple[tuple[Registration, ...], str | None]:
    order = relocation(app, onboarded)
    if order is None:
        return (), None
    if isinstance(order, ExternalNotice):
        return (), order.text_de
    resolution = resolve_relocation(order, registrations)
    if not isinstance(resolution, (NotFound, Ambiguous)):
        return (resolution.registration.model_copy(update={"deregistered_on": order.closure_date}),), order.text_de
    reason = resolution.violation.message_de if isinstance(resolution, NotFound) else resolution.reason_de
    return (), f"{order.text_de} {reason}"


def _issued(
    app: Gewerbeanzeige,
    decision: Decision,
    registration_id: str,
    changes: tuple[RegisterChange, ...],
    closed_elsewhere: tuple[Registration, ...],
    note: str | None,
) -> Plan:
    fee = decision.fee if decision.automated_fee_notice and isinstance(decision.fee, Fee) else None
    documents = "Die Empfangsbestätigung" + (" und der Gebührenbescheid stehen" if fee else " steht")
    text = f"Ihre {app.kind.label_de} ist eingegangen. {documents} unten zum Herunterladen bereit."
    if decision.tasks:
        checks = "; ".join(task.title_de for task in decision.tasks)
        text += (
            f" Eine Sachbearbeiterin oder ein Sachbearbeiter prüft noch: {checks}. Die Empfangsbestätigung gilt "
            "unabhängig davon."
        )
    else:
        text += (
            " Die Angaben wurden an die zuständigen Stellen weitergegeben (§ 14 GewO). Sie müssen nichts weiter tun."
        )
    return Plan(
        outcome=CaseOutcome.AWAITING_CLERK if decision.tasks else CaseOutcome.COMPLETED,
        message_de=text,
        registration_id=registration_id,
        issue_receipt=True,
        fee=fee,
        tasks=decision.tasks,
        changes=changes,
        closed_elsewhere=closed_elsewhere,
        note_de=note,
    )


UNREADABLE_DE = "Die Angaben der Anzeige sind nicht vollständig lesbar"
"""Reason for the citizen when a payload does not fit the contract (it skipped intake's check)."""


def unreadable(errors: Sequence[str], filed_on: date) -> Plan:
    """A payload that does not fit the contract: a clerk clarifies it with the applicant."""
    return clarification("Gewerbeanzeige", (task_for(Category.INCOMPLETE, filed_on, errors),), [UNREADABLE_DE])
