"""Keys fetched from the issuer: OIDC discovery, caching, rotation, refetch on an unknown kid (rate
limited), and what happens when the issuer does not answer. The issuer is the real local issuer's
router, reached through httpx's ASGI transport."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from ikdz_platform.auth import AuthError, AuthFailure, LocalIssuer, TokenVerifier

from .conftest import AUDIENCE, FakeClock

HOST = "http://idp.test"
ISSUER = f"{HOST}/dev-issuer"


class CountingIssuerApp:
    """The issuer router mounted as routing does, with a request log and a switch to fail."""

    def __init__(self, issuer: LocalIssuer) -> None:
        self.app = FastAPI()
        self.app.include_router(issuer.router(), prefix="/dev-issuer")
        self.requests: list[str] = []
        self.down = False
        self.transport = httpx.ASGITransport(app=self.app)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("issuer down", request=request)
        return await self.transport.handle_async_request(request)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))


@pytest.fixture
def issuer(clock: FakeClock) -> LocalIssuer:
    return LocalIssuer.ephemeral(ISSUER, algorithm="ES256", audience=AUDIENCE, clock=clock)


@pytest.fixture
def idp(issuer: LocalIssuer) -> CountingIssuerApp:
    return CountingIssuerApp(issuer)


def fetching_verifier(idp: CountingIssuerApp, clock: FakeClock, **kwargs: Any) -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, http_client=idp.client(), clock=clock, **kwargs)


def token(issuer: LocalIssuer, **headers: Any) -> str:
    return issuer.issue("aug-clerk-01", "Lena Hofmann", ["14522020"], ["augustusburg"], ["clerk"], 600, headers=headers)


async def test_keys_are_found_through_discovery_and_cached(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock)
    await verifier.verify(token(issuer))
    await verifier.verify(token(issuer))
    assert idp.requests == ["/dev-issuer/.well-known/openid-configuration", "/dev-issuer/jwks.json"]
    clock.advance(301)  # the cache expires: the key set (not discovery) is fetched again
    await verifier.verify(token(issuer))
    assert idp.requests[2:] == ["/dev-issuer/jwks.json"]


async def test_a_configured_jwks_url_skips_discovery(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock, jwks_url=f"{ISSUER}/jwks.json")
    await verifier.verify(token(issuer))
    assert idp.requests == ["/dev-issuer/jwks.json"]


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock)
    old_token = token(issuer)
    await verifier.verify(old_token)
    old_kid = issuer.kid
    clock.advance(31)
    new_kid = issuer.rotate()
    assert new_kid != old_kid
    principal = await verifier.verify(token(issuer))
    assert principal.subject == "aug-clerk-01"
    assert verifier.keys.kids == {old_kid, new_kid}
    await verifier.verify(old_token)  # tokens in flight still verify with the retired key
    assert idp.requests.count("/dev-issuer/jwks.json") == 2


async def test_an_unknown_kid_refetches_once_then_is_refused(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock)
    await verifier.verify(token(issuer))
    clock.advance(31)
    with pytest.raises(AuthError) as caught:
        await verifier.verify(token(issuer, kid="made-up"))
    assert caught.value.reason is AuthFailure.UNKNOWN_KID
    assert idp.requests.count("/dev-issuer/jwks.json") == 2


async def test_refetching_for_unknown_kids_is_rate_limited(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock, min_refresh_interval=30)
    await verifier.verify(token(issuer))
    for attempt in range(20):
        clock.advance(1)
        with pytest.raises(AuthError, match="unknown_kid"):
            await verifier.verify(token(issuer, kid=f"spray-{attempt}"))
    assert idp.requests.count("/dev-issuer/jwks.json") == 1  # 20 s after the fetch: no refetch yet
    clock.advance(15)
    with pytest.raises(AuthError, match="unknown_kid"):
        await verifier.verify(token(issuer, kid="spray-late"))
    assert idp.requests.count("/dev-issuer/jwks.json") == 2


async def test_concurrent_requests_with_a_new_kid_fetch_once(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock)
    await verifier.verify(token(issuer))
    clock.advance(60)
    issuer.rotate()
    fresh = token(issuer)
    await asyncio.gather(*(verifier.verify(fresh) for _ in range(10)))
    assert idp.requests.count("/dev-issuer/jwks.json") == 2


async def test_no_keys_at_all_is_jwks_unavailable_and_retried_later(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock)
    idp.down = True
    for _ in range(3):
        with pytest.raises(AuthError) as caught:
            await verifier.verify(token(issuer))
        assert caught.value.reason is AuthFailure.JWKS_UNAVAILABLE
    assert len(idp.requests) == 1  # one attempt, then rate limited
    idp.down = False
    clock.advance(30)
    await verifier.verify(token(issuer))


async def test_stale_keys_are_kept_while_the_issuer_is_down(
    issuer: LocalIssuer, idp: CountingIssuerApp, clock: FakeClock
) -> None:
    verifier = fetching_verifier(idp, clock)
    await verifier.verify(token(issuer))
    idp.down = True
    clock.advance(400)  # past the cache TTL
    principal = await verifier.verify(token(issuer))
    assert principal.subject == "aug-clerk-01"


async def test_a_discovery_document_naming_another_issuer_is_not_trusted(clock: FakeClock) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"issuer": "https://evil.test", "jwks_uri": "https://evil.test/jwks"})

    verifier = TokenVerifier(
        ISSUER, AUDIENCE, http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), clock=clock
    )
    issuer = LocalIssuer.ephemeral(ISSUER, algorithm="ES256", clock=clock)
    with pytest.raises(AuthError, match="jwks_unavailable"):
        await verifier.verify(token(issuer))


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, text="oops"),
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"no": "keys"}),
    ],
)
async def test_broken_key_documents_make_the_keys_unavailable(clock: FakeClock, response: httpx.Response) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return response

    verifier = TokenVerifier(
        ISSUER,
        AUDIENCE,
        jwks_url=f"{ISSUER}/jwks.json",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        clock=clock,
    )
    issuer = LocalIssuer.ephemeral(ISSUER, algorithm="ES256", clock=clock)
    with pytest.raises(AuthError, match="jwks_unavailable"):
        await verifier.verify(token(issuer))


async def test_published_private_keys_and_encryption_keys_are_ignored(issuer: LocalIssuer, clock: FakeClock) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from jwt.algorithms import ECAlgorithm  # noqa: PLC0415

    private = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()), as_dict=True)
    good = issuer.jwks()["keys"][0]
    jwks = {
        "keys": [
            {**private, "kid": "leaked"},
            {**good, "kid": "for-encryption", "use": "enc"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            good,
        ]
    }
    verifier = TokenVerifier(ISSUER, AUDIENCE, jwks=jwks, clock=clock)
    assert verifier.keys.kids == {issuer.kid}
    with pytest.raises(AuthError, match="unknown_kid"):
        await verifier.verify(token(issuer, kid="leaked"))
