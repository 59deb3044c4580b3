"""Use case: export a town's released invoices for payment (SEPA credit transfer and booking records).

No invoice is paid twice: each is claimed for one export by an insert keyed by its id, before the
files are built; only the invoices this run claimed go into its files. A run that died between
claiming and storing its export leaves claims without an export; a later run of the town takes
them over once they are older than ``ABANDONED_AFTER``. Invoices that cannot be paid (no IBAN, a
credit note, amounts the bank refuses) are not claimed and are reported with the reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ikdz_contracts.events import CaseState, InvoiceExported
from ikdz_contracts.ids import new_id
from ikdz_contracts.topics import Topics
from pydantic import TypeAdapter

from ikdz_einvoice.adapters.payment_config import PaymentConfig, PaymentConfigError
from ikdz_einvoice.app.events import entry, status
from ikdz_einvoice.app.payment_export import export_payments
from ikdz_einvoice.app.ports import Clock, Document, InvoiceStore, Notifier
from ikdz_einvoice.domain.approval import ApprovalEvent, StepDecided
from ikdz_einvoice.domain.errors import EinvoiceError
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.payments import PaymentExportError, ReleasedInvoice, TownPaymentConfig, build_payment_run

ABANDONED_AFTER = timedelta(minutes=10)
"""A claim without its export after this long belongs to a run that died; the next run takes it over."""
_EVENTS: TypeAdapter[list[ApprovalEvent]] = TypeAdapter(list[ApprovalEvent])


class ExportError(EinvoiceError):
    """The town cannot export (no payment configuration)."""


@dataclass(frozen=True)
class ExportResult:
    export_id: str | None
    """None when nothing payable was waiting."""
    invoice_ids: tuple[str, ...]
    not_payable: dict[str, str] = field(default_factory=dict)
    """invoice id -> why it cannot be paid (stays released, not exported)."""


class ExportPayments:
    def __init__(
        self, store: InvoiceStore, payments: PaymentConfig, topics: Topics, clock: Clock, relay: Notifier
    ) -> None:
        self._store = store
        self._payments = payments
        self._topics = topics
        self._clock = clock
        self._relay = relay
        self._lock = asyncio.Lock()

    async def __call__(self, owner_ags: str) -> ExportResult:
        try:
            config = self._payments.for_town(owner_ags)
        except PaymentConfigError as error:
            raise ExportError(str(error)) from None
        async with self._lock:  # one run at a time per process; the claims guard across replicas
            now = self._clock()
            export_id = new_id()
            candidates, not_payable = await self._payable(config, owner_ags, now)
            claimed = [(item, number) for item, number in candidates if await self._claim(item, export_id, now)]
            items = [item for item, _ in claimed]
            if not items:
                return ExportResult(None, (), not_payable)
            files = await asyncio.to_thread(
                export_payments, config, items, message_id=export_id, created_at=now, execution_date=now.date()
            )
            outbox = [
                message
                for item, number in claimed
                for message in self._messages(item, number, owner_ags, export_id, now)
            ]
            export: Document = {
                "_id": export_id,
                "owner_ags": owner_ags,
                "created_at": now,
                "invoice_ids": [item.case_id for item in items],
                "files": {
                    f"{export_id}.pain.001.xml": files.pain001,
                    f"{export_id}.buchungen.json": files.booking_json,
                    f"{export_id}.buchungen.csv": files.booking_csv,
                },
            }
            await self._store.insert_export(export, outbox)
            self._relay.notify(export_id)
            return ExportResult(export_id, tuple(item.case_id for item in items), not_payable)

    async def _payable(
        self, config: TownPaymentConfig, owner_ags: str, now: datetime
    ) -> tuple[list[tuple[ReleasedInvoice, str]], dict[str, str]]:
        """Released invoices not paid yet, split into payable ones and the reasons of the others."""
        released = await self._store.released_invoices(owner_ags)
        marks = await self._store.export_marks([record["invoice_id"] for record in released])
        payable: list[tuple[ReleasedInvoice, str]] = []
        problems: dict[str, str] = {}
        for record in released:
            invoice_id = record["invoice_id"]
            mark = marks.get(invoice_id)
            if mark is not None and (
                await self._store.export(mark["export_id"]) is not None or now - mark["at"] < ABANDONED_AFTER
            ):
                continue  # paid, or a run is still working on it
            outcome = await self._store.outcome(invoice_id)
            if outcome is None or "invoice" not in outcome:
                continue
            invoice = Invoice.model_validate(outcome["invoice"])
            if invoice.is_credit_note:
                problems[invoice_id] = "a credit note is settled with the supplier, not paid out"
                continue
            item = ReleasedInvoice(
                case_id=invoice_id, invoice=invoice, released_on=record["at"].date(), released_by=_released_by(record)
            )
            try:
                build_payment_run(config, [item], message_id=invoice_id, created_at=now, execution_date=now.date())
            except PaymentExportError as error:
                problems[invoice_id] = "; ".join(error.problems.values())
                continue
            payable.append((item, outcome["file_number"]))
        return payable, problems

    async def _claim(self, item: ReleasedInvoice, export_id: str, now: datetime) -> bool:
        marks = await self._store.export_marks([item.case_id])
        mark = marks.get(item.case_id)
        if mark is None:
            return await self._store.mark_exported(item.case_id, export_id, now)
        return await self._store.move_mark(item.case_id, mark["export_id"], export_id, now)  # an abandoned claim

    def _messages(
        self, item: ReleasedInvoice, file_number: str, owner_ags: str, export_id: str, now: datetime
    ) -> list[Document]:
        exported = InvoiceExported(invoice_id=item.case_id, occurred_at=now, owner_ags=owner_ags, export_id=export_id)
        done = status(
            invoice_id=item.case_id,
            file_number=file_number,
            owner_ags=owner_ags,
            state=CaseState.COMPLETED,
            label_de="Zahlung veranlasst",
            message_de="Die Zahlung ist an die Bank übergeben. Der Betrag wird in den nächsten Tagen überwiesen.",
            at=now,
        )
        return [
            entry(self._topics, exported, invoice_id=item.case_id, owner_ags=owner_ags),
            entry(self._topics, done, invoice_id=item.case_id, owner_ags=owner_ags),
        ]


def _released_by(record: Document) -> tuple[str, ...]:
    decided = [e for e in _EVENTS.validate_python(record["events"]) if isinstance(e, StepDecided)]
    return tuple(dict.fromkeys("automated" if e.automated else str(e.actor) for e in decided))
