"""Settings of the trade-registration service (env prefix ``TRADE_REGISTRATION_``; the pools come from ``POOLS``)."""

from __future__ import annotations

from ikdz_platform.workqueue import WorkerSettings
from pydantic_settings import SettingsConfigDict


class Settings(WorkerSettings):
    model_config = SettingsConfigDict(env_prefix="TRADE_REGISTRATION_", extra="ignore", frozen=True)
