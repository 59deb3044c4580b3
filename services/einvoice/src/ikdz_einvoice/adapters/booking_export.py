"""The booking record of a payment run as JSON and as CSV (format ``ikdz-einvoice-booking/1``).

JSON is for the finance system's import (amounts as strings with a decimal point, dates ISO 8601);
CSV is for people with a spreadsheet: ``;``-separated, UTF-8, German decimal comma, one row per
transfer, the columns of :data:`~ikdz_einvoice.domain.payments.BOOKING_FIELDS`. Both are described
field by field in docs/einvoice.md ("Payment export").
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from ikdz_einvoice.domain.payments import BOOKING_FIELDS, BOOKING_FORMAT, PaymentRun, booking_records


def render_booking_json(run: PaymentRun) -> bytes:
    document = {
        "format": BOOKING_FORMAT,
        "payment_run": run.message_id,
        "created_at": run.created_at.isoformat(),
        "town": run.town,
        "ags": run.ags,
        "debtor_iban": run.debtor.iban,
        "number_of_transfers": len(run.transfers),
        "control_sum": f"{run.control_sum:.2f}",
        "records": [record.model_dump(mode="json") for record in booking_records(run)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A cell a spreadsheet would run as a formula is prefixed with a quote (CSV injection).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_booking_csv(run: PaymentRun) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(BOOKING_FIELDS)
    for record in booking_records(run):
        row = record.model_dump()
        writer.writerow([_cell(row[field]) for field in BOOKING_FIELDS])
    return buffer.getvalue().encode()
