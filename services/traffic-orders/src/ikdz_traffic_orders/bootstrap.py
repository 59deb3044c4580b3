"""Composition root of traffic-orders: ``uvicorn --factory ikdz_traffic_orders.bootstrap:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.workqueue import consume_pools

from ikdz_traffic_orders.settings import Settings

SERVICE = ServiceId.TRAFFIC_ORDERS


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE.value, level=settings.log_level, json=settings.log_json)
    runtime = ServiceRuntime(SERVICE.value, settings)
    consume_pools(runtime, SERVICE, settings.pools, load_municipalities())
    return runtime.create_app(
        title="IKDZ Traffic orders",
        description="Verkehrsrechtliche Anordnungen (§ 45 StVO): takes cases from its pools' work topics.",
    )
