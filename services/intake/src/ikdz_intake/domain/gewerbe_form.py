"""From the citizen's Gewerbeanzeige form (flat fields, all text) to the payload of the contract.

Form fields are named after the payload's dotted paths (``persons.0.address.postal_code``), so an
error of the payload model or of a plausibility rule lands on the field it is about. This module
only converts what a browser can send (German dates, numbers as text, a town name) into the JSON
types of the payload; every check of content is left to the payload model and the rules.
Conversion problems (a date that is no date) are reported here, in German, per field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ikdz_contracts.reference.municipalities import Municipality, display_name

from ikdz_intake.domain.gewerbe_errors import FieldProblem, label

MAX_PERSONS = 10
MAX_ACTIVITIES = 5

FormData = Mapping[str, Sequence[str]]
"""Every field's submitted values (a multi-dict flattened to lists)."""

MunicipalityResolver = Callable[[str, str], str | None]
"""(town name, PLZ) → AGS of the Saxon municipality, or None if no municipality has that name."""

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WHOLE_NUMBER = re.compile(r"^\d{1,7}$")

PERSON_FIELDS = (
    "role",
    "sex",
    "family_name",
    "given_names",
    "birth_name",
    "place_of_birth",
    "country_of_birth",
    "phone",
    "email",
)
ADDRESS_FIELDS = ("street", "house_number", "postal_code", "city")
YES = "ja"


@dataclass(frozen=True)
class FormShape:
    """How many person and activity blocks the form shows."""

    persons: int = 1
    activities: int = 1

    @classmethod
    def of(cls, form: FormData) -> FormShape:
        return cls(
            persons=_count(form, "personen", MAX_PERSONS), activities=_count(form, "taetigkeiten", MAX_ACTIVITIES)
        )


def _count(form: FormData, name: str, limit: int) -> int:
    raw = first(form, name)
    return min(max(int(raw), 1), limit) if raw.isdigit() else 1


def first(form: FormData, name: str) -> str:
    """The first value of a field, stripped; empty when it was not sent."""
    values = form.get(name) or []
    return values[0].strip() if values else ""


