"""Composition root of trade-registration: ``uvicorn --factory ikdz_trade_registration.bootstrap:create_app``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.services import ServiceId
from ikdz_platform.auth.dependencies import staff_principal
from ikdz_platform.auth.principal import StaffPrincipal
from ikdz_platform.auth.setup import install_staff_auth
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime

from ikdz_trade_registration.adapters.documents import PdfRenderer
from ikdz_trade_registration.adapters.fee_config import load_fee_config
from ikdz_trade_registration.adapters.mongo import MongoDocuments, MongoRegister, MongoSteps
from ikdz_trade_registration.adapters.xgewerbe_export import export_messages
from ikdz_trade_registration.app.documents import CaseDocuments
from ikdz_trade_registration.app.effects import StepWriter
from ikdz_trade_registration.app.notices import Planner, ProcessWorkItem
from ikdz_trade_registration.app.tasks import CloseTask
from ikdz_trade_registration.entrypoints import stream
from ikdz_trade_registration.entrypoints.http import documents_router
from ikdz_trade_registration.settings import Settings

SERVICE = ServiceId.TRADE_REGISTRATION


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    current_staff: Callable[..., Awaitable[StaffPrincipal]] | None = None,
) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE.value, level=settings.log_level, json=settings.log_json)
    municipalities = load_municipalities()
    fees = load_fee_config(settings.fees_file, municipalities)
    runtime = ServiceRuntime(SERVICE.value, settings)
    topics = runtime.topics
    runtime.create_topics([topics.case_status, topics.task_requested, topics.gewerbe_events, topics.gewerbe_recipients])
    runtime.create_topics([topics.task_completed], with_dead_letters=True)

    steps = MongoSteps(runtime.db, runtime.outbox_relay())
    register, documents = MongoRegister(runtime.db), MongoDocuments(runtime.db)
    runtime.on_start(steps.create_indexes)
    runtime.on_start(register.create_indexes)
    wz = wz_catalogue()
    town_names = {town.ags: town.display_name for town in municipalities}
    planner = Planner(register, wz, fees, town_names)
    writer = StepWriter(export_messages, wz, fees, municipalities, topics)
    process = ProcessWorkItem(steps, register, planner, writer, utc_now)
    close_task = CloseTask(steps, register, planner, writer, utc_now)
    stream.register(runtime, settings.pools, process, close_task)

    app = runtime.create_app(
        title="IKDZ Trade registration",
        description=(
            "Gewerbe-An-, Um- und Abmeldungen (GewO § 14): decided automatically where the law allows; "
            "receipts and fee notices for staff of the case's towns."
        ),
    )
    if current_staff is None:
        current_staff = staff_principal(install_staff_auth(app, settings, issuer_path=None))
    app.include_router(
        documents_router(
            CaseDocuments(steps, documents, PdfRenderer()),
            current_staff,
            settings.internal_api_token.get_secret_value(),
        )
    )
    return app
