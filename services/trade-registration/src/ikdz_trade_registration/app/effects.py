"""From a plan to what a step stores and sends: the documents it issues, events for the outbox.

Everything a step causes is written with the step in one insert (``StepStore.record_all``): register
events, receipt and fee notice, one message per recipient, tasks for routing and the citizen's status.
Ids are derived from the case and step, so a step that is written again after a crash produces the
same documents, tasks and messages.

The receipt and the fee notice are issued here but not rendered: rendering the two PDFs cost more
CPU than all the rest of deciding a notice (1.3 of 2.2 ms in ``bench/gewerbe_usecase.py``), on the
automated path that has to keep up with the submissions. The step lists them (``documents``) with
what rendering needs besides the step's notice (``issued_with``: the issuing context and the fee,
one JSON text, as FerretDB's insert cost grows with the number of fields); ``app/documents.py``
renders a document on its first download and stores it, so its bytes never change after. A listed
document was created at the step's ``at`` and is a PDF.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from ikdz_contracts.cloudevents import CloudEvent, EventData, new_event
from ikdz_contracts.events import (
    CaseDocument,
    CaseState,
    CaseStatus,
    GewerbeChanged,
    GewerbeDeregistered,
    GewerbeFeeNoticeIssued,
    GewerbeReceiptIssued,
    GewerbeRecipientMessage,
    GewerbeRegistered,
    GewerbeTaskClosed,
    GewerbeTaskOpened,
    TaskCompleted,
    TaskOutcome,
    TaskRequested,
)
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.reference.wz import WzCatalogue
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.outbox import outbox_entry

from ikdz_trade_registration.app.ports import Document, Exporter, IssuedDocument
from ikdz_trade_registration.domain.decision import RULESET_VERSION, TaskSpec
from ikdz_trade_registration.domain.errors import ConfigError
from ikdz_trade_registration.domain.fees import FeeConfig
from ikdz_trade_registration.domain.flow import CaseOutcome, Plan
from ikdz_trade_registration.domain.issuing import IssuedWith, IssuingContext
from ikdz_trade_registration.domain.recipients import build_messages, determine_recipients, ex_officio_messages

SOURCE = "urn:ikdz:trade-registration"
SERVICE = ServiceId.TRADE_REGISTRATION
BERLIN = ZoneInfo("Europe/Berlin")
IDS = uuid.UUID("2d3c6a4e-8f7b-5c1d-9e0a-4b6f8c2d1e37")
"""uuid5 namespace of document, task and registration ids derived from the case."""
PDF = "application/pdf"
RECEIPT, FEE_NOTICE = "receipt", "fee_notice"
"""The kinds of documents a step issues."""
TASK_DUE_TIME = time(16, 0)
"""Tasks fall due at 16:00 local time on their due day (end of the office day)."""

_STATES = {
    CaseOutcome.COMPLETED: CaseState.COMPLETED,
    CaseOutcome.AWAITING_CLERK: CaseState.AWAITING_CLERK,
    CaseOutcome.REJECTED: CaseState.REJECTED,
}


class _Emit(Protocol):
    def __call__(self, topic: str, data: EventData, owner_ags: str | None = None) -> None: ...


def derived_id(*parts: str) -> str:
    """A stable id from the case and step: the same input gives the same id after a redelivery."""
    return str(uuid.uuid5(IDS, "/".join(parts)))


@dataclass(frozen=True)
class CaseContext:
    """The case as routing handed it over: towns, pool and the agreement the processing town acts under."""

    case_id: str
    file_number: str
    owner_ags: str
    processing_ags: str
    pool_id: str
    agreement_ref: str | None

    def as_document(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "file_number": self.file_number,
            "owner_ags": self.owner_ags,
            "processing_ags": self.processing_ags,
            "pool_id": self.pool_id,
            "agreement_ref": self.agreement_ref,
        }

    @classmethod
    def from_document(cls, doc: Document) -> CaseContext:
        return cls(**{name: doc[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Draft:
    """A step before it is stored: its document and its outbox."""

    step: Document
    outbox: list[Document]


def issued_documents(step: Document) -> list[IssuedDocument]:
    """The documents a stored step issued (see module docstring)."""
    return [
        IssuedDocument(
            document_id=d["document_id"],
            case_id=step["case_id"],
            kind=d["kind"],
            title_de=d["title_de"],
            media_type=PDF,
            created_at=step["at"],
        )
        for d in step.get("documents", [])
    ]


def issued_with(step: Document) -> IssuedWith:
    """What rendering the step's documents needs besides its notice (only a step that issued some has it)."""
    return IssuedWith.from_text(step["issued_with"])


