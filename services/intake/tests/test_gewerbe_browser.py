"""The Gewerbeanzeige pages in Chromium without JavaScript, every page checked with axe (WCAG 2.1 AA)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from ikdz_platform.web.browser_testing import assert_no_axe_violations, fill_form, serve_app
from playwright.async_api import Page

from .fakes import FakeCaseRepository
from .gewerbe_support import FORM_URL, VALID_FORM, gewerbe_app

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path(os.environ.get("IKDZ_SCREENSHOT_DIR", "/tmp/ikdz-screenshots"))  # noqa: S108


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def base_url() -> AsyncIterator[str]:
    async with serve_app(gewerbe_app(FakeCaseRepository())) as url:
        yield url


async def focused_id(page: Page, expected: str | None = None) -> str:
    """The id of the focused element; autofocus is applied after the page rendered, so wait a moment."""
    for _ in range(40):
        current = str(await page.evaluate("() => document.activeElement && document.activeElement.id"))
        if expected is None or current == expected:
            return current
        await asyncio.sleep(0.05)
    return current


async def test_start_page_leads_to_the_form(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}/gewerbe")
    await assert_no_axe_violations(page)
    await page.get_by_label("Gemeinde, in der Ihr Betrieb liegt").select_option("14729410")
    await page.get_by_label("Gewerbe abmelden", exact=False).check()
    await page.get_by_role("button", name="Weiter zum Formular").click()
    assert await page.locator("h1").inner_text() == "Gewerbe abmelden"
    await assert_no_axe_violations(page)


async def test_an_empty_form_shows_the_summary_with_focus_and_links_to_the_fields(
    base_url: str, browser_page_nojs: Page
) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}{FORM_URL}")
    await assert_no_axe_violations(page)
    await page.screenshot(path=str(SCREENSHOT_DIR / "gewerbe-formular.png"), full_page=True)

    await page.get_by_role("button", name="Weiter zur Prüfung").last.click()

    assert (await page.title()).startswith("Fehler: ")
    assert await focused_id(page, "fehlerzusammenfassung") == "fehlerzusammenfassung"
    await assert_no_axe_violations(page)
    await page.get_by_role("alert").get_by_role("link", name="Familienname (Person 1)").click()
    assert await focused_id(page, "persons-0-family_name") == "persons-0-family_name"


async def test_a_notice_is_filled_checked_and_sent_without_javascript(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}{FORM_URL}")
    await fill_form(page, {**VALID_FORM, "activities.0.description": "Friseursalon", "activities.0.wz_code": ""})

    await page.get_by_role("button", name="Weitere Person hinzufügen").click()
    assert await focused_id(page, "persons-1-given_names") == "persons-1-given_names"
    await assert_no_axe_violations(page)
    await page.get_by_role("button", name="Person 2 entfernen").click()

    await page.get_by_role("button", name="Passende Wirtschaftszweige vorschlagen").click()
    assert await focused_id(page, "activities-0-wz_vorschlag") == "activities-0-wz_vorschlag"
    await assert_no_axe_violations(page)
    await page.get_by_label("96.02.1", exact=False).check()

    await page.get_by_role("button", name="Weiter zur Prüfung").last.click()
    assert await page.locator("h1").inner_text() == "Bitte prüfen Sie Ihre Angaben"
    await assert_no_axe_violations(page)
    await page.screenshot(path=str(SCREENSHOT_DIR / "gewerbe-pruefen.png"), full_page=True)

    await page.get_by_role("button", name="Anzeige verbindlich absenden").click()
    assert await page.locator("h1").inner_text() == "Ihre Gewerbeanzeige ist eingegangen"
    assert "WUR-GEW-2026-" in await page.locator("main").inner_text()
    await assert_no_axe_violations(page)
    await page.locator("#vorgangslink").click()
    assert "Eingegangen" in await page.locator("main").inner_text()
    await assert_no_axe_violations(page)


async def test_changing_a_sent_notice_shows_that_the_first_one_stands(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}{FORM_URL}")
    await fill_form(page, VALID_FORM)
    await page.get_by_role("button", name="Weiter zur Prüfung").last.click()
    await page.get_by_role("button", name="Anzeige verbindlich absenden").click()
    assert await page.locator("h1").inner_text() == "Ihre Gewerbeanzeige ist eingegangen"

    await page.go_back()  # the check page, as the browser kept it
    await page.get_by_role("button", name="Angaben ändern").click()
    await page.get_by_label("Zahl der Vollzeitbeschäftigten").fill("3")
    await page.get_by_role("button", name="Weiter zur Prüfung").last.click()
    await page.get_by_role("button", name="Anzeige verbindlich absenden").click()

    assert await page.locator("h1").inner_text() == "Diese Anzeige ist bereits abgeschickt"
    await assert_no_axe_violations(page)
