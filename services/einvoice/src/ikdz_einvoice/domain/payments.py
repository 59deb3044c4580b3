"""Payment export: released invoices become one SEPA payment run and one booking record each.

``build_payment_run(config, invoices, ...)`` is pure and checks everything a bank or the town's
finance system would refuse later: euro only, whole cents, positive amounts due (BT-115), a
credit-transfer payment means (BT-81), a valid SEPA IBAN of the supplier (BT-84; a malformed BIC,
BT-86, is left out: SEPA needs only the IBAN), unique end-to-end ids, and no invoice twice. Invoices that cannot be paid are listed in
one :class:`PaymentExportError` with the reason for each, so nothing is dropped silently.

Each transfer is executed on the invoice's due date (BT-9) or on the run's execution date if that
is later; transfers are grouped into one payment information block per date. The adapter
``adapters/pain001.py`` writes the run as pain.001.001.09 XML; :func:`booking_records` gives the
documented booking record of each transfer (docs/einvoice.md, "Payment export").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

from ikdz_contracts.cloudevents import AGS_PATTERN
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ikdz_einvoice.domain.duplicates import seller_key
from ikdz_einvoice.domain.errors import EinvoiceError, InvalidLeitwegIdError
from ikdz_einvoice.domain.formatting import format_date
from ikdz_einvoice.domain.invoice import Invoice
from ikdz_einvoice.domain.leitweg import parse_leitweg_id
from ikdz_einvoice.domain.sepa import SepaError, euro_amount, sepa_identifier, sepa_text, valid_bic, valid_iban

_FROZEN = ConfigDict(frozen=True, extra="forbid")
CREDIT_TRANSFER_MEANS = frozenset({"30", "58"})
"""UNTDID 4461 codes that ask the buyer to transfer money: credit transfer, SEPA credit transfer."""
BOOKING_FORMAT = "ikdz-einvoice-booking/1"


class DebtorAccount(BaseModel):
    """The paying town's account (from configuration, never from an invoice)."""

    model_config = _FROZEN

    name: str = Field(min_length=1, max_length=140)
    iban: str
    bic: str | None = None

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str) -> str:
        return valid_iban(value)

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        return None if value is None else valid_bic(value)


class BookingAccount(BaseModel):
    """Where the expense is booked in the town's budget (kommunale Doppik)."""

    model_config = _FROZEN

    haushaltsstelle: str | None = Field(None, description="Produkt/Kostenstelle of the budget (Haushaltsstelle)")
    sachkonto: str | None = Field(None, description="Sachkonto of the Kontenrahmen (e.g. 4431xx for services)")


class TownPaymentConfig(BaseModel):
    """One town's payment configuration: its account, booking defaults and creditor numbers.

    ``bookings`` maps a Leitweg-ID fine-part prefix (the ordering department) to its booking
    account; the longest matching prefix wins, ``default_booking`` takes the rest. ``creditors``
    maps a seller key (``VAT:DE123456789``, see ``duplicates.seller_key``) to the town's
    Kreditorennummer.
    """

    model_config = _FROZEN

    ags: str = Field(pattern=AGS_PATTERN)
    name: str = Field(min_length=1)
    debtor: DebtorAccount
    default_booking: BookingAccount = BookingAccount()
    bookings: dict[str, BookingAccount] = {}
    creditors: dict[str, str] = {}

    def booking_for(self, leitweg_id: str | None) -> BookingAccount:
        fine = ""
        if leitweg_id:
            try:
                fine = (parse_leitweg_id(leitweg_id).fine or "").upper()
            except InvalidLeitwegIdError:
                fine = ""
        matches = [prefix for prefix in self.bookings if fine.startswith(prefix.upper())]
        return self.bookings[max(matches, key=len)] if matches else self.default_booking


class ReleasedInvoice(BaseModel):
    """An invoice released for payment (Anordnung): the case, the invoice and who released it when."""

    model_config = _FROZEN

    case_id: str = Field(min_length=1)
    invoice: Invoice
    released_on: date
    released_by: tuple[str, ...] = ()
    """The clerks (or ``automated``) who released it, for the booking record's audit trail."""


class CreditTransfer(BaseModel):
    """One transfer of a payment run, with everything the booking record needs."""

    model_config = _FROZEN

    case_id: str
    end_to_end_id: str
    execution_date: date
    amount: Decimal
    currency: str
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None
    remittance: str
    invoice: Invoice
    released_on: date
    released_by: tuple[str, ...]
    booking: BookingAccount
    kreditor: str | None


