"""The hardened XML gate: only bytes that pass here ever reach an XML Schema or an XSLT processor.

Checks, in this order, and refuses with :class:`DocumentRefusedError` at the first failure:

1. size cap on the raw bytes, before any parsing (default 10 MB, the federal platforms' limit);
2. content sniffing: empty input, a PDF (e.g. ZUGFeRD) or other binary data is not XML;
3. any DOCTYPE at all is refused, found by a scan of the prolog before the parser runs (and checked
   again on the parsed tree): XRechnung never needs one, and refusing it rules out entity expansion
   (billion laughs), external entities (XXE) and external DTDs in one rule;
   (the prolog scan and the parser settings are shared: :mod:`ikdz_platform.safe_xml`);
4. parsing with lxml without entity substitution, DTD loading or network access and without
   ``huge_tree`` (libxml2's limits on depth, text size and entity amplification stay on);
5. the root element must be a UBL 2.1 Invoice or CreditNote or a UN/CEFACT CII D16B invoice.

Nothing here reads a file or the network; the function is pure apart from CPU and memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from ikdz_platform.safe_xml import hardened_parser, has_doctype
from lxml import etree

from ikdz_einvoice.domain.errors import DocumentRefusedError, RefusalReason

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 input is left to the parser
_BINARY_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
}


class Syntax(StrEnum):
    """The three document types XRechnung allows (two syntaxes: UBL 2.1 and UN/CEFACT CII D16B)."""

    UBL_INVOICE = "ubl-invoice"
    UBL_CREDIT_NOTE = "ubl-creditnote"
    CII = "cii"

    @property
    def is_ubl(self) -> bool:
        return self is not Syntax.CII


_ROOTS = {
    f"{{{NS_UBL_INVOICE}}}Invoice": Syntax.UBL_INVOICE,
    f"{{{NS_UBL_CREDIT_NOTE}}}CreditNote": Syntax.UBL_CREDIT_NOTE,
    f"{{{NS_CII}}}CrossIndustryInvoice": Syntax.CII,
}


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document that passed the gate: its syntax, its parsed tree, and the original bytes with their hash."""

    syntax: Syntax
    root: etree._Element
    data: bytes = field(repr=False)
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    def canonical_text(self) -> str:
        """The tree serialised again (no DOCTYPE can be in it): what is handed to Saxon."""
        return etree.tostring(self.root, encoding="unicode")


def _refuse(reason: RefusalReason, detail: str, message_de: str) -> DocumentRefusedError:
    return DocumentRefusedError(reason, detail, message_de)


def _doctype_refusal() -> DocumentRefusedError:
    return _refuse(
        RefusalReason.DOCTYPE,
        "the document has a DOCTYPE declaration; DTDs and entity declarations are not allowed in "
        "e-invoices (nothing was expanded or fetched)",
        "Die Datei enthält eine DOCTYPE-Deklaration. Das ist in einer XRechnung nicht erlaubt.",
    )


def _sniff(data: bytes) -> None:
    if data.startswith(_UTF16_BOMS):
        return  # UTF-16 XML; let the parser decide
    head = data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if not head:
        raise _refuse(RefusalReason.EMPTY, "the upload is empty", "Die hochgeladene Datei ist leer.")
    if head.startswith(b"%PDF-"):
        raise _refuse(
            RefusalReason.PDF,
            "the upload is a PDF file; send the invoice as XML (UBL 2.1 or UN/CEFACT CII D16B), not as PDF "
            "or as XML embedded in a PDF (ZUGFeRD/Factur-X)",
            "Die Datei ist ein PDF. Bitte senden Sie die Rechnung als XRechnung im XML-Format "
            "(UBL oder CII), nicht als PDF.",
        )
    for magic, what in _BINARY_MAGIC.items():
        if head.startswith(magic):
            raise _refuse(
                RefusalReason.NOT_XML,
                f"the upload is {what}, not an XML document",
                "Die Datei ist kein XML-Dokument. Bitte senden Sie die Rechnung als XRechnung im XML-Format.",
            )
    if not head.startswith(b"<"):
        raise _refuse(
            RefusalReason.NOT_XML,
            "the upload does not start with '<' (after an optional byte-order mark and whitespace): not XML",
            "Die Datei ist kein XML-Dokument. Bitte senden Sie die Rechnung als XRechnung im XML-Format.",
        )


def parse_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Check and parse an uploaded e-invoice; :class:`DocumentRefusedError` says why one is refused."""
    if len(data) > max_bytes:
        raise _refuse(
            RefusalReason.TOO_LARGE,
            f"the upload has {len(data)} bytes; at most {max_bytes} bytes are accepted",
            f"Die Datei ist zu groß ({len(data) / 1_000_000:.1f} MB). "
            f"Erlaubt sind höchstens {max_bytes / 1_000_000:.1f} MB.",
        )
    _sniff(data)
    if has_doctype(data):
        raise _doctype_refusal()
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as error:
        raise _refuse(
            RefusalReason.MALFORMED,
            f"the upload is not well-formed XML: {error}",
            "Die Datei ist kein gültiges XML-Dokument (sie ist nicht wohlgeformt).",
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_refusal()
    tag = root.tag if isinstance(root.tag, str) else repr(root.tag)
    syntax = _ROOTS.get(tag)
    if syntax is None:
        raise _refuse(
            RefusalReason.UNSUPPORTED_DOCUMENT,
            f"the root element {tag} is none of UBL 2.1 Invoice ({NS_UBL_INVOICE}), UBL 2.1 CreditNote "
            f"({NS_UBL_CREDIT_NOTE}) or UN/CEFACT CII D16B CrossIndustryInvoice ({NS_CII})",
            "Die Datei ist keine elektronische Rechnung im Format XRechnung (UBL oder CII).",
        )
    return ParsedDocument(syntax=syntax, root=root, data=data, sha256=hashlib.sha256(data).hexdigest())
