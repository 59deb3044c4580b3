"""The demo app renders full pages with the shared frame and serves the KERN assets itself."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from fastapi.testclient import TestClient
from ikdz_platform.web import jinja_environment, templates
from ikdz_platform.web.csrf import CSRF_COOKIE_NAME


def test_form_page_has_the_page_frame(client: TestClient) -> None:
    response = client.get("/antrag")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="de">' in html
    assert "<title>Testantrag stellen – Testverfahren – Interkommunales Dienstleistungszentrum</title>" in html
    # The skip link is the first focusable element and targets the main landmark.
    first_link = re.search(r"<a [^>]*>", html)
    assert first_link is not None
    assert 'href="#inhalt"' in first_link.group(0)
    assert "Zum Inhalt springen" in html
    assert '<main id="inhalt" class="ikdz-main" tabindex="-1">' in html
    assert "Interkommunales Dienstleistungszentrum" in html
    assert "Bennewitz" in html
    assert "<footer" in html
    # No placeholder links anywhere: every href is a fragment on this page or a real path.
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert "#" not in hrefs
    assert all(h.startswith(("/static/", "#inhalt", "/antrag")) for h in hrefs), hrefs


def test_pages_link_only_self_hosted_stylesheets(client: TestClient) -> None:
    html = client.get("/antrag").text
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert stylesheets == ["/static/kern/fonts/fira-sans.css", "/static/kern/kern.min.css", "/static/ikdz/ikdz.css"]
    assert "http://" not in html
    assert "https://" not in html


@pytest.mark.parametrize(
    "path",
    ["/static/kern/kern.min.css", "/static/kern/fonts/fira-sans.css", "/static/ikdz/ikdz.css"],
)
def test_stylesheets_are_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert len(response.content) > 100


def test_fonts_referenced_by_the_font_stylesheet_are_served(client: TestClient) -> None:
    css = client.get("/static/kern/fonts/fira-sans.css").text
    fonts = re.findall(r'url\("\./([^"]+\.woff2)"\)', css)
    assert "fira-sans/FiraSans-Regular.woff2" in fonts
    for font in ("fira-sans/FiraSans-Regular.woff2", "fira-sans/FiraSans-SemiBold.woff2"):
        response = client.get(f"/static/kern/fonts/{font}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "font/woff2"


def test_only_kern_dist_is_exposed(client: TestClient) -> None:
    assert client.get("/static/kern/../package.json").status_code == 404
    assert client.get("/static/axe-core/axe.min.js").status_code == 404


def test_empty_submission_shows_error_summary_linked_to_fields(client: TestClient) -> None:
    form_page = client.get("/antrag")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text)
    assert token is not None
    response = client.post("/antrag", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert response.status_code == 422
    html = response.text
    assert "<title>Fehler: Testantrag stellen" in html
    assert 'id="fehlerzusammenfassung" role="alert"' in html
    links = re.findall(r'<li><a class="kern-link" href="#([^"]+)">', html)
    assert links == ["vorname", "email", "gemeinde", "zustellung", "zustimmung"]
    for field_id in links:
        assert f'id="{field_id}"' in html
        assert f'id="{field_id}-fehler"' in html


def test_valid_submission_redirects_to_confirmation(client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/antrag").text)
    assert token is not None
    response = client.post(
        "/antrag",
        data={
            "csrf_token": token.group(1),
            "vorname": "Kim",
            "email": "kim@example.org",
            "gemeinde": "14729050",
            "zustellung": "post",
            "zustimmung": "ja",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    done = client.get(response.headers["location"])
    assert done.status_code == 200
    assert "Ihr Antrag wurde übermittelt" in done.text
    assert CSRF_COOKIE_NAME in client.cookies


def test_service_templates_override_shared_ones(tmp_path: Path) -> None:
    (tmp_path / "macros.html").write_text("{% macro alert(kind, title) %}eigen{% endmacro %}", encoding="utf-8")
    (tmp_path / "seite.html").write_text(
        '{% import "macros.html" as ui %}{{ ui.alert("info", "x") }}', encoding="utf-8"
    )
    env = jinja_environment(tmp_path)
    assert env.get_template("seite.html").render() == "eigen"
    # The shared frame is still found behind the service directory.
    assert env.get_template("base.html").filename is not None


def test_autoescape_and_strict_undefined() -> None:
    tpl = templates()
    env = tpl.env
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ not_given.attr }}").render()
