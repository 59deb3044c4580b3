"""Intake's REST API on the real broker and store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ikdz_contracts.cloudevents import decode, encode
from ikdz_contracts.events import CaseSubmitted
from ikdz_contracts.testing import gewerbe_payload
from ikdz_contracts.topics import Topics
from ikdz_intake.bootstrap import create_app
from ikdz_intake.settings import IntakeSettings
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from pymongo import AsyncMongoClient

from .test_status_projection import status_of

pytestmark = pytest.mark.infra

VALID: dict[str, Any] = {
    "service": "trade-registration",
    "owner_ags": "14729410",
    "applicant": {"kind": "natural_person", "name": "Erika Mustermann", "email": "erika@example.org"},
    "payload": gewerbe_payload(),
}


@pytest.fixture
async def client(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        IntakeSettings, infra, database=mongo_db_name, topic_prefix=topic_prefix, max_body_bytes=4096
    )
    async with running(create_app(settings)) as client:
        yield client


@pytest.fixture
async def stored(infra: Infra, mongo_db_name: str) -> AsyncIterator[Any]:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    yield mongo[mongo_db_name]
    await mongo.close()


async def test_submit_answers_201_and_publishes_case_submitted(
    client: httpx.AsyncClient, infra: Infra, topic_prefix: str
) -> None:
    response = await client.post("/api/v1/cases", json=VALID, headers={"Idempotency-Key": "k-0000000001"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_number"] == "WUR-GEW-2026-000001"
    assert response.headers["location"].endswith(f"/api/v1/cases/{body['case_id']}")
    assert "token=" in body["status_url"] and "/vorgaenge/" in body["status_page_url"]
    async with TopicReader(infra.kafka_bootstrap_servers, Topics(topic_prefix).case_submitted) as reader:
        [record] = await reader.wait_for(lambda r: len(r) >= 1)
    event = decode(record.value, CaseSubmitted)
    assert record.key == body["case_id"].encode()
    assert event.data.case_id == body["case_id"] and event.data.file_number == body["file_number"]
    assert event.source == "urn:ikdz:intake" and event.ownerags == "14729410"


async def test_same_key_gives_one_case_and_another_body_gives_409(client: httpx.AsyncClient, stored: Any) -> None:
    headers = {"Idempotency-Key": "k-0000000002"}
    first = await client.post("/api/v1/cases", json=VALID, headers=headers)
    again = await client.post("/api/v1/cases", json=VALID, headers=headers)
    other = await client.post(
        "/api/v1/cases", json={**VALID, "payload": gewerbe_payload(employees_full_time=3)}, headers=headers
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert await stored["cases"].count_documents({}) == 1


@pytest.mark.parametrize(
    ("body", "expected_fields"),
    [
        ({**VALID, "service": "hundesteuer"}, ["service"]),
        ({**VALID, "owner_ags": "1472941"}, ["owner_ags"]),
        ({**VALID, "owner_ags": "14999999"}, ["owner_ags"]),
        ({**VALID, "applicant": {"kind": "natural_person"}}, ["applicant.name"]),
        ({**VALID, "applicant": {**VALID["applicant"], "email": "no-at-sign"}}, ["applicant.email"]),
        ({**VALID, "payload": "not an object"}, ["payload"]),
        ({**VALID, "payload": {**gewerbe_payload(), "legal_form": "x"}}, ["payload.legal_form"]),
        ({**VALID, "unexpected": 1}, ["unexpected"]),
        ({"applicant": VALID["applicant"]}, ["service", "owner_ags"]),
    ],
)
async def test_bad_fields_get_422_with_one_error_per_field_and_nothing_is_stored(
    client: httpx.AsyncClient, stored: Any, body: dict[str, Any], expected_fields: list[str]
) -> None:
    response = await client.post("/api/v1/cases", json=body)

    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert sorted(error["field"] for error in problem["errors"]) == sorted(expected_fields)
    assert all(error["message"] for error in problem["errors"])
    assert await stored["cases"].count_documents({}) == 0
    assert await stored["counters"].count_documents({}) == 0


async def test_malformed_json_gets_422(client: httpx.AsyncClient, stored: Any) -> None:
    response = await client.post("/api/v1/cases", content=b'{"service": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"
    assert await stored["cases"].count_documents({}) == 0


async def test_a_body_over_the_limit_gets_413_and_nothing_is_stored(client: httpx.AsyncClient, stored: Any) -> None:
    huge = {**VALID, "payload": {**gewerbe_payload(), "trade_name": "x" * 5000}}
    response = await client.post(
        "/api/v1/cases", content=json.dumps(huge), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert await stored["cases"].count_documents({}) == 0


async def test_status_needs_the_token(client: httpx.AsyncClient) -> None:
    created = (await client.post("/api/v1/cases", json=VALID)).json()

    ok = await client.get(created["status_url"].replace("http://127.0.0.1:8000", ""))
    wrong = await client.get(f"/api/v1/cases/{created['case_id']}", params={"token": "0" * 40})
    missing = await client.get(f"/api/v1/cases/{created['case_id']}")

    assert ok.status_code == 200
    assert ok.json()["state"] == "received" and ok.json()["history"][0]["label_de"] == "Eingegangen"
    assert wrong.status_code == 404
    assert missing.status_code == 422


async def test_status_events_are_projected_once(client: httpx.AsyncClient, infra: Infra, topic_prefix: str) -> None:
    created = (await client.post("/api/v1/cases", json=VALID)).json()
    event = status_of(created)
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    try:
        message = OutgoingMessage(
            topic=Topics(topic_prefix).case_status, key=created["case_id"].encode(), value=encode(event)
        )
        await producer.send_all([message, message])  # delivered twice
    finally:
        await producer.stop()
    url = created["status_url"].replace("http://127.0.0.1:8000", "")

    async def states() -> list[str]:
        return [entry["state"] for entry in (await client.get(url)).json()["history"]]

    async with asyncio.timeout(10):
        while len(await states()) < 2:
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # a second copy would have arrived by now
    assert await states() == ["received", "in_progress"]
    assert (await client.get(url)).json()["history"][1]["processing_town"] == "Augustusburg"


async def test_concurrent_submissions_all_succeed_with_distinct_file_numbers(client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/cases", json={**VALID, "payload": gewerbe_payload(employees_full_time=n)})
            for n in range(12)
        )
    )
    assert [r.status_code for r in responses] == [201] * 12
    numbers = sorted(r.json()["file_number"] for r in responses)
    assert numbers == [f"WUR-GEW-2026-{n:06d}" for n in range(1, 13)]
