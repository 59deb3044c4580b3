"""The citizen's view in Chromium without JavaScript: the status page of a real case, checked with axe."""

from __future__ import annotations

import asyncio

import pytest
from ikdz_platform.web.browser_testing import assert_no_axe_violations
from playwright.async_api import Page

from .cases import gewerbe_case, submit, wait_for_state
from .conftest import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.infra, pytest.mark.browser]


async def test_the_status_page_shows_the_processing_town_and_the_decision(
    running_stack: RunningStack, browser_page_nojs: Page
) -> None:
    def file_case() -> dict[str, object]:
        with running_stack.client("intake") as intake:
            created = submit(intake, gewerbe_case(302), key="e2e-browser-000001")
            wait_for_state(intake, created, "completed")
            return created

    created = await asyncio.to_thread(file_case)
    page = browser_page_nojs
    base = running_stack.url("intake")
    path = str(created["status_page_url"]).split("/", 3)[3]

    await page.goto(f"{base}/{path}")
    main = page.locator("main")
    assert "Abgeschlossen" in await main.inner_text()
    summary = await page.locator("#ueberblick-titel").locator("xpath=../..").inner_text()
    assert "Bearbeitung durch" in summary
    assert ("Wurzen" in summary) or ("Augustusburg" in summary)
    await assert_no_axe_violations(page)

    await page.goto(f"{base}/")
    assert await page.locator("h1").inner_text() == "Online-Dienste Ihrer Gemeinde"
    await assert_no_axe_violations(page)
