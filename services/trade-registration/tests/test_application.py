"""The Gewerbeanzeige model: strict JSON from portals, WZ code formats, and WZ suggestions."""

from __future__ import annotations

import json

import pytest
from ikdz_contracts.payloads.gewerbe import ActivityLine, Gewerbeanzeige, NoticeKind, compact_wz_code
from ikdz_contracts.reference.wz import wz_catalogue
from pydantic import ValidationError

from .builders import gbr


def test_portal_json_round_trips() -> None:
    app = gbr()
    again = Gewerbeanzeige.model_validate_json(app.model_dump_json())
    assert again == app
    assert again.kind is NoticeKind.ANMELDUNG and again.form_version == "GewAnzV-2024-12"


@pytest.mark.parametrize("code", ["96021", "96.02.1", " 96.02.1 "])
def test_wz_code_is_normalised(code: str) -> None:
    line = ActivityLine(description="Friseur", wz_code=code)
    assert line.wz_code == "96.02.1"
    assert compact_wz_code(line.wz_code) == "96021"


@pytest.mark.parametrize("code", ["9602", "96.2.1", "abcde", "96.02.12"])
def test_malformed_wz_code_is_a_field_error(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ActivityLine(description="Friseur", wz_code=code)
    assert caught.value.errors()[0]["loc"] == ("wz_code",)
    assert "WZ-2008-Schlüssel im Format 96.02.1 oder 96021 erwartet" in str(caught.value)


def test_strict_model_refuses_loose_types_and_unknown_fields() -> None:
    data = gbr().model_dump(mode="json")
    for change in ({"employees_full_time": "3"}, {"kind": "gewerbeanmeldung"}, {"colour": "blue"}, {"persons": []}):
        with pytest.raises(ValidationError):
            Gewerbeanzeige.model_validate_json(json.dumps({**data, **change}))


def test_wz_suggestions_rank_the_obvious_code_first() -> None:
    catalogue = wz_catalogue()
    assert len(catalogue) == 839
    assert catalogue.title("96.02.1") == "Frisörsalons"
    assert catalogue.title("99.99.9") is None
    [best, *_] = catalogue.suggest("Friseursalon")
    assert (best.code, best.confidence) == ("96.02.1", 1.0)
    assert catalogue.suggest("Elektroinstallation")[0].code == "43.21.0"
    assert catalogue.suggest("und oder") == []
