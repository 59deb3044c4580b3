"""Extraction of the invoice model from UBL 2.1 Invoice and CreditNote documents (XRechnung UBL binding)."""

from __future__ import annotations

from ikdz_einvoice.domain.document import ParsedDocument, Syntax
from ikdz_einvoice.domain.fields import (
    Node,
    decimal,
    find,
    find_all,
    identifier,
    indicator,
    iso_date,
    note,
    required,
    required_decimal,
    required_text,
    text,
)
from ikdz_einvoice.domain.invoice import (
    Address,
    AllowanceCharge,
    Contact,
    Delivery,
    DocumentReference,
    Identifier,
    Invoice,
    InvoiceLine,
    ItemAttribute,
    Note,
    Party,
    Payee,
    Payment,
    PaymentAccount,
    SupportingDocument,
    TaxRepresentative,
    Totals,
    VatBreakdown,
)

INVOICED_OBJECT_TYPE = "130"
"""``cac:AdditionalDocumentReference`` with this type code is BT-18 (invoiced object), not a BG-24 document."""


def _party(node: Node | None, role: str) -> Party:
    party = find(node, "cac:Party")
    legal = find(party, "cac:PartyLegalEntity")
    schemes = find_all(party, "cac:PartyTaxScheme")
    vat = [s for s in schemes if text(s, "cac:TaxScheme/cbc:ID") == "VAT"]
    other = [s for s in schemes if text(s, "cac:TaxScheme/cbc:ID") != "VAT"]
    return Party(
        name=required_text(legal, "cbc:RegistrationName", f"{role} name"),
        trading_name=text(party, "cac:PartyName/cbc:Name"),
        identifiers=tuple(i for n in find_all(party, "cac:PartyIdentification/cbc:ID") if (i := identifier(n))),
        legal_registration_id=identifier(legal, "cbc:CompanyID"),
        vat_id=text(vat[0], "cbc:CompanyID") if vat else None,
        tax_number=text(other[0], "cbc:CompanyID") if other else None,
        electronic_address=identifier(party, "cbc:EndpointID"),
        address=_address(find(party, "cac:PostalAddress")),
        contact=_contact(find(party, "cac:Contact")),
    )


def _address(node: Node | None) -> Address:
    return Address(
        street=text(node, "cbc:StreetName"),
        additional_street=text(node, "cbc:AdditionalStreetName"),
        address_line=text(node, "cac:AddressLine/cbc:Line"),
        city=text(node, "cbc:CityName"),
        postcode=text(node, "cbc:PostalZone"),
        subdivision=text(node, "cbc:CountrySubentity"),
        country=text(node, "cac:Country/cbc:IdentificationCode"),
    )


def _payee(node: Node | None) -> Payee | None:
    if node is None:
        return None
    return Payee(
        name=required_text(node, "cac:PartyName/cbc:Name", "BT-59"),
        identifiers=tuple(i for n in find_all(node, "cac:PartyIdentification/cbc:ID") if (i := identifier(n))),
        legal_registration_id=identifier(node, "cac:PartyLegalEntity/cbc:CompanyID"),
    )


def _tax_representative(node: Node | None) -> TaxRepresentative | None:
    if node is None:
        return None
    return TaxRepresentative(
        name=required_text(node, "cac:PartyName/cbc:Name", "BT-62"),
        vat_id=text(node, "cac:PartyTaxScheme/cbc:CompanyID"),
        address=_address(find(node, "cac:PostalAddress")),
    )


def _delivery(node: Node | None) -> Delivery | None:
    location = find(node, "cac:DeliveryLocation")
    address = find(location, "cac:Address")
    delivery = Delivery(
        party_name=text(node, "cac:DeliveryParty/cac:PartyName/cbc:Name"),
        location_id=identifier(location, "cbc:ID"),
        address=_address(address) if address is not None else None,
    )
    return delivery if delivery != Delivery() else None


