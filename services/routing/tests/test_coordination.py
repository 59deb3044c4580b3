"""The coordinator's view and bulk actions, and the deadline checker, on the real broker and store:
traffic lights per pool and owner town for the coordinator's pools only, bulk assign/reassign with a
mandatory reason, and an overdue unclaimed task escalated and moved to the owner town's pool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import HTTPException, Request
from ikdz_contracts.cloudevents import encode, new_event
from ikdz_contracts.events import TaskOutcome, TaskRequested
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.case_deadlines import CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.deadline_checker import CheckDeadlines, CheckTaskDeadlines
from ikdz_routing.bootstrap import create_app
from ikdz_routing.domain.tasks import Actor, Role
from ikdz_routing.settings import RoutingSettings
from pymongo import AsyncMongoClient

from .fakes import FakeClock, store_only_relay
from .test_routing_service import submitted
from .test_worklist_api import csrf_of, eventually, publish

pytestmark = pytest.mark.infra
AUG, WUR = "14522020", "14729410"
STAFF = {
    "anna": Actor("anna", frozenset({"augustusburg"}), frozenset({Role.CLERK}), AUG),
    "ben": Actor("ben", frozenset({"augustusburg"}), frozenset({Role.CLERK}), AUG),
    "carla": Actor("carla", frozenset({"augustusburg"}), frozenset({Role.COORDINATOR}), AUG),
    "wilma": Actor("wilma", frozenset({"wurzen"}), frozenset({Role.CLERK, Role.COORDINATOR}), WUR),
}


async def as_header_staff(request: Request) -> Actor:
    staff = STAFF.get(request.headers.get("x-test-staff", ""))
    if staff is None:
        raise HTTPException(401, "no staff")
    return staff


def as_(name: str) -> dict[str, str]:
    return {"x-test-staff": name}


def task_request(task_id: str, case_id: str, due_at: datetime | None) -> bytes:
    data = TaskRequested(
        task_id=task_id,
        case_id=case_id,
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags=WUR,
        pool_id="augustusburg",
        kind="gewerbe.check",
        title_de=f"Anzeige prüfen {task_id}",
        instructions_de="Bitte prüfen.",
        due_at=due_at,
        outcomes=[TaskOutcome(code="ok", label_de="In Ordnung")],
    )
    return encode(new_event(data, source="urn:ikdz:test", subject=case_id, ownerags=WUR, time=datetime.now(UTC)))


@pytest.fixture
async def routing(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    db = mongo[mongo_db_name]
    await db["routes"].insert_many([{"_id": f"old-{i}", "pool_id": "wurzen"} for i in range(3)])  # Augustusburg wins
    settings = settings_for(RoutingSettings, infra, database=mongo_db_name, topic_prefix=topic_prefix, dev_issuer=True)
    async with running(create_app(settings, resolve_actor=as_header_staff)) as client:
        yield client, db
    await mongo.close()


async def test_coordinator_view_bulk_actions_and_deadline_escalation(
    infra: Infra, topic_prefix: str, routing: tuple[httpx.AsyncClient, Any]
) -> None:
    client, db = routing
    topics = Topics(topic_prefix)
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-k1", value=submitted("case-k1")))
    route = await eventually(lambda: db["routes"].find_one({"_id": "case-k1"}))
    assert route["pool_id"] == "augustusburg"
    assert route["target_date"] > route["routed_at"].date().isoformat()  # the case's own deadline
    assert route["routed_at"].date().isoformat() < route["deadline_check_day"] < route["target_date"]  # warning day
    overdue = datetime.now(UTC) - timedelta(days=10)  # before the last working day, whatever today is
    await publish(
        infra,
        OutgoingMessage(topic=topics.task_requested, key=b"case-k1", value=task_request("t-k1", "case-k1", overdue)),
        OutgoingMessage(topic=topics.task_requested, key=b"case-k1", value=task_request("t-k2", "case-k1", None)),
    )

    async def both_listed() -> Any:
        body = (await client.get("/api/v1/coordination", headers=as_("carla"))).json()
        return body if sum(p["open"] for p in body["pools"]) == 2 else None

    overview = await eventually(both_listed)
    [pool] = overview["pools"]
    assert (pool["key"], pool["open"], pool["rot"], pool["gruen"], pool["worst"]) == ("augustusburg", 2, 1, 1, "rot")
    assert [(t["key"], t["rot"]) for t in overview["towns"]] == [(WUR, 1)]
    assert [t["task_id"] for t in overview["attention"]] == ["t-k1"]
    assert (await client.get("/api/v1/coordination", headers=as_("anna"))).status_code == 403
    wurzen_view = (await client.get("/api/v1/coordination", headers=as_("wilma"))).json()
    assert [p["key"] for p in wurzen_view["pools"]] == ["wurzen"]  # only her pools, nothing of Augustusburg's
    assert wurzen_view["attention"] == []

    # The page: traffic lights in words, bulk actions need a reason.
    page = (await client.get("/koordination", headers=as_("carla"))).text
    assert "Rot: Frist überschritten" in page
    assert "Wurzen" in page
    assert (await client.get("/koordination", headers=as_("anna"))).status_code == 403
    token = csrf_of(page)
    form = {"csrf_token": token, "aktion": "zuweisen", "aufgaben": ["t-k2"], "an": "anna", "begruendung": " "}
    missing_reason = await client.post("/koordination", data=form, headers=as_("carla"))
    assert missing_reason.status_code == 422
    assert 'href="#begruendung"' in missing_reason.text
    done = await client.post("/koordination", data={**form, "begruendung": "Urlaubsvertretung"}, headers=as_("carla"))
    assert done.status_code == 200
    assert "t-k2: erledigt" in done.text
    assert (await client.get("/api/v1/tasks/t-k2", headers=as_("anna"))).json()["assignee"] == "anna"

    bulk = {"action": "reassign", "task_ids": ["t-k2", "t-k1"], "to": "ben", "reason": "Ausgleich"}
    results = (await client.post("/api/v1/tasks:bulk", json=bulk, headers=as_("carla"))).json()["results"]
    assert (results["t-k2"]["status"], results["t-k2"]["task"]["assignee"]) == (200, "ben")
    assert results["t-k1"]["status"] == 409  # open: nothing to reassign
    no_reason = {**bulk, "reason": ""}
    assert (await client.post("/api/v1/tasks:bulk", json=no_reason, headers=as_("carla"))).status_code == 422

    # The deadline checker (its clock controlled): t-k1 is overdue and unclaimed, so it is escalated
    # and moves to the owner town's own pool; t-k2 is claimed and on time.
    active = ActiveConfig(load_routing_config(PILOT_CONFIG, load_municipalities()))
    routes, cases = MongoRouteRepository(db, store_only_relay()), CheckCaseDeadlines(MongoCaseDeadlines(db))
    tasks = CheckTaskDeadlines(MongoTaskRepository(db), MongoTaskDeadlines(db), routes)
    check = CheckDeadlines(tasks, cases, active, FakeClock(datetime.now(UTC)))
    report = await check()
    assert (report.escalated, report.rerouted) == (1, 1)
    assert (await check()).escalated == 0  # once
    assert (await client.get("/api/v1/tasks/t-k1", headers=as_("carla"))).status_code == 404
    moved = (await client.get("/api/v1/tasks/t-k1", headers=as_("wilma"))).json()
    assert (moved["pool_id"], moved["state"], moved["escalated"], moved["deadline_light"]) == (
        "wurzen",
        "open",
        True,
        "rot",
    )
    assert moved["agreement_ref"] is None  # back home: the owner town's own pool
    assert [t["task_id"] for t in (await client.get("/api/v1/worklist", headers=as_("wilma"))).json()] == ["t-k1"]
    assert "Eskaliert" in (await client.get("/arbeitskorb", headers=as_("wilma"))).text

    audit = (await client.get("/api/v1/cases/case-k1/audit", headers=as_("anna"))).json()
    assert audit["chain_intact"], audit["problems"]
    checker = [(e["task_id"], e["action"]) for e in audit["entries"] if e["actor"] == "routing:deadline-checker"]
    assert checker == [("t-k1", "escalated"), ("t-k1", "rerouted")]
    reasons = [e.get("reason") or "" for e in audit["entries"] if e["action"] == "assigned"]
    assert reasons == ["Urlaubsvertretung", "Ausgleich"]
