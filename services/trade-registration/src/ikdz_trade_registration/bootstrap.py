"""Composition root of trade-registration: ``uvicorn --factory ikdz_trade_registration.bootstrap:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.workqueue import consume_pools

from ikdz_trade_registration.settings import Settings

SERVICE = ServiceId.TRADE_REGISTRATION


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE.value, level=settings.log_level, json=settings.log_json)
    runtime = ServiceRuntime(SERVICE.value, settings)
    consume_pools(runtime, SERVICE, settings.pools, load_municipalities())
    return runtime.create_app(
        title="IKDZ Trade registration",
        description="Gewerbe-An-, Um- und Abmeldungen (GewO § 14): takes cases from its pools' work topics.",
    )
