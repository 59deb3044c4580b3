"""The issuer's public keys (JWKS), fetched over HTTP, cached, refetched on an unknown ``kid``.

Discovery: ``<issuer>/.well-known/openid-configuration`` names ``jwks_uri`` (and must name the same
``issuer``); a configured ``jwks_url`` skips discovery. The key set is kept for ``ttl`` seconds;
a token whose ``kid`` is not in it triggers a refetch (key rotation), but at most one fetch per
``min_refresh_interval`` seconds, so a stream of tokens with made-up ``kid`` values cannot make us
hammer the issuer. If a refresh fails, the keys we have are kept (and the failure logged).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import structlog

from ikdz_platform.auth.errors import AuthError, AuthFailure

__all__ = ["JwksCache", "JwksFetchError", "discovery_url"]

log = structlog.get_logger(__name__)

Jwk = dict[str, Any]

_MAX_DOCUMENT_BYTES = 1 << 20
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class JwksFetchError(Exception):
    """The discovery document or the key set could not be fetched or read."""


def discovery_url(issuer: str) -> str:
    """Where OpenID Connect Discovery 1.0 publishes the issuer's metadata."""
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def usable_keys(document: Mapping[str, Any]) -> dict[str, Jwk]:
    """Signature keys of a JWKS by ``kid``: RSA and EC keys only, none without a kid, none that
    carries private material (an issuer that publishes a private key is broken, not trusted)."""
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise JwksFetchError("the JWKS has no 'keys' array")
    found: dict[str, Jwk] = {}
    for key in keys:
        if not isinstance(key, dict):
            continue
        kid = key.get("kid")
        if not isinstance(kid, str) or not kid or key.get("kty") not in {"RSA", "EC"}:
            continue
        if key.get("use", "sig") != "sig":
            continue
        if _PRIVATE_MEMBERS & key.keys():
            log.warning("jwks_private_key_ignored", kid=kid)
            continue
        found[kid] = dict(key)
    return found


class JwksCache:
    """The current keys of one issuer."""

    def __init__(
        self,
        issuer: str,
        *,
        jwks_url: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        http_client: httpx.AsyncClient | None = None,
        ttl: float = 300.0,
        min_refresh_interval: float = 30.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self._jwks_url = jwks_url
        self._static = jwks is not None
        self._keys: dict[str, Jwk] | None = usable_keys(jwks) if jwks is not None else None
        self._client = http_client
        self._ttl = ttl
        self._min_refresh = min_refresh_interval
        self._timeout = timeout
        self._clock = clock
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys or {})

    async def key(self, kid: str) -> Jwk:
        """The JWK with this ``kid``.

        Raises:
            AuthError: ``unknown_kid`` if the issuer does not publish it, ``jwks_unavailable`` if
                no key set could be fetched at all.
        """
        if self._static:
            return self._known(kid)
        now = self._clock()
        if self._keys is None or now - self._fetched_at >= self._ttl:
            await self._refresh(now, reason="expired")
        elif kid not in self._keys:
            await self._refresh(now, reason="unknown_kid")
        return self._known(kid)

    def _known(self, kid: str) -> Jwk:
        if self._keys is None:
            raise AuthError(AuthFailure.JWKS_UNAVAILABLE, f"the signing keys of {self.issuer} could not be fetched")
        try:
            return self._keys[kid]
        except KeyError:
            raise AuthError(AuthFailure.UNKNOWN_KID, f"the issuer publishes no signing key with kid {kid!r}") from None

    async def _refresh(self, now: float, *, reason: str) -> None:
        async with self._lock:
            if now - self._attempted_at < self._min_refresh:
                return  # another request just fetched (or failed to): use what we have
            self._attempted_at = self._clock()
            try:
                keys = await self._fetch()
            except JwksFetchError as error:
                log.warning("jwks_fetch_failed", issuer=self.issuer, reason=reason, error=str(error))
                return
            self._keys = keys
            self._fetched_at = self._attempted_at
            log.info("jwks_fetched", issuer=self.issuer, reason=reason, kids=sorted(keys))

    async def _fetch(self) -> dict[str, Jwk]:
        self.fetches += 1
        if self._client is not None:
            return await self._fetch_with(self._client)
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            return await self._fetch_with(client)

    async def _fetch_with(self, client: httpx.AsyncClient) -> dict[str, Jwk]:
        if self._jwks_url is None:
            metadata = await self._get_json(client, discovery_url(self.issuer))
            if metadata.get("issuer") != self.issuer:
                raise JwksFetchError(
                    f"the discovery document names issuer {metadata.get('issuer')!r}, expected {self.issuer!r}"
                )
            jwks_uri = metadata.get("jwks_uri")
            if not isinstance(jwks_uri, str) or not jwks_uri:
                raise JwksFetchError("the discovery document has no jwks_uri")
            self._jwks_url = jwks_uri
        return usable_keys(await self._get_json(client, self._jwks_url))

    async def _get_json(self, client: httpx.AsyncClient, url: str) -> dict[str, Any]:
        try:
            response = await client.get(url, headers={"Accept": "application/json"}, timeout=self._timeout)
        except httpx.HTTPError as error:
            raise JwksFetchError(f"GET {url} failed: {error!r}") from error
        if response.status_code != 200:
            raise JwksFetchError(f"GET {url} answered {response.status_code}")
        if len(response.content) > _MAX_DOCUMENT_BYTES:
            raise JwksFetchError(f"GET {url} returned more than {_MAX_DOCUMENT_BYTES} bytes")
        try:
            document = response.json()
        except ValueError as error:
            raise JwksFetchError(f"GET {url} returned no JSON") from error
        if not isinstance(document, dict):
            raise JwksFetchError(f"GET {url} returned no JSON object")
        return document
