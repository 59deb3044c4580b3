"""Use case: released invoices of one town -> the files for the bank and for the finance system."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from ikdz_einvoice.adapters.booking_export import render_booking_csv, render_booking_json
from ikdz_einvoice.adapters.pain001 import render_pain001
from ikdz_einvoice.domain.payments import PaymentRun, ReleasedInvoice, TownPaymentConfig, build_payment_run


@dataclass(frozen=True, slots=True)
class PaymentExport:
    run: PaymentRun
    pain001: bytes
    """pain.001.001.09 XML for the town's bank, schema-checked."""
    booking_json: bytes
    booking_csv: bytes


def export_payments(
    config: TownPaymentConfig,
    invoices: Iterable[ReleasedInvoice],
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
) -> PaymentExport:
    """All three files of one payment run; ``PaymentExportError`` names every invoice that cannot be paid.

    *message_id* must be unique per town and bank (at most 35 characters; banks refuse a repeated one),
    e.g. the id of the stored export.
    """
    run = build_payment_run(
        config, invoices, message_id=message_id, created_at=created_at, execution_date=execution_date
    )
    return PaymentExport(
        run=run, pain001=render_pain001(run), booking_json=render_booking_json(run), booking_csv=render_booking_csv(run)
    )
