"""Composition root of einvoice: ``uvicorn --factory ikdz_einvoice.bootstrap:create_app``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Depends, FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_platform.auth.dependencies import staff_principal
from ikdz_platform.auth.setup import install_staff_auth
from ikdz_platform.http import BodySizeLimit
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.web import add_csrf_error_page, mount_web_assets, templates
from ikdz_platform.workqueue import consume_pools

from ikdz_einvoice.adapters.config_files import load_approval_rules, load_leitweg_routing
from ikdz_einvoice.adapters.mongo_store import MongoInvoiceStore
from ikdz_einvoice.adapters.payment_config import load_payment_config
from ikdz_einvoice.adapters.validators import StartedValidator
from ikdz_einvoice.app.approve import Approvals
from ikdz_einvoice.app.export import ExportPayments
from ikdz_einvoice.app.process import ProcessInvoice
from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.app.staff_view import StaffInvoiceReader
from ikdz_einvoice.app.status import ViewInvoice
from ikdz_einvoice.app.validate_invoice import ValidateInvoice
from ikdz_einvoice.entrypoints import stream
from ikdz_einvoice.entrypoints.api import api_router
from ikdz_einvoice.entrypoints.invoice_pages import invoice_pages_router
from ikdz_einvoice.entrypoints.payments_api import payments_router
from ikdz_einvoice.entrypoints.staff import staff_binding
from ikdz_einvoice.entrypoints.web import web_router
from ikdz_einvoice.settings import Settings

SERVICE = ServiceId.EINVOICE
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STAFF_VIEW_PREFIX = "/sachbearbeitung/rechnungen"
"""The readable view for clerks (HTML and PDF); suppliers' status pages are under /rechnungen."""
FORM_OVERHEAD_BYTES = 64 * 1024
"""Room for the multipart framing and the CSRF field around an upload of the size cap."""


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)  # what the store keeps


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(SERVICE.value, level=settings.log_level, json=settings.log_json)
    municipalities = load_municipalities()
    known = {town.ags for town in municipalities}
    routing = load_leitweg_routing(settings.leitweg_file, known)
    rules = load_approval_rules(settings.approval_file, known)
    runtime = ServiceRuntime(SERVICE.value, settings)
    topics = runtime.topics
    runtime.create_topics([topics.einvoice_events, topics.task_completed], with_dead_letters=True)
    runtime.create_topics([topics.case_submitted, topics.case_status, topics.task_requested])

    store = MongoInvoiceStore(runtime.db)
    runtime.on_start(store.create_indexes)
    received, outcomes, approved, exported = (runtime.outbox(c) for c in store.outbox_collections)
    validator = StartedValidator(settings.validator_workers, settings.rules_dir)
    runtime.on_start(lambda: asyncio.to_thread(validator.start))
    validate = ValidateInvoice(validator, routing, max_bytes=settings.max_invoice_bytes)
    receive = ReceiveInvoice(
        store, routing, topics, utc_now, received, center_ags=settings.center_ags, max_bytes=settings.max_invoice_bytes
    )
    process = ProcessInvoice(store, validate, municipalities, topics, utc_now, outcomes)
    base_url = settings.public_base_url.rstrip("/")
    approvals = Approvals(
        store,
        rules,
        municipalities,
        topics,
        utc_now,
        approved,
        view_url=lambda invoice_id: f"{base_url}{STAFF_VIEW_PREFIX}/{invoice_id}",
    )
    consume_pools(runtime, SERVICE, settings.pools, municipalities, then=approvals.start)
    stream.register(runtime.broker, topics, runtime.group_id, process, approvals)

    app = runtime.create_app(
        title="IKDZ E-invoices",
        description=(
            "XRechnung e-invoices: intake (REST, upload form, batch import), validation with the official "
            "rules, Leitweg-ID routing, approval through routing's tasks, payment export."
        ),
    )
    secret = settings.status_token_secret.get_secret_value().encode()
    view = ViewInvoice(store, secret)
    pages = templates(TEMPLATES_DIR)
    current_staff = staff_principal(install_staff_auth(app, settings, issuer_path=None))
    export = ExportPayments(store, load_payment_config(settings.payment_file), topics, utc_now, exported)
    app.include_router(api_router(receive, view, secret, base_url))
    app.include_router(web_router(receive, view, pages, secret))
    app.include_router(payments_router(export, store, current_staff))
    names = {town.ags: town.display_name for town in municipalities}
    app.include_router(
        invoice_pages_router(
            StaffInvoiceReader(store, names),
            prefix=STAFF_VIEW_PREFIX,
            dependencies=[Depends(staff_binding(current_staff))],
        )
    )
    add_csrf_error_page(app, pages)
    mount_web_assets(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_invoice_bytes + FORM_OVERHEAD_BYTES)
    return app
