"""German messages for the payload model's errors: every field has a label, every error a sentence."""

from __future__ import annotations

import types
import typing
from datetime import date
from typing import Any

import pytest
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, parse_payload
from ikdz_contracts.testing import gewerbe_payload
from ikdz_intake.domain.gewerbe_errors import german_problems, label
from pydantic import BaseModel, ValidationError

TODAY = date(2026, 11, 25)


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _is_repeated(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        return any(_is_repeated(arg) for arg in typing.get_args(annotation))
    return origin in (tuple, list, frozenset)


def leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every field path of the model, with ``0`` for repeated parts (as pydantic reports them)."""
    paths = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _models(info.annotation)
        if _is_repeated(info.annotation):
            path = f"{path}.0"
        if nested:
            for sub in nested:
                paths.extend(leaf_paths(sub, f"{path}."))
        else:
            paths.append(path)
    return paths


def test_every_field_of_the_contract_has_a_german_label() -> None:
    paths = leaf_paths(Gewerbeanzeige)
    assert len(paths) > 60
    unlabelled = [path for path in paths if label(path) == path]
    assert unlabelled == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("persons.1.address.postal_code", "Postleitzahl der Wohnanschrift (Person 2)"),
        ("establishment.address.municipality_ags", "Gemeinde der Betriebsstätte"),
        ("activities.2.wz_code", "Wirtschaftszweig (WZ-2008-Schlüssel) (Tätigkeit 3)"),
        ("declarations.permits.0.issued_on", "Datum der Erlaubnis (Erlaubnis 1)"),
        ("company.register_entry.number", "Registernummer"),
    ],
)
def test_labels_name_the_field_as_the_form_does(path: str, expected: str) -> None:
    assert label(path) == expected


def test_the_date_label_follows_the_kind_of_notice() -> None:
    assert label("effective_date", "anmeldung") == "Beginn der Tätigkeit"
    assert label("effective_date", "abmeldung") == "Datum der Betriebsaufgabe"


def _problems(payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as error:
        parse_payload(payload)
    return {p.path: p.message_de for p in german_problems(error.value.errors(), payload.get("kind"))}


def test_missing_wrong_and_malformed_fields_get_one_german_sentence_each() -> None:
    payload = gewerbe_payload(TODAY)
    person = {**payload["persons"][0], "date_of_birth": "12.04.1985", "email": "kein-at-zeichen"}
    del person["family_name"]
    payload |= {
        "legal_form": "kapitalgesellschaft",
        "employees_full_time": -1,
        "persons": [person],
        "activities": [{"description": "Webdesign", "wz_code": "6201"}],
    }
    payload["establishment"] = {
        **payload["establishment"],
        "address": {**payload["establishment"]["address"], "postal_code": "4"},
    }

    problems = _problems(payload)

    assert problems == {
        "legal_form": "Bitte wählen Sie im Feld „Rechtsform“ einen der angebotenen Werte aus.",
        "persons.0.family_name": "Bitte füllen Sie das Feld „Familienname (Person 1)“ aus.",
        "persons.0.date_of_birth": "Bitte geben Sie im Feld „Geburtsdatum (Person 1)“ ein gültiges Datum an, z. B. 01.12.2026.",
        "persons.0.email": "Bitte geben Sie im Feld „E-Mail-Adresse (Person 1)“ eine E-Mail-Adresse wie name@beispiel.de an.",
        "establishment.address.postal_code": "Das Feld „Postleitzahl der Betriebsstätte“ muss mindestens 3 Zeichen enthalten.",
        "activities.0.wz_code": "Wirtschaftszweig (WZ-2008-Schlüssel) (Tätigkeit 1): "
        "WZ-2008-Schlüssel im Format 96.02.1 oder 96021 erwartet",
        "employees_full_time": "Der Wert im Feld „Zahl der Vollzeitbeschäftigten“ muss mindestens 0 sein.",
    }


def test_loose_types_and_unknown_fields_are_named() -> None:
    problems = _problems({**gewerbe_payload(TODAY), "employees_part_time": "3", "side_business": "ja", "extra": 1})
    assert (
        problems["employees_part_time"]
        == "Bitte geben Sie im Feld „Zahl der Teilzeitbeschäftigten“ eine ganze Zahl an."
    )
    assert problems["side_business"] == "Bitte beantworten Sie „Nebenerwerb“ mit Ja oder Nein."
    assert problems["extra"] == "Das Feld „extra“ ist nicht vorgesehen."


def test_an_empty_list_of_persons_asks_for_one() -> None:
    problems = _problems({**gewerbe_payload(TODAY), "persons": []})
    assert problems == {"persons": "Bitte füllen Sie das Feld „Personen“ aus."}
