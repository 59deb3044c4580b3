"""Namespaces and small readers shared by scenario selection and extraction (pure, lxml only)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree

from ikdz_einvoice.domain.document import NS_CII, NS_UBL_CREDIT_NOTE, NS_UBL_INVOICE, ParsedDocument, Syntax
from ikdz_einvoice.domain.errors import ExtractionError
from ikdz_einvoice.domain.invoice import Identifier

NS = {
    "ubl": NS_UBL_INVOICE,
    "cn": NS_UBL_CREDIT_NOTE,
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "rsm": NS_CII,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
Node = etree._Element
T = TypeVar("T")


def required(value: T | None, term: str) -> T:
    """*value*, or :class:`ExtractionError` naming the missing business term."""
    if value is None:
        raise ExtractionError(f"{term} is missing")
    return value


def find(node: Node | None, path: str) -> Node | None:
    return None if node is None else node.find(path, NS)


def find_all(node: Node | None, path: str) -> list[Node]:
    return [] if node is None else node.findall(path, NS)


def text(node: Node | None, path: str | None = None) -> str | None:
    """The whitespace-normalised text at *path* below *node*; ``None`` if absent or empty."""
    target = node if path is None else find(node, path)
    if target is None:
        return None
    value = " ".join("".join(target.itertext()).split())
    return value or None


def required_text(node: Node | None, path: str, term: str) -> str:
    value = text(node, path)
    if value is None:
        raise ExtractionError(f"{term} is missing ({path})")
    return value


def identifier(node: Node | None, path: str | None = None) -> Identifier | None:
    target = node if path is None else find(node, path)
    value = text(target)
    if target is None or value is None:
        return None
    return Identifier(value=value, scheme=target.get("schemeID"))


def decimal(node: Node | None, path: str | None = None) -> Decimal | None:
    value = text(node, path)
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ExtractionError(f"{value!r} at {path} is not a number") from None


def required_decimal(node: Node | None, path: str, term: str) -> Decimal:
    value = decimal(node, path)
    if value is None:
        raise ExtractionError(f"{term} is missing ({path})")
    return value


def iso_date(node: Node | None, path: str) -> date | None:
    """A UBL date (``YYYY-MM-DD``)."""
    value = text(node, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ExtractionError(f"{value!r} at {path} is not a date YYYY-MM-DD") from None


def cii_date(node: Node | None, path: str) -> date | None:
    """A CII date string in format 102 (``YYYYMMDD``), the only format EN 16931 allows."""
    target = find(node, path)
    value = text(target)
    if target is None or value is None:
        return None
    if target.get("format", "102") != "102":
        raise ExtractionError(f"date at {path} has format {target.get('format')}, expected 102 (YYYYMMDD)")
    try:
        return datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date, no time of day
    except ValueError:
        raise ExtractionError(f"{value!r} at {path} is not a date YYYYMMDD") from None


def note(value: str, subject_code: str | None = None) -> tuple[str | None, str]:
    """BT-21 and BT-22 of a note; in UBL the subject code is written as a ``#CODE#`` prefix (XRechnung 3.0)."""
    if subject_code is None and len(value) > 2 and value.startswith("#"):
        code, sep, rest = value[1:].partition("#")
        if sep and code.isalpha() and len(code) <= 3:
            return code, rest.strip()
    return subject_code, value


def indicator(value: str | None) -> bool:
    """An XML Schema boolean (``true``/``1``)."""
    return (value or "").strip().lower() in ("true", "1")


def customization_ids(document: ParsedDocument) -> list[str]:
    """Every BT-24 value, exactly as written (KoSIT's scenarios compare them verbatim).

    UBL allows one ``cbc:CustomizationID``; CII may repeat the guideline context parameter.
    """
    path = (
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
        if document.syntax is Syntax.CII
        else "cbc:CustomizationID"
    )
    return [element.text or "" for element in document.root.findall(path, NS)]


def customization_id(document: ParsedDocument) -> str | None:
    """The (first) BT-24 value, exactly as written."""
    values = customization_ids(document)
    return values[0] if values else None
