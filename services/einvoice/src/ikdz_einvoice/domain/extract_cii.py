"""Extraction of the invoice model from UN/CEFACT CII D16B documents (XRechnung CII binding)."""

from __future__ import annotations

from ikdz_einvoice.domain.document import ParsedDocument
from ikdz_einvoice.domain.fields import (
    Node,
    cii_date,
    decimal,
    find,
    find_all,
    identifier,
    indicator,
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

_TRANSACTION = "rsm:SupplyChainTradeTransaction"
_AGREEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeSettlement"
_DELIVERY = f"{_TRANSACTION}/ram:ApplicableHeaderTradeDelivery"
SUPPORTING_DOCUMENT_TYPE = "916"
"""``ram:AdditionalReferencedDocument`` type code of BG-24 (50 is BT-17, 130 is BT-18)."""
TENDER_TYPE = "50"
INVOICED_OBJECT_TYPE = "130"


def _referenced(parent: Node | None, type_code: str) -> Identifier | None:
    """The first ``ram:AdditionalReferencedDocument`` of *type_code*: its id with the reference type as scheme."""
    for ref in find_all(parent, "ram:AdditionalReferencedDocument"):
        if text(ref, "ram:TypeCode") == type_code and (value := text(ref, "ram:IssuerAssignedID")):
            return Identifier(value=value, scheme=text(ref, "ram:ReferenceTypeCode"))
    return None


def _tax_registration(party: Node | None, scheme: str) -> str | None:
    return next(
        (
            text(node)
            for node in find_all(party, "ram:SpecifiedTaxRegistration/ram:ID")
            if node.get("schemeID") == scheme
        ),
        None,
    )


def _identifiers(party: Node | None) -> tuple[Identifier, ...]:
    nodes = [*find_all(party, "ram:ID"), *find_all(party, "ram:GlobalID")]
    return tuple(i for node in nodes if (i := identifier(node)))


def _party(party: Node | None, role: str) -> Party:
    return Party(
        name=required_text(party, "ram:Name", f"{role} name"),
        trading_name=text(party, "ram:SpecifiedLegalOrganization/ram:TradingBusinessName"),
        identifiers=_identifiers(party),
        legal_registration_id=identifier(party, "ram:SpecifiedLegalOrganization/ram:ID"),
        vat_id=_tax_registration(party, "VA"),
        tax_number=_tax_registration(party, "FC"),
        electronic_address=identifier(party, "ram:URIUniversalCommunication/ram:URIID"),
        address=_address(find(party, "ram:PostalTradeAddress")),
        contact=_contact(find(party, "ram:DefinedTradeContact")),
    )


def _address(node: Node | None) -> Address:
    return Address(
        street=text(node, "ram:LineOne"),
        additional_street=text(node, "ram:LineTwo"),
        address_line=text(node, "ram:LineThree"),
        city=text(node, "ram:CityName"),
        postcode=text(node, "ram:PostcodeCode"),
        subdivision=text(node, "ram:CountrySubDivisionName"),
        country=text(node, "ram:CountryID"),
    )


def _payee(node: Node | None) -> Payee | None:
    if node is None:
        return None
    return Payee(
        name=required_text(node, "ram:Name", "BT-59"),
        identifiers=_identifiers(node),
        legal_registration_id=identifier(node, "ram:SpecifiedLegalOrganization/ram:ID"),
    )


def _tax_representative(node: Node | None) -> TaxRepresentative | None:
    if node is None:
        return None
    return TaxRepresentative(
        name=required_text(node, "ram:Name", "BT-62"),
        vat_id=_tax_registration(node, "VA"),
        address=_address(find(node, "ram:PostalTradeAddress")),
    )


def _delivery(node: Node | None) -> Delivery | None:
    address = find(node, "ram:PostalTradeAddress")
    ids = _identifiers(node)
    delivery = Delivery(
        party_name=text(node, "ram:Name"),
        location_id=ids[0] if ids else None,
        address=_address(address) if address is not None else None,
    )
    return delivery if delivery != Delivery() else None


def _supporting_documents(agreement: Node | None) -> tuple[SupportingDocument, ...]:
    documents = []
    for ref in find_all(agreement, "ram:AdditionalReferencedDocument"):
        reference = text(ref, "ram:IssuerAssignedID")
        if reference is None or text(ref, "ram:TypeCode") != SUPPORTING_DOCUMENT_TYPE:
            continue
        embedded = find(ref, "ram:AttachmentBinaryObject")
        documents.append(
            SupportingDocument(
                reference=reference,
                description=text(ref, "ram:Name"),
                filename=embedded.get("filename") if embedded is not None else None,
                mime_code=embedded.get("mimeCode") if embedded is not None else None,
            )
        )
    return tuple(documents)


def _contact(node: Node | None) -> Contact | None:
    if node is None:
        return None
    return Contact(
        name=text(node, "ram:PersonName") or text(node, "ram:DepartmentName"),
        phone=text(node, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"),
        email=text(node, "ram:EmailURIUniversalCommunication/ram:URIID"),
    )


def _notes(root: Node) -> tuple[Note, ...]:
    notes = []
    for node in find_all(root, "rsm:ExchangedDocument/ram:IncludedNote"):
        if (value := text(node, "ram:Content")) is not None:
            code, body = note(value, text(node, "ram:SubjectCode"))
            notes.append(Note(text=body, subject_code=code))
    return tuple(notes)


def _allowances_charges(settlement: Node | None, amount_terms: str) -> tuple[AllowanceCharge, ...]:
    """Those of the document (BG-20/21) or of one line (BG-27/28): the same elements in either settlement."""
    return tuple(
        AllowanceCharge(
            charge=indicator(text(node, "ram:ChargeIndicator/udt:Indicator")),
            amount=required_decimal(node, "ram:ActualAmount", amount_terms),
            base_amount=decimal(node, "ram:BasisAmount"),
            percentage=decimal(node, "ram:CalculationPercent"),
            vat_category=text(node, "ram:CategoryTradeTax/ram:CategoryCode"),
            vat_rate=decimal(node, "ram:CategoryTradeTax/ram:RateApplicablePercent"),
            reason=text(node, "ram:Reason"),
            reason_code=text(node, "ram:ReasonCode"),
        )
        for node in find_all(settlement, "ram:SpecifiedTradeAllowanceCharge")
    )


def _totals(settlement: Node | None, currency: str) -> Totals:
    money = find(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    tax_total = next(
        (a for a in find_all(money, "ram:TaxTotalAmount") if a.get("currencyID") in (None, currency)),
        None,
    )
    return Totals(
        line_total=required_decimal(money, "ram:LineTotalAmount", "BT-106"),
        allowance_total=decimal(money, "ram:AllowanceTotalAmount"),
        charge_total=decimal(money, "ram:ChargeTotalAmount"),
        tax_exclusive=required_decimal(money, "ram:TaxBasisTotalAmount", "BT-109"),
        tax_total=decimal(tax_total),
        tax_inclusive=required_decimal(money, "ram:GrandTotalAmount", "BT-112"),
        prepaid=decimal(money, "ram:TotalPrepaidAmount"),
        rounding=decimal(money, "ram:RoundingAmount"),
        payable=required_decimal(money, "ram:DuePayableAmount", "BT-115"),
    )


def _vat(settlement: Node | None) -> tuple[VatBreakdown, ...]:
    return tuple(
        VatBreakdown(
            category=required_text(tax, "ram:CategoryCode", "BT-118"),
            rate=decimal(tax, "ram:RateApplicablePercent"),
            taxable_amount=required_decimal(tax, "ram:BasisAmount", "BT-116"),
            tax_amount=required_decimal(tax, "ram:CalculatedAmount", "BT-117"),
            exemption_reason=text(tax, "ram:ExemptionReason"),
            exemption_reason_code=text(tax, "ram:ExemptionReasonCode"),
        )
        for tax in find_all(settlement, "ram:ApplicableTradeTax")
    )


def _payment(settlement: Node | None) -> Payment:
    means = find_all(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    accounts = tuple(
        PaymentAccount(
            account_id=account_id,
            name=text(account, "ram:AccountName"),
            bic=text(m, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        )
        for m in means
        if (account := find(m, "ram:PayeePartyCreditorFinancialAccount")) is not None
        and (account_id := text(account, "ram:IBANID") or text(account, "ram:ProprietaryID"))
    )
    terms = [
        t for node in find_all(settlement, "ram:SpecifiedTradePaymentTerms") if (t := text(node, "ram:Description"))
    ]
    return Payment(
        means_code=text(means[0], "ram:TypeCode") if means else None,
        remittance_information=text(settlement, "ram:PaymentReference"),
        accounts=accounts,
        terms=" ".join(terms) or None,
        mandate_reference=text(settlement, "ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID"),
        creditor_id=text(settlement, "ram:CreditorReferenceID"),
        debited_account=text(
            settlement, "ram:SpecifiedTradeSettlementPaymentMeans/ram:PayerPartyDebtorFinancialAccount/ram:IBANID"
        ),
    )


def _lines(root: Node) -> tuple[InvoiceLine, ...]:
    lines = []
    for item in find_all(root, f"{_TRANSACTION}/ram:IncludedSupplyChainTradeLineItem"):
        quantity = find(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        agreement = find(item, "ram:SpecifiedLineTradeAgreement")
        settlement = find(item, "ram:SpecifiedLineTradeSettlement")
        product, gross = find(item, "ram:SpecifiedTradeProduct"), find(agreement, "ram:GrossPriceProductTradePrice")
        base_quantity = find(gross, "ram:BasisQuantity")
        lines.append(
            InvoiceLine(
                id=required_text(item, "ram:AssociatedDocumentLineDocument/ram:LineID", "BT-126"),
                quantity=required(decimal(quantity), "BT-129"),
                unit_code=quantity.get("unitCode") if quantity is not None else None,
                net_amount=required_decimal(
                    settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount", "BT-131"
                ),
                order_line_reference=text(agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"),
                note=text(item, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"),
                object_id=_referenced(settlement, INVOICED_OBJECT_TYPE),
                buyer_accounting_reference=text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
                period_start=cii_date(settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"),
                period_end=cii_date(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"),
                net_price=decimal(agreement, "ram:NetPriceProductTradePrice/ram:ChargeAmount"),
                price_discount=decimal(gross, "ram:AppliedTradeAllowanceCharge/ram:ActualAmount"),
                gross_price=decimal(gross, "ram:ChargeAmount"),
                base_quantity=decimal(base_quantity),
                base_quantity_unit=base_quantity.get("unitCode") if base_quantity is not None else None,
                item_name=required_text(product, "ram:Name", "BT-153"),
                item_description=text(product, "ram:Description"),
                seller_item_id=text(product, "ram:SellerAssignedID"),
                buyer_item_id=text(product, "ram:BuyerAssignedID"),
                standard_item_id=identifier(product, "ram:GlobalID"),
                classifications=tuple(
                    Identifier(value=value, scheme=code.get("listID"))
                    for code in find_all(product, "ram:DesignatedProductClassification/ram:ClassCode")
                    if (value := text(code))
                ),
                origin_country=text(product, "ram:OriginTradeCountry/ram:ID"),
                attributes=tuple(
                    ItemAttribute(name=name, value=value)
                    for c in find_all(product, "ram:ApplicableProductCharacteristic")
                    if (name := text(c, "ram:Description")) and (value := text(c, "ram:Value"))
                ),
                vat_category=text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode"),
                vat_rate=decimal(settlement, "ram:ApplicableTradeTax/ram:RateApplicablePercent"),
                allowances_charges=_allowances_charges(settlement, "BT-136/BT-141"),
            )
        )
    return tuple(lines)


def extract_cii(document: ParsedDocument) -> Invoice:
    root = document.root
    agreement, settlement = find(root, _AGREEMENT), find(root, _SETTLEMENT)
    currency = required_text(settlement, "ram:InvoiceCurrencyCode", "BT-5")
    return Invoice(
        syntax=document.syntax,
        customization_id=required_text(
            root, "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", "BT-24"
        ),
        number=required_text(root, "rsm:ExchangedDocument/ram:ID", "BT-1"),
        type_code=required_text(root, "rsm:ExchangedDocument/ram:TypeCode", "BT-3"),
        issue_date=required(cii_date(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"), "BT-2"),
        due_date=cii_date(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"),
        currency=currency,
        vat_point_date=cii_date(settlement, "ram:ApplicableTradeTax/ram:TaxPointDate/udt:DateString"),
        vat_point_date_code=text(settlement, "ram:ApplicableTradeTax/ram:DueDateTypeCode"),
        business_process=text(
            root, "rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
        ),
        vat_currency=text(settlement, "ram:TaxCurrencyCode"),
        buyer_reference=text(agreement, "ram:BuyerReference"),
        order_reference=text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        sales_order_reference=text(agreement, "ram:SellerOrderReferencedDocument/ram:IssuerAssignedID"),
        receiving_advice_reference=text(
            root, f"{_DELIVERY}/ram:ReceivingAdviceReferencedDocument/ram:IssuerAssignedID"
        ),
        despatch_advice_reference=text(root, f"{_DELIVERY}/ram:DespatchAdviceReferencedDocument/ram:IssuerAssignedID"),
        tender_reference=tender.value if (tender := _referenced(agreement, TENDER_TYPE)) else None,
        invoiced_object_id=_referenced(agreement, INVOICED_OBJECT_TYPE),
        project_reference=text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
        contract_reference=text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        buyer_accounting_reference=text(settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"),
        delivery_date=cii_date(
            root, f"{_DELIVERY}/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString"
        ),
        period_start=cii_date(settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"),
        period_end=cii_date(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"),
        notes=_notes(root),
        preceding_invoices=tuple(
            DocumentReference(number=number, issue_date=cii_date(ref, "ram:FormattedIssueDateTime/qdt:DateTimeString"))
            for ref in find_all(settlement, "ram:InvoiceReferencedDocument")
            if (number := text(ref, "ram:IssuerAssignedID"))
        ),
        supporting_documents=_supporting_documents(agreement),
        seller=_party(find(agreement, "ram:SellerTradeParty"), "seller (BT-27)"),
        buyer=_party(find(agreement, "ram:BuyerTradeParty"), "buyer (BT-44)"),
        payee=_payee(find(settlement, "ram:PayeeTradeParty")),
        tax_representative=_tax_representative(find(agreement, "ram:SellerTaxRepresentativeTradeParty")),
        delivery=_delivery(find(root, f"{_DELIVERY}/ram:ShipToTradeParty")),
        totals=_totals(settlement, currency),
        allowances_charges=_allowances_charges(settlement, "BT-92/BT-99"),
        vat_breakdown=_vat(settlement),
        payment=_payment(settlement),
        lines=_lines(root),
    )
