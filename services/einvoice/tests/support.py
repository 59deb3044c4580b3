"""Paths of the official test data and small helpers shared by the einvoice tests."""

from __future__ import annotations

import base64
import re
import zlib
from pathlib import Path

from ikdz_einvoice.domain.document import ParsedDocument, parse_document
from lxml import etree

DATA = Path(__file__).resolve().parent / "data"
TESTSUITE = DATA / "testsuite"
CEN_EXAMPLES = DATA / "en16931-cen"
SCHEMATRON_UNIT_TESTS = DATA / "schematron-unit-tests"
UBL_STANDARD = TESTSUITE / "business-cases" / "standard" / "01.01a-INVOICE_ubl.xml"
CII_STANDARD = TESTSUITE / "business-cases" / "standard" / "01.01a-INVOICE_uncefact.xml"

UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="{UBL_NS}"><ID>&xxe;</ID></Invoice>""".encode()

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + f']><Invoice xmlns="{UBL_NS}"><ID>&lol9;</ID></Invoice>'.encode()
)


def load(path: Path) -> ParsedDocument:
    return parse_document(path.read_bytes())


def instances(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".xml")


def edited(path: Path, old: str, new: str, count: int = 1) -> ParsedDocument:
    """The instance at *path* with *old* replaced by *new* (exactly *count* times), parsed."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not found {count} times in {path.name}"
    return parse_document(text.replace(old, new, count).encode())


def without(source: Path | ParsedDocument, xpath: str, namespaces: dict[str, str]) -> ParsedDocument:
    """The instance (a path or a parsed document) with every element matching *xpath* removed, parsed again."""
    root = load(source).root if isinstance(source, Path) else source.root
    matches = root.xpath(xpath, namespaces=namespaces)
    assert matches, f"{xpath} matches nothing"
    for element in matches:
        element.getparent().remove(element)
    return parse_document(etree.tostring(root))


def pdf_text(pdf: bytes) -> bytes:
    """The content streams of a reportlab PDF, decoded (ASCII85, then zlib), to look for the text drawn."""
    out = []
    for match in re.finditer(rb"\bstream\r?\n(.*?)endstream", pdf, re.DOTALL):
        body = match.group(1).strip()
        if body.endswith(b"~>"):
            out.append(zlib.decompress(base64.a85decode(body[:-2])))
    return b"".join(out)
