"""POST /api/v1/gewerbeanzeigen on fakes: JSON from portals, XML imports, precise errors, idempotency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_contracts.testing import gewerbe_payload
from ikdz_intake.entrypoints.gewerbe_api import add_payload_schema

from .fakes import FakeCaseRepository
from .gewerbe_support import TODAY, client_for, gewerbe_app
from .xml_samples import anmeldung_xml

URL = "/api/v1/gewerbeanzeigen"
XML = {"content-type": "application/xml"}


@pytest.fixture
def repo() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
async def api(repo: FakeCaseRepository) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(gewerbe_app(repo)) as client:
        yield client


def _submitted(repo: FakeCaseRepository) -> list[dict[str, Any]]:
    return [case["outbox"][0]["value"] for case in repo.cases.values()]


async def test_a_valid_json_notice_is_stored_with_its_payload(api: httpx.AsyncClient, repo: FakeCaseRepository) -> None:
    payload = gewerbe_payload(TODAY)
    response = await api.post(URL, json=payload, headers={"Idempotency-Key": "portal-0000001"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["file_number"] == "WUR-GEW-2026-000001" and body["findings"] == []
    [case] = repo.cases.values()
    assert case["service"] == "trade-registration" and case["channel"] == "api"
    assert parse_payload(case["payload"]) == parse_payload(payload)
    assert case["applicant"] == {"kind": "natural_person", "name": "Erika Mustermann", "email": None}


async def test_the_same_key_replays_and_another_body_conflicts(
    api: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    key = {"Idempotency-Key": "portal-0000002"}
    first = await api.post(URL, json=gewerbe_payload(TODAY), headers=key)
    again = await api.post(URL, json=gewerbe_payload(TODAY), headers=key)
    other = await api.post(URL, json=gewerbe_payload(TODAY, employees_full_time=4), headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json()["case_id"] == first.json()["case_id"] and again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409
    assert len(repo.cases) == 1


async def test_shape_errors_are_422_per_field_with_german_text(
    api: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    payload = gewerbe_payload(TODAY, legal_form="kapitalgesellschaft", employees_full_time="2")
    response = await api.post(URL, json=payload)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"legal_form", "employees_full_time"}
    assert errors["legal_form"]["code"] == "enum" and "Input should be" in errors["legal_form"]["message"]
    assert errors["employees_full_time"]["message_de"].startswith(
        "Bitte geben Sie im Feld „Zahl der Vollzeitbeschäftigten“"
    )
    assert repo.cases == {}


async def test_a_portal_gets_the_plausibility_errors_of_the_issue(
    api: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    payload = gewerbe_payload(TODAY, legal_form="gmbh", company={"name": "Muster GmbH"}, effective_date="2027-06-01")
    payload["establishment"]["address"] |= {
        "city": "Augustusburg",
        "postal_code": "09573",
        "municipality_ags": "14522020",
    }

    response = await api.post(URL, json=payload)

    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert errors["effective_date"]["code"] == "datum.zukunft"
    assert errors["establishment.address.municipality_ags"]["message_de"].startswith(
        "Die Betriebsstätte liegt nicht in Wurzen."
    )
    assert errors["company.register_entry"]["code"] == "register.pflicht"
    assert repo.cases == {}


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b'{"kind": ', {"content-type": "application/json"}, 422, "json_invalid"),
        (b"[1, 2]", {"content-type": "application/json"}, 422, "object_type"),
        (b"kind=anmeldung", {"content-type": "application/x-www-form-urlencoded"}, 415, None),
    ],
)
async def test_bodies_that_are_no_notice(
    api: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int, code: str | None
) -> None:
    response = await api.post(URL, content=body, headers=headers)
    assert response.status_code == status
    if code is not None:
        assert response.json()["errors"][0]["code"] == code


async def test_an_xml_import_is_filed_on_the_import_channel(api: httpx.AsyncClient, repo: FakeCaseRepository) -> None:
    response = await api.post(URL, content=anmeldung_xml(), headers=XML)

    assert response.status_code == 201, response.text
    [case] = repo.cases.values()
    assert case["channel"] == "import"
    assert case["payload"]["activities"][0]["wz_code"] == "62.01.9"


async def test_an_import_with_plausibility_errors_is_accepted_and_lists_them(
    api: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    response = await api.post(URL, content=anmeldung_xml(site_ags="14522020"), headers=XML)

    assert response.status_code == 201, response.text
    assert [f["code"] for f in response.json()["findings"]] == ["betriebsstaette.gemeinde"]
    assert len(repo.cases) == 1


async def test_import_errors_name_the_element_and_the_payload_field(
    api: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    response = await api.post(URL, content=anmeldung_xml(start="bald"), headers=XML)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "/gewerbemeldung/satz/anmeldung/gueltigAb"
    assert error["payload_field"] == "effective_date"
    assert (
        error["message_de"] == "Bitte geben Sie im Feld „Beginn der Tätigkeit“ ein gültiges Datum an, z. B. 01.12.2026."
    )
    assert repo.cases == {}


async def test_hostile_xml_is_refused_before_anything_is_expanded(
    api: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    laughs = b'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><gewerbemeldung>&b;</gewerbemeldung>'
    response = await api.post(URL, content=laughs, headers=XML)

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "doctype-forbidden"
    assert repo.cases == {}


def test_the_openapi_document_describes_json_and_xml_bodies(repo: FakeCaseRepository) -> None:
    document = add_payload_schema(gewerbe_app(repo).openapi())
    body = document["paths"][URL]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/Gewerbeanzeige"}
    assert "application/xml" in body
    assert "Person" in document["components"]["schemas"]
    assert document["components"]["schemas"]["Gewerbeanzeige"]["properties"]["persons"]
