"""Composition root of intake: ``uvicorn --factory ikdz_intake.bootstrap:create_app``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.services import ServiceId
from ikdz_platform.http import BodySizeLimit
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.web import add_csrf_error_page, mount_web_assets, templates

from ikdz_intake.adapters.documents import HttpDocumentSource
from ikdz_intake.adapters.mongo_cases import MongoCaseRepository
from ikdz_intake.app.gewerbe import CheckGewerbeanzeige, FileGewerbeanzeige
from ikdz_intake.app.status import ApplyStatus, FetchDocument, ViewCase
from ikdz_intake.app.submit_case import SubmitCase
from ikdz_intake.entrypoints import stream
from ikdz_intake.entrypoints.api import api_router
from ikdz_intake.entrypoints.gewerbe_api import add_payload_schema, gewerbe_api_router
from ikdz_intake.entrypoints.gewerbe_web import GewerbePages, gewerbe_router
from ikdz_intake.entrypoints.web import TEMPLATES_DIR, web_router
from ikdz_intake.settings import IntakeSettings

SERVICE = "intake"
BERLIN = ZoneInfo("Europe/Berlin")


def utc_now() -> datetime:
    return datetime.now(UTC)


def berlin_today() -> date:
    """The filing day: the calendar day in Saxony, not in UTC."""
    return utc_now().astimezone(BERLIN).date()


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    settings = settings or IntakeSettings()
    configure_logging(SERVICE, level=settings.log_level, json=settings.log_json)
    runtime = ServiceRuntime(SERVICE, settings)
    topics = runtime.topics
    runtime.create_topics([topics.case_submitted])
    runtime.create_topics([topics.case_status], with_dead_letters=True)

    repository = MongoCaseRepository(runtime.db, runtime.outbox_relay())
    runtime.on_start(repository.create_indexes)
    secret = settings.status_token_secret.get_secret_value().encode()

    municipalities = load_municipalities()
    submit = SubmitCase(repository, municipalities, topics, utc_now)
    wz = wz_catalogue()
    check = CheckGewerbeanzeige(wz, {town.ags: town.display_name for town in municipalities})
    file_notice = FileGewerbeanzeige(check, submit)
    view = ViewCase(repository, secret)
    source = HttpDocumentSource(
        {ServiceId.TRADE_REGISTRATION: settings.trade_registration_url}, settings.internal_api_token.get_secret_value()
    )
    fetch_document = FetchDocument(view, source)
    stream.register(runtime.broker, topics.case_status, runtime.group_id, runtime.dead_letters, ApplyStatus(repository))

    app = runtime.create_app(
        title="IKDZ Intake",
        description="Citizens and businesses file cases; portals and integrators use the REST API.",
    )
    base_url = settings.public_base_url.rstrip("/")
    pages = templates(TEMPLATES_DIR)
    app.include_router(api_router(submit, view, fetch_document, secret, base_url))
    app.include_router(gewerbe_api_router(file_notice, secret, base_url, berlin_today, settings.max_body_bytes))
    app.include_router(web_router(view, fetch_document, pages))
    app.include_router(
        gewerbe_router(GewerbePages(pages, municipalities, wz, check, berlin_today), file_notice, view, secret)
    )
    add_csrf_error_page(app, pages)
    _publish_payload_schema(app)
    mount_web_assets(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def _publish_payload_schema(app: FastAPI) -> None:
    """OpenAPI with the Gewerbeanzeige contract the JSON body of ``/api/v1/gewerbeanzeigen`` refers to."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return add_payload_schema(generate())

    app.openapi = openapi  # type: ignore[method-assign]
