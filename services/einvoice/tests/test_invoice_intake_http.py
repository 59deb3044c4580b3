"""The intake channels over HTTP: raw XML to the REST API and the supplier's upload form.

Hostile and non-invoice input is refused with a reason before anything is stored; nothing is
fetched; the service keeps serving. Accepted bytes are stored unchanged with their hash and the
``received`` event before the 202.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ikdz_contracts.topics import Topics
from ikdz_einvoice.adapters.config_files import load_leitweg_routing
from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.app.status import ViewInvoice
from ikdz_einvoice.bootstrap import TEMPLATES_DIR
from ikdz_einvoice.entrypoints.api import api_router
from ikdz_einvoice.entrypoints.web import web_router
from ikdz_platform.http import BodySizeLimit
from ikdz_platform.web import add_csrf_error_page, templates

from .fakes import FakeInvoiceStore, FakeNotifier
from .support import BILLION_LAUGHS, UBL_NS, UBL_STANDARD, XXE

SECRET = b"test-secret-0123456789"
LIMIT = 1024 * 1024
VALID = UBL_STANDARD.read_bytes()


@pytest.fixture
def store() -> FakeInvoiceStore:
    return FakeInvoiceStore()


@pytest.fixture
def client(store: FakeInvoiceStore) -> Iterator[TestClient]:
    receive = ReceiveInvoice(
        store,
        load_leitweg_routing(),
        Topics("t."),
        lambda: datetime(2026, 11, 25, 10, tzinfo=UTC),
        FakeNotifier(),
        center_ags="14000000",
        max_bytes=LIMIT,
    )
    view = ViewInvoice(store, SECRET)
    pages = templates(TEMPLATES_DIR)
    app = FastAPI()
    app.include_router(api_router(receive, view, SECRET, "http://testserver"))
    app.include_router(web_router(receive, view, pages, SECRET))
    add_csrf_error_page(app, pages)
    app.add_middleware(BodySizeLimit, max_bytes=LIMIT + 64 * 1024)
    with TestClient(app) as test_client:
        yield test_client


def post_xml(client: TestClient, data: bytes, content_type: str = "application/xml") -> object:
    return client.post("/api/v1/invoices", content=data, headers={"Content-Type": content_type})


def test_an_invoice_is_stored_unchanged_with_its_hash_before_the_202(
    client: TestClient, store: FakeInvoiceStore
) -> None:
    response = client.post("/api/v1/invoices", content=VALID, headers={"Content-Type": "application/xml"})

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["sha256"] == hashlib.sha256(VALID).hexdigest()
    assert store.originals[body["sha256"]] == VALID
    [received] = store.events("einvoice.received.v1")
    assert received["key"] == body["invoice_id"]
    status = client.get(body["status_url"].removeprefix("http://testserver")).json()
    assert (status["state"], status["label_de"]) == ("received", "Eingegangen, wird geprüft")
    assert response.headers["Location"] == body["status_url"]


def test_the_same_bytes_again_answer_with_the_same_invoice(client: TestClient, store: FakeInvoiceStore) -> None:
    first = client.post("/api/v1/invoices", content=VALID, headers={"Content-Type": "application/xml"}).json()
    again = client.post("/api/v1/invoices", content=VALID, headers={"Content-Type": "text/xml"})

    assert again.json()["invoice_id"] == first["invoice_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(store.invoices) == 1 and len(store.events("einvoice.received.v1")) == 1


def test_the_status_needs_the_token_of_the_link(client: TestClient) -> None:
    body = client.post("/api/v1/invoices", content=VALID, headers={"Content-Type": "application/xml"}).json()

    assert client.get(f"/api/v1/invoices/{body['invoice_id']}", params={"token": "0" * 40}).status_code == 404
    assert client.get("/api/v1/invoices/unknown", params={"token": "0" * 40}).status_code == 404


EXTERNAL_DTD = f'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "{{url}}/x.dtd"><Invoice xmlns="{UBL_NS}"/>'


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (XXE, 422, "doctype-forbidden"),
        (BILLION_LAUGHS, 422, "doctype-forbidden"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", 422, "pdf"),
        (b'{"invoice": 1}', 422, "not-xml"),
        (b"", 422, "empty"),
        (b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>", 422, "unsupported-document"),
        (b"<Invoice", 422, "malformed-xml"),
        (b"<" + b"a" * (LIMIT + 10), 413, "too-large"),
    ],
    ids=["xxe", "billion-laughs", "pdf", "json", "empty", "ubl-order", "broken", "over-the-cap"],
)
def test_hostile_and_non_invoice_input_is_refused_with_a_reason_and_nothing_is_stored(
    client: TestClient, store: FakeInvoiceStore, data: bytes, status: int, code: str
) -> None:
    response = client.post("/api/v1/invoices", content=data, headers={"Content-Type": "application/xml"})

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["code"] == code and error["message"]  # German text for the supplier
    assert store.invoices == {} and store.originals == {}
    assert (
        client.post("/api/v1/invoices", content=VALID, headers={"Content-Type": "application/xml"}).status_code == 202
    )


def test_an_external_dtd_is_refused_and_never_fetched(
    client: TestClient, store: FakeInvoiceStore, dtd_server: tuple[str, list[str]]
) -> None:
    url, requests = dtd_server
    response = client.post(
        "/api/v1/invoices", content=EXTERNAL_DTD.format(url=url).encode(), headers={"Content-Type": "application/xml"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "doctype-forbidden"
    assert requests == [] and store.invoices == {}


def test_a_50_mb_body_is_refused_before_the_service_reads_it(client: TestClient, store: FakeInvoiceStore) -> None:
    response = client.post(
        "/api/v1/invoices", content=b"<" + b"x" * (50 * 1024 * 1024), headers={"Content-Type": "application/xml"}
    )

    assert response.status_code == 413
    assert store.originals == {}


def test_only_xml_media_types_are_taken(client: TestClient) -> None:
    response = client.post("/api/v1/invoices", content=VALID, headers={"Content-Type": "application/pdf"})
    assert response.status_code == 415


# --- the upload form -----------------------------------------------------------------------------


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form has no CSRF field"
    return match.group(1)


def test_the_upload_form_is_german_and_takes_a_file(client: TestClient) -> None:
    page = client.get("/rechnung-einreichen")

    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert '<label class="kern-label" for="rechnung">Rechnungsdatei (XML)' in page.text
    assert "<script" not in page.text


def test_an_upload_leads_to_the_status_page(client: TestClient, store: FakeInvoiceStore) -> None:
    token = csrf_token(client.get("/rechnung-einreichen").text)
    response = client.post(
        "/rechnung-einreichen",
        data={"csrf_token": token},
        files={"rechnung": ("rechnung.xml", VALID, "application/xml")},
        follow_redirects=False,
    )

    assert response.status_code == 303
    [invoice] = store.invoices.values()
    assert invoice["channel"] == "web"
    page = client.get(response.headers["location"])
    assert "Stand Ihrer Rechnung" in page.text and "Die Rechnung wird geprüft" in page.text


def test_an_uploaded_pdf_is_refused_in_german_with_the_field_marked(
    client: TestClient, store: FakeInvoiceStore
) -> None:
    token = csrf_token(client.get("/rechnung-einreichen").text)
    response = client.post(
        "/rechnung-einreichen",
        data={"csrf_token": token},
        files={"rechnung": ("r.pdf", b"%PDF-1.4 ...", "application/pdf")},
    )

    assert response.status_code == 422
    assert "Fehler: " in response.text and 'href="#rechnung"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "PDF" in response.text
    assert store.invoices == {}


def test_an_upload_without_the_csrf_token_is_refused(client: TestClient, store: FakeInvoiceStore) -> None:
    client.get("/rechnung-einreichen")
    response = client.post("/rechnung-einreichen", files={"rechnung": ("r.xml", VALID, "application/xml")})

    assert response.status_code == 403
    assert "Sicherheitsprüfung" in response.text
    assert store.invoices == {}


def test_an_empty_upload_asks_for_the_file(client: TestClient) -> None:
    token = csrf_token(client.get("/rechnung-einreichen").text)
    response = client.post(
        "/rechnung-einreichen", data={"csrf_token": token}, files={"rechnung": ("", b"", "application/xml")}
    )

    assert response.status_code == 422
    assert "Bitte wählen Sie die Rechnungsdatei" in response.text
