"""Case deadlines on the clerk's task page and in the coordinator's view (page and REST): a German
notice with the dates where a case's target or legal date is near or missed, only for members of
the pool the case was routed to; coordinators see the warned and escalated open cases of their pools,
and a case turns its pool's and town's light."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.topics import Topics
from ikdz_platform.web import mount_web_assets
from ikdz_routing.app.audit_log import CaseAudit
from ikdz_routing.app.case_deadlines import CaseNotices, CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.coordination import Coordination, DeadlineLights
from ikdz_routing.app.tasks import ActOnTask, Worklists
from ikdz_routing.domain.deadlines import Step
from ikdz_routing.domain.tasks import Action, Actor, Role, checker_change, replay
from ikdz_routing.entrypoints.coordination_pages import coordination_pages
from ikdz_routing.entrypoints.tasks_api import tasks_router
from ikdz_routing.entrypoints.worklist_pages import TaskRows, worklist_pages

from .fakes import FakeCaseDeadlines, FakeClock, FakeTaskRepository
from .test_assignment import _NoRelay
from .test_deadline_checker import AUGUSTUSBURG, WURZEN, config, definition, routed_on

STAFF = {
    "anna": Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN),
    "carla": Actor("carla", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN),
    "gustav": Actor("gustav", frozenset({"augustusburg"}), frozenset({Role.COORDINATOR}), AUGUSTUSBURG),
}
NOTICE = "Frist des Vorgangs"


async def as_header_staff(request: Request) -> Actor:
    staff = STAFF.get(request.headers.get("x-test-staff", ""))
    if staff is None:
        raise HTTPException(401, "no staff")
    return staff


@dataclass
class World:
    app: FastAPI
    store: FakeCaseDeadlines


async def case_deadline_world() -> World:
    """Thursday 3 December 2026, after the deadline checker's run: cases routed on Monday to Wurzen
    (near, missed, in time, closed) and one to Augustusburg whose task was moved to Wurzen. Every
    task is in time, so any other light comes from the cases."""
    monday = date(2026, 11, 30)
    store = FakeCaseDeadlines(
        [
            routed_on(monday, "c-yellow", "2026-12-04"),
            routed_on(monday, "c-red", "2026-12-02", "2026-12-09"),
            routed_on(monday, "c-green", "2026-12-18"),
            routed_on(monday, "c-closed", "2026-12-01"),
            routed_on(monday, "c-aug", "2026-12-01") | {"pool_id": "augustusburg", "owner_ags": AUGUSTUSBURG},
        ]
    )
    store.closed.add("c-closed")
    store.sweeps.add("2026-11-29")
    clock = FakeClock(datetime(2026, 12, 3, 9, tzinfo=UTC))
    active = ActiveConfig(config(reroute=[]))
    tasks = FakeTaskRepository()
    for case_id in ("c-yellow", "c-red", "c-green", "c-closed"):
        await tasks.create(
            definition(
                f"t-{case_id[2:]}", case_id=case_id, title_de=f"Prüfen {case_id}", target_date=date(2026, 12, 18)
            ),
            None,
            check_day=None,
        )
    moved = definition(
        "t-moved", case_id="c-aug", owner_ags=AUGUSTUSBURG, pool_id="augustusburg", target_date=date(2026, 12, 18)
    )
    await tasks.create(moved, None, check_day=None)
    loaded = await tasks.load("t-moved")
    assert loaded is not None
    away = checker_change(replay(moved, []), Action.REROUTED, "Test", clock(), pool_id="wurzen", agreement_ref="ZV")
    await tasks.append(away, moved, loaded[2], [], pool_id="augustusburg", check_day=None)
    report = await CheckCaseDeadlines(store)(active.current, clock())
    assert (report[Step.WARN], report[Step.ESCALATE]) == (1, 2)  # c-yellow; c-red and c-aug

    lights, worklists = DeadlineLights(active, clock), Worklists(tasks, clock)
    act = ActOnTask(tasks, Topics("t."), clock, _NoRelay(), active)
    coordination = Coordination(worklists, lights, store)
    rows = TaskRows(lights, load_municipalities())
    app = FastAPI()
    mount_web_assets(app)
    router, pages = worklist_pages(worklists, act, rows, CaseNotices(store, active, clock), as_header_staff)
    app.include_router(router)
    app.include_router(coordination_pages(coordination, act, rows, pages, as_header_staff))
    app.include_router(tasks_router(worklists, act, CaseAudit(tasks, store), coordination, lights, as_header_staff))
    return World(app, store)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    world = await case_deadline_world()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=world.app), base_url="http://test") as client:
        yield client


def as_(name: str) -> dict[str, str]:
    return {"x-test-staff": name}


async def test_the_clerk_sees_a_notice_with_the_dates_when_the_cases_deadline_is_near_or_missed(
    client: httpx.AsyncClient,
) -> None:
    near = (await client.get("/aufgaben/t-yellow", headers=as_("anna"))).text
    assert "Frist des Vorgangs naht" in near
    assert "Der Vorgang c-yellow ist bis zum 04.12.2026 abzuschließen." in near
    assert "Zieldatum: 04.12.2026 – Gelb: Frist naht" in near

    missed = (await client.get("/aufgaben/t-red", headers=as_("anna"))).text
    assert "Frist des Vorgangs überschritten" in missed
    assert 'role="alert"' in missed
    assert "Der Vorgang c-red hätte bis zum 02.12.2026 abgeschlossen sein sollen." in missed
    assert "Zieldatum: 02.12.2026 – Rot: Frist überschritten" in missed
    assert "Gesetzliche Frist: 09.12.2026 – Grün: im Plan" in missed

    for task_id, why in [
        ("t-green", "in time"),
        ("t-closed", "the case is closed"),
        ("t-moved", "the case was routed to Augustusburg: not a case of Anna's pools"),
    ]:
        page = await client.get(f"/aufgaben/{task_id}", headers=as_("anna"))
        assert page.status_code == 200, task_id
        assert NOTICE not in page.text, why


async def test_coordinators_see_the_warned_and_escalated_cases_of_their_pools_and_the_light_they_turn(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/api/v1/coordination", headers=as_("carla"))).json()
    assert [(c["case_id"], c["deadline_light"], c["step"], c["due_date"]) for c in body["cases"]] == [
        ("c-red", "rot", "escalated", "2026-12-02"),
        ("c-yellow", "gelb", "warned", "2026-12-04"),
    ]
    assert body["cases"][0]["legal_date"] == "2026-12-09"
    [pool] = body["pools"]
    assert (pool["key"], pool["gruen"], pool["gelb"], pool["rot"]) == ("wurzen", 5, 0, 0)  # tasks all in time
    assert (pool["cases_warned"], pool["cases_escalated"], pool["worst"]) == (1, 1, "rot")  # ... cases not
    assert [(t["key"], t["worst"]) for t in body["towns"]] == [(AUGUSTUSBURG, "gruen"), (WURZEN, "rot")]

    theirs = (await client.get("/api/v1/coordination", headers=as_("gustav"))).json()
    assert [c["case_id"] for c in theirs["cases"]] == ["c-aug"]
    assert [(p["key"], p["cases_escalated"], p["worst"]) for p in theirs["pools"]] == [("augustusburg", 1, "rot")]
    assert (await client.get("/api/v1/coordination", headers=as_("anna"))).status_code == 403

    page = (await client.get("/koordination", headers=as_("carla"))).text
    assert "Vorgänge, deren Frist naht oder überschritten ist" in page
    assert "Eskaliert am 03.12.2026" in page
    assert "Gewarnt am 03.12.2026" in page
    assert "WUR-GEW-2026-c-red" in page
    assert "c-aug" not in page
    others = (await client.get("/koordination", headers=as_("gustav"))).text
    assert "c-aug" in others
    assert "c-red" not in others