class StepWriter:
    """Builds a step's document and outbox from its plan (see module docstring)."""

    def __init__(
        self,
        exporter: Exporter,
        wz: WzCatalogue,
        fees: FeeConfig,
        municipalities: MunicipalityRegistry,
        topics: Topics,
    ) -> None:
        self._exporter = exporter
        self._wz = wz
        self._fees = fees
        self._municipalities = municipalities
        self._topics = topics

    def draft(
        self,
        case: CaseContext,
        app: Gewerbeanzeige | None,
        plan: Plan,
        *,
        step_id: str,
        cause: CloudEvent[Any],
        now: datetime,
        before: list[Document] | None = None,
    ) -> Draft:
        """The step document (without outbox) and its outbox entries; the documents it issues are listed in
        the step, not rendered (see module docstring)."""
        outbox = list(before or [])

        def emit(topic: str, data: EventData, owner_ags: str | None = None) -> None:
            outbox.append(self.entry(case, topic, data, now, cause, owner_ags=owner_ags))

        issued: list[Document] = []
        inputs: IssuedWith | None = None
        if app is not None and plan.registration_id is not None:
            self._register_events(case, app, plan, now, emit)
        if app is not None and plan.issue_receipt and plan.registration_id is not None:
            issued, inputs = self._issue(case, app, plan, step_id, now)
            for document in issued:
                emit(self._topics.gewerbe_events, self._document_event(case, app, plan, document, now))
            self._recipient_messages(case, app, plan, now, emit)
        tasks = [self._task(case, spec, step_id) for spec in plan.tasks]
        for spec, task in zip(plan.tasks, tasks, strict=True):
            emit(self._topics.task_requested, task)
            emit(self._topics.gewerbe_events, self._task_opened(case, spec, task.task_id, now))
        documents = [CaseDocument(document_id=d["document_id"], title_de=d["title_de"], media_type=PDF) for d in issued]
        emit(self._topics.case_status, self._status(case, plan.outcome, plan.message_de, now, documents))
        step = {
            "_id": step_id,
            **case.as_document(),
            "at": now,
            "outcome": plan.outcome.value,
            "message_de": plan.message_de,
            "registration_id": plan.registration_id,
            "documents": issued,
            "tasks": [
                {"task_id": t.task_id, "kind": t.kind, "category": s.category.value, "blocks_receipt": s.blocks_receipt}
                for s, t in zip(plan.tasks, tasks, strict=True)
            ],
            "register_changes": [change.model_dump(mode="json") for change in plan.changes],
            "note_de": plan.note_de,
            "ruleset_version": RULESET_VERSION,
        }
        if inputs is not None:
            step["issued_with"] = inputs.to_text()
        return Draft(step, outbox)

    def status_event(
        self, case: CaseContext, state: CaseState, message_de: str | None, now: datetime, cause: CloudEvent[Any]
    ) -> Document:
        """A ``case.status`` outbox entry outside a plan (e.g. completed when the last task closed)."""
        data = self._status_data(case, state, message_de, now, [])
        return self.entry(case, self._topics.case_status, data, now, cause)

    def task_closed_event(
        self, case: CaseContext, done: TaskCompleted, now: datetime, cause: CloudEvent[Any]
    ) -> Document:
        data = GewerbeTaskClosed(
            **self._common(case, now),
            task_id=done.task_id,
            kind=done.kind,
            outcome=done.outcome,
            acting_ags=done.acting_ags,
        )
        return self.entry(case, self._topics.gewerbe_events, data, now, cause)

    def entry(
        self,
        case: CaseContext,
        topic: str,
        data: EventData,
        now: datetime,
        cause: CloudEvent[Any],
        *,
        owner_ags: str | None = None,
    ) -> Document:
        """The outbox entry of one event of the case; ``owner_ags`` for an event of another town's
        file (the Abmeldung ex officio in the town a business moved away from)."""
        event = new_event(
            data,
            source=SOURCE,
            subject=case.case_id,
            ownerags=owner_ags or case.owner_ags,
            processingags=case.processing_ags,
            agreementref=case.agreement_ref,
            cause=cause,
            time=now,
        )
        return outbox_entry(topic, event)

    def town_name(self, ags: str) -> str:
        """The town's official name ("Stadt Wurzen") from the fee configuration, else the registry's."""
        town = self._fees.town(ags)
        if town is not None:
            return town.name
        known = self._municipalities.get(ags)
        return known.display_name if known else ags

    def _status(
        self, case: CaseContext, outcome: CaseOutcome, message_de: str, now: datetime, documents: list[CaseDocument]
    ) -> CaseStatus:
        return self._status_data(case, _STATES[outcome], message_de, now, documents)

    def _status_data(
        self,
        case: CaseContext,
        state: CaseState,
        message_de: str | None,
        at: datetime,
        documents: list[CaseDocument],
    ) -> CaseStatus:
        town = self._municipalities.get(case.processing_ags)
        return CaseStatus(
            case_id=case.case_id,
            file_number=case.file_number,
            service=SERVICE,
            owner_ags=case.owner_ags,
            state=state,
            label_de=state.label_de,
            message_de=message_de,
            processing_ags=case.processing_ags,
            processing_town=town.display_name if town else case.processing_ags,
            pool_id=case.pool_id,
            occurred_at=at,
            documents=documents or None,
        )

    def _register_events(self, case: CaseContext, app: Gewerbeanzeige, plan: Plan, now: datetime, emit: _Emit) -> None:
        common = self._common(case, now)
        wz_codes = [line.wz_code for line in app.activities]
        for change in plan.changes:
            registration = change.registration
            if registration.owner_ags != case.owner_ags:
                continue  # closed in the old town: below
            if change.action == "create":
                emit(
                    self._topics.gewerbe_events,
                    GewerbeRegistered(
                        **common,
                        registration_id=registration.registration_id,
                        legal_form=app.legal_form.value,
                        wz_codes=wz_codes,
                        effective_date=app.effective_date,
                        registration_reason=app.registration_reason.value
                        if app.registration_reason
                        else "neugruendung",
                    ),
                )
            elif change.action == "update":
                emit(
                    self._topics.gewerbe_events,
                    GewerbeChanged(
                        **common,
                        registration_id=registration.registration_id,
                        change_reasons=sorted(reason.value for reason in app.change_reasons) or ["sonstige"],
                        wz_codes=wz_codes,
                        effective_date=app.effective_date,
                    ),
                )
            else:
                reason = app.deregistration_reason.value if app.deregistration_reason else "sonstige"
                emit(
                    self._topics.gewerbe_events,
                    GewerbeDeregistered(
                        **common,
                        registration_id=registration.registration_id,
                        effective_date=app.effective_date,
                        reason=reason,
                        ex_officio=False,
                    ),
                )
        for closed in plan.closed_elsewhere:  # the old town's, under its file number
            emit(
                self._topics.gewerbe_events,
                GewerbeDeregistered(
                    **{**common, "owner_ags": closed.owner_ags, "file_number": closed.file_number},
                    registration_id=closed.registration_id,
                    effective_date=closed.deregistered_on or app.effective_date,
                    reason="verlegung_in_anderen_meldebezirk",
                    ex_officio=True,
                ),
                closed.owner_ags,
            )

    def _common(self, case: CaseContext, now: datetime) -> dict[str, Any]:
        return {
            "case_id": case.case_id,
            "file_number": case.file_number,
            "owner_ags": case.owner_ags,
            "processing_ags": case.processing_ags,
            "occurred_at": now,
            "ruleset_version": RULESET_VERSION,
        }

    def _issue(
        self, case: CaseContext, app: Gewerbeanzeige, plan: Plan, step_id: str, now: datetime
    ) -> tuple[list[Document], IssuedWith]:
        """The documents the step lists (receipt, and fee notice with a fee) and what rendering them needs."""
        town = self._fees.town(case.owner_ags)
        if town is None:
            msg = f"town {case.owner_ags} has no authority in the fee configuration (fees.yaml): it is not onboarded"
            raise ConfigError(msg)
        ctx = IssuingContext(
            file_number=case.file_number,
            registration_id=str(plan.registration_id),
            owner_town=town.name,
            authority=town.authority,
            issued_on=now.astimezone(BERLIN).date(),
            ruleset_version=RULESET_VERSION,
            processing_town=self.town_name(case.processing_ags) if case.processing_ags != case.owner_ags else None,
            agreement_ref=case.agreement_ref,
        )
        titles = [(RECEIPT, f"Empfangsbestätigung zur {app.kind.label_de}")]
        if plan.fee is not None:
            titles.append((FEE_NOTICE, "Gebührenbescheid"))
        documents = [
            {"document_id": derived_id(case.case_id, step_id, kind), "kind": kind, "title_de": title}
            for kind, title in titles
        ]
        return documents, IssuedWith(context=ctx, fee=plan.fee)

    def _document_event(
        self, case: CaseContext, app: Gewerbeanzeige, plan: Plan, document: Document, now: datetime
    ) -> EventData:
        common = self._common(case, now)
        if document["kind"] == RECEIPT:
            return GewerbeReceiptIssued(
                **common,
                document_id=document["document_id"],
                registration_id=str(plan.registration_id),
                notice_kind=app.kind.value,
                automated=True,
            )
        assert plan.fee is not None  # a fee notice is issued only with a fee
        return GewerbeFeeNoticeIssued(
            **common,
            document_id=document["document_id"],
            amount=plan.fee.amount,
            tariff=plan.fee.tariff,
            automated=True,
        )

    def _recipient_messages(
        self, case: CaseContext, app: Gewerbeanzeige, plan: Plan, now: datetime, emit: _Emit
    ) -> None:
        """The notice's messages, then the old town's Abmeldung ex officio for each registration a move closed."""
        registration_id = str(plan.registration_id)
        messages = build_messages(
            app,
            determine_recipients(app, self._wz),
            case_id=case.case_id,
            file_number=case.file_number,
            registration_id=registration_id,
            created_at=now,
            ruleset_version=RULESET_VERSION,
            processing_ags=case.processing_ags,
        )
        for closed in plan.closed_elsewhere:
            messages += ex_officio_messages(
                app,
                closed,
                self._wz,
                case_id=case.case_id,
                file_number=case.file_number,
                registration_id=registration_id,
                created_at=now,
                ruleset_version=RULESET_VERSION,
            )
        for message, content in zip(messages, self._exporter(messages), strict=True):
            emit(
                self._topics.gewerbe_recipients,
                GewerbeRecipientMessage(
                    message_id=message.message_id,
                    message_type=message.message_type,
                    recipient=message.recipient.kind.value,
                    recipient_label_de=message.recipient.label_de,
                    legal_basis=message.recipient.legal_basis,
                    data_profile=message.recipient.profile.value,
                    case_id=message.case_id,
                    file_number=message.file_number,
                    owner_ags=message.owner_ags,
                    registration_id=message.registration_id,
                    created_at=now,
                    content=content.decode("utf-8"),
                ),
                message.owner_ags,
            )

    def _task(self, case: CaseContext, spec: TaskSpec, step_id: str) -> TaskRequested:
        return TaskRequested(
            task_id=derived_id(case.case_id, step_id, spec.category.value),
            case_id=case.case_id,
            service=SERVICE,
            owner_ags=case.owner_ags,
            pool_id=case.pool_id,
            kind=spec.kind,
            title_de=spec.title_de,
            instructions_de=spec.instructions_de,
            required_skills=list(spec.required_skills),
            due_at=datetime.combine(spec.due_on, TASK_DUE_TIME, BERLIN),
            legal_deadline=spec.due_on if spec.blocks_receipt else None,
            outcomes=[TaskOutcome(code=o.code, label_de=o.label_de) for o in spec.outcomes],
            context={
                "file_number": case.file_number,
                "category": spec.category.value,
                "legal_basis": spec.legal_basis,
                "blocks_receipt": spec.blocks_receipt,
                "evidence": list(spec.evidence_de),
                "agreement_ref": case.agreement_ref,
            },
        )

    def _task_opened(self, case: CaseContext, spec: TaskSpec, task_id: str, now: datetime) -> GewerbeTaskOpened:
        return GewerbeTaskOpened(
            **self._common(case, now),
            task_id=task_id,
            kind=spec.kind,
            category=spec.category.value,
            blocks_receipt=spec.blocks_receipt,
            due_on=spec.due_on,
        )
