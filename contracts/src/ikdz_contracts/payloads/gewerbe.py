"""The Gewerbeanzeige (GewA 1 Anmeldung, GewA 2 Ummeldung, GewA 3 Abmeldung) as filed: the
``payload`` of a ``case.submitted`` event for the service ``trade-registration``.

It is a contract: intake validates the shape of a submission with this model (forms, JSON API, XML
import) and trade-registration parses the work item with it, so both agree on every field. Changes
follow the event rules of ``docs/contracts.md``: optional fields may be added; anything else is a new
``form_version``. The JSON Schema is generated to ``contracts/schemas/payloads/``.

The model follows the content of the forms of the GewAnzV (version of 11.12.2024) grouped as in
the XGewerbeordnung elements (``docs/gewerbe.md`` maps each field to its XGewO element and, where
known, its form field number). It checks types and formats only: whether the data fit together
(a GmbH without register number, a business address outside the owner town, a start date a year
ahead) is decided by the named rules of :mod:`ikdz_contracts.payloads.gewerbe_rules`, which answer
with German messages per field instead of raising; intake and trade-registration run the same rules.

All models are frozen and strict: portals send JSON (``Gewerbeanzeige.model_validate_json``),
where dates are ISO strings and enums their values; Python callers pass real dates and enums. A
payload already decoded from JSON (a ``dict``) is read with :func:`parse_payload`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

COUNTRY_CODE_PATTERN = r"^[A-Z]{2}$"
"""ISO 3166-1 alpha-2; stateless persons and unknown nationalities are ``XX`` (ISO's code for "unknown")."""
AGS_PATTERN = r"^[0-9]{8}$"
FORM_VERSION = "GewAnzV-2024-12"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
CountryCode = Annotated[str, StringConstraints(pattern=COUNTRY_CODE_PATTERN)]
Ags = Annotated[str, StringConstraints(pattern=AGS_PATTERN)]

_WZ_INPUT = re.compile(r"^(?:(\d{2})\.(\d{2})\.(\d)|(\d{2})(\d{2})(\d))$")


def normalise_wz_code(value: str) -> str:
    """``96021`` or ``96.02.1`` → ``96.02.1`` (the WZ 2008 Unterklasse as Destatis writes it)."""
    match = _WZ_INPUT.match(value.strip())
    if match is None:
        msg = "WZ-2008-Schlüssel im Format 96.02.1 oder 96021 erwartet"
        raise ValueError(msg)
    groups = [g for g in match.groups() if g is not None]
    return f"{groups[0]}.{groups[1]}.{groups[2]}"


def compact_wz_code(code: str) -> str:
    """``96.02.1`` → ``96021``, the form used in XGewO messages (``taetigkeitSchluessel``)."""
    return code.replace(".", "")


WzCode = Annotated[str, AfterValidator(normalise_wz_code)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class NoticeKind(StrEnum):
    """Which form: GewA 1, 2 or 3 (Anlage 1–3 GewAnzV)."""

    ANMELDUNG = "anmeldung"
    UMMELDUNG = "ummeldung"
    ABMELDUNG = "abmeldung"

    @property
    def label_de(self) -> str:
        return {"anmeldung": "Gewerbeanmeldung", "ummeldung": "Gewerbeummeldung", "abmeldung": "Gewerbeabmeldung"}[
            self.value
        ]


class LegalForm(StrEnum):
    """Rechtsform of the business (XGewO code list ``rechtsformen``, reduced to the common forms)."""

    EINZELUNTERNEHMEN = "einzelunternehmen"
    EINGETRAGENER_KAUFMANN = "ek"
    GBR = "gbr"
    OHG = "ohg"
    KG = "kg"
    GMBH_CO_KG = "gmbh_co_kg"
    GMBH = "gmbh"
    GMBH_IN_GRUENDUNG = "gmbh_ig"
    UG = "ug"
    AG = "ag"
    KGAA = "kgaa"
    SE = "se"
    EG = "eg"
    EV = "ev"
    AUSLAENDISCHE_RECHTSFORM = "auslaendisch"

    @property
    def label_de(self) -> str:
        return LEGAL_FORM_LABELS[self]


LEGAL_FORM_LABELS: dict[LegalForm, str] = {
    LegalForm.EINZELUNTERNEHMEN: "Einzelunternehmen",
    LegalForm.EINGETRAGENER_KAUFMANN: "eingetragene Kauffrau / eingetragener Kaufmann (e. K.)",
    LegalForm.GBR: "Gesellschaft bürgerlichen Rechts (GbR)",
    LegalForm.OHG: "Offene Handelsgesellschaft (OHG)",
    LegalForm.KG: "Kommanditgesellschaft (KG)",
    LegalForm.GMBH_CO_KG: "GmbH & Co. KG",
    LegalForm.GMBH: "Gesellschaft mit beschränkter Haftung (GmbH)",
    LegalForm.GMBH_IN_GRUENDUNG: "GmbH in Gründung",
    LegalForm.UG: "Unternehmergesellschaft (haftungsbeschränkt)",
    LegalForm.AG: "Aktiengesellschaft (AG)",
    LegalForm.KGAA: "Kommanditgesellschaft auf Aktien (KGaA)",
    LegalForm.SE: "Europäische Gesellschaft (SE)",
    LegalForm.EG: "eingetragene Genossenschaft (eG)",
    LegalForm.EV: "eingetragener Verein (e. V.)",
    LegalForm.AUSLAENDISCHE_RECHTSFORM: "ausländische Rechtsform",
}


class RegisterType(StrEnum):
    """Art der Eintragung (XUnternehmen code list ``artdereintragung``, reduced)."""

    HRA = "HRA"
    HRB = "HRB"
    GNR = "GnR"
    VR = "VR"
    GSR = "GsR"  # Gesellschaftsregister for the eGbR (MoPeG, since 1 Jan 2024)
    AUSLAND = "ausland"


class PersonRole(StrEnum):
    """Funktion einer Person (XGewO code list ``funktioneinerperson``, reduced)."""

    INHABER = "inhaber"
    GESELLSCHAFTER = "gesellschafter"
    GESETZLICHER_VERTRETER = "gesetzlicher_vertreter"
    BETRIEBSLEITER = "betriebsleiter"


class Sex(StrEnum):
    """Geschlecht (XGewO code list ``geschlecht``)."""

    MAENNLICH = "m"
    WEIBLICH = "w"
    DIVERS = "d"
    OHNE_ANGABE = "x"


class EstablishmentKind(StrEnum):
    """Art der Niederlassung (GewA 1 Nr. 23/24)."""

    HAUPTNIEDERLASSUNG = "hauptniederlassung"
    ZWEIGNIEDERLASSUNG = "zweigniederlassung"
    UNSELBSTAENDIGE_ZWEIGSTELLE = "unselbstaendige_zweigstelle"


class BusinessType(StrEnum):
    """Art des Betriebs, several possible (GewA 1 Nr. 21)."""

    INDUSTRIE = "industrie"
    HANDWERK = "handwerk"
    HANDEL = "handel"
    SONSTIGES = "sonstiges"


class RegistrationReason(StrEnum):
    """Grund der Anmeldung (GewA 1 Nr. 25, ``grundAnmeldungSchluessel``)."""

    NEUGRUENDUNG = "neugruendung"
    VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK = "verlegung_aus_anderem_meldebezirk"
    UEBERNAHME = "uebernahme"
    RECHTSFORMWECHSEL = "rechtsformwechsel"
    GESELLSCHAFTEREINTRITT = "gesellschaftereintritt"
    UMWANDLUNG = "umwandlung"


class ChangeReason(StrEnum):
    """Anlass der Ummeldung (GewA 2); Saxon practice lists these triggers."""

    VERLEGUNG_INNERHALB = "verlegung_innerhalb"
    TAETIGKEIT_GEAENDERT = "taetigkeit_geaendert"
    TAETIGKEIT_ERWEITERT = "taetigkeit_erweitert"
    NAMENSAENDERUNG = "namensaenderung"
    WECHSEL_HAUPT_NEBENERWERB = "wechsel_haupt_nebenerwerb"


class DeregistrationReason(StrEnum):
    """Grund der Abmeldung (GewA 3 Nr. 25/26, ``grundAbmeldungSchluessel``)."""

    VOLLSTAENDIGE_AUFGABE = "vollstaendige_aufgabe"
    VERLEGUNG_IN_ANDEREN_MELDEBEZIRK = "verlegung_in_anderen_meldebezirk"
    UEBERGABE = "uebergabe"  # Erbfolge, Verkauf, Verpachtung
    RECHTSFORMWECHSEL = "rechtsformwechsel"
    GESELLSCHAFTERAUSTRITT = "gesellschafteraustritt"
    UMWANDLUNG = "umwandlung"


class DeregistrationCause(StrEnum):
    """Ursache der vollständigen Aufgabe (GewA 3 Nr. 28, ``ursacheAbmeldungSchluessel``)."""

    ALTER = "alter"
    KRANKHEIT = "krankheit"
    WIRTSCHAFTLICHE_SCHWIERIGKEITEN = "wirtschaftliche_schwierigkeiten"
    INSOLVENZ = "insolvenz"
    SONSTIGE = "sonstige"


class PermitKind(StrEnum):
    """Erlaubnisse that a notice may declare as already held (GewA 1 declarations)."""

    GEWO_30 = "gewo_30"
    GEWO_33A = "gewo_33a"
    GEWO_33C = "gewo_33c"
    GEWO_33D = "gewo_33d"
    GEWO_33I = "gewo_33i"
    GEWO_34 = "gewo_34"
    GEWO_34A = "gewo_34a"
    GEWO_34B = "gewo_34b"
    GEWO_34C = "gewo_34c"
    GEWO_34D = "gewo_34d"
    GEWO_34F = "gewo_34f"
    GEWO_34H = "gewo_34h"
    GEWO_34I = "gewo_34i"
    SONSTIGE = "sonstige"


class Address(_Model):
    """A postal address; domestic addresses have a five-digit PLZ."""

    street: Text
    house_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=10)]
    city: Text
    country: CountryCode = "DE"


