"""Settings of the traffic-orders service (env prefix ``TRAFFIC_ORDERS_``; the pools come from ``POOLS``)."""

from __future__ import annotations

from ikdz_platform.workqueue import WorkerSettings
from pydantic_settings import SettingsConfigDict


class Settings(WorkerSettings):
    model_config = SettingsConfigDict(env_prefix="TRAFFIC_ORDERS_", extra="ignore", frozen=True)
