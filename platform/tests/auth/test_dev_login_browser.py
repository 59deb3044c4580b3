"""The dev login page in Debian's Chromium without JavaScript: KERN markup, axe finds nothing, and
choosing a demo clerk leads to a page that knows her."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from ikdz_platform.auth import LocalIssuer, StaffPrincipal, dev_login_router, staff_principal
from ikdz_platform.web import mount_web_assets
from ikdz_platform.web.browser_testing import assert_no_axe_violations, serve_app
from playwright.async_api import Page

pytestmark = pytest.mark.browser


def create_app() -> FastAPI:
    issuer = LocalIssuer.ephemeral("http://127.0.0.1/dev-issuer", algorithm="ES256")
    app = FastAPI()
    mount_web_assets(app)
    app.include_router(dev_login_router(issuer))
    current_staff = staff_principal(issuer.verifier())

    @app.get("/arbeitskorb", response_class=HTMLResponse)
    async def worklist(staff: StaffPrincipal = Depends(current_staff)) -> str:  # noqa: B008 - FastAPI idiom
        return f"<!DOCTYPE html><html lang='de'><title>Arbeitskorb</title><h1>Arbeitskorb von {staff.name}</h1></html>"

    return app


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def base_url() -> AsyncIterator[str]:
    async with serve_app(create_app()) as url:
        yield url


async def test_login_page_passes_axe_and_logs_in_without_javascript(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    response = await page.goto(f"{base_url}/dev-login?next=/arbeitskorb")
    assert response is not None
    assert response.status == 200
    await assert_no_axe_violations(page)

    await page.get_by_label("Lena Hofmann – Sachbearbeiterin im Pool Augustusburg").check()
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_load_state()
    assert page.url == f"{base_url}/arbeitskorb"
    assert await page.locator("h1").inner_text() == "Arbeitskorb von Lena Hofmann"


async def test_login_without_a_choice_shows_the_error_summary(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}/dev-login")
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_load_state()
    assert (await page.title()).startswith("Fehler: ")
    assert await page.get_by_role("link", name="Wählen Sie aus, als wer Sie sich anmelden möchten.").count() == 1
    await assert_no_axe_violations(page)
