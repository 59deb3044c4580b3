"""Settings of the trade-registration service (env prefix ``TRADE_REGISTRATION_``; the pools come from ``POOLS``)."""

from __future__ import annotations

from pathlib import Path

from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.workqueue import WorkerSettings
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from ikdz_trade_registration.adapters.fee_config import FEES_CONFIG

DEV_INTERNAL_TOKEN = "dev-only-internal-api-token-change-me"  # noqa: S105 - refused outside dev, see validator


class Settings(WorkerSettings, AuthSettings):
    model_config = SettingsConfigDict(env_prefix="TRADE_REGISTRATION_", extra="ignore", frozen=True)

    fees_file: Path = Field(
        default=FEES_CONFIG,
        description="Fee and authority settings of the onboarded towns (YAML); a town without an entry is not onboarded for Gewerbe.",
    )
    internal_api_token: SecretStr = Field(
        default=SecretStr(DEV_INTERNAL_TOKEN),
        validation_alias=AliasChoices("IKDZ_INTERNAL_API_TOKEN"),
        description="Bearer token intake presents to fetch a citizen's documents from /internal/v1 (shared by both).",
    )

    @model_validator(mode="after")
    def _real_token_outside_dev(self) -> Settings:
        token = self.internal_api_token.get_secret_value()
        if self.environment != "dev" and token == DEV_INTERNAL_TOKEN:
            msg = "IKDZ_INTERNAL_API_TOKEN must be set outside dev"
            raise ValueError(msg)
        if len(token) < 16:
            msg = "IKDZ_INTERNAL_API_TOKEN must have at least 16 characters"
            raise ValueError(msg)
        return self
