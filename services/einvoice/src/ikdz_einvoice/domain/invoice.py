"""The typed invoice: what the town needs from an accepted XRechnung, whatever its syntax.

Field names follow the EN 16931 business terms named in each description. Amounts are
``Decimal`` exactly as written in the document (never floats). Optional fields are the ones
EN 16931 makes optional; an accepted document always has the mandatory ones.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ikdz_einvoice.domain.document import Syntax

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Identifier(BaseModel):
    model_config = _FROZEN

    value: str
    scheme: str | None = None


class Address(BaseModel):
    """A postal address: seller (BG-5), buyer (BG-8), tax representative (BG-12) or deliver-to (BG-15)."""

    model_config = _FROZEN

    street: str | None = Field(None, description="BT-35 / BT-50 / BT-64 / BT-75")
    additional_street: str | None = Field(None, description="BT-36 / BT-51 / BT-65 / BT-76")
    address_line: str | None = Field(None, description="BT-162 / BT-163 / BT-164 / BT-165")
    city: str | None = Field(None, description="BT-37 / BT-52 / BT-66 / BT-77")
    postcode: str | None = Field(None, description="BT-38 / BT-53 / BT-67 / BT-78")
    subdivision: str | None = Field(None, description="BT-39 / BT-54 / BT-68 / BT-79")
    country: str | None = Field(None, description="BT-40 / BT-55 / BT-69 / BT-80 (ISO 3166-1 alpha-2)")


class Contact(BaseModel):
    """Seller contact (BG-6) or buyer contact (BT-56 to BT-58)."""

    model_config = _FROZEN

    name: str | None = Field(None, description="BT-41 / BT-56")
    phone: str | None = Field(None, description="BT-42 / BT-57")
    email: str | None = Field(None, description="BT-43 / BT-58")


class Party(BaseModel):
    """Seller (BG-4) or buyer (BG-7)."""

    model_config = _FROZEN

    name: str = Field(description="BT-27 / BT-44")
    trading_name: str | None = Field(None, description="BT-28 / BT-45")
    identifiers: tuple[Identifier, ...] = Field((), description="BT-29 / BT-46")
    legal_registration_id: Identifier | None = Field(None, description="BT-30 / BT-47")
    vat_id: str | None = Field(None, description="BT-31 / BT-48")
    tax_number: str | None = Field(None, description="BT-32 (seller only)")
    electronic_address: Identifier | None = Field(None, description="BT-34 / BT-49")
    address: Address = Address()
    contact: Contact | None = Field(None, description="BG-6 (seller) / BT-56 to BT-58 (buyer)")


class VatBreakdown(BaseModel):
    """One VAT category and rate (BG-23)."""

    model_config = _FROZEN

    category: str = Field(description="BT-118 (UNTDID 5305)")
    rate: Decimal | None = Field(None, description="BT-119 (percent)")
    taxable_amount: Decimal = Field(description="BT-116")
    tax_amount: Decimal = Field(description="BT-117")
    exemption_reason: str | None = Field(None, description="BT-120")
    exemption_reason_code: str | None = Field(None, description="BT-121")


class Note(BaseModel):
    """A free-text note on the invoice (BG-1)."""

    model_config = _FROZEN

    text: str = Field(description="BT-22")
    subject_code: str | None = Field(None, description="BT-21 (UNTDID 4451)")


class AllowanceCharge(BaseModel):
    """A document-level allowance (BG-20) or charge (BG-21), or one of an invoice line (BG-27 / BG-28).

    Line-level ones carry no VAT category or rate (BT-136 to BT-145: amount, base, percentage, reason, code).
    """

    model_config = _FROZEN

    charge: bool = Field(description="True for a charge (BG-21), False for an allowance (BG-20)")
    amount: Decimal = Field(description="BT-92 / BT-99")
    base_amount: Decimal | None = Field(None, description="BT-93 / BT-100")
    percentage: Decimal | None = Field(None, description="BT-94 / BT-101")
    vat_category: str | None = Field(None, description="BT-95 / BT-102")
    vat_rate: Decimal | None = Field(None, description="BT-96 / BT-103")
    reason: str | None = Field(None, description="BT-97 / BT-104")
    reason_code: str | None = Field(None, description="BT-98 / BT-105")


class Payee(BaseModel):
    """The payee (BG-10), when someone other than the seller receives the payment."""

    model_config = _FROZEN

    name: str = Field(description="BT-59")
    identifiers: tuple[Identifier, ...] = Field((), description="BT-60")
    legal_registration_id: Identifier | None = Field(None, description="BT-61")


class TaxRepresentative(BaseModel):
    """The seller's tax representative (BG-11)."""

    model_config = _FROZEN

    name: str = Field(description="BT-62")
    vat_id: str | None = Field(None, description="BT-63")
    address: Address = Field(Address(), description="BG-12 (BT-64 to BT-69, BT-164)")


