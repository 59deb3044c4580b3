"""The coordinator page and the task page in Debian's Chromium without JavaScript: traffic lights,
the bulk form, the cases whose deadline is near or missed and the clerk's case deadline notice pass
axe (WCAG 2.1 AA), also with the error summary of a bulk action without a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi import FastAPI, Request
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.topics import Topics
from ikdz_platform.web import mount_web_assets
from ikdz_platform.web.browser_testing import assert_no_axe_violations, serve_app
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.app.case_deadlines import CaseNotices
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.coordination import Coordination, DeadlineLights
from ikdz_routing.app.tasks import ActOnTask, Worklists
from ikdz_routing.domain.tasks import Actor, Role
from ikdz_routing.entrypoints.coordination_pages import coordination_pages
from ikdz_routing.entrypoints.worklist_pages import TaskRows, worklist_pages
from playwright.async_api import Page

from .fakes import FakeCaseDeadlines, FakeClock, FakeTaskRepository
from .test_assignment import _NoRelay
from .test_case_deadline_pages import case_deadline_world
from .test_deadline_checker import definition

pytestmark = pytest.mark.browser
CARLA = Actor("carla", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), "14729410")


async def as_carla(_request: Request) -> Actor:
    return CARLA


async def test_the_coordinator_page_is_accessible(browser_page_nojs: Page) -> None:
    tasks = FakeTaskRepository()
    await tasks.create(
        definition("t-red", title_de="Anzeige prüfen (überfällig)", target_date=date(2026, 12, 1)), None, check_day=None
    )
    await tasks.create(
        definition("t-yellow", title_de="Anzeige prüfen (bald fällig)", target_date=date(2026, 12, 4)),
        None,
        check_day=None,
    )
    await tasks.create(
        definition("t-green", title_de="Anzeige prüfen", target_date=date(2026, 12, 11)), None, check_day=None
    )
    clock = FakeClock(datetime(2026, 12, 3, 9, tzinfo=UTC))
    active = ActiveConfig(load_routing_config(PILOT_CONFIG, load_municipalities()))
    lights = DeadlineLights(active, clock)
    worklists = Worklists(tasks, clock)
    act = ActOnTask(tasks, Topics("t."), clock, _NoRelay(), active)
    rows = TaskRows(lights, load_municipalities())
    app = FastAPI()
    mount_web_assets(app)
    cases = FakeCaseDeadlines()
    router, pages = worklist_pages(worklists, act, rows, CaseNotices(cases, active, clock), as_carla)
    app.include_router(router)
    app.include_router(coordination_pages(Coordination(worklists, lights, cases), act, rows, pages, as_carla))

    async with serve_app(app) as base_url:
        page = browser_page_nojs
        response = await page.goto(f"{base_url}/koordination")
        assert response is not None and response.status == 200
        assert await page.get_by_text("Rot: Frist überschritten").count() >= 1
        assert await page.get_by_text("Gelb: Frist naht").count() >= 1
        await assert_no_axe_violations(page)

        await page.get_by_label("Anzeige prüfen (überfällig) auswählen").check()
        await page.get_by_role("radio", name="Freigeben", exact=True).check()
        await page.get_by_role("button", name="Ausführen").click()
        assert await page.get_by_text("Bitte geben Sie eine Begründung an.").count() >= 1
        await assert_no_axe_violations(page)


async def test_case_deadlines_on_the_coordinator_page_and_the_task_page_are_accessible(
    browser_page_nojs: Page,
) -> None:
    world = await case_deadline_world()
    page = browser_page_nojs
    async with serve_app(world.app) as base_url:
        await page.set_extra_http_headers({"x-test-staff": "carla"})
        await page.goto(f"{base_url}/koordination")
        table = page.get_by_role("table", name="Vorgänge, deren Frist naht oder überschritten ist")
        assert await table.get_by_role("rowheader", name="c-red").count() == 1
        await assert_no_axe_violations(page)

        await page.set_extra_http_headers({"x-test-staff": "anna"})
        for task_id, title in [("t-red", "Frist des Vorgangs überschritten"), ("t-yellow", "Frist des Vorgangs naht")]:
            await page.goto(f"{base_url}/aufgaben/{task_id}")
            assert await page.get_by_role("heading", name=title).count() == 1
            await assert_no_axe_violations(page)