def parse_german_date(text: str) -> date | None:
    """``1.12.2026``, ``01.12.2026`` or ``2026-12-01`` (what a date input sends); None otherwise."""
    match = _GERMAN_DATE.match(text) or _ISO_DATE.match(text)
    if match is None:
        return None
    parts = [int(group) for group in match.groups()]
    day, month, year = parts if _GERMAN_DATE.match(text) else reversed(parts)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def german_date(value: str | None) -> str:
    """An ISO date as the form shows it (``01.12.2026``); other text unchanged."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return value


class _Builder:
    """Collects the payload and the conversion problems while it reads the form."""

    def __init__(self, form: FormData, kind: str, resolve: MunicipalityResolver) -> None:
        self.form = form
        self.kind = kind
        self.resolve = resolve
        self.problems: list[FieldProblem] = []

    def text(self, name: str) -> str | None:
        return first(self.form, name) or None

    def flag(self, name: str) -> bool:
        return first(self.form, name) == YES

    def date(self, name: str) -> str | None:
        raw = first(self.form, name)
        if not raw:
            return None
        parsed = parse_german_date(raw)
        if parsed is None:
            self.problems.append(
                FieldProblem(
                    path=name,
                    code="date_format",
                    message_de=f"Bitte geben Sie im Feld „{label(name, self.kind)}“ ein Datum im Format "
                    "TT.MM.JJJJ an, z. B. 01.12.2026.",
                )
            )
            return None
        return parsed.isoformat()

    def number(self, name: str) -> int | None:
        raw = first(self.form, name).replace(" ", "")
        if not raw:
            return None
        if not _WHOLE_NUMBER.match(raw):
            self.problems.append(
                FieldProblem(
                    path=name,
                    code="number_format",
                    message_de=f"Bitte geben Sie im Feld „{label(name)}“ eine ganze Zahl ohne Nachkommastellen an, z. B. 3.",
                )
            )
            return None
        return int(raw)

    def address(self, prefix: str, *, with_municipality: bool) -> dict[str, Any] | None:
        """An address if any of its fields is filled in (so missing parts are reported per field)."""
        values = {part: self.text(f"{prefix}.{part}") for part in ADDRESS_FIELDS}
        if not any(values.values()):
            return None
        address: dict[str, Any] = {key: value for key, value in values.items() if value is not None}
        country = self.text(f"{prefix}.country")
        if country:
            address["country"] = country
        if with_municipality and values["city"]:
            ags = self.resolve(values["city"], values["postal_code"] or "")
            if ags is None:
                self.problems.append(
                    FieldProblem(
                        path=f"{prefix}.municipality_ags",
                        code="unknown_municipality",
                        message_de=f"„{values['city']}“ ist keine sächsische Gemeinde. Bitte geben Sie als Ort den "
                        "Namen der Gemeinde an, auch wenn die Betriebsstätte in einem Ortsteil liegt.",
                    )
                )
            else:
                address["municipality_ags"] = ags
        return address


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def _person(b: _Builder, index: int) -> dict[str, Any]:
    prefix = f"persons.{index}"
    person: dict[str, Any] = {name: b.text(f"{prefix}.{name}") for name in PERSON_FIELDS}
    person["date_of_birth"] = b.date(f"{prefix}.date_of_birth")
    nationalities = [b.text(f"{prefix}.nationalities.{n}") for n in (0, 1)]
    person["nationalities"] = [code for code in nationalities if code]
    person["address"] = b.address(f"{prefix}.address", with_municipality=False)
    title: dict[str, Any] = _drop_none(
        {
            "kind": b.text(f"{prefix}.residence_title.kind"),
            "issued_by": b.text(f"{prefix}.residence_title.issued_by"),
            "valid_until": b.date(f"{prefix}.residence_title.valid_until"),
        }
    )
    if title:
        allowed = first(b.form, f"{prefix}.residence_title.self_employment_permitted")
        if allowed:
            title["self_employment_permitted"] = allowed == YES
        person["residence_title"] = title
    return _drop_none(person)


def _activity(b: _Builder, index: int, wz_confidence: Callable[[str, str], float | None]) -> dict[str, Any] | None:
    prefix = f"activities.{index}"
    description = b.text(f"{prefix}.description")
    chosen = b.text(f"{prefix}.wz_vorschlag")
    typed = b.text(f"{prefix}.wz_code")
    if index > 0 and not (description or chosen or typed):
        return None  # an empty further activity block is not an activity
    activity = _drop_none({"description": description, "wz_code": chosen or typed})
    if chosen and description:
        activity["wz_confidence"] = wz_confidence(description, chosen)
    return _drop_none(activity)


def _company(b: _Builder) -> dict[str, Any] | None:
    register = _drop_none(
        {
            "register_type": b.text("company.register_entry.register_type"),
            "court": b.text("company.register_entry.court"),
            "number": b.text("company.register_entry.number"),
        }
    )
    company = _drop_none({"name": b.text("company.name"), "register_entry": register or None})
    if not company:
        return None
    company["public_sector_participation"] = b.flag("company.public_sector_participation")
    return company


def _declarations(b: _Builder) -> dict[str, Any]:
    permit = _drop_none(
        {
            "kind": b.text("declarations.permits.0.kind"),
            "issued_on": b.date("declarations.permits.0.issued_on"),
            "authority": b.text("declarations.permits.0.authority"),
            "reference": b.text("declarations.permits.0.reference"),
        }
    )
    card = _drop_none(
        {
            "chamber": b.text("declarations.handwerkskarte.chamber"),
            "number": b.text("declarations.handwerkskarte.number"),
            "issued_on": b.date("declarations.handwerkskarte.issued_on"),
        }
    )
    return _drop_none(
        {
            "permits": [permit] if permit else [],
            "handwerkskarte": card or None,
            "serves_alcohol": b.flag("declarations.serves_alcohol"),
            "travelling_trade": b.flag("declarations.travelling_trade"),
            "data_correct": b.flag("declarations.data_correct"),
        }
    )


def build_payload(
    form: FormData,
    *,
    kind: str,
    owner_ags: str,
    today: date,
    resolve: MunicipalityResolver,
    wz_confidence: Callable[[str, str], float | None],
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """The payload the form describes (JSON types) and the fields that could not be converted.

    ``wz_confidence(description, code)`` is the confidence of a suggested WZ code the applicant
    picked, recomputed on the server: a form field cannot be trusted with it.
    """
    b = _Builder(form, kind, resolve)
    shape = FormShape.of(form)
    establishment = _drop_none(
        {
            "address": b.address("establishment.address", with_municipality=True),
            "trade_name": b.text("establishment.trade_name"),
            "kind": b.text("establishment.kind"),
            "main_establishment_address": b.address(
                "establishment.main_establishment_address", with_municipality=False
            ),
            "phone": b.text("establishment.phone"),
            "email": b.text("establishment.email"),
        }
    )
    previous = _drop_none(
        {
            "registration_id": b.text("previous_registration.registration_id"),
            "file_number": b.text("previous_registration.file_number"),
        }
    )
    activities = [_activity(b, index, wz_confidence) for index in range(shape.activities)]
    payload = _drop_none(
        {
            "kind": kind,
            "owner_ags": owner_ags,
            "filed_on": today.isoformat(),
            "effective_date": b.date("effective_date"),
            "legal_form": b.text("legal_form"),
            "company": _company(b),
            "persons": [_person(b, index) for index in range(shape.persons)],
            "establishment": establishment,
            "previous_address": b.address("previous_address", with_municipality=True),
            "activities": [activity for activity in activities if activity is not None],
            "business_types": [value for value in form.get("business_types", []) if value],
            "employees_full_time": b.number("employees_full_time"),
            "employees_part_time": b.number("employees_part_time"),
            "side_business": b.flag("side_business"),
            "registration_reason": b.text("registration_reason") if kind == "anmeldung" else None,
            "change_reasons": [value for value in form.get("change_reasons", []) if value]
            if kind == "ummeldung"
            else [],
            "deregistration_reason": b.text("deregistration_reason") if kind == "abmeldung" else None,
            "deregistration_cause": b.text("deregistration_cause") if kind == "abmeldung" else None,
            "previous_registration": previous or None,
            "declarations": _declarations(b),
        }
    )
    return payload, b.problems


def _town_key(name: str) -> str:
    folded = " ".join(name.casefold().replace("-", " ").split())
    for prefix in ("stadt ", "gemeinde "):
        folded = folded.removeprefix(prefix)
    return folded


def municipality_resolver(towns: Iterable[Municipality], prefer: str) -> MunicipalityResolver:
    """Resolve a town name to its AGS by the names people use (``Wurzen``, ``Stadt Wurzen``).

    Names are unique among Saxon municipalities with few exceptions; for those the town the form
    is filed with wins, then the one whose seat has the given PLZ.
    """
    by_name: dict[str, list[Municipality]] = {}
    for town in towns:
        for name in {town.display_name, display_name(town.name)}:
            by_name.setdefault(_town_key(name), []).append(town)

    def resolve(name: str, postal_code: str) -> str | None:
        candidates = by_name.get(_town_key(name), [])
        if not candidates:
            return None
        best = sorted(candidates, key=lambda town: (town.ags != prefer, town.plz != postal_code, town.ags))
        return best[0].ags

    return resolve


def remove_block(form: FormData, group: str, index: int, count: int) -> dict[str, list[str]]:
    """The form without block ``index`` of ``group`` (``persons``): later blocks move up by one."""
    kept: dict[str, list[str]] = {}
    for name, values in form.items():
        parts = name.split(".", 2)
        target = name
        if len(parts) >= 2 and parts[0] == group and parts[1].isdigit():
            position = int(parts[1])
            if position == index or position >= count:
                continue
            if position > index:
                target = ".".join([group, str(position - 1), *parts[2:]])
        kept[target] = list(values)
    return kept
