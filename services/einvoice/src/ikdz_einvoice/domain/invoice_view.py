"""The readable view of an invoice for clerks: every business term with its German label, formatted de-DE.

``build_invoice_view(invoice, report)`` is pure; the HTML and PDF renderers in ``adapters/`` only lay
out what it returns, so both show the same facts in the same words. Each field names its business
term (``BT-n``) so a clerk can find it in the XRechnung specification or in a supplier's question.
A term the invoice does not carry is left out, not shown as empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ikdz_einvoice.domain.formatting import format_amount, format_date, format_iban, format_number, format_percent
from ikdz_einvoice.domain.invoice import (
    Address,
    AllowanceCharge,
    Contact,
    Delivery,
    Identifier,
    Invoice,
    InvoiceLine,
    Party,
    Payee,
    PaymentAccount,
    TaxRepresentative,
)
from ikdz_einvoice.domain.labels import (
    BUSINESS_TERMS_DE,
    COUNTRIES_DE,
    INVOICE_TYPES_DE,
    NOTE_SUBJECTS_DE,
    PAYMENT_MEANS_DE,
    UNITS_DE,
    VAT_CATEGORIES_DE,
    VAT_POINT_DATE_CODES_DE,
    coded,
    term_label,
)
from ikdz_einvoice.domain.rule_texts import explain_rule
from ikdz_einvoice.domain.validation import Finding, Severity, ValidationReport, Verdict

SEVERITY_DE = {Severity.FATAL: "Fehler", Severity.WARNING: "Warnung", Severity.INFORMATION: "Hinweis"}


@dataclass(frozen=True, slots=True)
class ViewField:
    """One labelled value; ``term`` is the business term (``BT-10``) or ``None`` for our own facts."""

    label: str
    value: str
    term: str | None = None

    @property
    def key(self) -> str:
        """The label with its business term, as the view shows it: ``Rechnungsnummer (BT-1)``."""
        return f"{self.label} ({self.term})" if self.term else self.label


def field_items(fields: Iterable[ViewField]) -> tuple[tuple[str, str], ...]:
    """(key, value) pairs for a description list."""
    return tuple((f.key, f.value) for f in fields)


@dataclass(frozen=True, slots=True)
class ViewSection:
    title: str
    fields: tuple[ViewField, ...]
    term: str | None = None

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        return field_items(self.fields)


@dataclass(frozen=True, slots=True)
class ViewColumn:
    label: str
    term: str | None = None
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class ViewTable:
    caption: str
    columns: tuple[ViewColumn, ...]
    rows: tuple[tuple[str, ...], ...]
    term: str | None = None

    @property
    def numeric_columns(self) -> tuple[int, ...]:
        return tuple(i for i, column in enumerate(self.columns) if column.numeric)


@dataclass(frozen=True, slots=True)
class FindingView:
    rule_id: str
    severity: Severity
    severity_label: str
    message: str
    """The official rule message, as the rules wrote it (German, English or both)."""
    explanation: str | None
    """Our plain German explanation, where we have one for this rule."""
    location: str | None
    terms: tuple[str, ...]
    """Business terms the rule concerns, with their German names (``BT-10 Leitweg-ID (Käuferreferenz)``)."""

    @property
    def row(self) -> tuple[str, ...]:
        """Rule, severity, meaning, official message, business terms, location: one table row."""
        return (
            self.rule_id,
            self.severity_label,
            self.explanation or "",
            self.message,
            ", ".join(self.terms),
            self.location or "",
        )


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """Everything the readable view shows, in order; built by :func:`build_invoice_view`."""

    title: str
    subtitle: str
    sections: tuple[ViewSection, ...]
    notes: tuple[ViewField, ...]
    lines: ViewTable
    line_details: ViewTable | None
    """BG-25 to BG-32 beyond the line table's columns: one row per term a line carries, with its line's number."""
    line_allowances_charges: ViewTable | None
    """BG-27 / BG-28, one row per allowance or charge, with its line's number."""
    allowances_charges: ViewTable | None
    vat_breakdown: ViewTable
    totals: tuple[ViewField, ...]
    supporting_documents: ViewTable | None
    """BG-24 as name, description, file name and type: attachments are never rendered or linked."""
    verdict: str | None
    """``Gültig`` / ``Abgelehnt`` with the rule releases, or ``None`` without a report."""
    findings: tuple[FindingView, ...]
    accepted: bool | None
    """The report's verdict (``None`` without a report)."""

    @property
    def finding_rows(self) -> tuple[tuple[str, ...], ...]:
        return tuple(f.row for f in self.findings)

    @property
    def payable(self) -> ViewField:
        """The amount due (BT-115), the figure the clerk approves."""
        return next(f for f in self.totals if f.term == "BT-115")


