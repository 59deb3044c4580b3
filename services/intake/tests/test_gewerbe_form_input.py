"""Reading the form's text input: German dates, town names, removing a block."""

from __future__ import annotations

from datetime import date

import pytest
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_intake.domain.gewerbe_form import build_payload, municipality_resolver, parse_german_date, remove_block


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.12.2026", date(2026, 12, 1)),
        ("1.2.2027", date(2027, 2, 1)),
        ("2026-12-01", date(2026, 12, 1)),
        ("31.02.2026", None),
        ("12/01/2026", None),
        ("morgen", None),
        ("", None),
    ],
)
def test_german_and_iso_dates_are_read(text: str, expected: date | None) -> None:
    assert parse_german_date(text) == expected


def test_town_names_resolve_to_their_municipality_as_people_write_them() -> None:
    resolve = municipality_resolver(load_municipalities(), prefer="14729410")
    assert resolve("Wurzen", "04808") == "14729410"
    assert resolve("  stadt   wurzen ", "") == "14729410"
    assert resolve("Augustusburg", "09573") == "14522020"
    assert resolve("Chemnitz", "") == "14511000"
    assert resolve("Atlantis", "12345") is None


def test_removing_a_block_renumbers_the_later_ones_and_keeps_the_rest() -> None:
    form = {
        "persons.0.family_name": ["A"],
        "persons.1.family_name": ["B"],
        "persons.2.family_name": ["C"],
        "persons.2.address.city": ["Wurzen"],
        "legal_form": ["gbr"],
    }
    assert remove_block(form, "persons", 1, 3) == {
        "persons.0.family_name": ["A"],
        "persons.1.family_name": ["C"],
        "persons.1.address.city": ["Wurzen"],
        "legal_form": ["gbr"],
    }


def test_conversion_problems_are_reported_at_the_payload_path() -> None:
    form = {"effective_date": ["bald"], "employees_full_time": ["2,5"], "establishment.address.city": ["Atlantis"]}
    payload, problems = build_payload(
        form,
        kind="anmeldung",
        owner_ags="14729410",
        today=date(2026, 11, 25),
        resolve=lambda _name, _plz: None,
        wz_confidence=lambda _text, _code: None,
    )
    assert {p.path: p.code for p in problems} == {
        "effective_date": "date_format",
        "employees_full_time": "number_format",
        "establishment.address.municipality_ags": "unknown_municipality",
    }
    assert "effective_date" not in payload and payload["filed_on"] == "2026-11-25"
    assert payload["declarations"] == {
        "permits": [],
        "serves_alcohol": False,
        "travelling_trade": False,
        "data_correct": False,
    }
