"""Form POSTs are accepted only with a matching, signed CSRF token in the cookie and the form."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from ikdz_platform.web import csrf
from ikdz_platform.web.csrf import (
    CSRF_COOKIE_NAME,
    csrf_secret,
    make_csrf_token,
    reset_csrf_secret,
    token_is_valid,
)

VALID_FORM = {
    "vorname": "Kim",
    "email": "kim@example.org",
    "gemeinde": "14729050",
    "zustellung": "post",
    "zustimmung": "ja",
}


def form_token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/antrag").text)
    assert match is not None
    return match.group(1)


def test_form_page_sets_a_strict_httponly_cookie_matching_the_field(client: TestClient) -> None:
    response = client.get("/antrag")
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{CSRF_COOKIE_NAME}=")
    assert "HttpOnly" in set_cookie
    assert "SameSite=strict" in set_cookie
    assert "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # plain http in tests; https responses get Secure
    field = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert field is not None
    assert client.cookies[CSRF_COOKIE_NAME] == field.group(1)


def test_cookie_token_is_reused_across_page_views(client: TestClient) -> None:
    assert form_token(client) == form_token(client)


def test_matching_token_is_accepted(client: TestClient) -> None:
    response = client.post("/antrag", data={**VALID_FORM, "csrf_token": form_token(client)}, follow_redirects=False)
    assert response.status_code == 303


def assert_refused(response_status: int, text: str) -> None:
    assert response_status == 403
    assert "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen" in text
    assert '<html lang="de">' in text


def test_missing_field_is_refused(client: TestClient) -> None:
    form_token(client)
    response = client.post("/antrag", data=VALID_FORM)
    assert_refused(response.status_code, response.text)


def test_missing_cookie_is_refused(client: TestClient) -> None:
    token = form_token(client)
    client.cookies.clear()
    response = client.post("/antrag", data={**VALID_FORM, "csrf_token": token})
    assert_refused(response.status_code, response.text)


def test_field_that_differs_from_cookie_is_refused(client: TestClient) -> None:
    form_token(client)
    response = client.post("/antrag", data={**VALID_FORM, "csrf_token": make_csrf_token()})
    assert_refused(response.status_code, response.text)


def test_unsigned_pair_planted_by_an_attacker_is_refused(client: TestClient) -> None:
    # Double submit alone would accept any equal pair; the HMAC makes a forged pair useless.
    forged = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY.QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY"
    client.cookies.set(CSRF_COOKIE_NAME, forged)
    response = client.post("/antrag", data={**VALID_FORM, "csrf_token": forged})
    assert_refused(response.status_code, response.text)


def test_json_body_is_refused(client: TestClient) -> None:
    token = form_token(client)
    response = client.post("/antrag", json={**VALID_FORM, "csrf_token": token})
    assert response.status_code == 403


def test_multipart_form_is_accepted(client: TestClient) -> None:
    token = form_token(client)
    response = client.post(
        "/antrag",
        data={**VALID_FORM, "csrf_token": token},
        files={"nachweis": ("nachweis.pdf", b"%PDF-1.7", "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_tokens_from_another_secret_are_invalid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKDZ_CSRF_SECRET", "a" * 32)
    reset_csrf_secret()
    token = make_csrf_token()
    assert token_is_valid(token)
    monkeypatch.setenv("IKDZ_CSRF_SECRET", "b" * 32)
    reset_csrf_secret()
    assert not token_is_valid(token)
    reset_csrf_secret()


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", "x" * 300, "QUJD.QUJD"])
def test_malformed_tokens_are_invalid(token: str) -> None:
    assert not token_is_valid(token)


def test_configured_secret_is_used_and_must_be_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKDZ_CSRF_SECRET", "s" * 40)
    reset_csrf_secret()
    assert csrf_secret() == b"s" * 40
    monkeypatch.setenv("IKDZ_CSRF_SECRET", "short")
    reset_csrf_secret()
    with pytest.raises(RuntimeError, match="IKDZ_CSRF_SECRET"):
        csrf_secret()
    reset_csrf_secret()


def test_unset_secret_is_random_per_process_in_dev_and_refused_in_prod(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IKDZ_CSRF_SECRET", raising=False)
    monkeypatch.setenv("IKDZ_ENVIRONMENT", "dev")
    reset_csrf_secret()
    first = csrf_secret()
    assert len(first) == 32
    assert csrf_secret() is first
    reset_csrf_secret()
    assert csrf_secret() != first
    monkeypatch.setenv("IKDZ_ENVIRONMENT", "prod")
    reset_csrf_secret()
    with pytest.raises(RuntimeError, match="IKDZ_CSRF_SECRET must be set"):
        csrf_secret()
    reset_csrf_secret()


def test_csrf_error_is_a_403_http_exception() -> None:
    error = csrf.CsrfError("mismatch")
    assert error.status_code == 403
    assert error.reason == "mismatch"
    assert "Sicherheitsprüfung" in str(error.detail)
