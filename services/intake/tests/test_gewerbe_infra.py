"""Gewerbeanzeigen on the real broker and store: a filed form and an API notice become case.submitted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from ikdz_contracts.cloudevents import decode
from ikdz_contracts.events import CaseSubmitted
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_contracts.testing import gewerbe_payload
from ikdz_contracts.topics import Topics
from ikdz_intake.bootstrap import create_app
from ikdz_intake.settings import IntakeSettings
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader

from .gewerbe_support import FORM_URL, post_form, valid_form
from .xml_samples import anmeldung_xml

pytestmark = pytest.mark.infra


@pytest.fixture
async def client(infra: Infra, mongo_db_name: str, topic_prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(IntakeSettings, infra, database=mongo_db_name, topic_prefix=topic_prefix)
    async with running(create_app(settings)) as client:
        yield client


async def _submitted(infra: Infra, topic_prefix: str, count: int) -> list[CaseSubmitted]:
    async with TopicReader(infra.kafka_bootstrap_servers, Topics(topic_prefix).case_submitted) as reader:
        records = await reader.wait_for(lambda r: len(r) >= count)
    return [decode(record.value, CaseSubmitted).data for record in records]


async def test_a_filed_form_produces_case_submitted_with_the_payload(
    client: httpx.AsyncClient, infra: Infra, topic_prefix: str
) -> None:
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).date()
    form = valid_form(today)

    checked = await post_form(client, form)
    sent = await post_form(client, form, action="absenden")

    assert checked.status_code == 200, checked.text[:2000]
    assert sent.status_code == 303
    confirmation = await client.get(sent.headers["location"])
    assert "WUR-GEW-" in confirmation.text
    [event] = await _submitted(infra, topic_prefix, 1)
    assert event.channel == "web" and event.service.value == "trade-registration"
    notice = parse_payload(event.payload)
    assert notice.owner_ags == "14729410" and notice.filed_on == today
    assert notice.persons[0].family_name == "Mustermann"
    assert notice.effective_date == today + timedelta(days=7)
    assert event.applicant.name == "Erika Mustermann"
    assert event.file_number in confirmation.text


async def test_a_portal_notice_produces_case_submitted_and_refused_ones_nothing(
    client: httpx.AsyncClient, infra: Infra, topic_prefix: str
) -> None:
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).date()
    refused = await client.post(
        "/api/v1/gewerbeanzeigen", json=gewerbe_payload(today, legal_form="gmbh", company={"name": "X GmbH"})
    )
    accepted = await client.post(
        "/api/v1/gewerbeanzeigen", json=gewerbe_payload(today), headers={"Idempotency-Key": "portal-infra-0001"}
    )

    assert refused.status_code == 422
    assert accepted.status_code == 201, accepted.text
    [event] = await _submitted(infra, topic_prefix, 1)
    assert event.case_id == accepted.json()["case_id"] and event.channel == "api"
    assert parse_payload(event.payload) == parse_payload(gewerbe_payload(today))
    openapi = (await client.get("/openapi.json")).json()
    assert "application/xml" in openapi["paths"]["/api/v1/gewerbeanzeigen"]["post"]["requestBody"]["content"]
    assert "Gewerbeanzeige" in openapi["components"]["schemas"]


async def test_the_form_is_served_by_the_real_app(client: httpx.AsyncClient) -> None:
    response = await client.get(FORM_URL)
    assert response.status_code == 200 and "Gewerbe anmelden" in response.text


async def test_an_xml_import_produces_case_submitted_on_the_import_channel(
    client: httpx.AsyncClient, infra: Infra, topic_prefix: str
) -> None:
    response = await client.post(
        "/api/v1/gewerbeanzeigen", content=anmeldung_xml(), headers={"content-type": "application/xml"}
    )

    assert response.status_code == 201, response.text
    [event] = await _submitted(infra, topic_prefix, 1)
    assert event.case_id == response.json()["case_id"] and event.channel == "import"
    assert parse_payload(event.payload).activities[0].wz_code == "62.01.9"