def _supporting_documents(root: Node) -> tuple[SupportingDocument, ...]:
    documents = []
    for ref in find_all(root, "cac:AdditionalDocumentReference"):
        reference = text(ref, "cbc:ID")
        if reference is None or text(ref, "cbc:DocumentTypeCode") == INVOICED_OBJECT_TYPE:
            continue
        embedded = find(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        documents.append(
            SupportingDocument(
                reference=reference,
                description=text(ref, "cbc:DocumentDescription"),
                filename=embedded.get("filename") if embedded is not None else None,
                mime_code=embedded.get("mimeCode") if embedded is not None else None,
            )
        )
    return tuple(documents)


def _contact(node: Node | None) -> Contact | None:
    if node is None:
        return None
    return Contact(
        name=text(node, "cbc:Name"), phone=text(node, "cbc:Telephone"), email=text(node, "cbc:ElectronicMail")
    )


def _notes(root: Node) -> tuple[Note, ...]:
    notes = []
    for node in find_all(root, "cbc:Note"):
        if (value := text(node)) is not None:
            code, body = note(value)
            notes.append(Note(text=body, subject_code=code))
    return tuple(notes)


def _allowances_charges(parent: Node, amount_terms: str) -> tuple[AllowanceCharge, ...]:
    """Those of the document (BG-20/21) or of one line (BG-27/28): the same elements, directly below *parent*."""
    return tuple(
        AllowanceCharge(
            charge=indicator(text(node, "cbc:ChargeIndicator")),
            amount=required_decimal(node, "cbc:Amount", amount_terms),
            base_amount=decimal(node, "cbc:BaseAmount"),
            percentage=decimal(node, "cbc:MultiplierFactorNumeric"),
            vat_category=text(node, "cac:TaxCategory/cbc:ID"),
            vat_rate=decimal(node, "cac:TaxCategory/cbc:Percent"),
            reason=text(node, "cbc:AllowanceChargeReason"),
            reason_code=text(node, "cbc:AllowanceChargeReasonCode"),
        )
        for node in find_all(parent, "cac:AllowanceCharge")
    )


def _totals(root: Node, currency: str) -> Totals:
    money = find(root, "cac:LegalMonetaryTotal")
    tax_total = next(
        (
            amount
            for amount in find_all(root, "cac:TaxTotal/cbc:TaxAmount")
            if amount.get("currencyID") in (None, currency)
        ),
        None,
    )
    return Totals(
        line_total=required_decimal(money, "cbc:LineExtensionAmount", "BT-106"),
        allowance_total=decimal(money, "cbc:AllowanceTotalAmount"),
        charge_total=decimal(money, "cbc:ChargeTotalAmount"),
        tax_exclusive=required_decimal(money, "cbc:TaxExclusiveAmount", "BT-109"),
        tax_total=decimal(tax_total),
        tax_inclusive=required_decimal(money, "cbc:TaxInclusiveAmount", "BT-112"),
        prepaid=decimal(money, "cbc:PrepaidAmount"),
        rounding=decimal(money, "cbc:PayableRoundingAmount"),
        payable=required_decimal(money, "cbc:PayableAmount", "BT-115"),
    )


def _vat(root: Node) -> tuple[VatBreakdown, ...]:
    return tuple(
        VatBreakdown(
            category=required_text(sub, "cac:TaxCategory/cbc:ID", "BT-118"),
            rate=decimal(sub, "cac:TaxCategory/cbc:Percent"),
            taxable_amount=required_decimal(sub, "cbc:TaxableAmount", "BT-116"),
            tax_amount=required_decimal(sub, "cbc:TaxAmount", "BT-117"),
            exemption_reason=text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
            exemption_reason_code=text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
        )
        for sub in find_all(root, "cac:TaxTotal/cac:TaxSubtotal")
    )


def _creditor_id(root: Node) -> str | None:
    """BT-90: the payee's or else the seller's party identification in the ``SEPA`` scheme."""
    parties = ("cac:PayeeParty", "cac:AccountingSupplierParty/cac:Party")
    ids = [i for p in parties for n in find_all(root, f"{p}/cac:PartyIdentification/cbc:ID") if (i := identifier(n))]
    return next((i.value for i in ids if i.scheme == "SEPA"), None)


def _payment(root: Node) -> Payment:
    means = find_all(root, "cac:PaymentMeans")
    mandate = find(root, "cac:PaymentMeans/cac:PaymentMandate")
    accounts = tuple(
        PaymentAccount(
            account_id=account_id,
            name=text(account, "cbc:Name"),
            bic=text(account, "cac:FinancialInstitutionBranch/cbc:ID"),
        )
        for account in find_all(root, "cac:PaymentMeans/cac:PayeeFinancialAccount")
        if (account_id := text(account, "cbc:ID"))
    )
    return Payment(
        means_code=text(means[0], "cbc:PaymentMeansCode") if means else None,
        remittance_information=text(means[0], "cbc:PaymentID") if means else None,
        accounts=accounts,
        terms=text(root, "cac:PaymentTerms/cbc:Note"),
        mandate_reference=text(mandate, "cbc:ID"),
        creditor_id=_creditor_id(root),
        debited_account=text(mandate, "cac:PayerFinancialAccount/cbc:ID"),
    )


def _lines(root: Node, credit_note: bool) -> tuple[InvoiceLine, ...]:
    line_path, quantity_path = (
        ("cac:CreditNoteLine", "cbc:CreditedQuantity") if credit_note else ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    )
    lines = []
    for line in find_all(root, line_path):
        quantity = find(line, quantity_path)
        item, price = find(line, "cac:Item"), find(line, "cac:Price")
        base_quantity = find(price, "cbc:BaseQuantity")
        object_ids = [
            r
            for r in find_all(line, "cac:DocumentReference")
            if text(r, "cbc:DocumentTypeCode") == INVOICED_OBJECT_TYPE
        ]
        lines.append(
            InvoiceLine(
                id=required_text(line, "cbc:ID", "BT-126"),
                quantity=required_decimal(line, quantity_path, "BT-129"),
                unit_code=quantity.get("unitCode") if quantity is not None else None,
                net_amount=required_decimal(line, "cbc:LineExtensionAmount", "BT-131"),
                order_line_reference=text(line, "cac:OrderLineReference/cbc:LineID"),
                note=text(line, "cbc:Note"),
                object_id=identifier(object_ids[0], "cbc:ID") if object_ids else None,
                buyer_accounting_reference=text(line, "cbc:AccountingCost"),
                period_start=iso_date(line, "cac:InvoicePeriod/cbc:StartDate"),
                period_end=iso_date(line, "cac:InvoicePeriod/cbc:EndDate"),
                net_price=decimal(price, "cbc:PriceAmount"),
                price_discount=decimal(price, "cac:AllowanceCharge/cbc:Amount"),
                gross_price=decimal(price, "cac:AllowanceCharge/cbc:BaseAmount"),
                base_quantity=decimal(base_quantity),
                base_quantity_unit=base_quantity.get("unitCode") if base_quantity is not None else None,
                item_name=required_text(item, "cbc:Name", "BT-153"),
                item_description=text(item, "cbc:Description"),
                seller_item_id=text(item, "cac:SellersItemIdentification/cbc:ID"),
                buyer_item_id=text(item, "cac:BuyersItemIdentification/cbc:ID"),
                standard_item_id=identifier(item, "cac:StandardItemIdentification/cbc:ID"),
                classifications=tuple(
                    Identifier(value=value, scheme=code.get("listID"))
                    for code in find_all(item, "cac:CommodityClassification/cbc:ItemClassificationCode")
                    if (value := text(code))
                ),
                origin_country=text(item, "cac:OriginCountry/cbc:IdentificationCode"),
                attributes=tuple(
                    ItemAttribute(name=name, value=value)
                    for prop in find_all(item, "cac:AdditionalItemProperty")
                    if (name := text(prop, "cbc:Name")) and (value := text(prop, "cbc:Value"))
                ),
                vat_category=text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                vat_rate=decimal(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
                allowances_charges=_allowances_charges(line, "BT-136/BT-141"),
            )
        )
    return tuple(lines)


def extract_ubl(document: ParsedDocument) -> Invoice:
    root = document.root
    credit_note = document.syntax is Syntax.UBL_CREDIT_NOTE
    currency = required_text(root, "cbc:DocumentCurrencyCode", "BT-5")
    due_date = iso_date(root, "cac:PaymentMeans/cbc:PaymentDueDate" if credit_note else "cbc:DueDate")
    return Invoice(
        syntax=document.syntax,
        customization_id=required_text(root, "cbc:CustomizationID", "BT-24"),
        number=required_text(root, "cbc:ID", "BT-1"),
        type_code=required_text(root, "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode", "BT-3"),
        issue_date=required(iso_date(root, "cbc:IssueDate"), "BT-2"),
        due_date=due_date,
        currency=currency,
        vat_point_date=iso_date(root, "cbc:TaxPointDate"),
        vat_point_date_code=text(root, "cac:InvoicePeriod/cbc:DescriptionCode"),
        business_process=text(root, "cbc:ProfileID"),
        vat_currency=text(root, "cbc:TaxCurrencyCode"),
        buyer_reference=text(root, "cbc:BuyerReference"),
        order_reference=text(root, "cac:OrderReference/cbc:ID"),
        sales_order_reference=text(root, "cac:OrderReference/cbc:SalesOrderID"),
        receiving_advice_reference=text(root, "cac:ReceiptDocumentReference/cbc:ID"),
        despatch_advice_reference=text(root, "cac:DespatchDocumentReference/cbc:ID"),
        tender_reference=text(root, "cac:OriginatorDocumentReference/cbc:ID"),
        invoiced_object_id=next(
            (
                identifier(ref, "cbc:ID")
                for ref in find_all(root, "cac:AdditionalDocumentReference")
                if text(ref, "cbc:DocumentTypeCode") == INVOICED_OBJECT_TYPE
            ),
            None,
        ),
        project_reference=text(root, "cac:ProjectReference/cbc:ID"),
        contract_reference=text(root, "cac:ContractDocumentReference/cbc:ID"),
        buyer_accounting_reference=text(root, "cbc:AccountingCost"),
        delivery_date=iso_date(root, "cac:Delivery/cbc:ActualDeliveryDate"),
        period_start=iso_date(root, "cac:InvoicePeriod/cbc:StartDate"),
        period_end=iso_date(root, "cac:InvoicePeriod/cbc:EndDate"),
        notes=_notes(root),
        preceding_invoices=tuple(
            DocumentReference(number=number, issue_date=iso_date(ref, "cbc:IssueDate"))
            for ref in find_all(root, "cac:BillingReference/cac:InvoiceDocumentReference")
            if (number := text(ref, "cbc:ID"))
        ),
        supporting_documents=_supporting_documents(root),
        seller=_party(find(root, "cac:AccountingSupplierParty"), "seller (BT-27)"),
        buyer=_party(find(root, "cac:AccountingCustomerParty"), "buyer (BT-44)"),
        payee=_payee(find(root, "cac:PayeeParty")),
        tax_representative=_tax_representative(find(root, "cac:TaxRepresentativeParty")),
        delivery=_delivery(find(root, "cac:Delivery")),
        totals=_totals(root, currency),
        allowances_charges=_allowances_charges(root, "BT-92/BT-99"),
        vat_breakdown=_vat(root),
        payment=_payment(root),
        lines=_lines(root, credit_note),
    )
