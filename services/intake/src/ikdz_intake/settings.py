"""Intake settings (env prefix ``INTAKE_``) on top of the shared platform settings."""

from __future__ import annotations

from ikdz_platform.settings import PlatformSettings
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

DEV_TOKEN_SECRET = "dev-only-status-token-secret-change-me"  # noqa: S105 - refused outside dev, see validator
DEV_INTERNAL_TOKEN = "dev-only-internal-api-token-change-me"  # noqa: S105 - refused outside dev, see validator


class IntakeSettings(PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore", frozen=True)

    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL citizens reach intake at; used in status links."
    )
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, description="Largest accepted request body.")
    status_token_secret: SecretStr = Field(
        default=SecretStr(DEV_TOKEN_SECRET),
        description="HMAC key that derives the access token of a case's status URL.",
    )

    trade_registration_url: str = Field(
        default="http://127.0.0.1:8002",
        validation_alias=AliasChoices("INTAKE_TRADE_REGISTRATION_URL", "TRADE_REGISTRATION_PUBLIC_BASE_URL"),
        description="Where intake fetches a case's documents (receipt, fee notice) from trade-registration's internal API.",
    )
    internal_api_token: SecretStr = Field(
        default=SecretStr(DEV_INTERNAL_TOKEN),
        validation_alias=AliasChoices("IKDZ_INTERNAL_API_TOKEN"),
        description="Bearer token intake presents to the domain services' internal document API (shared with them).",
    )

    @model_validator(mode="after")
    def _real_secret_outside_dev(self) -> IntakeSettings:
        if self.environment != "dev" and self.status_token_secret.get_secret_value() == DEV_TOKEN_SECRET:
            msg = "INTAKE_STATUS_TOKEN_SECRET must be set outside dev"
            raise ValueError(msg)
        if self.environment != "dev" and self.internal_api_token.get_secret_value() == DEV_INTERNAL_TOKEN:
            msg = "IKDZ_INTERNAL_API_TOKEN must be set outside dev"
            raise ValueError(msg)
        if len(self.status_token_secret.get_secret_value()) < 16:
            msg = "INTAKE_STATUS_TOKEN_SECRET must have at least 16 characters"
            raise ValueError(msg)
        return self