class Delivery(BaseModel):
    """Where the goods or services went (BG-13 without BT-72, which is ``Invoice.delivery_date``)."""

    model_config = _FROZEN

    party_name: str | None = Field(None, description="BT-70")
    location_id: Identifier | None = Field(None, description="BT-71")
    address: Address | None = Field(None, description="BG-15 (BT-75 to BT-80, BT-165)")


class SupportingDocument(BaseModel):
    """An additional supporting document (BG-24): what it is, never its content or its address (BT-124)."""

    model_config = _FROZEN

    reference: str = Field(description="BT-122")
    description: str | None = Field(None, description="BT-123")
    filename: str | None = Field(None, description="BT-125-2 (of an embedded attachment)")
    mime_code: str | None = Field(None, description="BT-125-1 (of an embedded attachment)")


class Totals(BaseModel):
    """Document totals (BG-22)."""

    model_config = _FROZEN

    line_total: Decimal = Field(description="BT-106")
    allowance_total: Decimal | None = Field(None, description="BT-107")
    charge_total: Decimal | None = Field(None, description="BT-108")
    tax_exclusive: Decimal = Field(description="BT-109")
    tax_total: Decimal | None = Field(None, description="BT-110 (in the invoice currency)")
    tax_inclusive: Decimal = Field(description="BT-112")
    prepaid: Decimal | None = Field(None, description="BT-113")
    rounding: Decimal | None = Field(None, description="BT-114")
    payable: Decimal = Field(description="BT-115")


class PaymentAccount(BaseModel):
    """A credit transfer account (BG-17)."""

    model_config = _FROZEN

    account_id: str = Field(description="BT-84 (IBAN, or a proprietary account id)")
    name: str | None = Field(None, description="BT-85")
    bic: str | None = Field(None, description="BT-86")

    @property
    def iban(self) -> str | None:
        compact = self.account_id.replace(" ", "").upper()
        if len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit():
            return compact
        return None


class Payment(BaseModel):
    model_config = _FROZEN

    means_code: str | None = Field(None, description="BT-81 (UNTDID 4461)")
    remittance_information: str | None = Field(None, description="BT-83")
    accounts: tuple[PaymentAccount, ...] = Field((), description="BG-17")
    terms: str | None = Field(None, description="BT-20")
    mandate_reference: str | None = Field(None, description="BT-89 (direct debit, BG-19)")
    creditor_id: str | None = Field(None, description="BT-90 (SEPA creditor identifier)")
    debited_account: str | None = Field(None, description="BT-91")

    @property
    def ibans(self) -> tuple[str, ...]:
        return tuple(iban for account in self.accounts if (iban := account.iban))


class DocumentReference(BaseModel):
    """A preceding invoice (BG-3): what a credit note or corrected invoice refers to."""

    model_config = _FROZEN

    number: str = Field(description="BT-25")
    issue_date: date | None = Field(None, description="BT-26")


class ItemAttribute(BaseModel):
    """One item attribute (BG-32)."""

    model_config = _FROZEN

    name: str = Field(description="BT-160")
    value: str = Field(description="BT-161")


