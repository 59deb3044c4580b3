"""Composition root of einvoice: ``uvicorn --factory ikdz_einvoice.bootstrap:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.workqueue import consume_pools

from ikdz_einvoice.settings import Settings

SERVICE = ServiceId.EINVOICE


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE.value, level=settings.log_level, json=settings.log_json)
    runtime = ServiceRuntime(SERVICE.value, settings)
    consume_pools(runtime, SERVICE, settings.pools, load_municipalities())
    return runtime.create_app(
        title="IKDZ E-invoices", description="XRechnung e-invoices: takes cases from its pools' work topics."
    )