def _field(term: str | None, value: str | None, label: str | None = None) -> ViewField | None:
    if term is None or value is None or value == "":
        return None
    return ViewField(label=label or BUSINESS_TERMS_DE[term], value=value, term=term)


def _fields(*candidates: ViewField | None) -> tuple[ViewField, ...]:
    return tuple(f for f in candidates if f is not None)


def _date(value: date | None) -> str | None:
    return format_date(value) if value is not None else None


def _address(address: Address) -> str | None:
    place = " ".join(p for p in (address.postcode, address.city) if p)
    country = coded(address.country, COUNTRIES_DE) if address.country not in (None, "DE") else None
    lines = (address.street, address.additional_street, address.address_line)
    parts = [p for p in (*lines, place, address.subdivision, country) if p]
    return ", ".join(parts) or None


_SELLER_TERMS = ("BT-27", "BT-28", "BT-35", "BT-31", "BT-32", "BT-30", "BT-29", "BT-34", "BT-41", "BT-42", "BT-43")
_BUYER_TERMS = ("BT-44", "BT-45", "BT-50", "BT-48", None, "BT-47", "BT-46", "BT-49", "BT-56", "BT-57", "BT-58")


def _party(title: str, group: str, party: Party, terms: tuple[str | None, ...]) -> ViewSection:
    """Seller (BG-4) or buyer (BG-7): the same facts under the role's business terms; the buyer has no BT-32."""
    name, trading, address, vat, tax, legal, ident, endpoint, contact, phone, email = terms
    person = party.contact or Contact()
    return ViewSection(
        title=title,
        term=group,
        fields=_fields(
            _field(name, party.name),
            _field(trading, party.trading_name),
            _field(address, _address(party.address), "Anschrift"),
            _field(vat, party.vat_id),
            _field(tax, party.tax_number),
            _field(legal, _identifier(party.legal_registration_id)),
            *(_field(ident, _identifier(i)) for i in party.identifiers),
            _field(endpoint, _identifier(party.electronic_address)),
            _field(contact, person.name),
            _field(phone, person.phone),
            _field(email, person.email),
        ),
    )


def _payee(payee: Payee | None) -> ViewSection | None:
    if payee is None:
        return None
    return ViewSection(
        title="Zahlungsempfänger",
        term="BG-10",
        fields=_fields(
            _field("BT-59", payee.name),
            *(_field("BT-60", _identifier(i)) for i in payee.identifiers),
            _field("BT-61", _identifier(payee.legal_registration_id)),
        ),
    )


def _tax_representative(representative: TaxRepresentative | None) -> ViewSection | None:
    if representative is None:
        return None
    return ViewSection(
        title="Steuervertreter des Verkäufers",
        term="BG-11",
        fields=_fields(
            _field("BT-62", representative.name),
            _field("BT-63", representative.vat_id),
            _field("BT-64", _address(representative.address), "Anschrift"),
        ),
    )


def _delivery(delivery: Delivery | None) -> ViewSection | None:
    if delivery is None:
        return None
    return ViewSection(
        title="Lieferung",
        term="BG-13",
        fields=_fields(
            _field("BT-70", delivery.party_name),
            _field("BT-71", _identifier(delivery.location_id)),
            _field("BT-75", _address(delivery.address) if delivery.address else None, "Lieferanschrift"),
        ),
    )


def _identifier(identifier: Identifier | None) -> str | None:
    if identifier is None:
        return None
    return f"{identifier.value} (Schema {identifier.scheme})" if identifier.scheme else identifier.value


