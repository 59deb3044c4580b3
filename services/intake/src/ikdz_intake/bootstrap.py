"""Composition root of intake: ``uvicorn --factory ikdz_intake.bootstrap:create_app``."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_platform.http import BodySizeLimit
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.web import mount_web_assets, templates

from ikdz_intake.adapters.mongo_cases import MongoCaseRepository
from ikdz_intake.app.status import ApplyStatus, ViewCase
from ikdz_intake.app.submit_case import SubmitCase
from ikdz_intake.entrypoints import stream
from ikdz_intake.entrypoints.api import api_router
from ikdz_intake.entrypoints.web import TEMPLATES_DIR, web_router
from ikdz_intake.settings import IntakeSettings

SERVICE = "intake"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    configure_logging(SERVICE, level=settings.log_level, json=settings.log_json)
    runtime = ServiceRuntime(SERVICE, settings)
    topics = runtime.topics
    runtime.create_topics([topics.case_submitted])
    runtime.create_topics([topics.case_status], with_dead_letters=True)

    repository = MongoCaseRepository(runtime.db)
    runtime.on_start(repository.create_indexes)
    relay = runtime.outbox(repository.cases)
    secret = settings.status_token_secret.get_secret_value().encode()

    submit = SubmitCase(repository, load_municipalities(), topics, utc_now, relay)
    view = ViewCase(repository, secret)
    stream.register(runtime.broker, topics.case_status, runtime.group_id, ApplyStatus(repository))

    app = runtime.create_app(
        title="IKDZ Intake",
        description="Citizens and businesses file cases; portals and integrators use the REST API.",
    )
    app.include_router(api_router(submit, view, secret, settings.public_base_url.rstrip("/")))
    app.include_router(web_router(view, templates(TEMPLATES_DIR)))
    mount_web_assets(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