class PaymentGroup(BaseModel):
    """Transfers executed on one date (a pain.001 ``PmtInf`` block)."""

    model_config = _FROZEN

    payment_information_id: str
    execution_date: date
    transfers: tuple[CreditTransfer, ...]

    @property
    def control_sum(self) -> Decimal:
        return sum((t.amount for t in self.transfers), Decimal("0.00"))


class PaymentRun(BaseModel):
    model_config = _FROZEN

    message_id: str
    created_at: datetime
    town: str
    ags: str
    debtor: DebtorAccount
    groups: tuple[PaymentGroup, ...]

    @property
    def transfers(self) -> tuple[CreditTransfer, ...]:
        return tuple(t for group in self.groups for t in group.transfers)

    @property
    def control_sum(self) -> Decimal:
        return sum((g.control_sum for g in self.groups), Decimal("0.00"))

    @model_validator(mode="after")
    def _consistent(self) -> PaymentRun:
        ids = [t.end_to_end_id for t in self.transfers]
        if len(set(ids)) != len(ids):
            raise ValueError("end-to-end ids must be unique within a payment run")
        if not self.groups:
            raise ValueError("a payment run needs at least one transfer")
        return self


class PaymentExportError(EinvoiceError):
    """Invoices that cannot be paid by SEPA credit transfer, each with its reason (case id -> reason)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{case}: {why}" for case, why in problems.items()))
        self.problems = problems


def end_to_end_id(case_id: str, invoice_number: str) -> str:
    """``<invoice number>-<6 hex of the case id>``: readable on the supplier's statement, unique per case."""
    suffix = hashlib.sha256(case_id.encode()).hexdigest()[:6].upper()
    try:
        number = sepa_identifier(invoice_number, 28)
    except SepaError:
        number = "RE"
    return f"{number}-{suffix}"


def remittance_information(invoice: Invoice) -> str:
    """Unstructured remittance (max. 140): the supplier's own reference (BT-83) first, then number and date."""
    parts = [invoice.payment.remittance_information, f"Rechnung {invoice.number} vom {format_date(invoice.issue_date)}"]
    if invoice.buyer_reference:
        parts.append(f"Leitweg-ID {invoice.buyer_reference}")
    return sepa_text(" ".join(p for p in parts if p), 140)


def _usable_bic(bic: str | None) -> str | None:
    """The supplier's BIC (BT-86) if well-formed; else none: SEPA transfers need only the IBAN."""
    if bic is None:
        return None
    try:
        return valid_bic(bic)
    except SepaError:
        return None


def _cents(value: Decimal) -> Decimal:
    """An amount with two decimals when it has no more (``336.9`` -> ``336.90``), else unchanged."""
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value


def _transfer(config: TownPaymentConfig, item: ReleasedInvoice, earliest: date) -> CreditTransfer:
    invoice = item.invoice
    if invoice.currency != "EUR":
        raise SepaError(f"currency {invoice.currency} is not EUR; SEPA credit transfers are in euro")
    if invoice.is_credit_note:
        raise SepaError("a credit note is not paid; it is set off against the supplier's invoices")
    if invoice.payment.means_code not in CREDIT_TRANSFER_MEANS:
        raise SepaError(f"payment means {invoice.payment.means_code} (BT-81) asks for no credit transfer")
    amount = euro_amount(invoice.totals.payable)
    accounts = [a for a in invoice.payment.accounts if a.iban]
    if not accounts:
        raise SepaError("the invoice names no IBAN to pay to (BT-84)")
    account = accounts[0]
    name = sepa_text(account.name or invoice.seller.name, 70)
    if not name:
        raise SepaError("the payee's name has no character SEPA can carry")
    return CreditTransfer(
        case_id=item.case_id,
        end_to_end_id=end_to_end_id(item.case_id, invoice.number),
        execution_date=max(earliest, invoice.due_date) if invoice.due_date else earliest,
        amount=amount,
        currency="EUR",
        creditor_name=name,
        creditor_iban=valid_iban(account.account_id),
        creditor_bic=_usable_bic(account.bic),
        remittance=remittance_information(invoice),
        invoice=invoice,
        released_on=item.released_on,
        released_by=item.released_by,
        booking=config.booking_for(invoice.buyer_reference),
        kreditor=config.creditors.get(seller_key(invoice.seller)),
    )


