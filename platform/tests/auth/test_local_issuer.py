"""The local dev issuer: its endpoints, its key file, its refusal in production, the settings that
switch it on, the demo staff and the dev login page."""

from __future__ import annotations

import re
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi import Depends, FastAPI
from ikdz_platform.auth import (
    DEV_ISSUER_URL,
    STAFF_TOKEN_COOKIE,
    AuthSettings,
    DevIssuerRefusedError,
    LocalIssuer,
    Role,
    StaffPrincipal,
    TokenVerifier,
    demo_staff,
    dev_login_router,
    find_demo_staff,
    install_staff_auth,
    staff_principal,
)
from ikdz_platform.auth.dev_login import safe_next
from ikdz_platform.auth.local_issuer import thumbprint
from pydantic import ValidationError

from .conftest import AUDIENCE, AUGUSTUSBURG, WURZEN

ENV_VARS = (
    "IKDZ_ENVIRONMENT",
    "IKDZ_OIDC_ISSUER",
    "IKDZ_OIDC_AUDIENCE",
    "IKDZ_OIDC_JWKS_URL",
    "IKDZ_DEV_ISSUER",
    "IKDZ_DEV_ISSUER_KEY_FILE",
    "IKDZ_DEV_TOKEN_TTL_SECONDS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IKDZ_CACHE_DIR", str(tmp_path / "cache"))


async def test_discovery_and_jwks_endpoints(rsa_issuer: LocalIssuer) -> None:
    app = FastAPI()
    app.include_router(rsa_issuer.router(), prefix="/dev-issuer")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://idp.test") as client:
        metadata = (await client.get("/dev-issuer/.well-known/openid-configuration")).json()
        jwks = await client.get("/dev-issuer/jwks.json")
    assert metadata["issuer"] == rsa_issuer.issuer
    assert metadata["jwks_uri"] == f"{rsa_issuer.issuer}/jwks.json"
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "ikdz_roles" in metadata["claims_supported"]
    assert jwks.headers["cache-control"] == "public, max-age=300"
    [key] = jwks.json()["keys"]
    assert {key["kty"], key["alg"], key["use"], key["kid"]} == {"RSA", "RS256", "sig", rsa_issuer.kid}
    assert "d" not in key  # only the public half


def test_kids_are_rfc7638_thumbprints(rsa_issuer: LocalIssuer) -> None:
    # the example key of RFC 7638 section 3.1 and its thumbprint
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5h"
        "ajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    example = {"kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    assert thumbprint(example) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    assert thumbprint(rsa_issuer.jwks()["keys"][0]) == rsa_issuer.kid


def test_the_local_issuer_refuses_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IKDZ_ENVIRONMENT", "prod")
    with pytest.raises(DevIssuerRefusedError, match="prod"):
        LocalIssuer.ephemeral()
    with pytest.raises(DevIssuerRefusedError):
        LocalIssuer.from_key_file(tmp_path / "key.pem", DEV_ISSUER_URL)
    assert not (tmp_path / "key.pem").exists()


def test_the_dev_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "dev-issuer" / "signing-key.pem"
    first = LocalIssuer.from_key_file(path, DEV_ISSUER_URL)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert LocalIssuer.from_key_file(path, DEV_ISSUER_URL).kid == first.kid
    assert [p.name for p in path.parent.iterdir()] == ["signing-key.pem"]  # no temporary files left


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "signing-key.pem"
    with ThreadPoolExecutor(max_workers=8) as pool:
        kids = set(pool.map(lambda _: LocalIssuer.from_key_file(path, DEV_ISSUER_URL, algorithm="ES256").kid, range(8)))
    assert len(kids) == 1


def test_settings_defaults_and_refusals(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="IKDZ_OIDC_ISSUER"):
        AuthSettings()
    dev = AuthSettings(IKDZ_DEV_ISSUER="true")
    assert (dev.issuer, dev.oidc_audience) == (DEV_ISSUER_URL, "ikdz")
    assert dev.key_file == tmp_path / "cache" / "dev-issuer" / "signing-key.pem"
    with pytest.raises(ValidationError, match="IKDZ_DEV_ISSUER must not be true"):
        AuthSettings(IKDZ_ENVIRONMENT="prod", IKDZ_DEV_ISSUER="true", IKDZ_OIDC_ISSUER="https://idp.example")
    with pytest.raises(ValidationError, match="https"):
        AuthSettings(IKDZ_ENVIRONMENT="prod", IKDZ_OIDC_ISSUER="http://idp.example")
    with pytest.raises(ValidationError, match="IKDZ_OIDC_JWKS_URL"):
        AuthSettings(IKDZ_ENVIRONMENT="prod", IKDZ_OIDC_ISSUER="https://idp.example", IKDZ_OIDC_JWKS_URL="http://x")
    prod = AuthSettings(IKDZ_ENVIRONMENT="prod", IKDZ_OIDC_ISSUER="https://login.wurzen.de/realms/ikdz")
    with pytest.raises(RuntimeError, match="IKDZ_DEV_ISSUER=true"):
        prod.local_issuer()


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IKDZ_OIDC_ISSUER", "https://login.example/realms/ikdz")
    monkeypatch.setenv("IKDZ_OIDC_AUDIENCE", "ikdz-api")
    monkeypatch.setenv("IKDZ_OIDC_JWKS_URL", "https://login.example/certs")
    monkeypatch.setenv("IKDZ_OIDC_LEEWAY_SECONDS", "10")
    settings = AuthSettings()
    verifier = settings.verifier()
    assert (verifier.issuer, verifier.audience, verifier.leeway) == (
        "https://login.example/realms/ikdz",
        "ikdz-api",
        10,
    )
    assert all(field.description for field in AuthSettings.model_fields.values())


