"""Worklists on the real broker and store: a task for a case routed to Augustusburg is visible and
actionable only for Augustusburg's pool, four-eyes holds through the API, completions reach Kafka,
and the audit log is a verifiable chain."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import HTTPException, Request
from ikdz_contracts.cloudevents import decode, encode, new_event
from ikdz_contracts.events import FourEyes, TaskCompleted, TaskOutcome, TaskRequested
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics, dlq
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_routing.bootstrap import create_app
from ikdz_routing.domain.tasks import Actor, Role
from ikdz_routing.settings import RoutingSettings
from pymongo import AsyncMongoClient

from .test_routing_service import submitted

pytestmark = pytest.mark.infra

STAFF = {
    "anna": Actor("anna", frozenset({"augustusburg"}), frozenset({Role.CLERK}), "14522020"),
    "ben": Actor("ben", frozenset({"augustusburg"}), frozenset({Role.CLERK}), "14522020"),
    "carla": Actor("carla", frozenset({"augustusburg"}), frozenset({Role.COORDINATOR}), "14522020"),
    "preparer": Actor("preparer", frozenset({"augustusburg"}), frozenset({Role.CLERK}), "14522020"),
    "wanda": Actor(
        "wanda", frozenset({"wurzen"}), frozenset({Role.CLERK, Role.ADMIN}), "14729410", frozenset({"14729410"})
    ),
}


async def as_header_staff(request: Request) -> Actor:
    """Test stand-in for token verification: the staff id comes in a header."""
    staff = STAFF.get(request.headers.get("x-test-staff", ""))
    if staff is None:
        raise HTTPException(401, "no staff")
    return staff


def task_request(task_id: str, case_id: str, pool_id: str = "augustusburg") -> bytes:
    data = TaskRequested(
        task_id=task_id,
        case_id=case_id,
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags="14729410",
        pool_id=pool_id,
        kind="gewerbe.permit_check",
        title_de="Bewachungserlaubnis prüfen",
        instructions_de="Liegt die Erlaubnis nach § 34a GewO vor?",
        four_eyes=FourEyes(excluded_actors=["preparer"], reason="hat die Anzeige vorbereitet"),
        outcomes=[
            TaskOutcome(code="approved", label_de="Erlaubnis liegt vor"),
            TaskOutcome(code="rejected", label_de="Keine Erlaubnis"),
        ],
    )
    return encode(
        new_event(
            data, source="urn:ikdz:trade-registration", subject=case_id, ownerags="14729410", time=datetime.now(UTC)
        )
    )


@pytest.fixture
async def routing(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    await db["routes"].insert_many([{"_id": f"old-{i}", "pool_id": "wurzen"} for i in range(3)])  # Augustusburg wins
    settings = settings_for(RoutingSettings, infra, database=mongo_db_name, topic_prefix=topic_prefix, dev_issuer=True)
    async with running(create_app(settings, resolve_actor=as_header_staff)) as client:
        yield client, db
    await mongo.close()


async def publish(infra: Infra, *messages: OutgoingMessage) -> None:
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    await producer.send_all(list(messages))
    await producer.stop()


async def eventually(check: Any, timeout: float = 15.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (result := await check()):
            await asyncio.sleep(0.1)
    return result


async def test_worklist_four_eyes_completion_and_audit(
    infra: Infra, topic_prefix: str, routing: tuple[httpx.AsyncClient, Any]
) -> None:
    client, db = routing
    topics = Topics(topic_prefix)
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-t1", value=submitted("case-t1")))
    await eventually(lambda: db["routes"].find_one({"_id": "case-t1"}))
    request = OutgoingMessage(topic=topics.task_requested, key=b"case-t1", value=task_request("task-1", "case-t1"))
    await publish(infra, request, request)  # redelivered

    def as_(staff: str) -> dict[str, str]:
        return {"x-test-staff": staff}

    async def anna_sees_it() -> list[Any]:
        return (await client.get("/api/v1/worklist", headers=as_("anna"))).json()

    tasks = await eventually(anna_sees_it)
    assert len(tasks) == 1, tasks.get("errors") if isinstance(tasks, dict) else tasks
    [task] = tasks
    assert task["task_id"] == "task-1"
    assert task["state"] == "open"
    assert task["agreement_ref"] == "ZV-IKDZ-2026-01 Wurzen/Augustusburg"

    # Wurzen's clerk works in another pool: the task does not exist for her.
    assert (await client.get("/api/v1/worklist", headers=as_("wanda"))).json() == []
    assert (await client.get("/api/v1/tasks/task-1", headers=as_("wanda"))).status_code == 404
    assert (await client.post("/api/v1/tasks/task-1/claim", json={}, headers=as_("wanda"))).status_code == 404
    assert (await client.get("/api/v1/worklist")).status_code == 401

    # Four-eyes: the preparer can neither claim nor be given the task.
    assert (await client.post("/api/v1/tasks/task-1/claim", json={}, headers=as_("preparer"))).status_code == 403
    assign = {"to": "preparer", "reason": "Vertretung"}
    assert (await client.post("/api/v1/tasks/task-1/assign", json=assign, headers=as_("carla"))).status_code == 403

    claimed = await client.post("/api/v1/tasks/task-1/claim", json={}, headers=as_("anna"))
    assert claimed.json()["assignee"] == "anna"
    not_assigned = {"outcome": "approved", "reason": "ok"}
    assert (
        await client.post("/api/v1/tasks/task-1/complete", json=not_assigned, headers=as_("ben"))
    ).status_code == 403
    bad_outcome = {"outcome": "vielleicht", "reason": "?"}
    assert (
        await client.post("/api/v1/tasks/task-1/complete", json=bad_outcome, headers=as_("anna"))
    ).status_code == 422
    decision = {"outcome": "approved", "reason": "Erlaubnis vom 01.10.2026 liegt vor"}
    done = await client.post("/api/v1/tasks/task-1/complete", json=decision, headers=as_("anna"))
    again = await client.post("/api/v1/tasks/task-1/complete", json=decision, headers=as_("anna"))
    assert done.status_code == again.status_code == 200
    assert done.json()["state"] == again.json()["state"] == "completed"
    assert again.json()["version"] == done.json()["version"] == 2

    async with TopicReader(infra.kafka_bootstrap_servers, topics.task_completed) as reader:
        await reader.wait_for(lambda r: len(r) >= 1)
        records = await reader.settle(1.0)
    [completed] = [decode(r.value, TaskCompleted) for r in records]
    assert (completed.data.outcome, completed.data.completed_by, completed.data.acting_ags) == (
        "approved",
        "anna",
        "14522020",
    )
    assert completed.ownerags == "14729410"
    assert completed.processingags == "14522020"

    audit = (await client.get("/api/v1/cases/case-t1/audit", headers=as_("anna"))).json()
    assert audit["chain_intact"], audit["problems"]
    assert [(e["action"], e["actor"]) for e in audit["entries"]] == [
        ("routed", "routing"),
        ("requested", "system"),
        ("claimed", "anna"),
        ("completed", "anna"),
    ]
    assert audit["entries"][-1]["acting_ags"] == "14522020"
    assert audit["entries"][0]["decision"]["reasons"], "the export carries the routing decision and its reasons"
    assert (audit["owner_ags"], audit["agreement_ref"]) == ("14729410", "ZV-IKDZ-2026-01 Wurzen/Augustusburg")
    # Wurzen's admin acts for the owner town and may read the audit log.
    assert (await client.get("/api/v1/cases/case-t1/audit", headers=as_("wanda"))).json()["chain_intact"]

    await db["task_changes"].update_one({"_id": "task-1:000001"}, {"$set": {"actor": "mallory"}})
    tampered = (await client.get("/api/v1/cases/case-t1/audit", headers=as_("anna"))).json()
    assert not tampered["chain_intact"]
    assert any("task-1" in p for p in tampered["problems"])

    route = await db["routes"].find_one({"_id": "case-t1"})
    forged = route["audit"].replace('"pool_id":"augustusburg"', '"pool_id":"wurzen"')
    assert forged != route["audit"]
    await db["routes"].update_one({"_id": "case-t1"}, {"$set": {"audit": forged}})
    tampered = (await client.get("/api/v1/cases/case-t1/audit", headers=as_("anna"))).json()
    assert "routing decision: content does not match its hash" in tampered["problems"]


async def test_a_task_for_a_pool_the_case_was_not_routed_to_is_dead_lettered(
    infra: Infra, topic_prefix: str, routing: tuple[httpx.AsyncClient, Any]
) -> None:
    _, db = routing
    topics = Topics(topic_prefix)
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-t2", value=submitted("case-t2")))
    await eventually(lambda: db["routes"].find_one({"_id": "case-t2"}))
    await publish(
        infra,
        OutgoingMessage(topic=topics.task_requested, key=b"case-t2", value=task_request("task-2", "case-t2", "wurzen")),
    )
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topics.task_requested)) as reader:
        [dead] = await reader.wait_for(lambda r: len(r) >= 1)
    assert b"is not routed to pool wurzen" in dict(dead.headers)["x-dlq-reason"]
    assert await db["task_changes"].count_documents({"task_id": "task-2"}) == 0


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def test_the_worklist_pages_work_without_javascript(
    infra: Infra, topic_prefix: str, routing: tuple[httpx.AsyncClient, Any]
) -> None:
    client, db = routing
    topics = Topics(topic_prefix)
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-t3", value=submitted("case-t3")))
    await eventually(lambda: db["routes"].find_one({"_id": "case-t3"}))
    await publish(
        infra, OutgoingMessage(topic=topics.task_requested, key=b"case-t3", value=task_request("task-3", "case-t3"))
    )
    anna = {"x-test-staff": "anna"}

    async def listed() -> str | None:
        html = (await client.get("/arbeitskorb", headers=anna)).text
        return html if "Bewachungserlaubnis prüfen" in html else None

    page = await eventually(listed)
    assert "Offene Aufgaben meiner Pools" in page
    assert "Wurzen" in page  # the owner town
    token = csrf_of(page)

    forged = await client.post("/aufgaben/task-3/uebernehmen", data={"csrf_token": "forged"}, headers=anna)
    assert forged.status_code == 403
    claimed = await client.post("/aufgaben/task-3/uebernehmen", data={"csrf_token": token}, headers=anna)
    assert claimed.status_code == 303
    assert claimed.headers["location"] == "/aufgaben/task-3"

    task_page = (await client.get("/aufgaben/task-3", headers=anna)).text
    assert "Entscheidung speichern" in task_page
    assert "ZV-IKDZ-2026-01 Wurzen/Augustusburg" in task_page
    missing = await client.post(
        "/aufgaben/task-3/erledigen", data={"csrf_token": token, "reason": "geprüft"}, headers=anna
    )
    assert missing.status_code == 422
    assert "Bitte wählen Sie eine der angebotenen Entscheidungen." in missing.text
    assert 'href="#outcome"' in missing.text
    done = await client.post(
        "/aufgaben/task-3/erledigen",
        data={"csrf_token": token, "outcome": "approved", "reason": "geprüft"},
        headers=anna,
    )
    assert done.status_code == 303
    assert "Erlaubnis liegt vor" in (await client.get("/aufgaben/task-3", headers=anna)).text
    assert (await client.get("/aufgaben/task-3", headers={"x-test-staff": "wanda"})).status_code == 404
