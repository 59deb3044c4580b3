"""A seeded generator of realistic Gewerbeanzeigen for the pilot towns, as ``case.submitted`` payloads.

Used by ``bench/gewerbe_automation.py`` and ``bench/gewerbe.py``; the mix and where each share
comes from are in ``docs/benchmarks-gewerbe.md``. Every case is a valid payload of the contract
(:mod:`ikdz_contracts.payloads.gewerbe`); only the ``defect`` cases break a plausibility rule or ask
for something a clerk must decide, on purpose.

Each case carries what it was drawn as (notice kind, legal form, trade profile, non-EU person,
defect), so a benchmark can break its results down by profile and compare them with the pure
decision table. Um- and Abmeldungen refer to a business that must be registered first: their
``base`` is that permit-free Anmeldung (same holder, same Betriebsstätte), which a benchmark files
and waits for before it sends the case itself.

Same seed, same parameters, same ``today`` → the same cases (``random.Random`` only).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from ikdz_contracts.payloads.gewerbe import (
    ChangeReason,
    DeregistrationCause,
    DeregistrationReason,
    NoticeKind,
    RegistrationReason,
)

T = TypeVar("T")

WURZEN, AUGUSTUSBURG = "14729410", "14522020"
GRIMMA = "14729160"
"""A town outside the pilot: where businesses moving in come from (Rückmeldung to a town not onboarded)."""

TOWNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    WURZEN: ("Wurzen", "04808", ("Markt", "Jacobsplatz", "Domplatz", "Wenceslaigasse", "Badergraben", "Albert-Kuntz-Straße", "Dresdener Straße", "Lüptitzer Straße")),
    AUGUSTUSBURG: ("Augustusburg", "09573", ("Marienberger Straße", "Markt", "Schloßstraße", "Hohe Straße", "Erdmannsdorfer Straße", "Waldenburger Straße")),
    GRIMMA: ("Grimma", "04668", ("Markt", "Lange Straße", "Leipziger Straße")),
}  # fmt: skip

GIVEN_F = (
    "Anna",
    "Julia",
    "Katrin",
    "Sabine",
    "Sophie",
    "Marie",
    "Claudia",
    "Franziska",
    "Lena",
    "Petra",
    "Nicole",
    "Susanne",
)
GIVEN_M = (
    "Thomas",
    "Michael",
    "Stefan",
    "Andreas",
    "Jan",
    "Lukas",
    "Felix",
    "Tobias",
    "Frank",
    "Uwe",
    "Daniel",
    "Martin",
)
FAMILY = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Richter",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Lehmann",
    "Köhler",
    "Franke",
    "Seidel",
    "Vogel",
)
BIRTHPLACES = ("Leipzig", "Dresden", "Chemnitz", "Wurzen", "Flöha", "Grimma", "Zwickau", "Plauen")
NON_EU = (("TR", "Istanbul"), ("UA", "Kyjiw"), ("SY", "Aleppo"), ("VN", "Hanoi"), ("RU", "Sankt Petersburg"), ("IN", "Pune"), ("US", "Chicago"), ("CN", "Shenyang"))  # fmt: skip
BASE_AGE_DAYS = 120
"""How long ago the business an Um-/Abmeldung refers to was registered."""
EU_FOREIGN = (("PL", "Wrocław"), ("CZ", "Ústí nad Labem"), ("RO", "Cluj-Napoca"), ("IT", "Bologna"))


class Trade(StrEnum):
    """The trade profile a case is drawn as: which row of the decision table its activity hits."""

    PERMIT_FREE = "permit_free"
    HANDWERK_A = "handwerk_a"
    PERMIT = "permit"  # §§ 30–34i GewO
    RELIABILITY_38 = "reliability_38"
    GASTSTAETTE_ALCOHOL = "gaststaette_alcohol"


class Holder(StrEnum):
    """Who files: a natural person, a GbR, a GmbH or a UG."""

    NATURAL_PERSON = "natural_person"
    GBR = "gbr"
    GMBH = "gmbh"
    UG = "ug"


class Defect(StrEnum):
    """Deliberately bad or doubtful input. ``REFUSED_AT_INTAKE`` defects break a rule of severity error."""

    START_TOO_FAR_AHEAD = "start_too_far_ahead"  # refused: datum.zukunft
    SITE_OUTSIDE_TOWN = "site_outside_town"  # refused: betriebsstaette.gemeinde
    GMBH_WITHOUT_REGISTER = "gmbh_without_register"  # refused: register.pflicht
    VAGUE_ACTIVITY = "vague_activity"  # refused: taetigkeit.bestimmt
    NOT_A_TRADE = "not_a_trade"  # a translator: freier Beruf, STOP for a clerk
    LATE_NOTICE = "late_notice"  # started two months ago: warning, plausibility task
    LOW_WZ_CONFIDENCE = "low_wz_confidence"  # the suggested WZ code was unsure: clerk confirms
    UNKNOWN_REGISTRATION = "unknown_registration"  # Abmeldung of a business never registered: German error


REFUSED_AT_INTAKE = frozenset(
    {Defect.START_TOO_FAR_AHEAD, Defect.SITE_OUTSIDE_TOWN, Defect.GMBH_WITHOUT_REGISTER, Defect.VAGUE_ACTIVITY}
)

# (description in the applicant's words, WZ 2008 Unterklasse, Art des Betriebs)
ACTIVITIES: dict[Trade, tuple[tuple[str, str, str], ...]] = {
    Trade.PERMIT_FREE: (
        ("Webdesign und Programmierung von Internetseiten", "62.01.9", "sonstiges"),
        ("IT-Beratung für kleine und mittlere Unternehmen", "62.02.0", "sonstiges"),
        ("Einzelhandel mit Bekleidung", "47.71.0", "handel"),
        ("Internet-Einzelhandel mit Textilien und Schuhen", "47.91.1", "handel"),
        ("Online-Handel mit Haushaltswaren und Dekoration", "47.91.9", "handel"),
        ("Unternehmensberatung für Handwerksbetriebe", "70.22.0", "sonstiges"),
        ("Hausmeisterdienste und Grünpflege", "81.10.0", "sonstiges"),
        ("Unterhaltsreinigung von Büros und Praxen", "81.21.0", "sonstiges"),
        ("Fotografie für Hochzeiten und Firmenfeiern", "74.20.1", "sonstiges"),
        ("Kosmetikstudio und Nagelpflege", "96.02.2", "sonstiges"),
        ("Einzelhandel mit Spielwaren", "47.65.0", "handel"),
        ("Imbiss mit Bratwurst und Pommes frites", "56.10.3", "sonstiges"),
        ("Hundesalon und Tierbetreuung", "96.09.0", "sonstiges"),
        ("Vermittlung von Werbeflächen", "73.12.0", "sonstiges"),
        ("Fahrradkurierdienst in der Innenstadt", "53.20.0", "sonstiges"),
        ("Reparatur von Computern und Laptops", "95.11.0", "sonstiges"),
        ("Fitnessstudio", "93.13.0", "sonstiges"),
        ("Einzelhandel mit Sport- und Campingartikeln", "47.64.2", "handel"),
        ("Raumgestaltung und Innendekoration", "74.10.3", "sonstiges"),
    ),
    Trade.HANDWERK_A: (
        ("Friseursalon", "96.02.1", "handwerk"),
        ("Elektroinstallation in Wohn- und Geschäftsgebäuden", "43.21.0", "handwerk"),
        ("Malerarbeiten und Fassadengestaltung", "43.34.1", "handwerk"),
        ("Dachdeckerei und Klempnerarbeiten am Dach", "43.91.1", "handwerk"),
        ("Kfz-Reparaturwerkstatt", "45.20.3", "handwerk"),
        ("Bäckerei mit Verkaufsstelle", "10.71.0", "handwerk"),
        ("Tischlerei für Fenster und Türen", "43.32.0", "handwerk"),
        ("Fliesenlegerarbeiten im Innenausbau", "43.33.0", "handwerk"),
        ("Heizungs- und Sanitärinstallation", "43.22.0", "handwerk"),
    ),
    Trade.PERMIT: (
        ("Sicherheitsdienst und Objektschutz", "80.10.0", "sonstiges"),
        ("Immobilienmakler für Wohnungen und Häuser", "68.31.1", "sonstiges"),
        ("Versicherungsmakler für Privatkunden", "66.22.0", "sonstiges"),
        ("Finanzanlagenvermittlung", "66.19.0", "sonstiges"),
        ("Spielhalle mit Geldspielgeräten", "92.00.1", "sonstiges"),
        ("Pfandleihhaus", "64.92.2", "sonstiges"),
        ("Versteigerungen von Nachlässen", "82.99.1", "sonstiges"),
    ),
    Trade.RELIABILITY_38: (
        ("Handel mit Gebrauchtwagen", "45.11.0", "handel"),
        ("Reisebüro", "79.11.0", "sonstiges"),
        ("Ankauf und Verkauf von Gold und Schmuck", "47.77.0", "handel"),
        ("Detektei", "80.30.0", "sonstiges"),
        ("Schlüsseldienst und Einbau von Alarmanlagen", "80.20.0", "sonstiges"),
        ("Partnervermittlung", "96.09.0", "sonstiges"),
    ),
    Trade.GASTSTAETTE_ALCOHOL: (
        ("Kneipe mit Ausschank von Bier und Wein", "56.30.1", "sonstiges"),
        ("Restaurant mit herkömmlicher Bedienung und Weinkarte", "56.10.1", "sonstiges"),
        ("Cocktailbar", "56.30.1", "sonstiges"),
    ),
}
NOT_A_TRADE_ACTIVITY = ("Übersetzungen aus dem Englischen und Polnischen", "74.30.1", "sonstiges")
VAGUE_ACTIVITY = ("Handel mit Waren aller Art", "47.78.9", "handel")


@dataclass(frozen=True)
class Mix:
    """The shares the generator draws from; see docs/benchmarks-gewerbe.md for where each comes from.

    ``kinds``, ``holders`` and ``trades`` are each normalised over their keys. ``trades`` applies to
    Anmeldungen and Ummeldungen (an Abmeldung is not checked for the trade); ``non_eu`` to the
    persons of an Anmeldung or Ummeldung; ``defects`` to every case.
    """

    kinds: Mapping[NoticeKind, float] = field(
        default_factory=lambda: {NoticeKind.ANMELDUNG: 0.475, NoticeKind.UMMELDUNG: 0.12, NoticeKind.ABMELDUNG: 0.405}
    )
    holders: Mapping[Holder, float] = field(
        default_factory=lambda: {Holder.NATURAL_PERSON: 0.80, Holder.GBR: 0.05, Holder.GMBH: 0.11, Holder.UG: 0.04}
    )
    trades: Mapping[Trade, float] = field(
        default_factory=lambda: {
            Trade.PERMIT_FREE: 0.80,
            Trade.HANDWERK_A: 0.08,
            Trade.PERMIT: 0.05,
            Trade.RELIABILITY_38: 0.04,
            Trade.GASTSTAETTE_ALCOHOL: 0.03,
        }
    )
    non_eu: float = 0.05
    eu_foreign: float = 0.06
    side_business: float = 0.35
    relocation: float = 0.04
    defects: float = 0.03


AUTOMATED_PATH = Mix(
    kinds={NoticeKind.ANMELDUNG: 1.0}, trades={Trade.PERMIT_FREE: 1.0}, non_eu=0.0, defects=0.0, relocation=0.0
)
"""Permit-free Anmeldungen of German and EU nationals only: the path that needs no human (bench/gewerbe.py)."""


@dataclass(frozen=True)
class GeneratedCase:
    """One generated notice and what it was drawn as."""

    index: int
    payload: dict[str, Any]
    kind: NoticeKind
    holder: Holder
    trade: Trade
    non_eu: bool
    defect: Defect | None
    base: dict[str, Any] | None = None
    """The Anmeldung that registers this business first (Um-/Abmeldungen), or None."""

    @property
    def owner_ags(self) -> str:
        return str(self.payload["owner_ags"])

    @property
    def refused_at_intake(self) -> bool:
        return self.defect in REFUSED_AT_INTAKE

    @property
    def profile(self) -> str:
        """A short label for reports: ``anmeldung/handwerk_a`` or ``abmeldung`` or ``defect/not_a_trade``."""
        if self.defect is not None:
            return f"defect/{self.defect.value}"
        if self.kind is NoticeKind.ABMELDUNG:
            return "abmeldung"
        return f"{self.kind.value}/{self.trade.value}" + ("+non_eu" if self.non_eu else "")


def _pick(rng: random.Random, weights: Mapping[T, float]) -> T:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class Generator:
    """Draws :class:`GeneratedCase` from a :class:`Mix`; ``cases(n)`` is deterministic per seed and day."""

    def __init__(
        self, seed: int, today: date, mix: Mix | None = None, towns: tuple[str, ...] = (WURZEN, AUGUSTUSBURG)
    ) -> None:
        self.mix = mix or Mix()
        self.today = today
        self.towns = towns
        self._rng = random.Random(seed)

    def cases(self, count: int) -> list[GeneratedCase]:
        return [self._case(i) for i in range(count)]

    # ------------------------------------------------------------------ drawing

    def _case(self, index: int) -> GeneratedCase:
        rng, mix = self._rng, self.mix
        kind = _pick(rng, mix.kinds)
        holder = _pick(rng, mix.holders)
        trade = _pick(rng, mix.trades) if kind is not NoticeKind.ABMELDUNG else Trade.PERMIT_FREE
        non_eu = kind is not NoticeKind.ABMELDUNG and rng.random() < mix.non_eu
        defect = self._defect(kind, holder) if rng.random() < mix.defects else None
        town = rng.choice(self.towns)
        business = self._business(index, town, holder, trade, non_eu, defect)
        payload = self._notice(kind, business, defect)
        base = None
        if kind is not NoticeKind.ANMELDUNG and defect not in REFUSED_AT_INTAKE | {Defect.UNKNOWN_REGISTRATION}:
            base = self._base(business)
        return GeneratedCase(index, payload, kind, holder, trade, non_eu, defect, base)

    def _defect(self, kind: NoticeKind, holder: Holder) -> Defect:
        rng = self._rng
        if kind is NoticeKind.ABMELDUNG:
            return rng.choice((Defect.UNKNOWN_REGISTRATION, Defect.LATE_NOTICE, Defect.START_TOO_FAR_AHEAD))
        options = [
            Defect.START_TOO_FAR_AHEAD,
            Defect.SITE_OUTSIDE_TOWN,
            Defect.VAGUE_ACTIVITY,
            Defect.NOT_A_TRADE,
            Defect.LATE_NOTICE,
            Defect.LOW_WZ_CONFIDENCE,
        ]
        if holder in {Holder.GMBH, Holder.UG} and kind is NoticeKind.ANMELDUNG:
            options.append(Defect.GMBH_WITHOUT_REGISTER)
        return rng.choice(options)

    def _person(self, role: str, town: str, foreign: tuple[str, str] | None) -> dict[str, Any]:
        rng = self._rng
        female = rng.random() < 0.35  # about a third of founders are women (assumption, docs)
        born = self.today - timedelta(days=365 * rng.randint(20, 66) + rng.randint(0, 364))
        city, plz, streets = TOWNS[town]
        person: dict[str, Any] = {
            "role": role,
            "sex": "w" if female else "m",
            "family_name": rng.choice(FAMILY),
            "given_names": rng.choice(GIVEN_F if female else GIVEN_M),
            "date_of_birth": born.isoformat(),
            "place_of_birth": foreign[1] if foreign else rng.choice(BIRTHPLACES),
            "nationalities": [foreign[0]] if foreign else ["DE"],
            "address": {
                "street": rng.choice(streets),
                "house_number": str(rng.randint(1, 80)),
                "postal_code": plz,
                "city": city,
            },
        }
        if foreign:
            person["country_of_birth"] = foreign[0]
        if foreign and foreign in NON_EU:
            person["residence_title"] = {
                "kind": rng.choice(
                    (
                        "Aufenthaltserlaubnis § 21 AufenthG",
                        "Niederlassungserlaubnis",
                        "Aufenthaltserlaubnis § 24 AufenthG",
                    )
                ),
                "issued_by": "Landratsamt Leipzig" if town == WURZEN else "Landratsamt Mittelsachsen",
                "valid_until": (self.today + timedelta(days=rng.randint(200, 1500))).isoformat(),
                "self_employment_permitted": True,
            }
        if rng.random() < 0.6:
            person["email"] = f"kontakt{rng.randint(1, 99999)}@example.org"
        return person

    def _nationality(self, non_eu: bool) -> tuple[str, str] | None:
        if non_eu:
            return self._rng.choice(NON_EU)
        if self._rng.random() < self.mix.eu_foreign:
            return self._rng.choice(EU_FOREIGN)
        return None

    def _business(
        self, index: int, town: str, holder: Holder, trade: Trade, non_eu: bool, defect: Defect | None
    ) -> dict[str, Any]:
        """The parts of a notice that stay the same for one business: holder, persons, site, activity."""
        rng = self._rng
        site_town = town
        if defect is Defect.SITE_OUTSIDE_TOWN:
            site_town = next(t for t in (WURZEN, AUGUSTUSBURG) if t != town)
        site_city, site_plz, site_streets = TOWNS[site_town]
        description, wz, business_type = rng.choice(ACTIVITIES[trade])
        if defect is Defect.NOT_A_TRADE:
            description, wz, business_type = NOT_A_TRADE_ACTIVITY
        elif defect is Defect.VAGUE_ACTIVITY:
            description, wz, business_type = VAGUE_ACTIVITY
        activity: dict[str, Any] = {"description": description, "wz_code": wz}
        if rng.random() < 0.5:  # half accept the suggestion, sure enough; the others choose the code
            activity["wz_confidence"] = round(rng.uniform(0.75, 0.99), 2)
        if defect is Defect.LOW_WZ_CONFIDENCE:
            activity["wz_confidence"] = round(rng.uniform(0.2, 0.5), 2)
        business = self._holder(index, town, holder, non_eu, defect, description)
        persons = business["persons"]
        business["establishment"] = {
            "address": {
                "street": rng.choice(site_streets),
                "house_number": str(index + 1),
                "postal_code": site_plz,
                "city": site_city,
                "municipality_ags": site_town,
            },
            "trade_name": f"{description.split(' und ')[0][:60]} {persons[0]['family_name']}",
        }
        business["activities"] = [activity]
        business["business_types"] = [business_type]
        employees = 0 if holder is Holder.NATURAL_PERSON and rng.random() < 0.75 else rng.randint(1, 12)
        business["employees_full_time"] = employees
        business["employees_part_time"] = rng.randint(0, 3) if employees else 0
        business["side_business"] = holder is Holder.NATURAL_PERSON and rng.random() < self.mix.side_business
        declarations: dict[str, Any] = {"data_correct": True}
        if trade is Trade.GASTSTAETTE_ALCOHOL:
            declarations["serves_alcohol"] = True
        if trade is Trade.HANDWERK_A and rng.random() < 0.7:
            chamber = "Handwerkskammer zu Leipzig" if town == WURZEN else "Handwerkskammer Chemnitz"
            issued = self.today - timedelta(days=rng.randint(1, 60))
            declarations["handwerkskarte"] = {
                "chamber": chamber,
                "number": f"HWK-{index:06d}",
                "issued_on": issued.isoformat(),
            }
        business["declarations"] = declarations
        return business

    def _holder(
        self, index: int, town: str, holder: Holder, non_eu: bool, defect: Defect | None, description: str
    ) -> dict[str, Any]:
        """Legal form, company (name, register entry) and persons of one business."""
        persons: list[dict[str, Any]]
        foreign = self._nationality(non_eu)
        business: dict[str, Any] = {"owner_ags": town}
        if holder is Holder.NATURAL_PERSON:
            business["legal_form"] = "einzelunternehmen"
            persons = [self._person("inhaber", town, foreign)]
        elif holder is Holder.GBR:
            business["legal_form"] = "gbr"
            persons = [
                self._person("gesellschafter", town, foreign),
                self._person("gesellschafter", town, self._nationality(False)),
            ]
            business["company"] = {"name": f"{persons[0]['family_name']} & {persons[1]['family_name']} GbR {index}"}
        else:
            business["legal_form"] = holder.value
            persons = [self._person("gesetzlicher_vertreter", town, foreign)]
            suffix = "GmbH" if holder is Holder.GMBH else "UG (haftungsbeschränkt)"
            company: dict[str, Any] = {
                "name": f"{persons[0]['family_name']} {description.split(maxsplit=1)[0]} {index} {suffix}"
            }
            if defect is not Defect.GMBH_WITHOUT_REGISTER:
                court = "Amtsgericht Leipzig" if town == WURZEN else "Amtsgericht Chemnitz"
                company["register_entry"] = {"register_type": "HRB", "court": court, "number": str(20000 + index)}
            business["company"] = company
        business["persons"] = persons
        return business

    def _dates(self, kind: NoticeKind, defect: Defect | None, alcohol: bool) -> tuple[date, date]:
        rng, today = self._rng, self.today
        if defect is Defect.START_TOO_FAR_AHEAD:
            return today, today + timedelta(days=rng.randint(60, 200))
        if defect is Defect.LATE_NOTICE:
            return today, today - timedelta(days=rng.randint(45, BASE_AGE_DAYS - 20))
        if kind is NoticeKind.ANMELDUNG:
            ahead = rng.randint(29, 40) if alcohol else rng.randint(0, 14)  # SächsGastG: four weeks ahead
            return today, today + timedelta(days=ahead)
        if kind is NoticeKind.UMMELDUNG:
            return today, today + timedelta(days=rng.randint(0, 14))
        return today, today - timedelta(days=rng.randint(0, 14))

    def _notice(self, kind: NoticeKind, business: dict[str, Any], defect: Defect | None) -> dict[str, Any]:
        rng = self._rng
        alcohol = bool(business["declarations"].get("serves_alcohol"))
        filed, effective = self._dates(kind, defect, alcohol)
        notice = dict(business)
        notice.update(kind=kind.value, filed_on=filed.isoformat(), effective_date=effective.isoformat())
        if kind is NoticeKind.ANMELDUNG:
            moved = defect is None and rng.random() < self.mix.relocation
            if moved:
                city, plz, streets = TOWNS[GRIMMA]
                notice["registration_reason"] = RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK.value
                notice["previous_address"] = {
                    "street": rng.choice(streets),
                    "house_number": str(rng.randint(1, 60)),
                    "postal_code": plz,
                    "city": city,
                    "municipality_ags": GRIMMA,
                }
            else:
                notice["registration_reason"] = rng.choices(
                    (RegistrationReason.NEUGRUENDUNG.value, RegistrationReason.UEBERNAHME.value), weights=(0.87, 0.13)
                )[0]
        elif kind is NoticeKind.UMMELDUNG:
            reason = rng.choice(
                (ChangeReason.VERLEGUNG_INNERHALB, ChangeReason.TAETIGKEIT_GEAENDERT, ChangeReason.TAETIGKEIT_ERWEITERT)
            )
            notice["change_reasons"] = [reason.value]
            if reason is ChangeReason.VERLEGUNG_INNERHALB:
                site = notice["establishment"]["address"]
                notice["previous_address"] = site
                city, plz, streets = TOWNS[site["municipality_ags"]]
                moved_to = {**site, "street": rng.choice(streets), "house_number": f"{site['house_number']}a"}
                notice["establishment"] = {**notice["establishment"], "address": moved_to}
        else:
            closure = rng.choices(
                (DeregistrationReason.VOLLSTAENDIGE_AUFGABE, DeregistrationReason.UEBERGABE), weights=(0.81, 0.19)
            )[0]
            notice["deregistration_reason"] = closure.value
            if closure is DeregistrationReason.VOLLSTAENDIGE_AUFGABE:
                notice["deregistration_cause"] = rng.choice(list(DeregistrationCause)).value
        return notice

    def _base(self, business: dict[str, Any]) -> dict[str, Any]:
        """The permit-free Anmeldung that registered the business earlier (same holder and site).

        Filed and started ``BASE_AGE_DAYS`` ago, so even a late Abmeldung closes after the start.
        """
        base = dict(business)
        base["activities"] = [{"description": "Einzelhandel mit Bekleidung", "wz_code": "47.71.0"}]
        base["business_types"] = ["handel"]
        base["declarations"] = {"data_correct": True}
        base["persons"] = [_with_nationality_de(p) for p in base["persons"]]
        base.update(
            kind=NoticeKind.ANMELDUNG.value,
            filed_on=(self.today - timedelta(days=BASE_AGE_DAYS)).isoformat(),
            effective_date=(self.today - timedelta(days=BASE_AGE_DAYS)).isoformat(),
            registration_reason=RegistrationReason.NEUGRUENDUNG.value,
        )
        return base


def _with_nationality_de(person: dict[str, Any]) -> dict[str, Any]:
    """The base registration must not itself need a clerk: its persons keep name and birth date only."""
    return {k: v for k, v in person.items() if k not in {"residence_title", "country_of_birth"}} | {
        "nationalities": ["DE"],
        "place_of_birth": "Leipzig",
    }
