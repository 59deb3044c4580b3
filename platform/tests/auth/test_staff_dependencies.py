"""The FastAPI dependencies on a small app: 401 with RFC 6750 challenges, 403 for a missing role,
the cookie alternative for the no-JavaScript clerk pages, and 503 when the issuer's keys are gone."""

# No ``from __future__ import annotations``: the routes below annotate with aliases local to
# clerk_app(), which FastAPI must resolve at runtime.

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Form, Request
from ikdz_platform.auth import (
    STAFF_TOKEN_COOKIE,
    LocalIssuer,
    Role,
    StaffPrincipal,
    TokenVerifier,
    install_auth_problem_handlers,
    require_roles,
    staff_principal,
)
from ikdz_platform.web.csrf import CSRF_COOKIE_NAME, make_csrf_token

from .conftest import AUDIENCE, ISSUER, FakeClock, claims


def clerk_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_auth_problem_handlers(app)
    current_staff = staff_principal(verifier)
    staff_only = Annotated[StaffPrincipal, Depends(current_staff)]
    coordinators = Annotated[StaffPrincipal, Depends(require_roles(current_staff, Role.COORDINATOR, Role.ADMIN))]
    header_only = Annotated[StaffPrincipal, Depends(staff_principal(verifier, cookie=False))]

    @app.get("/me")
    async def me(staff: staff_only) -> dict[str, object]:
        return {"subject": staff.subject, "pools": sorted(staff.pools)}

    @app.get("/backlog")
    async def backlog(staff: coordinators) -> dict[str, str]:
        return {"subject": staff.subject}

    @app.get("/api-only")
    async def api_only(staff: header_only) -> dict[str, str]:
        return {"subject": staff.subject}

    @app.post("/claim")
    async def claim(staff: staff_only, task: Annotated[str, Form()]) -> dict[str, str]:
        return {"subject": staff.subject, "task": task}

    return app


@pytest.fixture
async def client(verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=clerk_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://routing.test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_valid_bearer_token_reaches_the_route(rsa_issuer: LocalIssuer, client: httpx.AsyncClient) -> None:
    response = await client.get("/me", headers=bearer(rsa_issuer.sign(claims())))
    assert response.status_code == 200
    assert response.json() == {"subject": "aug-clerk-01", "pools": ["augustusburg"]}


async def test_no_token_is_401_with_a_bare_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="ikdz"'
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not authenticated"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer ", "Bearer a b", "Token abc"])
async def test_a_malformed_authorization_header_is_invalid_request(client: httpx.AsyncClient, header: str) -> None:
    response = await client.get("/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


async def test_a_refused_token_is_401_invalid_token_with_the_reason(
    rsa_issuer: LocalIssuer, client: httpx.AsyncClient
) -> None:
    response = await client.get("/me", headers=bearer(rsa_issuer.sign(claims(aud="other-app"))))
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="ikdz", error="invalid_token", error_description="aud ')
    assert "'other-app' does not include 'ikdz'" in challenge
    assert response.json()["detail"] == "aud 'other-app' does not include 'ikdz'"


async def test_an_expired_token_is_401(rsa_issuer: LocalIssuer, client: httpx.AsyncClient, clock: FakeClock) -> None:
    token = rsa_issuer.sign(claims())
    clock.advance(3600)
    response = await client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.headers["www-authenticate"]


async def test_a_missing_role_is_403(rsa_issuer: LocalIssuer, client: httpx.AsyncClient) -> None:
    response = await client.get("/backlog", headers=bearer(rsa_issuer.sign(claims())))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert response.json() == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "this needs one of the roles: coordinator, admin",
    }


@pytest.mark.parametrize("roles", [["coordinator"], ["admin"], ["clerk", "coordinator"]])
async def test_any_of_the_required_roles_is_enough(
    rsa_issuer: LocalIssuer, client: httpx.AsyncClient, roles: list[str]
) -> None:
    response = await client.get("/backlog", headers=bearer(rsa_issuer.sign(claims(ikdz_roles=roles))))
    assert response.status_code == 200


async def test_a_role_check_without_a_token_is_still_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/backlog")).status_code == 401


def test_require_roles_needs_a_role(verifier: TokenVerifier) -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require_roles(staff_principal(verifier))


async def test_the_cookie_authenticates_page_requests(rsa_issuer: LocalIssuer, client: httpx.AsyncClient) -> None:
    client.cookies.set(STAFF_TOKEN_COOKIE, rsa_issuer.sign(claims()))
    assert (await client.get("/me")).json()["subject"] == "aug-clerk-01"
    assert (await client.get("/api-only")).status_code == 401  # a route may refuse the cookie


async def test_the_header_wins_over_the_cookie(rsa_issuer: LocalIssuer, client: httpx.AsyncClient) -> None:
    client.cookies.set(STAFF_TOKEN_COOKIE, rsa_issuer.sign(claims()))
    other = rsa_issuer.sign(claims(sub="wur-clerk-01", ikdz_towns=["14729410"], ikdz_pools=["wurzen"]))
    assert (await client.get("/me", headers=bearer(other))).json()["subject"] == "wur-clerk-01"


async def test_a_form_post_with_the_cookie_needs_the_csrf_token(
    rsa_issuer: LocalIssuer, client: httpx.AsyncClient
) -> None:
    client.cookies.set(STAFF_TOKEN_COOKIE, rsa_issuer.sign(claims()))
    refused = await client.post("/claim", data={"task": "t-1"})
    assert refused.status_code == 403
    csrf = make_csrf_token()
    client.cookies.set(CSRF_COOKIE_NAME, csrf)
    accepted = await client.post("/claim", data={"task": "t-1", "csrf_token": csrf})
    assert accepted.status_code == 200
    assert accepted.json() == {"subject": "aug-clerk-01", "task": "t-1"}


async def test_a_bearer_post_needs_no_csrf_token(rsa_issuer: LocalIssuer, client: httpx.AsyncClient) -> None:
    response = await client.post("/claim", data={"task": "t-2"}, headers=bearer(rsa_issuer.sign(claims())))
    assert response.status_code == 200


async def test_unreachable_issuer_keys_are_503(rsa_issuer: LocalIssuer, clock: FakeClock) -> None:
    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    verifier = TokenVerifier(
        ISSUER, AUDIENCE, http_client=httpx.AsyncClient(transport=httpx.MockTransport(down)), clock=clock
    )
    transport = httpx.ASGITransport(app=clerk_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://routing.test") as client:
        response = await client.get("/me", headers=bearer(rsa_issuer.sign(claims())))
    assert response.status_code == 503
    assert response.json()["title"] == "Authentication unavailable"


async def test_the_principal_is_kept_on_the_request_state(rsa_issuer: LocalIssuer, verifier: TokenVerifier) -> None:
    app = FastAPI()
    current_staff = staff_principal(verifier)

    @app.get("/state", dependencies=[Depends(current_staff)])
    async def state(request: Request) -> dict[str, str]:
        return {"subject": request.state.staff_principal.subject}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://routing.test") as client:
        response = await client.get("/state", headers=bearer(rsa_issuer.sign(claims())))
    assert response.json() == {"subject": "aug-clerk-01"}
