"""Settings of the einvoice service (env prefix ``EINVOICE_``; the pools come from ``POOLS``)."""

from __future__ import annotations

from ikdz_platform.workqueue import WorkerSettings
from pydantic_settings import SettingsConfigDict


class Settings(WorkerSettings):
    model_config = SettingsConfigDict(env_prefix="EINVOICE_", extra="ignore", frozen=True)
