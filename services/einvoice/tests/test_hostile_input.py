"""Hostile or wrong uploads are refused by the XML gate with a clear error; nothing is expanded or fetched."""

from __future__ import annotations

import time

import pytest
from ikdz_einvoice.domain.document import DEFAULT_MAX_BYTES, Syntax, parse_document
from ikdz_einvoice.domain.errors import DocumentRefusedError, RefusalReason
from ikdz_platform.safe_xml import hardened_parser
from lxml import etree

from .support import BILLION_LAUGHS, CII_STANDARD, UBL_NS, UBL_STANDARD, XXE


def refusal(data: bytes, **kwargs: int) -> DocumentRefusedError:
    with pytest.raises(DocumentRefusedError) as caught:
        parse_document(data, **kwargs)
    error = caught.value
    assert error.detail
    assert error.message_de
    return error


def test_xxe_is_refused_and_the_file_is_not_read() -> None:
    error = refusal(XXE)
    assert error.reason is RefusalReason.DOCTYPE
    assert "root:" not in str(error) + error.message_de


def test_billion_laughs_is_refused_at_once() -> None:
    started = time.perf_counter()
    error = refusal(BILLION_LAUGHS)
    assert error.reason is RefusalReason.DOCTYPE
    assert time.perf_counter() - started < 1.0


def test_external_dtd_is_refused_and_not_fetched(dtd_server: tuple[str, list[str]]) -> None:
    url, requests = dtd_server
    external = f'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "{url}/invoice.dtd"><Invoice xmlns="{UBL_NS}"/>'
    parameter_entity = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY % remote SYSTEM "{url}/remote.dtd"> %remote;]>'
        f'<Invoice xmlns="{UBL_NS}"><ID>&xxe;</ID></Invoice>'
    )
    external_entity = (
        f'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "{url}/entity.txt">]>'
        f'<Invoice xmlns="{UBL_NS}"><ID>&xxe;</ID></Invoice>'
    )
    for document in (external, parameter_entity, external_entity):
        assert refusal(document.encode()).reason in {RefusalReason.DOCTYPE, RefusalReason.MALFORMED}
    time.sleep(0.2)
    assert requests == []


def test_the_parser_itself_fetches_nothing_either(dtd_server: tuple[str, list[str]]) -> None:
    """Defence in depth: even without the prolog check, the shared hardened lxml parser loads no DTD or entity."""
    url, requests = dtd_server
    documents = [
        f'<!DOCTYPE Invoice SYSTEM "{url}/invoice.dtd"><Invoice xmlns="{UBL_NS}"/>',
        f'<!DOCTYPE Invoice [<!ENTITY % r SYSTEM "{url}/r.dtd"> %r;]><Invoice xmlns="{UBL_NS}"/>',
        f'<!DOCTYPE Invoice [<!ENTITY x SYSTEM "{url}/x.txt">]><Invoice xmlns="{UBL_NS}"><ID>&x;</ID></Invoice>',
        XXE.decode(),
    ]
    for text in documents:
        try:
            root = etree.fromstring(text.encode(), hardened_parser())
        except etree.XMLSyntaxError:
            continue
        assert "root:" not in etree.tostring(root, encoding="unicode")
    time.sleep(0.2)
    assert requests == []


def test_a_50_mb_upload_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed an over-sized upload")

    monkeypatch.setattr(etree, "fromstring", must_not_parse)
    data = b"<Invoice>" + b"x" * (50 * 1024 * 1024) + b"</Invoice>"
    started = time.perf_counter()
    error = refusal(data)
    assert error.reason is RefusalReason.TOO_LARGE
    assert str(DEFAULT_MAX_BYTES) in error.detail
    assert time.perf_counter() - started < 0.5


def test_the_size_cap_is_configurable() -> None:
    data = UBL_STANDARD.read_bytes()
    assert refusal(data, max_bytes=len(data) - 1).reason is RefusalReason.TOO_LARGE
    assert parse_document(data, max_bytes=len(data)).syntax is Syntax.UBL_INVOICE


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", RefusalReason.EMPTY),
        (b" \r\n\t", RefusalReason.EMPTY),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", RefusalReason.PDF),
        (b"\xef\xbb\xbf%PDF-1.4\n", RefusalReason.PDF),
        (b"PK\x03\x04\x14\x00\x00\x00", RefusalReason.NOT_XML),
        (b"\x89PNG\r\n\x1a\n", RefusalReason.NOT_XML),
        (b'{"invoice": 1}', RefusalReason.NOT_XML),
        ("Rechnung Nr. 1 über 100 EUR".encode(), RefusalReason.NOT_XML),
        (b"<Invoice><ID>1</Invoice>", RefusalReason.MALFORMED),
        (f'<Invoice xmlns="{UBL_NS}">&undeclared;</Invoice>'.encode(), RefusalReason.MALFORMED),
        (b"<html><body>invoice</body></html>", RefusalReason.UNSUPPORTED_DOCUMENT),
        (
            b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>',
            RefusalReason.UNSUPPORTED_DOCUMENT,
        ),
        (
            b'<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>',
            RefusalReason.UNSUPPORTED_DOCUMENT,
        ),
        (b"<?xml version='1.0'?><!DOCTYPE Invoice><Invoice/>", RefusalReason.DOCTYPE),
    ],
)
def test_non_invoices_are_refused_with_a_reason(data: bytes, reason: RefusalReason) -> None:
    assert refusal(data).reason is reason


def test_messages_name_the_problem_for_integrators_and_suppliers() -> None:
    error = refusal(b"%PDF-1.7\n")
    assert "PDF" in error.detail
    assert "XML" in error.detail
    assert "PDF" in error.message_de
    assert error.message_de.startswith("Die Datei")


def test_the_official_instances_pass_the_gate() -> None:
    assert parse_document(UBL_STANDARD.read_bytes()).syntax is Syntax.UBL_INVOICE
    assert parse_document(CII_STANDARD.read_bytes()).syntax is Syntax.CII


def test_a_utf16_invoice_passes_the_gate() -> None:
    text = UBL_STANDARD.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    assert parse_document(text.encode("utf-16")).syntax is Syntax.UBL_INVOICE


def test_the_hash_and_size_are_of_the_original_bytes() -> None:
    data = UBL_STANDARD.read_bytes()
    document = parse_document(data)
    assert document.size == len(data)
    assert len(document.sha256) == 64


def test_absurd_nesting_is_refused() -> None:
    deep = f'<Invoice xmlns="{UBL_NS}">'.encode() + b"<a>" * 5000 + b"</a>" * 5000 + b"</Invoice>"
    assert refusal(deep).reason is RefusalReason.MALFORMED
