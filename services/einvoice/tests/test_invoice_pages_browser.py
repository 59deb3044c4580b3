"""The readable invoice in Debian's Chromium without JavaScript: KERN styles load, axe finds no violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from ikdz_einvoice.entrypoints.invoice_pages import invoice_pages_router
from ikdz_platform.web import mount_web_assets
from ikdz_platform.web.browser_testing import assert_no_axe_violations, serve_app
from playwright.async_api import Page

from .test_invoice_pages import FakeReader

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path(os.environ.get("IKDZ_SCREENSHOT_DIR", "/tmp/ikdz-screenshots"))  # noqa: S108


async def test_the_invoice_page_is_accessible(browser_page_nojs: Page) -> None:
    app = FastAPI()
    mount_web_assets(app)
    app.include_router(invoice_pages_router(FakeReader()))
    async with serve_app(app) as base_url:
        page = browser_page_nojs
        response = await page.goto(f"{base_url}/rechnungen/r-1")
        assert response is not None and response.status == 200
        font_family = await page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily")
        assert "Fira Sans" in font_family
        await page.screenshot(path=str(SCREENSHOT_DIR / "einvoice-rechnung.png"), full_page=True)
        await assert_no_axe_violations(page)
