"""Settings of the einvoice service (env prefix ``EINVOICE_``; the pools come from ``POOLS``)."""

from __future__ import annotations

from pathlib import Path

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.workqueue import WorkerSettings
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from ikdz_einvoice.adapters.config_files import PILOT_APPROVAL_CONFIG, PILOT_LEITWEG_CONFIG
from ikdz_einvoice.adapters.payment_config import PILOT_PAYMENT_CONFIG
from ikdz_einvoice.domain.document import DEFAULT_MAX_BYTES

DEV_TOKEN_SECRET = "dev-only-einvoice-status-secret-change-me"  # noqa: S105 - refused outside dev, see validator


class Settings(WorkerSettings, AuthSettings):
    model_config = SettingsConfigDict(env_prefix="EINVOICE_", extra="ignore", frozen=True, validate_by_name=True)

    leitweg_file: Path = Field(
        default=PILOT_LEITWEG_CONFIG,
        description="YAML routing table: Leitweg-ID prefixes to towns, departments and pools.",
    )
    approval_file: Path = Field(
        default=PILOT_APPROVAL_CONFIG,
        description="YAML approval rules per town: release levels, straight-through release, payer account.",
    )
    payment_file: Path = Field(
        default=PILOT_PAYMENT_CONFIG,
        description="YAML payment configuration per town: debtor account, booking accounts, creditor numbers.",
    )
    max_invoice_bytes: int = Field(
        default=DEFAULT_MAX_BYTES,
        ge=1024,
        le=12 * 1024 * 1024,
        description="Largest invoice accepted (bytes); checked before parsing. At most 12 MB, so an original stays under the store's 16 MB document limit.",
    )
    validator_workers: int = Field(
        default=1, ge=0, le=16, description="Validation worker processes (0: validate in the service process)."
    )
    rules_dir: Path | None = Field(
        default=None, description="Unpacked XRechnung rule artefacts (the image's); unset: fetched once into the cache."
    )
    center_ags: str = Field(
        default="14000000",
        pattern=AGS_PATTERN,
        description="Owner named in events of invoices whose Leitweg-ID names no town of the center (Land Sachsen).",
    )
    public_base_url: str = Field(default="http://127.0.0.1:8003", description="Base URL of status links.")
    status_token_secret: SecretStr = Field(
        default=SecretStr(DEV_TOKEN_SECRET),
        description="HMAC key that derives the access token of a supplier's status URL.",
    )

    @model_validator(mode="after")
    def _real_secret_outside_dev(self) -> Settings:
        secret = self.status_token_secret.get_secret_value()
        if self.environment != "dev" and secret == DEV_TOKEN_SECRET:
            msg = "EINVOICE_STATUS_TOKEN_SECRET must be set outside dev"
            raise ValueError(msg)
        if len(secret) < 16:
            msg = "EINVOICE_STATUS_TOKEN_SECRET must have at least 16 characters"
            raise ValueError(msg)
        return self
