"""An intake app with the Gewerbe forms and API on in-memory fakes, and a valid form to start from."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.testing import gewerbe_form
from ikdz_contracts.topics import Topics
from ikdz_intake.app.gewerbe import CheckGewerbeanzeige, FileGewerbeanzeige
from ikdz_intake.app.status import FetchDocument, ViewCase
from ikdz_intake.app.submit_case import SubmitCase
from ikdz_intake.entrypoints.gewerbe_api import gewerbe_api_router
from ikdz_intake.entrypoints.gewerbe_web import GewerbePages, gewerbe_router
from ikdz_intake.entrypoints.web import TEMPLATES_DIR, web_router
from ikdz_platform.web import add_csrf_error_page, mount_web_assets, templates

from .fakes import FakeCaseRepository, FakeDocumentSource, FixedClock

SECRET = b"0123456789abcdef"
TODAY = date(2026, 11, 25)
WURZEN = "14729410"
FORM_URL = f"/gewerbe/anmeldung?gemeinde={WURZEN}"


def valid_form(today: date = TODAY) -> dict[str, str]:
    """The contract's sample notice as typed into the GewA 1 form, with the form's bookkeeping fields."""
    return {"personen": "1", "taetigkeiten": "1", "antrag_id": "antrag-0000000001", **gewerbe_form(today)}


VALID_FORM = valid_form()


def gewerbe_app(repo: FakeCaseRepository, today: date = TODAY) -> FastAPI:
    municipalities = load_municipalities()
    wz = wz_catalogue()
    submit = SubmitCase(repo, municipalities, Topics("t."), FixedClock())
    check = CheckGewerbeanzeige(wz, {town.ags: town.display_name for town in municipalities})
    file_notice = FileGewerbeanzeige(check, submit)
    pages = templates(TEMPLATES_DIR)
    view = ViewCase(repo, SECRET)
    app = FastAPI()
    app.include_router(gewerbe_api_router(file_notice, SECRET, "http://test", lambda: today, 64 * 1024))
    app.include_router(web_router(view, FetchDocument(view, FakeDocumentSource()), pages))
    app.include_router(
        gewerbe_router(GewerbePages(pages, municipalities, wz, check, lambda: today), file_notice, view, SECRET)
    )
    add_csrf_error_page(app, pages)
    mount_web_assets(app)
    return app


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def csrf_token(client: httpx.AsyncClient, url: str = FORM_URL) -> str:
    """Open the form (sets the CSRF cookie) and read the token from its hidden field."""
    page = await client.get(url)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text[:500]
    return match.group(1)


async def post_form(
    client: httpx.AsyncClient,
    fields: dict[str, str] | list[tuple[str, str]],
    action: str = "pruefen",
    url: str = FORM_URL,
) -> httpx.Response:
    token = await csrf_token(client, url)
    items = list(fields.items()) if isinstance(fields, dict) else list(fields)
    body = urlencode([*items, ("csrf_token", token), ("aktion", action)])
    return await client.post(url, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
