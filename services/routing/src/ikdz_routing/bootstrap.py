"""Composition root of routing: ``uvicorn --factory ikdz_routing.bootstrap:create_app``."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime

from ikdz_routing.adapters.config_file import load_routing_config
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.app.route_case import CloseCase, RouteCase
from ikdz_routing.entrypoints import stream
from ikdz_routing.settings import RoutingSettings

SERVICE = "routing"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: RoutingSettings | None = None) -> FastAPI:
    settings = settings or RoutingSettings()
    configure_logging(SERVICE, level=settings.log_level, json=settings.log_json)
    municipalities = load_municipalities()
    config = load_routing_config(settings.config_file, municipalities)
    runtime = ServiceRuntime(SERVICE, settings)
    topics = runtime.topics
    runtime.create_topics([topics.case_submitted, topics.case_status], with_dead_letters=True)
    runtime.create_topics(
        [topics.case_routed] + [topics.work(service, pool.id) for pool in config.pools for service in pool.services]
    )
    repository = MongoRouteRepository(runtime.db)
    runtime.on_start(repository.create_indexes)
    relay = runtime.outbox(repository.routes)
    route = RouteCase(repository, config, municipalities, topics, utc_now, relay)
    stream.register(runtime.broker, topics, runtime.group_id, route, CloseCase(repository))
    app = runtime.create_app(
        title="IKDZ Routing",
        description="Assigns each case to a worker pool of its own town or of a partner town under an agreement.",
    )

    @app.get("/api/v1/config", tags=["configuration"], summary="The routing configuration in force")
    async def current_config() -> dict[str, object]:
        return config.model_dump(mode="json")

    return app
