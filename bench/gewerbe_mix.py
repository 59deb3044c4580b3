"""Seeded generator of realistic Gewerbeanzeigen for the automation report (the mix is justified in docs/gewerbe.md).

Each profile is one kind of notice a Gewerbeamt in the pilot towns sees, with its share of all
notices and the outcome the decision table should give it. Um- and Abmeldungen concern businesses
registered years ago, so the run first registers them (the seed, not counted) and then files the
counted notices; an Um-/Abmeldung names its business by holder and site, as a citizen who does not
know the registration id would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

TOWNS = {"14729410": ("04808", "Wurzen"), "14522020": ("09573", "Augustusburg")}
STREETS = ("Markt", "Bahnhofstraße", "Jacobsplatz", "Lange Straße", "Schloßstraße", "Dresdner Straße", "Feldweg")
FAMILY = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Richter")
GIVEN = ("Anna", "Lukas", "Marie", "Paul", "Sophie", "Felix", "Emma", "Jonas", "Lea", "Max")

PLAIN = (
    ("Webdesign und Programmierung von Internetseiten", "62.01.9"),
    ("Einzelhandel mit Bekleidung", "47.71.0"),
    ("Unternehmensberatung für kleine Betriebe", "70.22.0"),
    ("Versandhandel mit Haushaltswaren über das Internet", "47.91.1"),
    ("Fotografie für Hochzeiten und Veranstaltungen", "74.20.1"),
    ("Gebäudereinigung", "81.21.0"),
    ("Kosmetikstudio", "96.02.2"),
    ("Hausmeisterservice und Gartenpflege", "81.10.0"),
    ("Handel mit Geschenkartikeln auf Märkten im Ladengeschäft", "47.78.9"),
    ("Verleih von Fahrrädern", "77.21.0"),
)
HANDWERK = (
    ("Friseursalon", "96.02.1"),
    ("Elektroinstallation", "43.21.0"),
    ("Maler- und Lackiererarbeiten", "43.34.1"),
)
RELIABILITY = (("An- und Verkauf von Gebrauchtwagen", "45.11.0"), ("Ankauf von Altgold und Schmuck", "47.77.0"))
GASTRO = (("Restaurant mit Weinausschank", "56.10.1"), ("Kneipe mit Bierausschank", "56.30.1"))
BROKER = (("Versicherungsmakler", "66.22.0"), ("Immobilienmakler", "68.31.1"))
SECURITY = (("Objektschutz und Veranstaltungsschutz", "80.10.0"),)
NOT_A_TRADE = (("Steuerberatung", "69.20.3"), ("Übersetzerin und Dolmetscherin", "74.30.1"))
NON_EU = ("TR", "UA", "SY", "VN", "RU", "IN")


@dataclass(frozen=True)
class Profile:
    name: str
    share: float
    expected: str  # "auto", "task" or "stop"


PROFILES = (
    Profile("anmeldung_plain", 0.30, "auto"),
    Profile("anmeldung_gmbh", 0.04, "auto"),
    Profile("anmeldung_handwerk", 0.04, "task"),
    Profile("anmeldung_38", 0.02, "task"),
    Profile("anmeldung_gaststaette", 0.02, "task"),
    Profile("anmeldung_broker", 0.015, "task"),
    Profile("anmeldung_34a", 0.005, "task"),
    Profile("anmeldung_non_eu", 0.04, "task"),
    Profile("anmeldung_not_a_trade", 0.01, "stop"),
    Profile("ummeldung", 0.12, "auto"),
    Profile("abmeldung", 0.39, "auto"),
)
SEED = Profile("seed", 0.0, "auto")
"""A business registered before the run (an earlier Anmeldung), so that it can be changed or closed."""


@dataclass
class Notice:
    n: int
    profile: Profile
    owner_ags: str
    payload: dict[str, Any]


def _address(rng: random.Random, owner: str, n: int) -> dict[str, str]:
    postal_code, city = TOWNS[owner]
    return {"street": rng.choice(STREETS), "house_number": str(n + 1), "postal_code": postal_code, "city": city}


def _person(rng: random.Random, n: int, nationality: str = "DE", role: str = "inhaber") -> dict[str, Any]:
    return {
        "role": role,
        "sex": rng.choice(("w", "m")),
        "family_name": f"{rng.choice(FAMILY)}-{n}",
        "given_names": rng.choice(GIVEN),
        "date_of_birth": date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat(),
        "place_of_birth": "Leipzig" if nationality == "DE" else "Ausland",
        "country_of_birth": nationality,
        "nationalities": [nationality],
        "address": {"street": "Domplatz", "house_number": str(n + 1), "postal_code": "04808", "city": "Wurzen"},
    }


def anmeldung(rng: random.Random, n: int, profile: Profile, today: date) -> Notice:
    owner = rng.choice(tuple(TOWNS))
    lines = {
        "anmeldung_handwerk": HANDWERK,
        "anmeldung_38": RELIABILITY,
        "anmeldung_gaststaette": GASTRO,
        "anmeldung_broker": BROKER,
        "anmeldung_34a": SECURITY,
        "anmeldung_not_a_trade": NOT_A_TRADE,
    }.get(profile.name, PLAIN)
    description, wz = rng.choice(lines)
    payload: dict[str, Any] = {
        "kind": "anmeldung",
        "owner_ags": owner,
        "filed_on": today.isoformat(),
        "effective_date": (today + timedelta(days=rng.randrange(0, 28))).isoformat(),
        "legal_form": "einzelunternehmen",
        "persons": [_person(rng, n, rng.choice(NON_EU) if profile.name == "anmeldung_non_eu" else "DE")],
        "establishment": {"address": {**_address(rng, owner, n), "municipality_ags": owner}},
        "activities": [{"description": description, "wz_code": wz}],
        "business_types": ["handwerk"] if profile.name == "anmeldung_handwerk" else ["sonstiges"],
        "employees_full_time": rng.choice((0, 0, 0, 1, 2)),
        "employees_part_time": rng.choice((0, 0, 1)),
        "registration_reason": "neugruendung",
        "declarations": {"data_correct": True, "serves_alcohol": profile.name == "anmeldung_gaststaette"},
    }
    if profile.name == "anmeldung_gmbh":
        payload["legal_form"] = "gmbh"
        payload["company"] = {
            "name": f"{rng.choice(FAMILY)} {n} GmbH",
            "register_entry": {"register_type": "HRB", "court": "Amtsgericht Leipzig", "number": str(10000 + n)},
        }
        payload["persons"] = [_person(rng, n, role="gesetzlicher_vertreter")]
    return Notice(n, profile, owner, payload)


def follow_up(rng: random.Random, n: int, profile: Profile, registered: Notice, today: date) -> Notice:
    """An Ummeldung (activity extended) or Abmeldung (closure) of a business registered in phase 1."""
    payload = {**registered.payload, "filed_on": today.isoformat(), "registration_reason": None}
    payload["effective_date"] = (
        date.fromisoformat(registered.payload["effective_date"]) + timedelta(days=1)
    ).isoformat()
    if profile.name == "ummeldung":
        description, wz = rng.choice(PLAIN)
        payload.update(
            kind="ummeldung",
            change_reasons=["taetigkeit_erweitert"],
            activities=[*registered.payload["activities"], {"description": description, "wz_code": wz}],
        )
    else:
        payload.update(
            kind="abmeldung",
            deregistration_reason="vollstaendige_aufgabe",
            deregistration_cause=rng.choice(("alter", "wirtschaftliche_schwierigkeiten", "sonstige")),
        )
    return Notice(n, profile, registered.owner_ags, payload)


def generate(count: int, seed: int, today: date) -> tuple[list[Notice], list[Notice]]:
    """The seed (businesses to register first, not counted) and ``count`` counted notices in the mix."""
    rng = random.Random(seed)
    profiles = rng.choices(PROFILES, weights=[p.share for p in PROFILES], k=count)
    seeds: list[Notice] = []
    counted: list[Notice] = []
    for n, profile in enumerate(profiles):
        if profile.name in {"ummeldung", "abmeldung"}:
            registered = anmeldung(rng, count + n, SEED, today)
            seeds.append(registered)
            counted.append(follow_up(rng, n, profile, registered, today))
        else:
            counted.append(anmeldung(rng, n, profile, today))
    return seeds, counted
