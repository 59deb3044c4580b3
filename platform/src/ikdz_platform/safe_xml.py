"""Parsing XML from outside (XRechnung uploads, XGewO imports) without entities, DTDs or network.

The rules every service follows (DESIGN § 7), in one place:

1. a size cap on the raw bytes, before any parsing;
2. any DOCTYPE is refused, found by a scan of the prolog before the parser runs (and checked again
   on the parsed tree): none of our formats needs one, and refusing it rules out entity expansion
   (billion laughs), external entities (XXE) and external DTDs in one rule;
3. lxml without entity substitution, DTD loading or network access and without ``huge_tree``
   (libxml2's limits on depth, text size and entity amplification stay on).

Services with their own pre-checks (einvoice sniffs PDFs first) use :func:`has_doctype` and
:func:`hardened_parser` directly; the others call :func:`parse_untrusted_xml`. Pure apart from CPU
and memory: nothing here reads a file or the network.
"""

from __future__ import annotations

from enum import StrEnum

from lxml import etree

__all__ = ["XmlRefusal", "XmlRefusedError", "hardened_parser", "has_doctype", "parse_untrusted_xml"]

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class XmlRefusal(StrEnum):
    """Why bytes were refused before any content was looked at (stable codes for API clients)."""

    TOO_LARGE = "too-large"
    EMPTY = "empty"
    NOT_XML = "not-xml"
    MALFORMED = "malformed-xml"
    DOCTYPE = "doctype-forbidden"


class XmlRefusedError(ValueError):
    """The bytes are not XML we parse; nothing in them was expanded or fetched."""

    def __init__(self, reason: XmlRefusal, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


def has_doctype(data: bytes) -> bool:
    """Whether the prolog (before the root element) holds a DOCTYPE; looked at before any parsing.

    Skips the XML declaration, processing instructions, comments and whitespace. A DOCTYPE can only
    stand there, so this catches every DTD before libxml2 reads its declarations.
    """
    if data.startswith(_UTF16_BOMS):
        data = data.decode("utf-16", errors="replace").encode()
    data = data.removeprefix(_UTF8_BOM)
    position, length = 0, len(data)
    while position < length:
        if data[position : position + 1].isspace():
            position += 1
        elif data.startswith(b"<?", position):
            end = data.find(b"?>", position + 2)
            position = length if end < 0 else end + 2
        elif data.startswith(b"<!--", position):
            end = data.find(b"-->", position + 4)
            position = length if end < 0 else end + 3
        else:
            return data.startswith(b"<!DOCTYPE", position)
    return False


def hardened_parser() -> etree.XMLParser:
    """A new parser per call (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_untrusted_xml(data: bytes, *, max_bytes: int) -> etree._Element:
    """The root element of ``data``; :class:`XmlRefusedError` says why bytes are refused."""
    if len(data) > max_bytes:
        raise XmlRefusedError(
            XmlRefusal.TOO_LARGE, f"the document has {len(data)} bytes; at most {max_bytes} bytes are accepted"
        )
    head = data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if not head:
        raise XmlRefusedError(XmlRefusal.EMPTY, "the document is empty")
    if not head.startswith(b"<") and not data.startswith(_UTF16_BOMS):
        raise XmlRefusedError(XmlRefusal.NOT_XML, "the document does not start with '<': not XML")
    if has_doctype(data):
        raise XmlRefusedError(XmlRefusal.DOCTYPE, "a DOCTYPE declaration is not allowed (nothing was expanded)")
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as error:
        raise XmlRefusedError(XmlRefusal.MALFORMED, f"not well-formed XML: {error}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlRefusedError(XmlRefusal.DOCTYPE, "a DOCTYPE declaration is not allowed (nothing was expanded)")
    return root
