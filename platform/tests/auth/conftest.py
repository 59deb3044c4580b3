"""Fixtures for the staff-auth tests: a controllable clock, an in-memory issuer and helpers to
build tokens the issuer would never sign."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from ikdz_platform.auth import CLAIM_POOLS, CLAIM_ROLES, CLAIM_TOWNS, LocalIssuer, TokenVerifier
from ikdz_platform.web.browser_testing import browser_page_nojs, chromium_browser, ensure_browser_prerequisites
from jwt.algorithms import RSAAlgorithm

__all__ = ["browser_page_nojs", "chromium_browser"]  # fixtures for the browser test

ISSUER = "http://idp.test/realms/ikdz"
AUDIENCE = "ikdz"
NOW = 1_790_000_000.0  # 2026-09-21, a fixed instant
WURZEN = "14729410"
AUGUSTUSBURG = "14522020"


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def rsa_issuer() -> LocalIssuer:
    """One RSA key for the session (generating keys is the slow part); tests pass their own clock via claims."""
    return LocalIssuer.ephemeral(ISSUER, algorithm="RS256", audience=AUDIENCE, clock=lambda: NOW)


@pytest.fixture(scope="session")
def ec_issuer() -> LocalIssuer:
    return LocalIssuer.ephemeral(ISSUER, algorithm="ES256", audience=AUDIENCE, clock=lambda: NOW)


@pytest.fixture
def verifier(rsa_issuer: LocalIssuer, clock: FakeClock) -> TokenVerifier:
    return TokenVerifier(ISSUER, AUDIENCE, jwks=rsa_issuer.jwks(), clock=clock)


def claims(**overrides: Any) -> dict[str, Any]:
    """A valid claim set for an Augustusburg clerk at NOW; ``name=None`` style overrides remove a claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "aug-clerk-01",
        "aud": AUDIENCE,
        "iat": int(NOW),
        "nbf": int(NOW),
        "exp": int(NOW) + 600,
        "name": "Lena Hofmann",
        CLAIM_TOWNS: [AUGUSTUSBURG],
        CLAIM_POOLS: ["augustusburg"],
        CLAIM_ROLES: ["clerk"],
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def hs256_with_public_key(issuer: LocalIssuer, payload: dict[str, Any]) -> str:
    """The classic algorithm-confusion forgery: HMAC over the token with the issuer's public key as secret."""
    jwk = issuer.jwks()["keys"][0]
    public_pem = (
        RSAAlgorithm.from_jwk(jwk).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )  # type: ignore[union-attr]
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Install Chromium (apt) and the npm assets before any browser test's timeout starts ticking."""
    if any(item.get_closest_marker("browser") for item in items):
        ensure_browser_prerequisites()