async def test_dev_settings_give_a_verifier_that_accepts_the_cli_key(tmp_path: Path) -> None:
    settings = AuthSettings(IKDZ_DEV_ISSUER="true")
    token = settings.local_issuer().issue_for(demo_staff()[0])
    principal = await settings.verifier().verify(token)
    assert principal.issuer == DEV_ISSUER_URL


def test_demo_staff_cover_the_pilot() -> None:
    staff = {member.subject: member for member in demo_staff()}
    assert {(m.towns, m.pools, m.roles) for m in staff.values()} >= {
        ((WURZEN,), ("wurzen",), (Role.CLERK,)),
        ((WURZEN,), ("wurzen",), (Role.APPROVER,)),
        ((AUGUSTUSBURG,), ("augustusburg",), (Role.CLERK,)),
        ((AUGUSTUSBURG,), ("augustusburg",), (Role.COORDINATOR,)),
    }
    assert any(Role.ADMIN in m.roles for m in staff.values())
    assert find_demo_staff("aug-clerk-01") == staff["aug-clerk-01"]
    assert find_demo_staff("nobody") is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/worklist?pool=wurzen", "/worklist?pool=wurzen"),
        (None, "/"),
        ("", "/"),
        ("https://evil.test/", "/"),
        ("//evil.test/", "/"),
        ("/\\evil.test", "/"),
        ("worklist", "/"),
    ],
)
def test_login_redirects_stay_on_the_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def login_app(issuer: LocalIssuer) -> FastAPI:
    app = FastAPI()
    app.include_router(dev_login_router(issuer, ttl=600))
    current_staff = staff_principal(issuer.verifier())

    @app.get("/worklist")
    async def worklist(staff: StaffPrincipal = Depends(current_staff)) -> dict[str, str]:  # noqa: B008 - FastAPI idiom
        return {"subject": staff.subject}

    return app


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_dev_login_sets_the_cookie_and_the_pages_accept_it() -> None:
    issuer = LocalIssuer.ephemeral("http://routing.test/dev-issuer", algorithm="ES256", audience=AUDIENCE)
    transport = httpx.ASGITransport(app=login_app(issuer))
    async with httpx.AsyncClient(transport=transport, base_url="http://routing.test") as client:
        assert (await client.get("/worklist")).status_code == 401
        page = await client.get("/dev-login", params={"next": "/worklist"})
        assert page.status_code == 200
        assert "Anna Berger – Sachbearbeiterin im Pool Wurzen" in page.text
        assert 'name="next" value="/worklist"' in page.text
        match = CSRF_INPUT.search(page.text)
        assert match is not None
        csrf = match.group(1)

        login = await client.post(
            "/dev-login", data={"subject": "wur-approver-01", "next": "/worklist", "csrf_token": csrf}
        )
        assert login.status_code == 303
        assert login.headers["location"] == "/worklist"
        cookie = login.headers["set-cookie"]
        assert cookie.startswith(f"{STAFF_TOKEN_COOKIE}=")
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
        assert "Max-Age=600" in cookie

        assert (await client.get("/worklist")).json() == {"subject": "wur-approver-01"}
        assert "Angemeldet als Thomas Krause" in (await client.get("/dev-login")).text

        logout = await client.post("/dev-logout", data={"csrf_token": csrf})
        assert logout.status_code == 303
        assert (await client.get("/worklist")).status_code == 401


async def test_dev_login_without_a_choice_or_csrf_token_is_refused() -> None:
    issuer = LocalIssuer.ephemeral(algorithm="ES256")
    transport = httpx.ASGITransport(app=login_app(issuer))
    async with httpx.AsyncClient(transport=transport, base_url="http://routing.test") as client:
        page = await client.get("/dev-login")
        match = CSRF_INPUT.search(page.text)
        assert match is not None
        no_choice = await client.post("/dev-login", data={"csrf_token": match.group(1)})
        assert no_choice.status_code == 422
        assert "Wählen Sie aus" in no_choice.text
        assert STAFF_TOKEN_COOKIE not in no_choice.headers.get("set-cookie", "")
        forged = await client.post("/dev-login", data={"subject": "ikdz-admin-01"})  # no CSRF field
        assert forged.status_code == 403


async def test_install_staff_auth_mounts_the_dev_issuer_only_when_enabled() -> None:
    dev_app = FastAPI()
    verifier = install_staff_auth(dev_app, AuthSettings(IKDZ_DEV_ISSUER="true"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dev_app), base_url="http://127.0.0.1:8001") as c:
        assert (await c.get("/dev-issuer/jwks.json")).status_code == 200
        assert (await c.get("/dev-login")).status_code == 200
    assert isinstance(verifier, TokenVerifier)

    prod_app = FastAPI()
    install_staff_auth(prod_app, AuthSettings(IKDZ_ENVIRONMENT="prod", IKDZ_OIDC_ISSUER="https://idp.example/ikdz"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=prod_app), base_url="http://127.0.0.1:8001") as c:
        assert (await c.get("/dev-issuer/jwks.json")).status_code == 404
        assert (await c.get("/dev-login")).status_code == 404
