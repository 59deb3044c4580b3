"""German error messages for a Gewerbeanzeige: pydantic's errors of the payload model, per field.

The payload model (``ikdz_contracts.payloads.gewerbe``) checks types and formats and answers in
English with a location such as ``("persons", 1, "address", "postal_code")``. Citizens get one
German sentence per field that names the field as the form labels it ("Postleitzahl der
Wohnanschrift (Person 2)"); integrators get the same sentence next to pydantic's own message.
Plausibility rules (``gewerbe_rules``) answer in German already and only need the field label.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails

_ADDRESS_PARTS = {
    "street": "Straße",
    "house_number": "Hausnummer",
    "postal_code": "Postleitzahl",
    "city": "Ort",
    "country": "Staat",
    "municipality_ags": "Gemeinde",
}
_ADDRESSES = {
    "persons.*.address": "der Wohnanschrift",
    "establishment.address": "der Betriebsstätte",
    "establishment.main_establishment_address": "der Hauptniederlassung",
    "previous_address": "der bisherigen Betriebsstätte",
}

LABELS: dict[str, str] = {
    "kind": "Art der Anzeige",
    "form_version": "Formularversion",
    "owner_ags": "Gemeinde",
    "filed_on": "Datum der Anzeige",
    "effective_date": "Datum des Beginns, der Änderung oder der Aufgabe",
    "is_correction": "Berichtigung einer früheren Anzeige",
    "legal_form": "Rechtsform",
    "company": "Angaben zum Unternehmen",
    "company.name": "Name des Unternehmens (Firma)",
    "company.register_entry": "Registereintrag",
    "company.register_entry.register_type": "Registerart",
    "company.register_entry.court": "Registergericht",
    "company.register_entry.number": "Registernummer",
    "company.public_sector_participation": "Beteiligung der öffentlichen Hand",
    "persons": "Personen",
    "persons.*": "Person",
    "persons.*.role": "Funktion",
    "persons.*.sex": "Geschlecht",
    "persons.*.family_name": "Familienname",
    "persons.*.given_names": "Vornamen",
    "persons.*.birth_name": "Geburtsname",
    "persons.*.date_of_birth": "Geburtsdatum",
    "persons.*.place_of_birth": "Geburtsort",
    "persons.*.country_of_birth": "Geburtsstaat",
    "persons.*.nationalities": "Staatsangehörigkeit",
    "persons.*.nationalities.*": "Staatsangehörigkeit",
    "persons.*.residence_title": "Aufenthaltstitel",
    "persons.*.residence_title.kind": "Art des Aufenthaltstitels",
    "persons.*.residence_title.issued_by": "Ausländerbehörde, die den Aufenthaltstitel erteilt hat",
    "persons.*.residence_title.valid_until": "Aufenthaltstitel gültig bis",
    "persons.*.residence_title.self_employment_permitted": "Selbständige Tätigkeit erlaubt",
    "persons.*.address": "Wohnanschrift",
    "persons.*.phone": "Telefonnummer",
    "persons.*.email": "E-Mail-Adresse",
    "establishment": "Betriebsstätte",
    "establishment.address": "Anschrift der Betriebsstätte",
    "establishment.trade_name": "Geschäftsbezeichnung",
    "establishment.kind": "Art der Niederlassung",
    "establishment.main_establishment_address": "Anschrift der Hauptniederlassung",
    "establishment.phone": "Telefonnummer des Betriebs",
    "establishment.email": "E-Mail-Adresse des Betriebs",
    "previous_address": "Anschrift der bisherigen Betriebsstätte",
    "activities": "Tätigkeit",
    "activities.*": "Tätigkeit",
    "activities.*.description": "Beschreibung der Tätigkeit",
    "activities.*.wz_code": "Wirtschaftszweig (WZ-2008-Schlüssel)",
    "activities.*.wz_confidence": "Sicherheit des Vorschlags",
    "business_types": "Art des Betriebs",
    "business_types.*": "Art des Betriebs",
    "employees_full_time": "Zahl der Vollzeitbeschäftigten",
    "employees_part_time": "Zahl der Teilzeitbeschäftigten",
    "side_business": "Nebenerwerb",
    "registration_reason": "Grund der Anmeldung",
    "change_reasons": "Anlass der Ummeldung",
    "change_reasons.*": "Anlass der Ummeldung",
    "deregistration_reason": "Grund der Abmeldung",
    "deregistration_cause": "Ursache der Betriebsaufgabe",
    "previous_registration": "Bisherige Anzeige",
    "previous_registration.registration_id": "Kennung des Gewerbebetriebs",
    "previous_registration.file_number": "Aktenzeichen der bisherigen Anzeige",
    "declarations": "Erklärungen",
    "declarations.permits": "Erlaubnisse",
    "declarations.permits.*": "Erlaubnis",
    "declarations.permits.*.kind": "Art der Erlaubnis",
    "declarations.permits.*.issued_on": "Datum der Erlaubnis",
    "declarations.permits.*.authority": "Behörde, die die Erlaubnis erteilt hat",
    "declarations.permits.*.reference": "Aktenzeichen der Erlaubnis",
    "declarations.handwerkskarte": "Handwerkskarte",
    "declarations.handwerkskarte.chamber": "Handwerkskammer",
    "declarations.handwerkskarte.number": "Nummer der Handwerkskarte",
    "declarations.handwerkskarte.issued_on": "Handwerkskarte ausgestellt am",
    "declarations.serves_alcohol": "Ausschank alkoholischer Getränke",
    "declarations.travelling_trade": "Reisegewerbe",
    "declarations.data_correct": "Bestätigung der Angaben",
}
LABELS.update(
    {
        f"{prefix}.{part}": f"{name} {where}"
        for prefix, where in _ADDRESSES.items()
        for part, name in _ADDRESS_PARTS.items()
    }
)

EFFECTIVE_DATE_LABELS = {
    "anmeldung": "Beginn der Tätigkeit",
    "ummeldung": "Datum der Änderung",
    "abmeldung": "Datum der Betriebsaufgabe",
}

_NUMBERED = {"persons": "Person", "activities": "Tätigkeit", "permits": "Erlaubnis"}

_FORMATS = {
    "postal_code": "eine Postleitzahl mit fünf Ziffern, z. B. 04808",
    "email": "eine E-Mail-Adresse wie name@beispiel.de",
    "number": "eine Registernummer aus Ziffern, gegebenenfalls mit Buchstaben, z. B. 12345 oder 12345 B",
    "owner_ags": "einen Gemeindeschlüssel mit acht Ziffern",
    "municipality_ags": "einen Gemeindeschlüssel mit acht Ziffern",
    "country": "einen Ländercode mit zwei Großbuchstaben, z. B. DE",
    "country_of_birth": "einen Ländercode mit zwei Großbuchstaben, z. B. DE",
    "nationalities": "einen Ländercode mit zwei Großbuchstaben, z. B. DE",
}


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field: dotted path as in the payload model, German text, stable code."""

    path: str
    message_de: str
    code: str
    message: str = ""

    def __post_init__(self) -> None:
        if not self.message:
            object.__setattr__(self, "message", self.message_de)


