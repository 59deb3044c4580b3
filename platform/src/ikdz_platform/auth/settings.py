"""Staff authentication settings, read from environment variables (documented in docs/auth.md).

Not part of :class:`~ikdz_platform.settings.PlatformSettings`: only services with staff-facing
APIs or pages read them. The names are unprefixed so one set of variables configures every
service of a deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import httpx
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ikdz_platform.auth.local_issuer import LocalIssuer
from ikdz_platform.auth.verifier import TokenVerifier
from ikdz_platform.settings import Environment

__all__ = ["DEV_ISSUER_URL", "AuthSettings", "default_dev_key_file"]

DEV_ISSUER_URL = "http://127.0.0.1:8001/dev-issuer"
"""Where ``bin/run`` serves the dev issuer: routing's port, mounted at ``/dev-issuer``."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


def default_dev_key_file() -> Path:
    """``<cache>/dev-issuer/signing-key.pem`` (``$IKDZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/ikdz``, else ``~/.cache/ikdz``)."""
    from ikdz_platform.localinfra.paths import cache_dir  # noqa: PLC0415 - keeps localinfra out of the import graph

    return cache_dir() / "dev-issuer" / "signing-key.pem"


class AuthSettings(BaseSettings):
    """OIDC issuer, audience and keys for staff tokens; the local dev issuer."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, validate_by_name=True)

    environment: Environment = Field(
        default="dev", validation_alias=_env("IKDZ_ENVIRONMENT"), description="dev, test or prod."
    )
    oidc_issuer: str | None = Field(
        default=None,
        min_length=1,
        validation_alias=_env("IKDZ_OIDC_ISSUER"),
        description=(
            "Issuer URL of staff tokens (the iss claim; its /.well-known/openid-configuration names the JWKS). "
            f"Required unless IKDZ_DEV_ISSUER=true, which defaults it to {DEV_ISSUER_URL}."
        ),
    )
    oidc_audience: str = Field(
        default="ikdz",
        min_length=1,
        validation_alias=_env("IKDZ_OIDC_AUDIENCE"),
        description="Audience the tokens must name (aud claim): the IKDZ's client or API id at the IdP.",
    )
    oidc_jwks_url: str | None = Field(
        default=None,
        min_length=1,
        validation_alias=_env("IKDZ_OIDC_JWKS_URL"),
        description="JWKS URL of the issuer; skips OIDC discovery when set.",
    )
    oidc_leeway_seconds: int = Field(
        default=30,
        ge=0,
        le=300,
        validation_alias=_env("IKDZ_OIDC_LEEWAY_SECONDS"),
        description="Clock skew tolerated for exp, nbf and iat.",
    )
    oidc_jwks_cache_seconds: int = Field(
        default=300,
        ge=0,
        validation_alias=_env("IKDZ_OIDC_JWKS_CACHE_SECONDS"),
        description="How long fetched keys are used before they are fetched again (an unknown kid refetches sooner).",
    )
    dev_issuer: bool = Field(
        default=False,
        validation_alias=_env("IKDZ_DEV_ISSUER"),
        description=(
            "Sign and accept tokens with the local dev issuer's key and serve its JWKS and the demo login page. "
            "Refused with IKDZ_ENVIRONMENT=prod."
        ),
    )
    dev_issuer_key_file: Path | None = Field(
        default=None,
        validation_alias=_env("IKDZ_DEV_ISSUER_KEY_FILE"),
        description="PEM key of the dev issuer; defaults to <IKDZ_CACHE_DIR>/dev-issuer/signing-key.pem, created on first use.",
    )
    dev_token_ttl_seconds: int = Field(
        default=8 * 3600,
        ge=60,
        le=7 * 24 * 3600,
        validation_alias=_env("IKDZ_DEV_TOKEN_TTL_SECONDS"),
        description="Lifetime of tokens from the dev login page and the token CLI.",
    )

    @model_validator(mode="after")
    def _safe(self) -> Self:
        if self.environment == "prod":
            if self.dev_issuer:
                raise ValueError("IKDZ_DEV_ISSUER must not be true when IKDZ_ENVIRONMENT=prod")
            if not self.oidc_issuer or not self.oidc_issuer.startswith("https://"):
                raise ValueError("IKDZ_OIDC_ISSUER must be set to an https:// URL when IKDZ_ENVIRONMENT=prod")
            if self.oidc_jwks_url is not None and not self.oidc_jwks_url.startswith("https://"):
                raise ValueError("IKDZ_OIDC_JWKS_URL must be an https:// URL when IKDZ_ENVIRONMENT=prod")
        elif not self.dev_issuer and not self.oidc_issuer:
            raise ValueError("set IKDZ_OIDC_ISSUER (the staff identity provider) or IKDZ_DEV_ISSUER=true")
        return self

    @property
    def issuer(self) -> str:
        """The expected iss: IKDZ_OIDC_ISSUER, else the dev issuer's URL."""
        return self.oidc_issuer or DEV_ISSUER_URL

    @property
    def key_file(self) -> Path:
        return self.dev_issuer_key_file or default_dev_key_file()

    def local_issuer(self) -> LocalIssuer:
        """The dev issuer with the shared dev key (created on first use)."""
        if not self.dev_issuer:
            raise RuntimeError("the dev issuer is off: set IKDZ_DEV_ISSUER=true")
        return LocalIssuer.from_key_file(self.key_file, self.issuer, audience=self.oidc_audience)

    def verifier(
        self, *, local_issuer: LocalIssuer | None = None, http_client: httpx.AsyncClient | None = None
    ) -> TokenVerifier:
        """The verifier for this deployment.

        With the dev issuer on, its keys are used directly (no HTTP); otherwise keys are fetched
        from IKDZ_OIDC_JWKS_URL or the issuer's discovery document.
        """
        if self.dev_issuer:
            issuer = local_issuer or self.local_issuer()
            return TokenVerifier(self.issuer, self.oidc_audience, jwks=issuer.jwks(), leeway=self.oidc_leeway_seconds)
        return TokenVerifier(
            self.issuer,
            self.oidc_audience,
            jwks_url=self.oidc_jwks_url,
            leeway=self.oidc_leeway_seconds,
            jwks_cache_seconds=self.oidc_jwks_cache_seconds,
            http_client=http_client,
        )
