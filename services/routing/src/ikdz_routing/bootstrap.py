"""Composition root of routing: ``uvicorn --factory ikdz_routing.bootstrap:create_app``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_platform.auth.dependencies import staff_principal
from ikdz_platform.auth.setup import install_staff_auth
from ikdz_platform.logs import configure_logging
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.web import add_csrf_error_page, mount_web_assets

from ikdz_routing.adapters.config_file import ConfigFile
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from ikdz_routing.adapters.mongo_config import MongoConfigVersions
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.audit_log import CaseAudit
from ikdz_routing.app.case_deadlines import CaseNotices, CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig, ConfigAdmin
from ikdz_routing.app.coordination import Coordination, DeadlineLights
from ikdz_routing.app.deadline_checker import CheckDeadlines, CheckTaskDeadlines
from ikdz_routing.app.route_case import CloseCase, RouteCase
from ikdz_routing.app.tasks import AcceptTaskRequest, ActOnTask, Worklists
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.entrypoints import stream
from ikdz_routing.entrypoints.admin_api import admin_router
from ikdz_routing.entrypoints.coordination_pages import coordination_pages
from ikdz_routing.entrypoints.staff import actor_from
from ikdz_routing.entrypoints.tasks_api import ActorResolver, tasks_router
from ikdz_routing.entrypoints.worklist_pages import TaskRows, worklist_pages
from ikdz_routing.settings import RoutingSettings

SERVICE = "routing"


def utc_now() -> datetime:
    """Now, to the millisecond: what the store keeps, so hashes over stored times verify."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _pool_town(active: ActiveConfig) -> Callable[[str], str | None]:
    """The processing town of a pool in the configuration in force at the time of the request."""

    def town(pool_id: str) -> str | None:
        pool = active.current.pool(pool_id)
        return None if pool is None else pool.processing_ags

    return town


def create_app(settings: RoutingSettings | None = None, *, resolve_actor: ActorResolver | None = None) -> FastAPI:
    """The routing service. Staff are authenticated with OIDC tokens (``IKDZ_OIDC_*``, or the dev
    issuer with ``IKDZ_DEV_ISSUER=true``); tests may pass their own ``resolve_actor``."""
    settings = settings or RoutingSettings()
    configure_logging(SERVICE, level=settings.log_level, json=settings.log_json)
    municipalities = load_municipalities()
    config_file = ConfigFile(settings.config_file, municipalities)
    active = ActiveConfig(config_file.load())  # an invalid file stops the start here
    runtime = ServiceRuntime(SERVICE, settings)
    topics = runtime.topics
    runtime.create_topics([topics.case_submitted, topics.case_status, topics.task_requested], with_dead_letters=True)
    runtime.create_topics([topics.case_routed, topics.task_completed])

    async def create_work_topics(config: RoutingConfig) -> None:
        await runtime.add_topics([topics.work(service, pool.id) for pool in config.pools for service in pool.services])

    versions = MongoConfigVersions(runtime.db)
    runtime.on_start(versions.create_indexes)
    config_admin = ConfigAdmin(versions, active, config_file, utc_now, create_work_topics)
    runtime.on_start(config_admin.start)
    runtime.every("routing-config", settings.config_poll_seconds, config_admin.poll)
    repository = MongoRouteRepository(
        runtime.db, runtime.outbox_relay(), recount_seconds=settings.backlog_recount_seconds
    )
    runtime.on_start(repository.set_up_store)
    route = RouteCase(repository, active, municipalities, topics, utc_now, chunk=settings.route_write_chunk)
    tasks = MongoTaskRepository(runtime.db)
    runtime.on_start(tasks.set_up_store)
    task_outbox = runtime.outbox(tasks.changes)
    stream.register(
        runtime.broker,
        topics,
        runtime.group_id,
        runtime.dead_letters,
        route,
        CloseCase(repository),
        AcceptTaskRequest(tasks, active, utc_now),
    )
    case_deadlines = MongoCaseDeadlines(runtime.db)
    runtime.on_start(case_deadlines.create_indexes)
    task_deadlines = MongoTaskDeadlines(runtime.db)
    runtime.on_start(task_deadlines.create_indexes)
    check_tasks = CheckTaskDeadlines(tasks, task_deadlines, repository)
    check = CheckDeadlines(check_tasks, CheckCaseDeadlines(case_deadlines), active, utc_now)
    runtime.every("deadline-check", settings.deadline_check_seconds, check)
    app = runtime.create_app(
        title="IKDZ Routing",
        description="Assigns each case to a worker pool of its own town or of a partner town under an agreement.",
    )

    if resolve_actor is None:
        resolve_actor = actor_from(staff_principal(install_staff_auth(app, settings)), _pool_town(active))
    act = ActOnTask(tasks, topics, utc_now, task_outbox, active)
    worklists = Worklists(tasks, utc_now)
    lights = DeadlineLights(active, utc_now)
    coordination = Coordination(worklists, lights, case_deadlines)
    audit = CaseAudit(tasks, case_deadlines)
    app.include_router(tasks_router(worklists, act, audit, coordination, lights, resolve_actor))
    app.include_router(admin_router(config_admin, resolve_actor))
    rows = TaskRows(lights, municipalities)
    notices = CaseNotices(case_deadlines, active, utc_now)
    pages_router, pages = worklist_pages(worklists, act, rows, notices, resolve_actor)
    app.include_router(pages_router)
    app.include_router(coordination_pages(coordination, act, rows, pages, resolve_actor))
    add_csrf_error_page(app, pages)
    mount_web_assets(app)

    @app.get("/api/v1/config", tags=["configuration"], summary="Pools and agreements in force (public law)")
    async def public_config() -> dict[str, object]:
        """The configuration in force without the pools' members (staff ids are not public)."""
        return active.current.model_dump(mode="json", exclude={"pools": {"__all__": {"members"}}})

    return app
