"""In Debian's Chromium without JavaScript: the form works, the error summary links to the fields, axe finds nothing."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi import FastAPI
from ikdz_platform.web.browser_testing import (
    AxeViolationsError,
    assert_no_axe_violations,
    run_axe,
    serve_app,
)
from playwright.async_api import Page

from .conftest import create_demo_app

pytestmark = pytest.mark.browser

SCREENSHOT_DIR = Path(os.environ.get("IKDZ_SCREENSHOT_DIR", "/tmp/ikdz-screenshots"))  # noqa: S108


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def base_url() -> AsyncIterator[str]:
    app: FastAPI = create_demo_app()
    async with serve_app(app) as url:
        yield url


async def screenshot(page: Page, name: str) -> None:
    # Playwright creates the directory. Look at the pictures when changing the templates.
    await page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


async def test_form_page_renders_with_kern_styles_and_passes_axe(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    response = await page.goto(f"{base_url}/antrag")
    assert response is not None
    assert response.status == 200
    # KERN's stylesheet and web font are loaded from our own server.
    font_family = await page.locator("h1").evaluate("el => getComputedStyle(el).fontFamily")
    assert "Fira Sans" in font_family
    assert await page.evaluate("() => document.fonts.check('16px \"Fira Sans\"')")
    button_background = await page.get_by_role("button", name="Antrag absenden").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert button_background not in {"rgba(0, 0, 0, 0)", "rgb(239, 239, 239)"}  # not the browser default
    await screenshot(page, "formular")
    await assert_no_axe_violations(page)


async def test_empty_submission_without_javascript_shows_linked_error_summary(
    base_url: str, browser_page_nojs: Page
) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}/antrag")
    await page.get_by_role("button", name="Antrag absenden").click()
    await page.wait_for_load_state()
    assert page.url == f"{base_url}/antrag"
    assert (await page.title()).startswith("Fehler: ")

    summary = page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Angaben")
    await summary.wait_for()
    assert await summary.is_visible()
    # The summary takes focus on load (autofocus), so keyboard and screen reader users start there.
    assert await page.evaluate("() => document.activeElement.id") == "fehlerzusammenfassung"
    links = summary.get_by_role("link")
    assert await links.count() == 5
    assert await links.nth(0).get_attribute("href") == "#vorname"

    # The summary link leads to the field, and the field is announced with its error.
    await links.nth(0).click()
    assert page.url.endswith("#vorname")
    field = page.get_by_label("Vorname", exact=True)
    assert await field.get_attribute("aria-invalid") == "true"
    assert await field.get_attribute("aria-describedby") == "vorname-fehler"
    error_text = await page.locator("#vorname-fehler").text_content()
    assert " ".join((error_text or "").split()) == "Fehler: Geben Sie Ihren Vornamen ein."
    assert await page.locator(":target").get_attribute("id") == "vorname"
    assert await page.evaluate("() => document.activeElement.id") == "vorname"
    await links.nth(3).click()
    assert page.url.endswith("#zustellung")
    assert await page.get_by_role("radio", name="Per Post").get_attribute("id") == "zustellung"

    await screenshot(page, "formular-fehler")
    await assert_no_axe_violations(page)


async def test_valid_submission_without_javascript_reaches_confirmation(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}/antrag")
    await page.get_by_label("Vorname", exact=True).fill("Kim")
    await page.get_by_label("E-Mail-Adresse").fill("kim@example.org")
    await page.get_by_label("Gemeinde").select_option(label="Wurzen")
    await page.get_by_role("radio", name="Digital im Postfach").check()
    await page.get_by_role("checkbox", name="Ich bestätige, dass meine Angaben richtig sind.").check()
    await page.get_by_role("button", name="Antrag absenden").click()
    await page.wait_for_url(f"{base_url}/antrag/danke*")
    assert await page.get_by_role("heading", level=1).inner_text() == "Antrag eingegangen"
    assert await page.get_by_role("status").filter(has_text="Ihr Antrag wurde übermittelt").count() == 1
    await screenshot(page, "bestaetigung")
    await assert_no_axe_violations(page)


async def test_skip_link_is_first_in_tab_order_and_moves_focus_to_main(base_url: str, browser_page_js: Page) -> None:
    page = browser_page_js
    await page.goto(f"{base_url}/antrag")
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.inner_text() == "Zum Inhalt springen"
    assert await focused.is_visible()
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "inhalt"


async def test_axe_reports_violations_readably(base_url: str, browser_page_nojs: Page) -> None:
    page = browser_page_nojs
    await page.goto(f"{base_url}/antrag")
    await page.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'ohne-label'; document.querySelector('form').append(i); }"
    )
    violations = await run_axe(page)
    assert [v["id"] for v in violations] == ["label"]
    with pytest.raises(AxeViolationsError, match=r"(?s)label \(critical\).*#ohne-label"):
        await assert_no_axe_violations(page)