def _document(invoice: Invoice) -> ViewSection:
    period = None
    if invoice.period_start or invoice.period_end:
        period = f"{_date(invoice.period_start) or '…'} bis {_date(invoice.period_end) or '…'}"
    preceding = [
        f"{ref.number} vom {format_date(ref.issue_date)}" if ref.issue_date else ref.number
        for ref in invoice.preceding_invoices
    ]
    currency = invoice.currency
    if invoice.vat_currency and invoice.vat_currency != invoice.currency:
        currency = f"{invoice.currency} (Umsatzsteuer in {invoice.vat_currency})"
    return ViewSection(
        title="Rechnung",
        fields=_fields(
            _field("BT-1", invoice.number),
            _field("BT-3", coded(invoice.type_code, INVOICE_TYPES_DE)),
            _field("BT-2", _date(invoice.issue_date)),
            _field("BT-9", _date(invoice.due_date)),
            _field("BT-7", _date(invoice.vat_point_date)),
            _field("BT-8", coded(invoice.vat_point_date_code, VAT_POINT_DATE_CODES_DE)),
            _field("BT-72", _date(invoice.delivery_date)),
            _field("BT-73", period, "Abrechnungszeitraum"),
            _field("BT-10", invoice.buyer_reference),
            _field("BT-13", invoice.order_reference),
            _field("BT-14", invoice.sales_order_reference),
            _field("BT-11", invoice.project_reference),
            _field("BT-12", invoice.contract_reference),
            _field("BT-17", invoice.tender_reference),
            _field("BT-18", _identifier(invoice.invoiced_object_id)),
            _field("BT-16", invoice.despatch_advice_reference),
            _field("BT-15", invoice.receiving_advice_reference),
            _field("BT-19", invoice.buyer_accounting_reference),
            _field("BT-25", "; ".join(preceding) or None, "Bezug auf Rechnung"),
            _field("BT-5", currency),
            _field("BT-23", invoice.business_process),
            _field("BT-24", invoice.customization_id),
        ),
    )


def _payment(invoice: Invoice) -> ViewSection:
    payment = invoice.payment
    accounts: list[ViewField | None] = []
    for account in payment.accounts:
        iban = account.iban
        accounts += [
            _field("BT-84", format_iban(iban) if iban else account.account_id, "IBAN" if iban else None),
            _field("BT-85", account.name),
            _field("BT-86", account.bic),
        ]
    return ViewSection(
        title="Zahlung",
        term="BG-16",
        fields=_fields(
            _field("BT-81", coded(payment.means_code, PAYMENT_MEANS_DE)),
            *accounts,
            _field("BT-83", payment.remittance_information),
            _field("BT-20", payment.terms),
            _field("BT-9", _date(invoice.due_date)),
            _field("BT-89", payment.mandate_reference),
            _field("BT-90", payment.creditor_id),
            _field("BT-91", _account(payment.debited_account)),
        ),
    )


def _account(account_id: str | None) -> str | None:
    """An account (BT-91) in groups of four when it is an IBAN."""
    if account_id is None:
        return None
    iban = PaymentAccount(account_id=account_id).iban
    return format_iban(iban) if iban else account_id


def _money(value: Decimal | None, currency: str) -> str:
    return "" if value is None else format_amount(value, currency)


def _lines(invoice: Invoice) -> ViewTable:
    columns = tuple(
        ViewColumn(BUSINESS_TERMS_DE[term], term, numeric)
        for term, numeric in (
            ("BT-126", False),
            ("BT-153", False),
            ("BT-129", True),
            ("BT-130", False),
            ("BT-146", True),
            ("BT-152", True),
            ("BT-131", True),
        )
    )
    rows = tuple(
        (
            line.id,
            line.item_name + (f" (Bestellposition {line.order_line_reference})" if line.order_line_reference else ""),
            format_number(line.quantity),
            UNITS_DE.get(line.unit_code, line.unit_code) if line.unit_code else "",
            _money(line.net_price, invoice.currency),
            _vat_rate(line.vat_category, line.vat_rate),
            _money(line.net_amount, invoice.currency),
        )
        for line in invoice.lines
    )
    return ViewTable("Rechnungspositionen", columns, rows, term="BG-25")


def _vat_rate(category: str | None, rate: Decimal | None) -> str:
    if category is None:
        return format_percent(rate) if rate is not None else ""
    if category == "S" and rate is not None:
        return format_percent(rate)
    name = VAT_CATEGORIES_DE.get(category, category)
    return f"{format_percent(rate)} ({name})" if rate is not None else name


def _reason(item: AllowanceCharge) -> str:
    return " ".join(p for p in (item.reason, f"(Code {item.reason_code})" if item.reason_code else None) if p)


def _signed(item: AllowanceCharge, currency: str) -> str:
    """The amount as it acts on the total: an allowance reduces it."""
    return format_amount(item.amount if item.charge else -item.amount, currency)


def _kind(item: AllowanceCharge) -> str:
    return "Zuschlag" if item.charge else "Nachlass"


