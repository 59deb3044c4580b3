"""Use case: what a supplier (or integrator) sees of an invoice: its state, the notice if rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ikdz_platform.status_tokens import token_matches
from pydantic import TypeAdapter

from ikdz_einvoice.app.ports import InvoiceStore
from ikdz_einvoice.domain.approval import ApprovalEvent, Phase, replay
from ikdz_einvoice.domain.errors import EinvoiceError

_EVENTS: TypeAdapter[list[ApprovalEvent]] = TypeAdapter(list[ApprovalEvent])

STATES_DE = {
    "received": "Eingegangen, wird geprüft",
    "rejected": "Abgelehnt",
    "unroutable": "Abgelehnt",
    "duplicate": "Bereits eingegangen (Doppel)",
    "in_approval": "In Prüfung bei der Kommune",
    "released": "Zur Zahlung angeordnet",
    "objected": "Beanstandet",
    "paid": "Zahlung veranlasst",
}


class InvoiceNotFoundError(EinvoiceError):
    """No invoice with this id and token (the two cases look the same)."""


@dataclass(frozen=True)
class InvoiceStatus:
    invoice_id: str
    state: str
    received_at: datetime
    sha256: str
    size: int
    channel: str
    file_number: str | None = None
    owner_ags: str | None = None
    notice_de: str | None = None
    duplicate_of: str | None = None
    corrects: tuple[str, ...] = ()
    failed_rules: tuple[str, ...] = field(default=())
    export_id: str | None = None

    @property
    def label_de(self) -> str:
        return STATES_DE[self.state]


class ViewInvoice:
    def __init__(self, store: InvoiceStore, token_secret: bytes) -> None:
        self._store = store
        self._secret = token_secret

    async def __call__(self, invoice_id: str, token: str | None) -> InvoiceStatus:
        """``token`` None: a caller the entrypoint already authorised (staff)."""
        if token is not None and not token_matches(self._secret, invoice_id, token):
            raise InvoiceNotFoundError(invoice_id)
        invoice = await self._store.invoice(invoice_id)
        if invoice is None:
            raise InvoiceNotFoundError(invoice_id)
        base = {
            "invoice_id": invoice_id,
            "received_at": invoice["received_at"],
            "sha256": invoice["sha256"],
            "size": invoice["size"],
            "channel": invoice["channel"],
        }
        outcome = await self._store.outcome(invoice_id)
        if outcome is None:
            return InvoiceStatus(state="received", **base)
        findings = outcome.get("report", {}).get("findings", [])
        failed = tuple(sorted({f["rule_id"] for f in findings if f["severity"] == "fatal"}))
        common = {
            **base,
            "file_number": outcome.get("file_number"),
            "owner_ags": outcome.get("owner_ags"),
            "notice_de": outcome.get("notice_de"),
            "duplicate_of": outcome.get("duplicate_of"),
            "corrects": tuple(outcome.get("corrects", ())),
            "failed_rules": failed,
        }
        if outcome["status"] != "accepted":
            return InvoiceStatus(state="rejected" if outcome["status"] == "refused" else outcome["status"], **common)
        records = await self._store.approval_records(invoice_id)
        approval = replay([event for record in records for event in _EVENTS.validate_python(record["events"])])
        if approval is None or approval.phase is Phase.AWAITING:
            return InvoiceStatus(state="in_approval", **common)
        if approval.phase is Phase.OBJECTED:
            return InvoiceStatus(state="objected", **common)
        marks = await self._store.export_marks([invoice_id])
        mark = marks.get(invoice_id)
        if mark is not None and await self._store.export(mark["export_id"]) is not None:
            return InvoiceStatus(state="paid", export_id=mark["export_id"], **common)
        return InvoiceStatus(state="released", **common)
