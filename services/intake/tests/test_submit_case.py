"""The submit use case against fakes: idempotency, validation against the municipality list, outbox;
a checked Gewerbeanzeige is not validated twice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from ikdz_contracts.cloudevents import decode
from ikdz_contracts.events import Applicant, CaseSubmitted
from ikdz_contracts.payloads import PAYLOAD_PARSERS
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, parse_payload, to_payload
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.services import ServiceId
from ikdz_contracts.testing import gewerbe_payload
from ikdz_contracts.topics import Topics
from ikdz_intake.app import gewerbe as gewerbe_use_cases
from ikdz_intake.app.gewerbe import CheckGewerbeanzeige, FileGewerbeanzeige
from ikdz_intake.app.submit_case import SubmitCase
from ikdz_intake.domain.submission import CaseSubmission
from ikdz_intake.errors import IdempotencyConflictError, PayloadInvalidError, UnknownMunicipalityError

from .fakes import FakeCaseRepository, FixedClock

TODAY = date(2026, 11, 25)


def submission(**changes: object) -> CaseSubmission:
    data: dict[str, object] = {
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": "14729410",
        "applicant": Applicant(kind="natural_person", name="Erika Mustermann"),
        "payload": gewerbe_payload(TODAY),
    }
    return CaseSubmission.model_validate({**data, **changes})


@pytest.fixture
def repo() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
def submit(repo: FakeCaseRepository) -> SubmitCase:
    return SubmitCase(repo, load_municipalities(), Topics("t."), FixedClock())


async def test_a_case_is_stored_with_its_event(submit: SubmitCase, repo: FakeCaseRepository) -> None:
    accepted = await submit(submission(), "key-00000001")

    assert accepted.file_number == "WUR-GEW-2026-000001"
    assert not accepted.replayed
    stored = repo.cases[accepted.case_id]
    assert stored["owner_town"] == "Wurzen"
    assert [e["state"] for e in stored["status"]] == ["received"]
    [entry] = stored["outbox"]
    assert entry["topic"] == "t.case.submitted.v1"
    event = decode(entry["value"], CaseSubmitted)
    assert event.subject == accepted.case_id == event.data.case_id
    assert event.ownerags == "14729410"
    assert parse_payload(event.data.payload) == parse_payload(gewerbe_payload(TODAY))
    assert repo.key_lookups == 0, "a new key costs no lookup (a full scan on FerretDB v1)"


async def test_file_numbers_count_per_town_service_and_year(submit: SubmitCase) -> None:
    first = await submit(submission(), None)
    second = await submit(submission(), None)
    other_town = await submit(
        submission(owner_ags="14522020", payload=gewerbe_payload(TODAY, owner_ags="14522020")), None
    )
    other_service = await submit(submission(service=ServiceId.EINVOICE), None)
    assert [first.file_number, second.file_number, other_town.file_number, other_service.file_number] == [
        "WUR-GEW-2026-000001",
        "WUR-GEW-2026-000002",
        "AUG-GEW-2026-000001",
        "WUR-ERE-2026-000001",
    ]


async def test_the_same_key_and_body_return_the_same_case(submit: SubmitCase, repo: FakeCaseRepository) -> None:
    first = await submit(submission(), "key-00000001")
    again = await submit(submission(), "key-00000001")
    assert again.case_id == first.case_id and again.replayed
    assert again.file_number == first.file_number
    assert len(repo.cases) == 1
    assert repo.key_lookups == 1, "looked up only after the insert collided"


async def test_the_same_key_with_another_body_is_a_conflict(submit: SubmitCase, repo: FakeCaseRepository) -> None:
    await submit(submission(), "key-00000001")
    with pytest.raises(IdempotencyConflictError):
        await submit(submission(payload=gewerbe_payload(TODAY, employees_full_time=3)), "key-00000001")
    assert len(repo.cases) == 1


async def test_an_unknown_town_is_refused_and_nothing_is_stored(submit: SubmitCase, repo: FakeCaseRepository) -> None:
    with pytest.raises(UnknownMunicipalityError):
        await submit(submission(owner_ags="14999999"), None)
    assert repo.cases == {} and repo.counters == {}


async def test_a_lost_counter_increment_costs_a_retry_not_a_duplicate_file_number(
    submit: SubmitCase, repo: FakeCaseRepository
) -> None:
    first = await submit(submission(), None)
    repo.counters["WUR-GEW-2026"] = 0  # the store lost the increment, as FerretDB v1 can under concurrency
    second = await submit(submission(), None)
    assert first.file_number == "WUR-GEW-2026-000001"
    assert second.file_number == "WUR-GEW-2026-000002"
    assert len(repo.cases) == 2


async def test_the_event_continues_the_callers_trace(submit: SubmitCase, repo: FakeCaseRepository) -> None:
    trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    accepted = await submit(submission(), None, trace)
    event = decode(repo.cases[accepted.case_id]["outbox"][0]["value"], CaseSubmitted)
    assert event.traceparent == trace


async def test_a_payload_its_service_contract_refuses_is_not_stored(
    submit: SubmitCase, repo: FakeCaseRepository
) -> None:
    with pytest.raises(PayloadInvalidError) as refused:
        await submit(submission(payload={"activity": "Webdesign"}), None)
    paths = {problem.path for problem in refused.value.problems}
    assert {"payload.activity", "payload.kind", "payload.persons"} <= paths
    assert repo.cases == {}


async def test_the_stored_payload_is_written_as_the_contract_writes_it(
    submit: SubmitCase, repo: FakeCaseRepository
) -> None:
    sent = gewerbe_payload(TODAY)
    sent["activities"][0]["wz_code"] = "62019"
    accepted = await submit(submission(payload=sent), None)
    assert repo.cases[accepted.case_id]["payload"]["activities"][0]["wz_code"] == "62.01.9"


async def test_a_payload_filed_with_another_town_than_the_case_is_refused(
    submit: SubmitCase, repo: FakeCaseRepository
) -> None:
    with pytest.raises(PayloadInvalidError) as refused:
        await submit(submission(owner_ags="14522020"), None)
    assert [problem.path for problem in refused.value.problems] == ["payload.owner_ags"]
    assert repo.cases == {}


@pytest.mark.parametrize("store_names_the_field", [True, False], ids=["mongodb", "ferretdb"])
async def test_a_file_number_collision_with_a_client_key_takes_the_next_number(store_names_the_field: bool) -> None:
    repo = FakeCaseRepository(names_fields=store_names_the_field)
    submit = SubmitCase(repo, load_municipalities(), Topics("t."), FixedClock())
    await submit(submission(), "key-00000001")
    repo.counters["WUR-GEW-2026"] = 0  # another replica took number 1 as well

    second = await submit(submission(payload=gewerbe_payload(TODAY, employees_full_time=3)), "key-00000002")

    assert second.file_number == "WUR-GEW-2026-000002" and not second.replayed
    # MongoDB says it was the file number: no lookup. FerretDB does not: one lookup finds no case.
    assert repo.key_lookups == (0 if store_names_the_field else 1)


async def test_a_checked_gewerbeanzeige_is_validated_once_and_stored_as_the_contract_writes_it(
    repo: FakeCaseRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[object] = []

    def counting_parse(payload: Mapping[str, Any]) -> Gewerbeanzeige:
        parsed.append(payload)
        return parse_payload(payload)

    monkeypatch.setattr(gewerbe_use_cases, "parse_payload", counting_parse)
    monkeypatch.setitem(PAYLOAD_PARSERS, ServiceId.TRADE_REGISTRATION, counting_parse)
    municipalities = load_municipalities()
    check = CheckGewerbeanzeige(wz_catalogue(), {town.ags: town.display_name for town in municipalities})
    file_notice = FileGewerbeanzeige(check, SubmitCase(repo, municipalities, Topics("t."), FixedClock()))
    sent = gewerbe_payload(TODAY, activities=[{"description": "Webdesign", "wz_code": "62019"}])

    accepted, _ = await file_notice(sent, today=TODAY, channel="api", idempotency_key="key-00000010")

    assert len(parsed) == 1, "the check's model is the one stored: no second validation"
    stored = repo.cases[accepted.case_id]
    assert stored["payload"] == to_payload(parse_payload(sent))
    assert stored["payload"]["activities"][0]["wz_code"] == "62.01.9"
    assert decode(stored["outbox"][0]["value"], CaseSubmitted).data.payload == stored["payload"]
