"""Verification of staff bearer tokens (OIDC access or ID tokens, JWT) against the issuer's JWKS.

The order of the checks, each failing with its own :class:`AuthFailure`:

1. the token is a compact JWS of at most 16 KiB with a JSON header; ``typ`` (if present) is
   ``JWT`` or ``at+jwt``; no ``crit`` header (``malformed``);
2. ``alg`` is one of the configured asymmetric algorithms, never ``none`` and never HS* (so the
   issuer's public key can never be used as an HMAC secret: algorithm confusion) (``alg_not_allowed``);
3. ``kid`` names a key of the issuer's JWKS, refetched once if it is new (``missing_kid``,
   ``unknown_kid``), and the key fits ``alg`` (type, curve, its own ``alg``) (``alg_not_allowed``);
4. the signature verifies (``bad_signature``);
5. the claims ``iss sub aud exp iat ikdz_towns ikdz_pools ikdz_roles`` are present
   (``missing_claim``); ``iss`` is the issuer (``wrong_issuer``); ``aud`` is or contains the
   audience (``wrong_audience``); ``exp``, ``nbf`` and ``iat`` hold with ``leeway`` seconds of
   clock skew (``expired``, ``not_yet_valid``, ``issued_in_future``); the ikdz claims are arrays
   of valid AGS, pool ids and role names (``invalid_claim``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import structlog
from pydantic import ValidationError

from ikdz_platform.auth.errors import AuthError, AuthFailure
from ikdz_platform.auth.jwks import Jwk, JwksCache
from ikdz_platform.auth.principal import CLAIM_POOLS, CLAIM_ROLES, CLAIM_TOWNS, Role, StaffPrincipal

__all__ = ["DEFAULT_ALGORITHMS", "REQUIRED_CLAIMS", "SUPPORTED_ALGORITHMS", "TokenVerifier"]

log = structlog.get_logger(__name__)

DEFAULT_ALGORITHMS = ("RS256", "ES256")

SUPPORTED_ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
}
"""Asymmetric JWS algorithms we accept when configured, with the key type (and curve) they need."""

REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", CLAIM_TOWNS, CLAIM_POOLS, CLAIM_ROLES)

MAX_TOKEN_BYTES = 16 * 1024
_LAST_NUMERIC_DATE = 253_402_300_799  # 9999-12-31T23:59:59Z
_ACCEPTED_TYP = frozenset({"jwt", "at+jwt", "application/jwt", "application/at+jwt"})


def _fail(reason: AuthFailure, detail: str) -> AuthError:
    return AuthError(reason, detail)


class TokenVerifier:
    """Verifies staff tokens of one issuer for one audience and turns them into a :class:`StaffPrincipal`.

    Keys come from ``jwks`` (a fixed JWKS document, e.g. the in-process dev issuer's) or are
    fetched: from ``jwks_url`` if given, else via the issuer's discovery document.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        leeway: float = 30,
        *,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
        jwks_cache_seconds: float = 300.0,
        min_refresh_interval: float = 30.0,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not issuer:
            raise ValueError("issuer must not be empty")
        if not audience:
            raise ValueError("audience must not be empty")
        if leeway < 0:
            raise ValueError("leeway must not be negative")
        self.algorithms = tuple(algorithms)
        refused = [alg for alg in self.algorithms if alg not in SUPPORTED_ALGORITHMS]
        if refused or not self.algorithms:
            msg = f"unsupported algorithms {refused}: use asymmetric ones of {sorted(SUPPORTED_ALGORITHMS)}"
            raise ValueError(msg)
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self._clock = clock
        self.keys = JwksCache(
            issuer,
            jwks_url=jwks_url,
            jwks=jwks,
            http_client=http_client,
            ttl=jwks_cache_seconds,
            min_refresh_interval=min_refresh_interval,
            clock=clock,
        )

    async def verify(self, token: str) -> StaffPrincipal:
        """The principal the token names.

        Raises:
            AuthError: with the first rule the token breaks.
        """
        header = self._header(token)
        alg = self._algorithm(header)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _fail(AuthFailure.MISSING_KID, "the token header has no kid")
        jwk = await self.keys.key(kid)
        claims = self._verified_claims(token, alg, kid, jwk)
        self._check_standard_claims(claims)
        return self._principal(claims)

    # -- header -------------------------------------------------------------------------------

    @staticmethod
    def _header(token: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise _fail(AuthFailure.MALFORMED, "the token is empty")
        if len(token) > MAX_TOKEN_BYTES:
            raise _fail(AuthFailure.MALFORMED, f"the token is longer than {MAX_TOKEN_BYTES} bytes")
        if token.count(".") != 2:
            raise _fail(AuthFailure.MALFORMED, "the token is not a compact JWS (header.payload.signature)")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise _fail(AuthFailure.MALFORMED, f"the token header cannot be read: {error}") from None
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in _ACCEPTED_TYP):
            raise _fail(AuthFailure.MALFORMED, f"typ {typ!r} is not a JWT access or ID token")
        if "crit" in header:
            raise _fail(AuthFailure.MALFORMED, "critical header extensions (crit) are not supported")
        return header

    def _algorithm(self, header: Mapping[str, Any]) -> str:
        alg = header.get("alg")
        if not isinstance(alg, str) or not alg:
            raise _fail(AuthFailure.MALFORMED, "the token header has no alg")
        if alg.lower() == "none":
            raise _fail(AuthFailure.ALG_NOT_ALLOWED, "alg 'none' (an unsigned token) is never accepted")
        if alg.upper().startswith("HS"):
            raise _fail(
                AuthFailure.ALG_NOT_ALLOWED,
                f"alg {alg!r} is symmetric; staff tokens must be signed with the issuer's private key",
            )
        if alg not in self.algorithms:
            raise _fail(
                AuthFailure.ALG_NOT_ALLOWED, f"alg {alg!r} is not accepted (accepted: {', '.join(self.algorithms)})"
            )
        return alg

    # -- signature ----------------------------------------------------------------------------

    def _verified_claims(self, token: str, alg: str, kid: str, jwk: Jwk) -> dict[str, Any]:
        kty, crv = SUPPORTED_ALGORITHMS[alg]
        if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
            raise _fail(
                AuthFailure.ALG_NOT_ALLOWED,
                f"key {kid!r} is a {jwk.get('kty')} {jwk.get('crv') or ''} key and cannot verify {alg}".replace(
                    "  ", " "
                ),
            )
        if jwk.get("alg") not in {None, alg}:
            raise _fail(
                AuthFailure.ALG_NOT_ALLOWED, f"key {kid!r} is published for {jwk.get('alg')}, the token says {alg}"
            )
        ops = jwk.get("key_ops")
        if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
            raise _fail(AuthFailure.ALG_NOT_ALLOWED, f"key {kid!r} is not published for verification (key_ops)")
        try:
            key = jwt.PyJWK(jwk, algorithm=alg)
        except jwt.PyJWTError as error:
            raise _fail(AuthFailure.ALG_NOT_ALLOWED, f"key {kid!r} cannot be used for {alg}: {error}") from None
        try:
            decoded = jwt.PyJWS().decode_complete(token, key=key.key, algorithms=[alg])
        except jwt.InvalidSignatureError:
            raise _fail(AuthFailure.BAD_SIGNATURE, f"the signature does not verify with key {kid!r}") from None
        except jwt.PyJWTError as error:
            raise _fail(AuthFailure.MALFORMED, f"the token cannot be decoded: {error}") from None
        try:
            claims = json.loads(decoded["payload"])
        except ValueError:
            raise _fail(AuthFailure.MALFORMED, "the payload is not JSON") from None
        if not isinstance(claims, dict):
            raise _fail(AuthFailure.MALFORMED, "the payload is not a JSON object")
        return claims

    # -- claims -------------------------------------------------------------------------------

    def _check_standard_claims(self, claims: Mapping[str, Any]) -> None:
        missing = [name for name in REQUIRED_CLAIMS if name not in claims]
        if missing:
            raise _fail(AuthFailure.MISSING_CLAIM, f"the token lacks the claim(s) {', '.join(missing)}")
        if claims["iss"] != self.issuer:
            raise _fail(AuthFailure.WRONG_ISSUER, f"iss is {claims['iss']!r}, expected {self.issuer!r}")
        audience = claims["aud"]
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
            raise _fail(AuthFailure.INVALID_CLAIM, "aud must be a string or an array of strings")
        if self.audience not in audiences:
            raise _fail(AuthFailure.WRONG_AUDIENCE, f"aud {audience!r} does not include {self.audience!r}")
        now = self._clock()
        exp = self._number(claims, "exp")
        if now > exp + self.leeway:
            raise _fail(AuthFailure.EXPIRED, f"the token expired at {_iso(exp)}")
        if "nbf" in claims and now + self.leeway < (nbf := self._number(claims, "nbf")):
            raise _fail(AuthFailure.NOT_YET_VALID, f"the token is not valid before {_iso(nbf)}")
        if now + self.leeway < (iat := self._number(claims, "iat")):
            raise _fail(AuthFailure.ISSUED_IN_FUTURE, f"the token was issued in the future ({_iso(iat)})")

    @staticmethod
    def _number(claims: Mapping[str, Any], name: str) -> float:
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= _LAST_NUMERIC_DATE:
            raise _fail(AuthFailure.INVALID_CLAIM, f"{name} must be a NumericDate (seconds since 1970)")
        return float(value)

    def _principal(self, claims: Mapping[str, Any]) -> StaffPrincipal:
        for name in (CLAIM_TOWNS, CLAIM_POOLS, CLAIM_ROLES):
            value = claims[name]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise _fail(AuthFailure.INVALID_CLAIM, f"{name} must be an array of strings")
        known = {role.value for role in Role}
        roles = [role for role in claims[CLAIM_ROLES] if role in known]
        if len(roles) != len(claims[CLAIM_ROLES]):
            log.info("staff_token_unknown_roles_ignored", roles=sorted(set(claims[CLAIM_ROLES]) - known))
        name = claims.get("name") or claims.get("preferred_username") or claims["sub"]
        try:
            return StaffPrincipal(
                subject=claims["sub"],
                name=name,
                towns=claims[CLAIM_TOWNS],
                pools=claims[CLAIM_POOLS],
                roles=roles,
                issuer=claims["iss"],
                expiry=datetime.fromtimestamp(claims["exp"], tz=UTC),
            )
        except ValidationError as error:
            first = error.errors()[0]
            field = {"towns": CLAIM_TOWNS, "pools": CLAIM_POOLS, "subject": "sub"}.get(
                str(first["loc"][0]), str(first["loc"][0])
            )
            raise _fail(AuthFailure.INVALID_CLAIM, f"{field}: {first['msg']}") from None


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()