def build_payment_run(
    config: TownPaymentConfig,
    invoices: Iterable[ReleasedInvoice],
    *,
    message_id: str,
    created_at: datetime,
    execution_date: date,
) -> PaymentRun:
    """The payment run for *invoices*; :class:`PaymentExportError` lists every invoice that cannot be paid."""
    transfers: list[CreditTransfer] = []
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for item in invoices:
        if item.case_id in seen:
            problems[item.case_id] = "released twice in the same run"
            continue
        seen.add(item.case_id)
        try:
            transfers.append(_transfer(config, item, execution_date))
        except SepaError as error:
            problems[item.case_id] = str(error)
    if problems:
        raise PaymentExportError(problems)
    if not transfers:
        raise PaymentExportError({"(run)": "no released invoice to pay"})
    run_id = sepa_identifier(message_id)
    dates = sorted({t.execution_date for t in transfers})
    groups = tuple(
        PaymentGroup(
            payment_information_id=sepa_identifier(f"{run_id[:26]}-{day:%Y%m%d}"),
            execution_date=day,
            transfers=tuple(t for t in transfers if t.execution_date == day),
        )
        for day in dates
    )
    return PaymentRun(
        message_id=run_id, created_at=created_at, town=config.name, ags=config.ags, debtor=config.debtor, groups=groups
    )


class BookingRecord(BaseModel):
    """One line of the booking export (format ``ikdz-einvoice-booking/1``, documented in docs/einvoice.md)."""

    model_config = _FROZEN

    payment_run: str
    end_to_end_id: str
    case_id: str
    owner_ags: str
    leitweg_id: str | None
    invoice_number: str
    invoice_type: str
    issue_date: date
    due_date: date | None
    execution_date: date
    released_on: date
    released_by: str
    creditor_name: str
    creditor_vat_id: str | None
    creditor_key: str
    kreditor: str | None
    creditor_iban: str
    creditor_bic: str | None
    currency: str
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    payable_amount: Decimal
    vat_breakdown: str
    """``S:19:100.00:19.00|Z:0:50.00:0.00`` (category:rate:taxable:tax per BG-23)."""
    haushaltsstelle: str | None
    sachkonto: str | None
    buyer_accounting_reference: str | None
    order_reference: str | None
    remittance: str
    debtor_iban: str


def booking_records(run: PaymentRun) -> tuple[BookingRecord, ...]:
    records = []
    for transfer in run.transfers:
        invoice = transfer.invoice
        totals = invoice.totals
        records.append(
            BookingRecord(
                payment_run=run.message_id,
                end_to_end_id=transfer.end_to_end_id,
                case_id=transfer.case_id,
                owner_ags=run.ags,
                leitweg_id=invoice.buyer_reference,
                invoice_number=invoice.number,
                invoice_type=invoice.type_code,
                issue_date=invoice.issue_date,
                due_date=invoice.due_date,
                execution_date=transfer.execution_date,
                released_on=transfer.released_on,
                released_by=",".join(transfer.released_by),
                creditor_name=invoice.seller.name,
                creditor_vat_id=invoice.seller.vat_id,
                creditor_key=seller_key(invoice.seller),
                kreditor=transfer.kreditor,
                creditor_iban=transfer.creditor_iban,
                creditor_bic=transfer.creditor_bic,
                currency=transfer.currency,
                net_amount=_cents(totals.tax_exclusive),
                vat_amount=_cents(totals.tax_total if totals.tax_total is not None else Decimal("0")),
                gross_amount=_cents(totals.tax_inclusive),
                payable_amount=transfer.amount,
                vat_breakdown="|".join(
                    f"{v.category}:{v.rate if v.rate is not None else ''}:{_cents(v.taxable_amount)}:{_cents(v.tax_amount)}"
                    for v in invoice.vat_breakdown
                ),
                haushaltsstelle=transfer.booking.haushaltsstelle,
                sachkonto=transfer.booking.sachkonto,
                buyer_accounting_reference=invoice.buyer_accounting_reference,
                order_reference=invoice.order_reference,
                remittance=transfer.remittance,
                debtor_iban=run.debtor.iban,
            )
        )
    return tuple(records)


BOOKING_FIELDS: Sequence[str] = tuple(BookingRecord.model_fields)
"""Column order of the CSV booking export (= field order of :class:`BookingRecord`)."""
