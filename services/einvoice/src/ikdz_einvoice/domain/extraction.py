"""Extraction of the typed invoice from a parsed UBL or CII document (run it on accepted documents)."""

from __future__ import annotations

from ikdz_einvoice.domain.document import ParsedDocument, Syntax
from ikdz_einvoice.domain.extract_cii import extract_cii
from ikdz_einvoice.domain.extract_ubl import extract_ubl
from ikdz_einvoice.domain.fields import text
from ikdz_einvoice.domain.invoice import Invoice


def extract_invoice(document: ParsedDocument) -> Invoice:
    """The invoice model; :class:`ExtractionError` if a mandatory business term is missing or unreadable."""
    if document.syntax is Syntax.CII:
        return extract_cii(document)
    return extract_ubl(document)


def read_buyer_reference(document: ParsedDocument) -> str | None:
    """BT-10 of a document that passed the gate but is not validated yet (only to address events)."""
    if document.syntax is Syntax.CII:
        return text(
            document.root, "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference"
        )
    return text(document.root, "cbc:BuyerReference")
