"""A demo FastAPI app that uses the shared web kit the way intake and routing do (tests only)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from ikdz_platform.web import (
    CsrfProtected,
    add_csrf_error_page,
    mount_web_assets,
    render_with_csrf,
    templates,
)
from ikdz_platform.web.browser_testing import (
    browser_page_js,
    browser_page_nojs,
    chromium_browser,
    ensure_browser_prerequisites,
)
from ikdz_platform.web.csrf import reset_csrf_secret

__all__ = ["browser_page_js", "browser_page_nojs", "chromium_browser"]  # fixtures for the browser tests

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
GEMEINDEN = [("14729050", "Bennewitz"), ("14729430", "Wurzen"), ("14729400", "Trebsen/Mulde")]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMPTY_VALUES: dict[str, Any] = {
    "vorname": "",
    "email": "",
    "telefon": "",
    "gemeinde": None,
    "zustellung": None,
    "themen": [],
    "anmerkung": "",
    "zustimmung": False,
}


def validate(values: dict[str, Any]) -> dict[str, str]:
    """Field id -> German error message, in form order."""
    errors: dict[str, str] = {}
    if not values["vorname"].strip():
        errors["vorname"] = "Geben Sie Ihren Vornamen ein."
    if not values["email"].strip():
        errors["email"] = "Geben Sie Ihre E-Mail-Adresse ein."
    elif not EMAIL.match(values["email"]):
        errors["email"] = "Geben Sie eine E-Mail-Adresse im Format name@beispiel.de ein."
    if values["gemeinde"] not in {code for code, _ in GEMEINDEN}:
        errors["gemeinde"] = "Wählen Sie Ihre Gemeinde aus."
    if values["zustellung"] not in {"post", "digital"}:
        errors["zustellung"] = "Wählen Sie aus, wie Sie den Bescheid erhalten möchten."
    if not values["zustimmung"]:
        errors["zustimmung"] = "Bestätigen Sie, dass Ihre Angaben richtig sind."
    return errors


def create_demo_app() -> FastAPI:
    app = FastAPI()
    mount_web_assets(app)
    tpl = templates(TEMPLATES_DIR)
    add_csrf_error_page(app, tpl)
    base_context = {"service_title": "Testverfahren", "town": "Bennewitz", "gemeinden": GEMEINDEN}

    def form_page(request: Request, values: dict[str, Any], errors: dict[str, str], status_code: int) -> Response:
        return render_with_csrf(
            tpl,
            request,
            "demo_form.html",
            {
                **base_context,
                "page_title": "Testantrag stellen",
                "values": values,
                "field_errors": {name: errors.get(name) for name in EMPTY_VALUES},
                "errors": list(errors.items()),
                "has_errors": bool(errors),
            },
            status_code=status_code,
        )

    @app.get("/antrag")
    async def show_form(request: Request) -> Response:
        return form_page(request, dict(EMPTY_VALUES), {}, 200)

    @app.post("/antrag")
    async def submit_form(request: Request, _csrf: CsrfProtected) -> Response:
        form = await request.form()
        values = {
            "vorname": str(form.get("vorname", "")),
            "email": str(form.get("email", "")),
            "telefon": str(form.get("telefon", "")),
            "gemeinde": form.get("gemeinde") or None,
            "zustellung": form.get("zustellung"),
            "themen": [str(v) for v in form.getlist("themen")],
            "anmerkung": str(form.get("anmerkung", "")),
            "zustimmung": form.get("zustimmung") == "ja",
        }
        errors = validate(values)
        if errors:
            return form_page(request, values, errors, 422)
        return RedirectResponse(f"/antrag/danke?vorname={values['vorname']}", status_code=303)

    @app.get("/antrag/danke")
    async def done(request: Request, vorname: str = "") -> Response:
        values = {"vorname": vorname, "email": "kim@example.org", "telefon": ""}
        return tpl.TemplateResponse(
            request, "demo_done.html", {**base_context, "page_title": "Antrag eingegangen", "values": values}
        )

    return app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Install Chromium (apt) and the npm assets before any test timeout starts ticking."""
    if any(item.get_closest_marker("browser") for item in items):
        ensure_browser_prerequisites()


@pytest.fixture
def demo_app() -> FastAPI:
    return create_demo_app()


@pytest.fixture
def client(demo_app: FastAPI) -> Iterator[TestClient]:
    reset_csrf_secret()
    with TestClient(demo_app) as test_client:
        yield test_client