class BusinessAddress(Address):
    """A Betriebsstätte: the address plus the AGS of the municipality it lies in."""

    municipality_ags: Ags


class ResidenceTitle(_Model):
    """Aufenthaltstitel of a person without EU/EEA/Swiss nationality (Nachweis)."""

    kind: Text = Field(description="e.g. 'Aufenthaltserlaubnis § 21 AufenthG', 'Niederlassungserlaubnis'.")
    issued_by: Text
    valid_until: date | None = None
    self_employment_permitted: bool | None = Field(
        default=None, description="Declared by the applicant; a clerk checks it against the title."
    )


class Person(_Model):
    """A beteiligte Person: trader, managing partner, legal representative or Betriebsleiter."""

    role: PersonRole
    sex: Sex | None = None
    family_name: Text
    given_names: Text
    birth_name: Text | None = None
    date_of_birth: date
    place_of_birth: Text
    country_of_birth: CountryCode = "DE"
    nationalities: tuple[CountryCode, ...] = Field(min_length=1, max_length=5)
    residence_title: ResidenceTitle | None = None
    address: Address
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class RegisterEntry(_Model):
    """Eintragung in ein Register (GewA 1 Nr. 1/2): register type, court and number."""

    register_type: RegisterType
    court: Text = Field(description="Registergericht, e.g. 'Amtsgericht Leipzig'.")
    number: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,7}(?: ?[A-Z]{1,3})?$")]


