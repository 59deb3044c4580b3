"""trade-registration on the real broker and store: work item in, documents, events, messages and tasks out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ikdz_contracts.cloudevents import encode, new_event
from ikdz_contracts.events import TaskCompleted
from ikdz_contracts.payloads.gewerbe import RegistrationReason, to_payload
from ikdz_contracts.services import ServiceId
from ikdz_contracts.testing import case_submitted
from ikdz_contracts.topics import Topics
from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_trade_registration.adapters.mongo import MongoRegister
from ikdz_trade_registration.bootstrap import create_app
from ikdz_trade_registration.domain.flow import RegisterChange
from ikdz_trade_registration.domain.registrations import new_registration, registration_key
from ikdz_trade_registration.settings import DEV_INTERNAL_TOKEN, Settings
from pymongo import AsyncMongoClient

from .builders import AUGUSTUSBURG, WURZEN, activity, anmeldung, site

pytestmark = pytest.mark.infra

AGREEMENT = "ZV-IKDZ-2026-01 Wurzen/Augustusburg"


@pytest.fixture
async def service(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(Settings, infra, database=mongo_db_name, topic_prefix=topic_prefix, dev_issuer=True)
    async with running(create_app(settings)) as client:
        yield client


async def send(infra: Infra, *messages: OutgoingMessage) -> None:
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    await producer.send_all(list(messages))
    await producer.stop()


def work_item(topics: Topics, case_id: str, payload: dict[str, Any], owner: str = WURZEN) -> OutgoingMessage:
    """A case of ``owner`` routed to Augustusburg's pool (under the agreement when it is Wurzen's)."""
    data = case_submitted(case_id=case_id, payload=payload, owner_ags=owner)
    event = new_event(
        data,
        source="urn:ikdz:routing",
        subject=case_id,
        ownerags=owner,
        processingags=AUGUSTUSBURG,
        agreementref=AGREEMENT if owner != AUGUSTUSBURG else None,
    )
    return OutgoingMessage(
        topic=topics.work(ServiceId.TRADE_REGISTRATION, "augustusburg"), key=case_id.encode(), value=encode(event)
    )


def staff(subject: str, towns: list[str]) -> dict[str, str]:
    token = AuthSettings(dev_issuer=True).local_issuer().issue(subject, "Test", towns, [], ["clerk"])
    return {"Authorization": f"Bearer {token}"}


async def test_a_permit_free_anmeldung_runs_through_and_its_documents_are_served_to_whom_they_belong(
    infra: Infra, topic_prefix: str, service: httpx.AsyncClient
) -> None:
    topics = Topics(topic_prefix)
    item = work_item(topics, "case-tr-1", to_payload(anmeldung(filed_on=datetime.now(UTC).date())))
    await send(infra, item, item)  # redelivered

    async with TopicReader(
        infra.kafka_bootstrap_servers, topics.case_status, topics.gewerbe_events, topics.gewerbe_recipients
    ) as reader:
        await reader.wait_for(lambda rs: any(b'"completed"' in r.value for r in rs if r.topic == topics.case_status))
        records = await reader.settle(1.0)
    by_topic = {t: [json.loads(r.value) for r in records if r.topic == t] for t in {r.topic for r in records}}
    assert [e["data"]["state"] for e in by_topic[topics.case_status]] == ["completed"]  # once
    assert [e["type"].split(".")[3] for e in by_topic[topics.gewerbe_events]] == ["registered", "receipt", "fee"]
    assert {m["data"]["recipient"] for m in by_topic[topics.gewerbe_recipients]} >= {"sta", "fa", "ihk", "dguv"}

    documents = by_topic[topics.case_status][-1]["data"]["documents"]
    receipt = documents[0]["document_id"]
    internal = f"/internal/v1/cases/case-tr-1/documents/{receipt}"
    served = await service.get(internal, headers={"Authorization": f"Bearer {DEV_INTERNAL_TOKEN}"})
    assert (served.status_code, served.content[:4]) == (200, b"%PDF")
    assert (await service.get(internal, headers={"Authorization": "Bearer wrong-token-0000"})).status_code == 401
    assert (await service.get(internal.replace("case-tr-1", "case-other"))).status_code == 401

    listed = await service.get("/api/v1/cases/case-tr-1/documents", headers=staff("aug-clerk-01", ["14522020"]))
    assert [d["title_de"] for d in listed.json()] == ["Empfangsbestätigung zur Gewerbeanmeldung", "Gebührenbescheid"]
    other_town = await service.get("/api/v1/cases/case-tr-1/documents", headers=staff("grm-clerk-01", ["14729160"]))
    assert other_town.status_code == 404  # staff see only cases of towns they work for
    assert (await service.get("/api/v1/cases/case-tr-1/documents")).status_code == 401


async def test_a_security_business_waits_for_its_permit_check_and_is_closed_by_the_clerks_decision(
    infra: Infra, topic_prefix: str, service: httpx.AsyncClient
) -> None:
    del service
    topics = Topics(topic_prefix)
    security = anmeldung(filed_on=datetime.now(UTC).date(), activities=(activity("Bewachung von Objekten", "80.10.0"),))
    await send(infra, work_item(topics, "case-tr-2", to_payload(security)))
    async with TopicReader(infra.kafka_bootstrap_servers, topics.task_requested) as reader:
        [record] = await reader.wait_for(lambda rs: len(rs) >= 1)
    task = json.loads(record.value)["data"]
    assert (task["kind"], task["pool_id"]) == ("gewerbe.permit_check", "augustusburg")

    done = TaskCompleted(
        task_id=task["task_id"],
        case_id="case-tr-2",
        service=ServiceId.TRADE_REGISTRATION,
        kind=task["kind"],
        outcome="permit_present",
        reason="Erlaubnis liegt vor.",
        completed_by="aug-clerk-01",
        acting_ags="14522020",
        completed_at=datetime.now(UTC),
    )
    completed = encode(new_event(done, source="urn:ikdz:routing", subject="case-tr-2", ownerags="14729410"))
    message = OutgoingMessage(topic=topics.task_completed, key=b"case-tr-2", value=completed)
    await send(infra, message, message)

    async with TopicReader(infra.kafka_bootstrap_servers, topics.case_status) as reader:
        await reader.wait_for(lambda rs: any(b'"completed"' in r.value for r in rs))
        records = await reader.settle(1.0)
    states = [json.loads(r.value)["data"]["state"] for r in records]
    assert states == ["awaiting_clerk", "completed"]


async def test_a_move_from_wurzen_closes_the_registration_there_once_and_wurzen_tells_its_recipients(
    infra: Infra, mongo_db_name: str, topic_prefix: str, service: httpx.AsyncClient
) -> None:
    del service
    topics = Topics(topic_prefix)
    today = datetime.now(UTC).date()
    in_wurzen = new_registration(anmeldung(), "b-wurzen-1", "WUR-GEW-2026-000001")
    seeded = RegisterChange(action="create", registration=in_wurzen, hold_key=registration_key(in_wurzen))
    async with AsyncMongoClient[dict[str, Any]](infra.mongodb_uri) as client:
        await MongoRegister(client[mongo_db_name]).apply_all([seeded])
    moved = anmeldung(
        owner_ags=AUGUSTUSBURG,
        filed_on=today,
        effective_date=today + timedelta(days=7),
        establishment=anmeldung().establishment.model_copy(update={"address": site(AUGUSTUSBURG)}),
        registration_reason=RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK,
        previous_address=site(WURZEN),
    )
    item = work_item(topics, "case-tr-3", to_payload(moved), owner=AUGUSTUSBURG)
    await send(infra, item, item)  # redelivered

    async with TopicReader(
        infra.kafka_bootstrap_servers, topics.case_status, topics.gewerbe_events, topics.gewerbe_recipients
    ) as reader:
        await reader.wait_for(lambda rs: any(b'"completed"' in r.value for r in rs if r.topic == topics.case_status))
        records = await reader.settle(1.0)
    events = [json.loads(r.value) for r in records if r.topic == topics.gewerbe_events]
    messages = [json.loads(r.value) for r in records if r.topic == topics.gewerbe_recipients]
    closed = [e for e in events if e["type"] == "de.ikdz.gewerbe.deregistered.v1"]
    assert [(e["ownerags"], e["data"]["registration_id"], e["data"]["file_number"]) for e in closed] == [
        (WURZEN, "b-wurzen-1", "WUR-GEW-2026-000001")
    ]
    from_wurzen = [m["data"] for m in messages if m["ownerags"] == WURZEN]
    from_augustusburg = [m["data"] for m in messages if m["ownerags"] == AUGUSTUSBURG]
    assert len({m["message_id"] for m in from_wurzen}) == len(from_wurzen)  # once each, despite the redelivery
    assert sorted(m["recipient"] for m in from_wurzen) == sorted(m["recipient"] for m in from_augustusburg)
    assert {(m["message_type"][-4:], m["registration_id"], m["case_id"]) for m in from_wurzen} == {
        ("0300", "b-wurzen-1", "case-tr-3")
    }
    fa = next(m["content"] for m in from_wurzen if m["recipient"] == "fa")
    assert f"<behoerdenkennung>MELDID:{WURZEN}</behoerdenkennung>" in fa
    assert f"<gemeindeSchluessel>{AUGUSTUSBURG}</gemeindeSchluessel>" in fa.split("<verlegtNach>")[1]

    async with AsyncMongoClient[dict[str, Any]](infra.mongodb_uri) as client:
        [stored] = await MongoRegister(client[mongo_db_name]).candidates([], ["b-wurzen-1"])
    assert stored.deregistered_on == today + timedelta(days=6)