def _line_detail_fields(line: InvoiceLine, currency: str) -> tuple[ViewField, ...]:
    period = None
    if line.period_start or line.period_end:
        period = f"{_date(line.period_start) or '…'} bis {_date(line.period_end) or '…'}"
    base_quantity = None
    if line.base_quantity is not None:
        unit = UNITS_DE.get(line.base_quantity_unit, line.base_quantity_unit) if line.base_quantity_unit else None
        base_quantity = " ".join(p for p in (format_number(line.base_quantity), unit) if p)
    return _fields(
        _field("BT-127", line.note),
        _field("BT-128", _identifier(line.object_id)),
        _field("BT-133", line.buyer_accounting_reference),
        _field("BT-134", period, "Abrechnungszeitraum"),
        _field("BT-148", _money(line.gross_price, currency)),
        _field("BT-147", _money(line.price_discount, currency)),
        _field("BT-149", base_quantity),
        _field("BT-154", line.item_description),
        _field("BT-155", line.seller_item_id),
        _field("BT-156", line.buyer_item_id),
        _field("BT-157", _identifier(line.standard_item_id)),
        *(_field("BT-158", _classification(c)) for c in line.classifications),
        _field("BT-159", coded(line.origin_country, COUNTRIES_DE)),
        *(_field("BT-160", f"{a.name}: {a.value}") for a in line.attributes),
    )


def _classification(code: Identifier) -> str:
    return f"{code.value} (Liste {code.scheme})" if code.scheme else code.value


def _line_details(invoice: Invoice) -> ViewTable | None:
    rows = tuple(
        (line.id, field.key, field.value)
        for line in invoice.lines
        for field in _line_detail_fields(line, invoice.currency)
    )
    if not rows:
        return None
    columns = (ViewColumn(BUSINESS_TERMS_DE["BT-126"], "BT-126"), ViewColumn("Angabe"), ViewColumn("Wert"))
    return ViewTable("Weitere Angaben zu den Positionen", columns, rows, term="BG-25")


def _line_allowances_charges(invoice: Invoice) -> ViewTable | None:
    items = [(line.id, item) for line in invoice.lines for item in line.allowances_charges]
    if not items:
        return None
    columns = (
        ViewColumn(BUSINESS_TERMS_DE["BT-126"], "BT-126"),
        ViewColumn("Art"),
        ViewColumn(BUSINESS_TERMS_DE["BT-139"], "BT-139"),
        ViewColumn(BUSINESS_TERMS_DE["BT-137"], "BT-137", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-138"], "BT-138", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-136"], "BT-136", numeric=True),
    )
    rows = tuple(
        (
            line_id,
            _kind(item),
            _reason(item),
            _money(item.base_amount, invoice.currency),
            format_percent(item.percentage) if item.percentage is not None else "",
            _signed(item, invoice.currency),
        )
        for line_id, item in items
    )
    return ViewTable("Nachlässe und Zuschläge auf Positionsebene", columns, rows, term="BG-27")


def _supporting_documents(invoice: Invoice) -> ViewTable | None:
    if not invoice.supporting_documents:
        return None
    columns = (
        ViewColumn(BUSINESS_TERMS_DE["BT-122"], "BT-122"),
        ViewColumn(BUSINESS_TERMS_DE["BT-123"], "BT-123"),
        ViewColumn("Dateiname", "BT-125"),
        ViewColumn("Dateityp", "BT-125"),
    )
    rows = tuple(
        (doc.reference, doc.description or "", doc.filename or "", doc.mime_code or "")
        for doc in invoice.supporting_documents
    )
    return ViewTable("Rechnungsbegründende Unterlagen", columns, rows, term="BG-24")


def _allowances_charges(invoice: Invoice) -> ViewTable | None:
    if not invoice.allowances_charges:
        return None
    columns = (
        ViewColumn("Art"),
        ViewColumn(BUSINESS_TERMS_DE["BT-97"], "BT-97"),
        ViewColumn(BUSINESS_TERMS_DE["BT-93"], "BT-93", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-94"], "BT-94", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-96"], "BT-96", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-92"], "BT-92", numeric=True),
    )
    rows = tuple(
        (
            _kind(item),
            _reason(item),
            _money(item.base_amount, invoice.currency),
            format_percent(item.percentage) if item.percentage is not None else "",
            _vat_rate(item.vat_category, item.vat_rate),
            _signed(item, invoice.currency),
        )
        for item in invoice.allowances_charges
    )
    return ViewTable("Nachlässe und Zuschläge auf Rechnungsebene", columns, rows, term="BG-20")