class Company(_Model):
    """The business as a legal person or partnership: registered name, register entry."""

    name: Text = Field(description="Firma / name in the register, or the GbR's name.")
    register_entry: RegisterEntry | None = None
    public_sector_participation: bool = Field(default=False, description="Beteiligung der öffentlichen Hand (Nr. 13).")


class Establishment(_Model):
    """The Betriebsstätte the notice is about."""

    address: BusinessAddress
    trade_name: Text | None = Field(default=None, description="Geschäftsbezeichnung.")
    kind: EstablishmentKind = EstablishmentKind.HAUPTNIEDERLASSUNG
    main_establishment_address: Address | None = Field(
        default=None, description="Address of the Hauptniederlassung; required for a branch."
    )
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = None


class ActivityLine(_Model):
    """One activity in the applicant's words, with its WZ 2008 Unterklasse (GewA 1 Nr. 18)."""

    description: LongText
    wz_code: WzCode = Field(description="WZ 2008 Unterklasse, normalised to '96.02.1'.")
    wz_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Confidence of the suggestion the applicant accepted; None when the applicant chose the code.",
    )


class PermitDeclaration(_Model):
    """An Erlaubnis the trader declares to hold."""

    kind: PermitKind
    issued_on: date
    authority: Text
    reference: Text | None = None


