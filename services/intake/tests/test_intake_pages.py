"""The citizen pages, rendered from fakes: service list, status page, unknown case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from ikdz_contracts.events import CaseState
from ikdz_intake.app.status import FetchDocument, ViewCase
from ikdz_intake.domain.case import access_token
from ikdz_intake.entrypoints.web import TEMPLATES_DIR, web_router
from ikdz_platform.web import mount_web_assets, templates

from .fakes import FakeCaseRepository, FakeDocumentSource

SECRET = b"0123456789abcdef"
T0 = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
async def pages() -> httpx.AsyncClient:
    repo = FakeCaseRepository()
    status = [
        {"state": CaseState.RECEIVED, "label_de": "Eingegangen", "occurred_at": T0},
        {
            "state": CaseState.ROUTED,
            "label_de": CaseState.ROUTED.label_de,
            "processing_town": "Augustusburg",
            "pool_id": "augustusburg",
            "occurred_at": T0 + timedelta(seconds=1),
        },
        {
            "state": CaseState.IN_PROGRESS,
            "label_de": "In Bearbeitung",
            "processing_town": "Augustusburg",
            "pool_id": "augustusburg",
            "occurred_at": T0 + timedelta(seconds=2),
        },
        {
            "state": CaseState.COMPLETED,
            "label_de": "Abgeschlossen",
            "processing_town": "Augustusburg",
            "pool_id": "augustusburg",
            "occurred_at": T0 + timedelta(seconds=3),
            "documents": [
                {"document_id": "doc-receipt", "title_de": "Empfangsbestätigung", "media_type": "application/pdf"}
            ],
        },
    ]
    await repo.insert(
        {
            "_id": "c1",
            "file_number": "WUR-GEW-2026-000007",
            "service": "trade-registration",
            "owner_ags": "14729410",
            "owner_town": "Wurzen",
            "submitted_at": T0,
            "idempotency_key": "case:c1",
            "status": status,
        },
        [],
    )
    app = FastAPI()
    view = ViewCase(repo, SECRET)
    source = FakeDocumentSource({("c1", "doc-receipt"): b"%PDF-1.4 receipt", ("c1", "doc-other"): b"%PDF-1.4 other"})
    app.include_router(web_router(view, FetchDocument(view, source), templates(TEMPLATES_DIR)))
    mount_web_assets(app)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_start_page_lists_the_services(pages: httpx.AsyncClient) -> None:
    html = (await pages.get("/")).text
    assert '<html lang="de"' in html
    for name in ("Gewerbeanzeige", "XRechnung", "§ 45 StVO"):
        assert name in html
    assert "/static/kern/" in html
    assert 'href="/gewerbe"' in html


async def test_the_status_page_shows_state_processing_town_and_who_is_responsible(pages: httpx.AsyncClient) -> None:
    response = await pages.get("/vorgaenge/c1", params={"token": access_token(SECRET, "c1")})
    html = response.text
    assert response.status_code == 200
    assert "WUR-GEW-2026-000007" in html
    assert "In Bearbeitung" in html
    assert "Augustusburg bearbeitet Ihren Antrag im Auftrag von Wurzen" in html
    assert "25.11.2026, 10:30 Uhr" in html  # German local time
    assert "Ihre Dokumente" in html
    token = access_token(SECRET, "c1")
    assert f'href="/vorgaenge/c1/dokumente/doc-receipt?token={token}"' in html


async def test_a_document_is_served_only_with_the_token_and_only_if_the_case_announced_it(
    pages: httpx.AsyncClient,
) -> None:
    token = access_token(SECRET, "c1")

    pdf = await pages.get("/vorgaenge/c1/dokumente/doc-receipt", params={"token": token})
    wrong_token = await pages.get("/vorgaenge/c1/dokumente/doc-receipt", params={"token": "falsch"})
    not_announced = await pages.get("/vorgaenge/c1/dokumente/doc-other", params={"token": token})

    assert (pdf.status_code, pdf.headers["content-type"], pdf.content) == (200, "application/pdf", b"%PDF-1.4 receipt")
    assert pdf.headers["cache-control"] == "private, no-store"
    assert (wrong_token.status_code, not_announced.status_code) == (404, 404)
    assert "Vorgang nicht gefunden" in not_announced.text


async def test_a_wrong_token_shows_a_german_not_found_page(pages: httpx.AsyncClient) -> None:
    response = await pages.get("/vorgaenge/c1", params={"token": "falsch"})
    assert response.status_code == 404
    assert "Vorgang nicht gefunden" in response.text
    assert "WUR-GEW-2026-000007" not in response.text