class InvoiceLine(BaseModel):
    """One invoice line (BG-25) with its period (BG-26), price details (BG-29) and item (BG-31, BG-32)."""

    model_config = _FROZEN

    id: str = Field(description="BT-126")
    quantity: Decimal = Field(description="BT-129")
    unit_code: str | None = Field(None, description="BT-130 (UN/ECE Rec 20)")
    net_amount: Decimal = Field(description="BT-131")
    order_line_reference: str | None = Field(None, description="BT-132")
    note: str | None = Field(None, description="BT-127")
    object_id: Identifier | None = Field(None, description="BT-128 (scheme: BT-128-1)")
    buyer_accounting_reference: str | None = Field(None, description="BT-133")
    period_start: date | None = Field(None, description="BT-134")
    period_end: date | None = Field(None, description="BT-135")
    net_price: Decimal | None = Field(None, description="BT-146")
    price_discount: Decimal | None = Field(None, description="BT-147")
    gross_price: Decimal | None = Field(None, description="BT-148")
    base_quantity: Decimal | None = Field(None, description="BT-149")
    base_quantity_unit: str | None = Field(None, description="BT-150 (UN/ECE Rec 20)")
    item_name: str = Field(description="BT-153")
    item_description: str | None = Field(None, description="BT-154")
    seller_item_id: str | None = Field(None, description="BT-155")
    buyer_item_id: str | None = Field(None, description="BT-156")
    standard_item_id: Identifier | None = Field(None, description="BT-157 (scheme: BT-157-1)")
    classifications: tuple[Identifier, ...] = Field((), description="BT-158 (scheme: list id BT-158-1)")
    origin_country: str | None = Field(None, description="BT-159 (ISO 3166-1 alpha-2)")
    attributes: tuple[ItemAttribute, ...] = Field((), description="BG-32")
    vat_category: str | None = Field(None, description="BT-151")
    vat_rate: Decimal | None = Field(None, description="BT-152")
    allowances_charges: tuple[AllowanceCharge, ...] = Field((), description="BG-27 and BG-28")


class Invoice(BaseModel):
    """An invoice or credit note, extracted from an accepted UBL or CII document."""

    model_config = _FROZEN

    syntax: Syntax
    customization_id: str = Field(description="BT-24")
    number: str = Field(description="BT-1")
    type_code: str = Field(description="BT-3 (UNTDID 1001: 380 invoice, 381 credit note, 384 corrected ...)")
    issue_date: date = Field(description="BT-2")
    due_date: date | None = Field(None, description="BT-9")
    vat_point_date: date | None = Field(None, description="BT-7")
    vat_point_date_code: str | None = Field(None, description="BT-8 (UNTDID 2005 in UBL, 2475 in CII)")
    business_process: str | None = Field(None, description="BT-23")
    currency: str = Field(description="BT-5")
    vat_currency: str | None = Field(None, description="BT-6")
    buyer_reference: str | None = Field(None, description="BT-10: the Leitweg-ID in XRechnung")
    order_reference: str | None = Field(None, description="BT-13")
    sales_order_reference: str | None = Field(None, description="BT-14")
    receiving_advice_reference: str | None = Field(None, description="BT-15")
    despatch_advice_reference: str | None = Field(None, description="BT-16")
    tender_reference: str | None = Field(None, description="BT-17")
    invoiced_object_id: Identifier | None = Field(None, description="BT-18 (scheme: BT-18-1)")
    project_reference: str | None = Field(None, description="BT-11")
    contract_reference: str | None = Field(None, description="BT-12")
    buyer_accounting_reference: str | None = Field(None, description="BT-19 (the buyer's cost centre or account)")
    delivery_date: date | None = Field(None, description="BT-72")
    period_start: date | None = Field(None, description="BT-73")
    period_end: date | None = Field(None, description="BT-74")
    notes: tuple[Note, ...] = Field((), description="BG-1")
    preceding_invoices: tuple[DocumentReference, ...] = Field((), description="BG-3")
    supporting_documents: tuple[SupportingDocument, ...] = Field((), description="BG-24")
    seller: Party
    buyer: Party
    payee: Payee | None = Field(None, description="BG-10")
    tax_representative: TaxRepresentative | None = Field(None, description="BG-11")
    delivery: Delivery | None = Field(None, description="BG-13 / BG-15 (deliver-to party and address)")
    totals: Totals
    allowances_charges: tuple[AllowanceCharge, ...] = Field((), description="BG-20 and BG-21")
    vat_breakdown: tuple[VatBreakdown, ...]
    payment: Payment = Payment()
    lines: tuple[InvoiceLine, ...]

    @property
    def is_credit_note(self) -> bool:
        return self.syntax is Syntax.UBL_CREDIT_NOTE or self.type_code in CREDIT_NOTE_TYPE_CODES


CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})
"""UNTDID 1001 codes EN 16931 lists for credit notes (codelist of BT-3 for UBL CreditNote documents)."""