class HandwerkskarteDeclaration(_Model):
    """Eintragung in die Handwerksrolle (Handwerkskarte)."""

    chamber: Text = Field(description="e.g. 'Handwerkskammer zu Leipzig'.")
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    issued_on: date


class Declarations(_Model):
    """The self-declarations and proofs the forms ask for."""

    permits: tuple[PermitDeclaration, ...] = ()
    handwerkskarte: HandwerkskarteDeclaration | None = None
    serves_alcohol: bool = Field(default=False, description="Gaststätte mit Alkoholausschank (SächsGastG).")
    travelling_trade: bool = Field(default=False, description="Reisegewerbe (§§ 55 ff. GewO).")
    data_correct: bool = Field(description="Versicherung der Richtigkeit und Vollständigkeit der Angaben.")


class PreviousRegistration(_Model):
    """The registration an Ummeldung/Abmeldung refers to, when the applicant knows it."""

    registration_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="gewerbebetriebID from the receipt."
    )
    file_number: Annotated[str, StringConstraints(max_length=40)] | None = None


class Gewerbeanzeige(_Model):
    """A Gewerbeanzeige as filed (GewA 1/2/3); the root of everything this service decides."""

    kind: NoticeKind
    form_version: Literal["GewAnzV-2024-12"] = "GewAnzV-2024-12"
    owner_ags: Ags = Field(description="gemeindeSchluessel: the town the notice is filed with.")
    filed_on: date = Field(description="datumMeldung.")
    effective_date: date = Field(description="gueltigAb: start, change or closure date (GewA 3 Nr. 20).")
    is_correction: bool = Field(default=False, description="istKorrektur.")
    legal_form: LegalForm
    company: Company | None = None
    persons: tuple[Person, ...] = Field(min_length=1, max_length=50)
    establishment: Establishment
    previous_address: BusinessAddress | None = Field(
        default=None, description="Previous Betriebsstätte (Verlegung), with the AGS of its municipality."
    )
    activities: tuple[ActivityLine, ...] = Field(min_length=1, max_length=20)
    business_types: frozenset[BusinessType] = Field(min_length=1)
    employees_full_time: int = Field(ge=0, le=1_000_000, description="Owner not counted (Nr. 22).")
    employees_part_time: int = Field(ge=0, le=1_000_000)
    side_business: bool = Field(default=False, description="Nebenerwerb (Nr. 19).")
    registration_reason: RegistrationReason | None = None
    change_reasons: frozenset[ChangeReason] = frozenset()
    deregistration_reason: DeregistrationReason | None = None
    deregistration_cause: DeregistrationCause | None = None
    previous_registration: PreviousRegistration | None = None
    declarations: Declarations

    @property
    def holder_name(self) -> str:
        """The name the documents address: the company, or the sole trader's name."""
        if self.company is not None:
            return self.company.name
        return ", ".join(person.full_name for person in self.persons if person.role is PersonRole.INHABER) or (
            self.persons[0].full_name
        )

    @property
    def employees(self) -> int:
        return self.employees_full_time + self.employees_part_time

    @property
    def main_activity(self) -> ActivityLine:
        return self.activities[0]


def parse_payload(payload: Mapping[str, Any]) -> Gewerbeanzeige:
    """Validate a ``case.submitted`` payload (decoded JSON) as a Gewerbeanzeige.

    The payload travels as JSON, so it is validated in JSON mode: ISO date strings and enum values are
    accepted, loose types (``"3"`` for a number) are not. Raises ``pydantic.ValidationError`` with one
    error per field (``loc`` is the field path, e.g. ``persons.0.date_of_birth``).
    """
    return Gewerbeanzeige.model_validate_json(json.dumps(dict(payload)))


def to_payload(notice: Gewerbeanzeige) -> dict[str, Any]:
    """The payload form of a notice (JSON types), as intake puts it into ``case.submitted``."""
    return notice.model_dump(mode="json")
