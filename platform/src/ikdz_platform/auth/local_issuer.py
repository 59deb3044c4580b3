"""A local token issuer for development and tests: a real key pair, real signed JWTs, real JWKS.

It stands in for the towns' identity provider (Keycloak, ADFS, ...). It does not log anyone in:
whoever can call :meth:`LocalIssuer.issue` (or read the dev key file) can mint any token. So it is
refused outright when ``IKDZ_ENVIRONMENT=prod``.

- Tests: ``LocalIssuer.ephemeral("http://issuer.test")``, a key in memory.
- Dev runs: ``LocalIssuer.from_key_file(path, issuer)``, a key kept under the user cache dir
  (``<cache>/dev-issuer/signing-key.pem``), created on first use and shared by every process on
  the machine, so a token printed by ``python -m ikdz_platform.auth.token`` is accepted by the
  running services.

``issuer.router()`` serves ``/.well-known/openid-configuration`` and ``/jwks.json``; mount it
at the path the issuer URL names (routing mounts it at ``/dev-issuer``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ikdz_platform.auth.demo_staff import DemoStaff
from ikdz_platform.auth.principal import CLAIM_POOLS, CLAIM_ROLES, CLAIM_TOWNS, Role
from ikdz_platform.auth.verifier import TokenVerifier

__all__ = ["DevIssuerRefusedError", "LocalIssuer", "SigningAlgorithm", "refuse_in_prod"]

SigningAlgorithm = Literal["RS256", "ES256"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

DEFAULT_TTL_SECONDS = 3600


class DevIssuerRefusedError(RuntimeError):
    """The local issuer was asked for in production."""


def refuse_in_prod() -> None:
    """Raise if ``IKDZ_ENVIRONMENT=prod``: the local issuer mints tokens for anyone."""
    if os.environ.get("IKDZ_ENVIRONMENT", "dev") == "prod":
        raise DevIssuerRefusedError("the local dev issuer must never run with IKDZ_ENVIRONMENT=prod")


def _generate(algorithm: SigningAlgorithm) -> PrivateKey:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _algorithm_of(key: PrivateKey) -> SigningAlgorithm:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError(f"unsupported dev signing key: EC curve {key.curve.name}")


_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url): a ``kid`` that follows from the key itself."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def public_jwk(key: PrivateKey) -> dict[str, Any]:
    """The public half as a JWK with ``kid`` (its thumbprint), ``alg`` and ``use``."""
    if isinstance(key, rsa.RSAPrivateKey):
        jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    return {**members, "kid": thumbprint(members), "alg": _algorithm_of(key), "use": "sig"}


class LocalIssuer:
    """Signs staff tokens with its own key; publishes the public keys as a JWKS."""

    def __init__(
        self,
        issuer: str,
        key: PrivateKey,
        *,
        audience: str = "ikdz",
        clock: Callable[[], float] = time.time,
    ) -> None:
        refuse_in_prod()
        self.issuer = issuer
        self.audience = audience
        self._clock = clock
        self._key = key
        self._retired: list[PrivateKey] = []
        self.key_created = False
        """True if :meth:`from_key_file` generated the key file just now."""

    @classmethod
    def ephemeral(
        cls,
        issuer: str = "http://dev-issuer.test",
        *,
        algorithm: SigningAlgorithm = "RS256",
        audience: str = "ikdz",
        clock: Callable[[], float] = time.time,
    ) -> LocalIssuer:
        """A fresh key in memory (tests)."""
        return cls(issuer, _generate(algorithm), audience=audience, clock=clock)

    @classmethod
    def from_key_file(
        cls,
        path: Path,
        issuer: str,
        *,
        algorithm: SigningAlgorithm = "RS256",
        audience: str = "ikdz",
    ) -> LocalIssuer:
        """The dev key at ``path`` (PEM, PKCS#8), created with mode 0600 if it does not exist yet.

        Several processes starting at once create it safely: each writes its own temporary file
        and links it into place; whoever comes second reads the winner's key.
        """
        refuse_in_prod()
        created = False
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = _generate(algorithm).private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem)
                try:
                    os.link(tmp, path)
                    created = True
                except FileExistsError:
                    pass
            finally:
                tmp.unlink(missing_ok=True)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} holds no RSA or EC private key")
        local = cls(issuer, key, audience=audience)
        local.key_created = created
        return local

    # -- keys ---------------------------------------------------------------------------------

    @property
    def algorithm(self) -> SigningAlgorithm:
        return _algorithm_of(self._key)

    @property
    def kid(self) -> str:
        return str(public_jwk(self._key)["kid"])

    def jwks(self) -> dict[str, Any]:
        """The current key first, then retired keys that tokens in flight may still name."""
        return {"keys": [public_jwk(key) for key in (self._key, *self._retired)]}

    def rotate(self, algorithm: SigningAlgorithm | None = None) -> str:
        """Sign with a new key from now on; the old one stays in the JWKS. Returns the new kid."""
        self._retired.insert(0, self._key)
        self._key = _generate(algorithm or self.algorithm)
        return self.kid

    def discovery(self) -> dict[str, Any]:
        """The parts of OpenID Connect Discovery metadata a resource server reads."""
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer.rstrip('/')}/jwks.json",
            "id_token_signing_alg_values_supported": sorted(
                {public_jwk(k)["alg"] for k in (self._key, *self._retired)}
            ),
            "subject_types_supported": ["public"],
            "response_types_supported": ["id_token"],
            "claims_supported": ["sub", "name", "preferred_username", CLAIM_TOWNS, CLAIM_POOLS, CLAIM_ROLES],
        }

    # -- tokens -------------------------------------------------------------------------------

    def issue(
        self,
        subject: str,
        name: str,
        towns: Iterable[str],
        pools: Iterable[str],
        roles: Iterable[Role | str],
        ttl: int = DEFAULT_TTL_SECONDS,
        *,
        audience: str | None = None,
        extra_claims: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed token. ``extra_claims`` and ``headers`` override anything (tests build bad tokens)."""
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience or self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": secrets.token_hex(16),
            "name": name,
            "preferred_username": subject,
            CLAIM_TOWNS: sorted(towns),
            CLAIM_POOLS: sorted(pools),
            CLAIM_ROLES: sorted(Role(role).value for role in roles),
            **(extra_claims or {}),
        }
        return self.sign(claims, headers=headers)

    def sign(self, claims: Mapping[str, Any], *, headers: Mapping[str, Any] | None = None) -> str:
        """Sign exactly ``claims`` with the current key. The header carries ``kid`` and ``typ``
        unless ``headers`` override them (a value of None removes a header: tests build bad tokens)."""
        merged = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        return jwt.encode(
            dict(claims),
            self._key,
            algorithm=self.algorithm,
            headers={name: value for name, value in merged.items() if value is not None},
        )

    def issue_for(self, staff: DemoStaff, ttl: int = DEFAULT_TTL_SECONDS) -> str:
        return self.issue(staff.subject, staff.name, staff.towns, staff.pools, staff.roles, ttl)

    def verifier(self, *, leeway: float = 30, clock: Callable[[], float] | None = None) -> TokenVerifier:
        """A verifier that knows this issuer's keys without fetching them (in-process dev setup)."""
        return TokenVerifier(self.issuer, self.audience, jwks=self.jwks(), leeway=leeway, clock=clock or self._clock)

    def router(self) -> APIRouter:
        """``GET /.well-known/openid-configuration`` and ``GET /jwks.json`` (mount at the issuer's path)."""
        router = APIRouter(tags=["dev issuer"])

        @router.get("/.well-known/openid-configuration", summary="Dev issuer metadata (OIDC discovery)")
        async def openid_configuration() -> JSONResponse:
            return JSONResponse(self.discovery(), headers={"Cache-Control": "public, max-age=300"})

        @router.get("/jwks.json", summary="Dev issuer public keys (JWKS)")
        async def jwks() -> JSONResponse:
            return JSONResponse(self.jwks(), headers={"Cache-Control": "public, max-age=300"})

        return router