def dotted(loc: Sequence[int | str]) -> str:
    """pydantic's location as a dotted path; drops validator tags such as ``function-after[...]``."""
    return ".".join(str(part) for part in loc if isinstance(part, int) or ("[" not in part and part != "body"))


def label(path: str, kind: str | None = None) -> str:
    """The German field label for a dotted path, numbered for repeated parts ("… (Person 2)")."""
    parts = path.split(".") if path else []
    pattern = ".".join("*" if part.isdigit() else part for part in parts)
    if pattern == "effective_date" and kind in EFFECTIVE_DATE_LABELS:
        text = EFFECTIVE_DATE_LABELS[kind]
    else:
        text = LABELS.get(pattern) or LABELS.get(pattern.rsplit(".", 1)[0]) or path
    numbers = [
        f"{_NUMBERED[name]} {int(index) + 1}"
        for name, index in itertools.pairwise(parts)
        if name in _NUMBERED and index.isdigit()
    ]
    return f"{text} ({', '.join(numbers)})" if numbers else text


_TEMPLATES = {
    "missing": "Bitte füllen Sie das Feld „{name}“ aus.",
    "enum": "Bitte wählen Sie im Feld „{name}“ einen der angebotenen Werte aus.",
    "literal_error": "Bitte wählen Sie im Feld „{name}“ einen der angebotenen Werte aus.",
    "string_too_long": "Das Feld „{name}“ darf höchstens {max_length} Zeichen enthalten.",
    "string_too_short": "Das Feld „{name}“ muss mindestens {min_length} Zeichen enthalten.",
    "string_pattern_mismatch": "Das Feld „{name}“ hat nicht das erwartete Format.",
    "greater_than_equal": "Der Wert im Feld „{name}“ muss mindestens {ge} sein.",
    "greater_than": "Der Wert im Feld „{name}“ muss größer als {gt} sein.",
    "less_than_equal": "Der Wert im Feld „{name}“ darf höchstens {le} sein.",
    "less_than": "Der Wert im Feld „{name}“ muss kleiner als {lt} sein.",
    "too_short": "Bitte geben Sie im Feld „{name}“ mindestens {min_length} Einträge an.",
    "too_long": "Im Feld „{name}“ sind höchstens {max_length} Einträge möglich.",
    "value_error": "{name}: {error}",
    "extra_forbidden": "Das Feld „{path}“ ist nicht vorgesehen.",
    "json_invalid": "Die Daten sind kein gültiges JSON.",
}
_FAMILY_TEMPLATES = (
    (("date_", "datetime_"), "Bitte geben Sie im Feld „{name}“ ein gültiges Datum an, z. B. 01.12.2026."),
    (("int_",), "Bitte geben Sie im Feld „{name}“ eine ganze Zahl an."),
    (("float_", "decimal_"), "Bitte geben Sie im Feld „{name}“ eine Zahl an."),
    (("bool_",), "Bitte beantworten Sie „{name}“ mit Ja oder Nein."),
)
_FALLBACK = "Das Feld „{name}“ ist ungültig."