def _vat_breakdown(invoice: Invoice) -> ViewTable:
    columns = (
        ViewColumn(BUSINESS_TERMS_DE["BT-118"], "BT-118"),
        ViewColumn(BUSINESS_TERMS_DE["BT-119"], "BT-119", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-116"], "BT-116", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-117"], "BT-117", numeric=True),
        ViewColumn(BUSINESS_TERMS_DE["BT-120"], "BT-120"),
    )
    rows = tuple(
        (
            coded(vat.category, VAT_CATEGORIES_DE) or vat.category,
            format_percent(vat.rate) if vat.rate is not None else "",
            format_amount(vat.taxable_amount, invoice.currency),
            format_amount(vat.tax_amount, invoice.currency),
            " ".join(p for p in (vat.exemption_reason, vat.exemption_reason_code) if p),
        )
        for vat in invoice.vat_breakdown
    )
    return ViewTable("Umsatzsteuer", columns, rows, term="BG-23")


def _totals(invoice: Invoice) -> tuple[ViewField, ...]:
    totals, currency = invoice.totals, invoice.currency
    return _fields(
        _field("BT-106", _money(totals.line_total, currency)),
        _field("BT-107", _money(totals.allowance_total, currency)),
        _field("BT-108", _money(totals.charge_total, currency)),
        _field("BT-109", _money(totals.tax_exclusive, currency)),
        _field("BT-110", _money(totals.tax_total, currency)),
        _field("BT-112", _money(totals.tax_inclusive, currency)),
        _field("BT-113", _money(totals.prepaid, currency)),
        _field("BT-114", _money(totals.rounding, currency)),
        _field("BT-115", _money(totals.payable, currency)),
    )


def _notes(invoice: Invoice) -> tuple[ViewField, ...]:
    return tuple(
        ViewField(
            label=NOTE_SUBJECTS_DE.get(note.subject_code, f"Bemerkung ({note.subject_code})")
            if note.subject_code
            else "Bemerkung",
            value=note.text,
            term="BT-22",
        )
        for note in invoice.notes
    )


def finding_view(finding: Finding) -> FindingView:
    return FindingView(
        rule_id=finding.rule_id,
        severity=finding.severity,
        severity_label=SEVERITY_DE[finding.severity],
        message=finding.message,
        explanation=explain_rule(finding.rule_id),
        location=finding.location,
        terms=tuple(term_label(term) for term in finding.business_terms),
    )


def finding_views(findings: Iterable[Finding]) -> tuple[FindingView, ...]:
    """Findings, most severe first (fatal, warning, information), in report order within each severity."""
    order = {Severity.FATAL: 0, Severity.WARNING: 1, Severity.INFORMATION: 2}
    return tuple(finding_view(f) for f in sorted(findings, key=lambda f: order[f.severity]))


def verdict_text(report: ValidationReport) -> str:
    rules = report.rules
    releases = f"XRechnung {rules.xrechnung} (Schematron {rules.xrechnung_schematron}), EN 16931 {rules.en16931}"
    if report.verdict is Verdict.ACCEPTED:
        return f"Gültig nach {releases}"
    return f"Abgelehnt nach {releases}"


def build_invoice_view(invoice: Invoice, report: ValidationReport | None = None) -> InvoiceView:
    """The readable view of *invoice*, with *report*'s verdict and findings if given."""
    optional = (
        _payee(invoice.payee),
        _tax_representative(invoice.tax_representative),
        _delivery(invoice.delivery),
    )
    kind = INVOICE_TYPES_DE.get(invoice.type_code, "Gutschrift" if invoice.is_credit_note else "Rechnung")
    return InvoiceView(
        title=f"{kind} {invoice.number}",
        subtitle=f"{invoice.seller.name} an {invoice.buyer.name}, {format_date(invoice.issue_date)}, "
        f"fällig: {format_amount(invoice.totals.payable, invoice.currency)}",
        sections=(
            _document(invoice),
            _party("Verkäufer", "BG-4", invoice.seller, _SELLER_TERMS),
            _party("Käufer", "BG-7", invoice.buyer, _BUYER_TERMS),
            _payment(invoice),
            *(section for section in optional if section is not None),
        ),
        notes=_notes(invoice),
        lines=_lines(invoice),
        line_details=_line_details(invoice),
        line_allowances_charges=_line_allowances_charges(invoice),
        allowances_charges=_allowances_charges(invoice),
        vat_breakdown=_vat_breakdown(invoice),
        totals=_totals(invoice),
        supporting_documents=_supporting_documents(invoice),
        verdict=verdict_text(report) if report is not None else None,
        findings=finding_views(report.findings) if report is not None else (),
        accepted=report.accepted if report is not None else None,
    )
