"""Use case: process a received invoice once: validate, extract, check the Leitweg-ID and duplicates,
then either reject it (with a notice for the supplier) or file a case for its approval.

Driven by the ``received`` event (at-least-once): the outcome is one insert keyed by the invoice id,
carrying every event it causes, so a redelivered event changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import (
    Applicant,
    CaseState,
    CaseSubmitted,
    InvoiceDuplicate,
    InvoiceReceived,
    InvoiceRejected,
    InvoiceRouted,
    InvoiceValidated,
    RejectionKind,
)
from ikdz_contracts.events.case import file_number
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics

from ikdz_einvoice.app.events import entry, status
from ikdz_einvoice.app.ports import Clock, Document, InvoiceStore, Notifier
from ikdz_einvoice.app.rejection_notice import rejection_notice
from ikdz_einvoice.app.validate_invoice import OutcomeStatus, ValidationOutcome
from ikdz_einvoice.domain.approval import ApprovalFacts
from ikdz_einvoice.domain.duplicates import duplicate_key, links, seller_key
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.routing import InvoiceRoute, RoutingRejection
from ikdz_einvoice.domain.validation import RuleSetInfo, Severity

CENTER_NAME = "Interkommunales Dienstleistungszentrum"
"""Who issues the notice when the Leitweg-ID names no town of the center."""


def rule_set_name(rules: RuleSetInfo) -> str:
    return (
        f"XRechnung {rules.xrechnung} (Schematron {rules.xrechnung_schematron}), EN 16931 {rules.en16931}, "
        f"UBL {rules.ubl}, CII {rules.cii}"
    )


class ProcessInvoice:
    def __init__(
        self,
        store: InvoiceStore,
        validate: Callable[[bytes], ValidationOutcome],
        municipalities: MunicipalityRegistry,
        topics: Topics,
        clock: Clock,
        relay: Notifier,
    ) -> None:
        self._store = store
        self._validate = validate
        self._municipalities = municipalities
        self._topics = topics
        self._clock = clock
        self._relay = relay

    async def __call__(self, received: CloudEvent[InvoiceReceived]) -> bool:
        """False when the invoice was processed before (a redelivery)."""
        invoice_id = received.data.invoice_id
        if await self._store.outcome(invoice_id) is not None:
            return False
        data = await self._store.original(received.data.sha256)
        if data is None:
            msg = f"original bytes {received.data.sha256} of invoice {invoice_id} are not stored"
            raise LookupError(msg)
        outcome = await asyncio.to_thread(self._validate, data)  # CPU-bound: off the event loop
        record: Document = {"_id": invoice_id, "processed_at": self._clock(), "status": outcome.status.value}
        if outcome.report is not None:
            record["report"] = outcome.report.model_dump(mode="json", exclude={"verdict"})
            record["rule_set"] = rule_set_name(outcome.report.rules)
        events = await self._decide(received, outcome, record, data)
        if await self._store.insert_outcome(record, events):
            self._relay.notify(invoice_id)
            return True
        return False

    def _notice(self, received: CloudEvent[InvoiceReceived], outcome: ValidationOutcome, data: bytes) -> str:
        """The plain German rejection notice, issued in the name of the town the invoice was meant for."""
        town = self._municipalities.get(received.ownerags)
        return rejection_notice(
            outcome,
            data,
            town=town.display_name if town else CENTER_NAME,
            received_on=received.data.occurred_at.date(),
            issued_on=self._clock().date(),
        ).text()

    async def _decide(
        self, received: CloudEvent[InvoiceReceived], outcome: ValidationOutcome, record: Document, data: bytes
    ) -> list[Document]:
        invoice_id, owner = received.data.invoice_id, received.ownerags
        now = record["processed_at"]

        def event(data: Any, owner_ags: str = owner, **kwargs: Any) -> Document:
            return entry(self._topics, data, invoice_id=invoice_id, owner_ags=owner_ags, cause=received, **kwargs)

        if outcome.status in {OutcomeStatus.REFUSED, OutcomeStatus.REJECTED}:
            record["notice_de"] = self._notice(received, outcome, data)
            failed = sorted(outcome.report.rule_ids(Severity.FATAL)) if outcome.report else []
            summary = "Die Rechnung verletzt verbindliche Regeln der XRechnung und wird abgelehnt."
            rejected = InvoiceRejected(
                invoice_id=invoice_id,
                occurred_at=now,
                kind=RejectionKind.INVALID,
                failed_rules=failed,
                message_de=summary,
            )
            return [event(rejected)]
        assert outcome.report is not None
        assert outcome.invoice is not None
        assert outcome.duplicate_key is not None
        validated = InvoiceValidated(
            invoice_id=invoice_id,
            occurred_at=now,
            scenario=outcome.report.scenario,
            rule_set=record["rule_set"],
            warnings=sorted(outcome.report.rule_ids(Severity.WARNING)),
        )
        record["invoice"] = outcome.invoice.model_dump(mode="json")
        if isinstance(outcome.route, RoutingRejection) or outcome.route is None:
            assert isinstance(outcome.route, RoutingRejection)
            record["notice_de"] = self._notice(received, outcome, data)
            rejected = InvoiceRejected(
                invoice_id=invoice_id,
                occurred_at=now,
                kind=RejectionKind.UNROUTABLE,
                failed_rules=[outcome.route.reason.value],
                message_de=outcome.route.message_de,
            )
            return [event(validated), event(rejected)]
        route = outcome.route
        holder = await self._store.claim_duplicate_key(outcome.duplicate_key.value, invoice_id)
        if holder != invoice_id:
            record.update(status="duplicate", duplicate_of=holder)
            duplicate = InvoiceDuplicate(invoice_id=invoice_id, occurred_at=now, duplicate_of=holder)
            return [event(validated, route.owner_ags), event(duplicate, route.owner_ags)]
        return [event(validated, route.owner_ags), *await self._file_case(received, outcome.invoice, route, record)]

    async def _file_case(
        self, received: CloudEvent[InvoiceReceived], invoice: Invoice, route: InvoiceRoute, record: Document
    ) -> list[Document]:
        invoice_id, now = received.data.invoice_id, record["processed_at"]
        town = self._municipalities.get(route.owner_ags)
        if town is None:
            msg = f"Leitweg table names AGS {route.owner_ags}, which is no Saxon municipality"
            raise LookupError(msg)
        number = file_number(
            town.short_code,
            ServiceId.EINVOICE,
            now.year,
            await self._store.next_sequence(f"{town.short_code}-{ServiceId.EINVOICE.code}-{now.year}"),
        )
        reference = duplicate_key(invoice).reference
        await self._store.register_reference(reference.value, invoice_id)
        corrects = await self._store.invoices_for_references([ref.value for ref in links(invoice)])
        record.update(
            file_number=number, owner_ags=route.owner_ags, route=route.model_dump(mode="json"), corrects=corrects
        )
        facts = ApprovalFacts(
            invoice_id=invoice_id,
            file_number=number,
            owner_ags=route.owner_ags,
            pool_id=route.pool,
            amount=invoice.totals.payable,
            currency=invoice.currency,
            seller_key=seller_key(invoice.seller),
            order_reference=invoice.order_reference,
            credit_note=invoice.is_credit_note,
        )
        submitted = CaseSubmitted(
            case_id=invoice_id,
            file_number=number,
            service=ServiceId.EINVOICE,
            owner_ags=route.owner_ags,
            submitted_at=received.data.occurred_at,
            channel=received.data.channel,
            applicant=Applicant(kind="legal_entity", name=invoice.seller.name[:200]),
            payload={
                "approval": facts.model_dump(mode="json"),
                "invoice_number": invoice.number,
                "issue_date": invoice.issue_date.isoformat(),
                "leitweg_id": route.leitweg_id,
                "department": route.department,
            },
            requested_pool_id=route.pool,
        )
        routed = InvoiceRouted(
            invoice_id=invoice_id,
            occurred_at=now,
            owner_ags=route.owner_ags,
            file_number=number,
            leitweg_id=route.leitweg_id,
            department=route.department,
            pool_id=route.pool,
            corrects=corrects,
        )
        received_status = status(
            invoice_id=invoice_id,
            file_number=number,
            owner_ags=route.owner_ags,
            state=CaseState.RECEIVED,
            message_de=(
                f"Die Rechnung {invoice.number} ist gültig und geht an: {town.display_name}, {route.department}."
            ),
            at=now,
        )
        return [
            entry(self._topics, data, invoice_id=invoice_id, owner_ags=route.owner_ags, cause=received)
            for data in (routed, submitted, received_status)
        ]