def _message(error: ErrorDetails, path: str, kind: str | None) -> str:
    values: dict[str, Any] = {**(error.get("ctx") or {}), "name": label(path, kind), "path": path}
    values.setdefault("error", error["msg"])
    error_type = error["type"]
    if error_type in {"string_too_short", "too_short"} and values.get("min_length") == 1:
        error_type = "missing"
    leaf = next((part for part in reversed(path.split(".")) if not part.isdigit()), "")
    if error_type == "string_pattern_mismatch" and leaf in _FORMATS:
        return f"Bitte geben Sie im Feld „{values['name']}“ {_FORMATS[leaf]} an."
    template = _TEMPLATES.get(error_type) or next(
        (text for prefixes, text in _FAMILY_TEMPLATES if error_type.startswith(prefixes)), _FALLBACK
    )
    return template.format_map(values)


def german_problems(errors: Iterable[ErrorDetails], kind: str | None = None) -> list[FieldProblem]:
    """One problem per field (the first error pydantic reports for it), in the model's order."""
    seen: set[str] = set()
    problems = []
    for error in errors:
        path = dotted(error["loc"])
        if path in seen:
            continue
        seen.add(path)
        problems.append(
            FieldProblem(path=path, message_de=_message(error, path, kind), code=error["type"], message=error["msg"])
        )
    # A list whose items are all invalid is also "too short"; the items' own errors say more.
    return [
        p
        for p in problems
        if not (p.code == "too_short" and any(other.path.startswith(f"{p.path}.") for other in problems))
    ]
