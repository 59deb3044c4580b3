"""The readable view's access rule: staff see an invoice of a town they work for, as owner or as the
town whose pool processes it. The caller is bound per request (``bind_staff``), so the shared
``InvoiceReader`` port needs no caller argument."""

from __future__ import annotations

from contextvars import ContextVar

from ikdz_platform.auth.principal import StaffPrincipal

from ikdz_einvoice.app.ports import InvoiceRecord, InvoiceStore
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.validation import ValidationReport

_current_staff: ContextVar[StaffPrincipal | None] = ContextVar("einvoice_staff", default=None)


def bind_staff(staff: StaffPrincipal) -> None:
    """Remember who asks, for the rest of this request."""
    _current_staff.set(staff)


class StaffInvoiceReader:
    def __init__(self, store: InvoiceStore, town_names: dict[str, str]) -> None:
        self._store = store
        self._town_names = town_names

    async def invoice_for_view(self, invoice_id: str) -> InvoiceRecord | None:
        staff = _current_staff.get()
        outcome = await self._store.outcome(invoice_id)
        if staff is None or outcome is None or "invoice" not in outcome:
            return None
        towns = {outcome.get("owner_ags")} | {
            record.get("processing_ags") for record in await self._store.approval_records(invoice_id)
        }
        if not staff.towns & {town for town in towns if town}:
            return None  # not one of the caller's towns: looks like a missing invoice
        report = ValidationReport.model_validate(outcome["report"]) if "report" in outcome else None
        owner = outcome.get("owner_ags")
        return InvoiceRecord(
            invoice=Invoice.model_validate(outcome["invoice"]),
            report=report,
            town=self._town_names.get(owner) if owner else None,
        )
