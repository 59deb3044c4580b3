"""Use cases of the approval: start it when the case reaches its pool, apply each clerk's decision.

The approval's history is a list of transitions, each one insert keyed ``<invoice>:<version>``
carrying the domain events and the outbox (``task.requested``, ``einvoice.events``, ``case.status``).
Two handlers acting at once cannot both write the same version; the loser decides again.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import (
    ApprovalStep,
    CaseState,
    CaseSubmitted,
    FourEyes,
    InvoiceApprovalStepDone,
    InvoiceRejected,
    InvoiceReleased,
    RejectionKind,
    TaskCompleted,
    TaskOutcome,
    TaskRequested,
)
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.consumer import PoisonMessage
from pydantic import TypeAdapter

from ikdz_einvoice.app.events import entry, status
from ikdz_einvoice.app.ports import Clock, Document, InvoiceStore, Notifier
from ikdz_einvoice.domain.approval import (
    ApprovalEvent,
    ApprovalFacts,
    CompleteStep,
    Objected,
    Released,
    Start,
    StepDecided,
    TaskNeeded,
    decide,
    replay,
)
from ikdz_einvoice.domain.approval_rules import ApprovalRules

RETRIES = 3
APPROVED, OBJECTED = "approved", "objected"
_EVENTS: TypeAdapter[list[ApprovalEvent]] = TypeAdapter(list[ApprovalEvent])

STEP_TEXTS_DE = {
    ApprovalStep.FACTUAL: (
        "Rechnung sachlich prüfen",
        "Bitte bestätigen Sie, dass die Lieferung oder Leistung wie berechnet erbracht wurde "
        "(sachlich richtig), oder beanstanden Sie die Rechnung mit Begründung.",
    ),
    ApprovalStep.ARITHMETIC: (
        "Rechnung rechnerisch prüfen",
        "Bitte prüfen Sie Mengen, Preise, Beträge und Umsatzsteuer (rechnerisch richtig).",
    ),
    ApprovalStep.RELEASE: (
        "Zahlung anordnen",
        "Bitte ordnen Sie die Zahlung an oder beanstanden Sie die Rechnung. Wer sachlich oder rechnerisch "
        "geprüft hat, darf nicht anordnen (Vier-Augen-Prinzip).",
    ),
}
STEP_DONE_DE = {
    ApprovalStep.FACTUAL: "sachlich richtig",
    ApprovalStep.ARITHMETIC: "rechnerisch richtig",
    ApprovalStep.RELEASE: "zur Zahlung angeordnet",
}


class Approvals:
    """Runs the approval state machine against the store and turns its events into messages."""

    def __init__(
        self,
        store: InvoiceStore,
        rules: ApprovalRules,
        municipalities: MunicipalityRegistry,
        topics: Topics,
        clock: Clock,
        relay: Notifier,
        *,
        view_url: Callable[[str], str],
    ) -> None:
        self._store = store
        self._view_url = view_url
        self._rules = rules
        self._municipalities = municipalities
        self._topics = topics
        self._clock = clock
        self._relay = relay

    async def start(self, pool_id: str, item: CloudEvent[CaseSubmitted]) -> bool:
        """The case reached its pool: ask for the first check, or release it straight through."""
        if item.data.service is not ServiceId.EINVOICE:
            return False
        try:
            facts = ApprovalFacts.model_validate(item.data.payload.get("approval"))
        except ValueError as error:
            raise PoisonMessage(f"work item without approval facts: {error}") from error
        facts = facts.model_copy(update={"pool_id": pool_id})
        return await self._run(facts.invoice_id, Start(facts=facts), item, processing_ags=item.processingags)

    async def complete(self, completed: CloudEvent[TaskCompleted]) -> bool:
        """A clerk decided a task of an invoice."""
        task = completed.data
        if task.service is not ServiceId.EINVOICE:
            return False
        command = CompleteStep(
            task_id=task.task_id,
            approved=task.outcome == APPROVED,
            actor=task.completed_by,
            acting_ags=task.acting_ags,
            reason=task.reason,
        )
        return await self._run(task.case_id, command, completed, processing_ags=task.acting_ags)

    async def _run(
        self, invoice_id: str, command: Start | CompleteStep, cause: CloudEvent[Any], processing_ags: str | None
    ) -> bool:
        for _ in range(RETRIES):
            records = await self._store.approval_records(invoice_id)
            history = [event for record in records for event in _EVENTS.validate_python(record["events"])]
            state = replay(history)
            facts = command.facts if isinstance(command, Start) else (state.facts if state else None)
            if facts is None:
                raise PoisonMessage(f"task for invoice {invoice_id}, whose approval never started")
            town_rules = self._rules.for_town(facts.owner_ags)
            new = decide(state, command, town_rules, self._rules.version)
            if not new:
                return False
            if records:
                processing_ags = records[0].get("processing_ags", processing_ags)
            record = {
                "_id": f"{invoice_id}:{len(records):04d}",
                "invoice_id": invoice_id,
                "version": len(records),
                "owner_ags": facts.owner_ags,
                "processing_ags": processing_ags,
                "events": _EVENTS.dump_python(new, mode="json"),
                "released": any(isinstance(event, Released) for event in new),
                "at": self._clock(),
            }
            outbox = [message for event in new for message in self._messages(event, facts, cause, processing_ags)]
            if await self._store.append_approval(record, outbox):
                self._relay.notify(record["_id"])
                return True
        msg = f"approval of invoice {invoice_id}: concurrent changes, giving up after {RETRIES} attempts"
        raise RuntimeError(msg)

    def _messages(
        self, event: ApprovalEvent, facts: ApprovalFacts, cause: CloudEvent[Any], processing_ags: str | None
    ) -> list[Document]:
        now = self._clock()
        town = self._municipalities.get(processing_ags) if processing_ags else None

        def message(data: Any, **kwargs: Any) -> Document:
            return entry(
                self._topics,
                data,
                invoice_id=facts.invoice_id,
                owner_ags=facts.owner_ags,
                processing_ags=processing_ags,
                cause=cause,
                **kwargs,
            )

        def case_status(state: CaseState, text: str, label: str | None = None) -> Document:
            return message(
                status(
                    invoice_id=facts.invoice_id,
                    file_number=facts.file_number,
                    owner_ags=facts.owner_ags,
                    state=state,
                    label_de=label,
                    message_de=text,
                    at=now,
                    processing_ags=processing_ags,
                    processing_town=town.display_name if town else None,
                    pool_id=facts.pool_id,
                )
            )

        if isinstance(event, TaskNeeded):
            return [
                message(self._task(event, facts), topic=self._topics.task_requested),
                case_status(CaseState.AWAITING_CLERK, f"Die Rechnung wird geprüft: {STEP_TEXTS_DE[event.step][0]}."),
            ]
        if isinstance(event, StepDecided):
            step = InvoiceApprovalStepDone(
                invoice_id=facts.invoice_id,
                occurred_at=now,
                owner_ags=facts.owner_ags,
                step=event.step,
                approved=event.approved,
                automated=event.automated,
                task_id=event.task_id,
                acting_ags=event.acting_ags,
            )
            return [message(step)]
        if isinstance(event, Released):
            released = InvoiceReleased(
                invoice_id=facts.invoice_id,
                occurred_at=now,
                owner_ags=facts.owner_ags,
                file_number=facts.file_number,
                amount=facts.amount,
                currency=facts.currency,
                automated=event.automated,
                rule=event.rule,
            )
            how = "automatisch nach den Regeln der Kommune" if event.automated else "nach Prüfung durch zwei Personen"
            text = f"Die Zahlung wurde {how} angeordnet und wird mit dem nächsten Zahlungslauf ausgeführt."
            return [message(released), case_status(CaseState.IN_PROGRESS, text, "Zur Zahlung angeordnet")]
        if isinstance(event, Objected):
            rejected = InvoiceRejected(
                invoice_id=facts.invoice_id,
                occurred_at=now,
                kind=RejectionKind.OBJECTED,
                owner_ags=facts.owner_ags,
                message_de=f"Die Rechnung wurde bei der Prüfung beanstandet: {event.reason}",
            )
            text = "Die Rechnung wurde bei der Prüfung beanstandet. Die Kommune setzt sich mit Ihnen in Verbindung."
            return [message(rejected), case_status(CaseState.REJECTED, text)]
        return []

    def _task(self, needed: TaskNeeded, facts: ApprovalFacts) -> TaskRequested:
        title, instructions = STEP_TEXTS_DE[needed.step]
        if needed.authority_de:
            instructions += f" Anordnungsbefugnis für diesen Betrag: {needed.authority_de}."
        return TaskRequested(
            task_id=needed.task_id,
            case_id=facts.invoice_id,
            service=ServiceId.EINVOICE,
            owner_ags=facts.owner_ags,
            pool_id=facts.pool_id,
            kind=f"einvoice.{needed.step.value}",
            title_de=f"{title}: {facts.file_number}",
            instructions_de=instructions,
            required_skills=list(needed.required_skills),
            four_eyes=FourEyes(
                excluded_actors=list(needed.excluded_actors),
                reason="hat die Rechnung sachlich oder rechnerisch geprüft",
            )
            if needed.excluded_actors
            else None,
            outcomes=[
                TaskOutcome(code=APPROVED, label_de=f"Bestätigt: {STEP_DONE_DE[needed.step]}"),
                TaskOutcome(code=OBJECTED, label_de="Beanstandet"),
            ],
            context={
                "Aktenzeichen": facts.file_number,
                "Betrag": f"{_german_amount(facts.amount)} {facts.currency}",
                "Bestellnummer": facts.order_reference or "keine",
                "Rechnungsart": "Gutschrift" if facts.credit_note else "Rechnung",
                "Rechnung ansehen": self._view_url(facts.invoice_id),
            },
        )


def _german_amount(amount: Decimal) -> str:
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
