"""The Gewerbeanzeige payload contract: the model, its JSON form and the generated schema agree."""

from __future__ import annotations

import json
from datetime import date

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from ikdz_contracts.export import generated_files, payload_schema_file
from ikdz_contracts.payloads import PAYLOAD_MODELS, validate_payload
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, NoticeKind, parse_payload, to_payload
from ikdz_contracts.services import ServiceId
from ikdz_contracts.testing import gewerbe_payload
from pydantic import ValidationError

SCHEMA = json.loads(generated_files()[payload_schema_file(ServiceId.TRADE_REGISTRATION.value)])


def test_a_sample_payload_parses_round_trips_and_fits_the_schema() -> None:
    payload = gewerbe_payload(date(2026, 11, 25))

    notice = parse_payload(payload)

    assert notice.kind is NoticeKind.ANMELDUNG
    assert notice.effective_date == date(2026, 12, 2)
    assert notice.activities[0].wz_code == "62.01.9"
    assert parse_payload(to_payload(notice)) == notice
    jsonschema.validate(to_payload(notice), SCHEMA)
    assert validate_payload(ServiceId.TRADE_REGISTRATION, payload) == notice
    assert PAYLOAD_MODELS[ServiceId.TRADE_REGISTRATION] is Gewerbeanzeige


def test_the_compact_wz_form_is_accepted_and_normalised() -> None:
    payload = gewerbe_payload(activities=[{"description": "Friseursalon", "wz_code": "96021"}])

    assert parse_payload(payload).activities[0].wz_code == "96.02.1"


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"employees_full_time": "3"}, ("employees_full_time",)),  # no loose types from JSON
        ({"filed_on": "25.11.2026"}, ("filed_on",)),
        ({"unknown": 1}, ("unknown",)),
        ({"activities": [{"description": "Webdesign", "wz_code": "6201"}]}, ("activities", 0, "wz_code")),
        ({"owner_ags": "1472941"}, ("owner_ags",)),
    ],
)
def test_wrong_shapes_are_refused_per_field(change: dict[str, object], location: tuple[object, ...]) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_payload(gewerbe_payload(**change))

    assert refused.value.errors()[0]["loc"] == location


def test_the_schema_refuses_unknown_fields_like_the_model() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(gewerbe_payload(unknown=1), SCHEMA)


def test_services_without_a_payload_contract_accept_any_object() -> None:
    assert validate_payload(ServiceId.EINVOICE, {"anything": [1, 2]}) is None
