"""Who receives the data of a Gewerbeanzeige (§ 14 Abs. 8 and 13 GewO, § 3 GewAnzV, § 138 AO).

Each recipient is a configured rule: a predicate over the notice (and the decision-table categories
of its activities) → a recipient kind, the reason in German, and the data profile it gets. One
message per recipient, so each delivery can fail and be re-sent on its own.

Data minimisation by profile:

- ``full``: the whole notice (Finanzamt, chambers, register court, DGUV, Zoll, Gewerbeaufsicht,
  Eichamt, Lebensmittelüberwachung, Agentur für Arbeit);
- ``statistics``: no names, birth data or home addresses of persons, only their function, sex and
  nationalities (Statistisches Landesamt);
- ``foreign_nationals``: the business and only the persons without EU/EEA/Swiss nationality
  (Ausländerbehörde).

The triggers beyond "every notice" are our reading of the reference and are marked there as to
be checked against § 3 GewAnzV and the XGewO recipient chapters before going live.

A move from one onboarded town into another closes the registration in the old town ex officio;
that Abmeldung goes to the old town's recipients in the old town's name, pointing to the case at
the new site (:func:`ex_officio_messages`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ikdz_contracts.payloads.gewerbe import BusinessAddress, BusinessType, Gewerbeanzeige, NoticeKind
from ikdz_contracts.payloads.gewerbe_rules import REGISTER_REQUIRED
from ikdz_contracts.reference.wz import WzCatalogue
from pydantic import AwareDatetime, BaseModel, ConfigDict

from ikdz_trade_registration.domain.countries import has_free_movement
from ikdz_trade_registration.domain.decision import classify
from ikdz_trade_registration.domain.registrations import Registration, ex_officio_abmeldung
from ikdz_trade_registration.domain.trades import Category

MESSAGE_NAMESPACE = uuid.UUID("6f1c1a52-3c55-5f0e-9a1e-7a0b5e6b2c01")
"""uuid5 namespace for message ids: the same case and recipient always give the same id (idempotent re-send)."""

NOTICE_CODES = {NoticeKind.ANMELDUNG: "0100", NoticeKind.UMMELDUNG: "0200", NoticeKind.ABMELDUNG: "0300"}


class RecipientKind(StrEnum):
    """The recipient bodies; the value is the message-type prefix (as ``sta``/``abh`` in XGewO examples)."""

    STATISTIK = "sta"
    FINANZAMT = "fa"
    IHK = "ihk"
    HWK = "hwk"
    REGISTERGERICHT = "reg"
    EICHAMT = "eich"
    DGUV = "dguv"
    ZOLL = "zoll"
    GEWERBEAUFSICHT = "gaa"
    LEBENSMITTELUEBERWACHUNG = "lmue"
    AGENTUR_FUER_ARBEIT = "ba"
    AUSLAENDERBEHOERDE = "abh"


class DataProfile(StrEnum):
    FULL = "full"
    STATISTICS = "statistics"
    FOREIGN_NATIONALS = "foreign_nationals"


RECIPIENT_LABELS: dict[RecipientKind, str] = {
    RecipientKind.STATISTIK: "Statistisches Landesamt des Freistaates Sachsen (Kamenz)",
    RecipientKind.FINANZAMT: "zuständiges Finanzamt",
    RecipientKind.IHK: "zuständige Industrie- und Handelskammer",
    RecipientKind.HWK: "zuständige Handwerkskammer",
    RecipientKind.REGISTERGERICHT: "Registergericht",
    RecipientKind.EICHAMT: "Staatsbetrieb Mess- und Eichwesen Sachsen",
    RecipientKind.DGUV: "Deutsche Gesetzliche Unfallversicherung (für die Berufsgenossenschaften)",
    RecipientKind.ZOLL: "Hauptzollamt, Finanzkontrolle Schwarzarbeit",
    RecipientKind.GEWERBEAUFSICHT: "Landesdirektion Sachsen, Arbeitsschutz (Gewerbeaufsicht)",
    RecipientKind.LEBENSMITTELUEBERWACHUNG: "Lebensmittelüberwachungs- und Veterinäramt des Landkreises",
    RecipientKind.AGENTUR_FUER_ARBEIT: "Agentur für Arbeit",
    RecipientKind.AUSLAENDERBEHOERDE: "Ausländerbehörde",
}

_FOOD_WZ = ("10.", "11.", "46.3", "47.11", "47.2", "56.")
_CALIBRATION_WZ = ("47.30", "47.11", "47.2", "10.13", "10.71", "56.")
_MANUFACTURING_WZ = (*(f"{n:02d}." for n in range(10, 34)), "38.")  # Abschnitt C and waste treatment
_SCHWARZARBEIT_WZ = ("41.", "42.", "43.", "49.", "52.", "53.", "55.", "56.", "78.", "80.1", "81.2", "96.02", "10.1")


@dataclass(frozen=True)
class Facts:
    """What the predicates look at, computed once per notice."""

    app: Gewerbeanzeige
    wz_codes: tuple[str, ...]
    categories: frozenset[Category]

    def any_wz(self, prefixes: tuple[str, ...]) -> bool:
        return any(code.startswith(prefixes) for code in self.wz_codes)

    @property
    def handwerk(self) -> bool:
        return Category.HANDWERK_A in self.categories or BusinessType.HANDWERK in self.app.business_types

    @property
    def non_eu(self) -> bool:
        return any(not has_free_movement(p.nationalities) for p in self.app.persons)


def _always(_facts: Facts) -> bool:
    return True


@dataclass(frozen=True)
class RecipientRule:
    kind: RecipientKind
    legal_basis: str
    profile: DataProfile
    reason_de: str
    applies: Callable[[Facts], bool]


RECIPIENT_RULES: tuple[RecipientRule, ...] = (
    RecipientRule(
        RecipientKind.STATISTIK, "§ 14 Abs. 13 GewO", DataProfile.STATISTICS, "jede Anzeige (Gewerbestatistik)",
        _always,
    ),
    RecipientRule(
        RecipientKind.FINANZAMT, "§ 138 Abs. 1 AO, § 3 GewAnzV", DataProfile.FULL, "jede Anzeige", _always
    ),
    RecipientRule(
        RecipientKind.IHK, "§ 14 Abs. 8 GewO, § 3 GewAnzV", DataProfile.FULL,
        "kammerzugehöriger Betrieb (nicht reines Handwerk)",
        lambda f: f.app.business_types != frozenset({BusinessType.HANDWERK}),
    ),
    RecipientRule(
        RecipientKind.HWK, "§ 14 Abs. 8 GewO, § 3 GewAnzV", DataProfile.FULL, "Handwerk oder handwerksähnliches Gewerbe",
        lambda f: f.handwerk or f.app.declarations.handwerkskarte is not None,
    ),
    RecipientRule(
        RecipientKind.REGISTERGERICHT, "§ 14 Abs. 8 GewO, § 3 GewAnzV", DataProfile.FULL,
        "Registereintragung vorhanden oder nach der Rechtsform erforderlich",
        lambda f: (f.app.company is not None and f.app.company.register_entry is not None)
        or f.app.legal_form in REGISTER_REQUIRED,
    ),
    RecipientRule(
        RecipientKind.EICHAMT, "§ 3 GewAnzV", DataProfile.FULL, "Verwendung von Messgeräten im Handel wahrscheinlich",
        lambda f: f.any_wz(_CALIBRATION_WZ),
    ),
    RecipientRule(
        RecipientKind.DGUV, "§ 3 GewAnzV, § 192 SGB VII", DataProfile.FULL,
        "jede Anzeige (Zuständigkeit der Berufsgenossenschaft)", _always,
    ),
    RecipientRule(
        RecipientKind.ZOLL, "§ 3 GewAnzV, § 2 SchwarzArbG", DataProfile.FULL,
        "Branche nach § 2a SchwarzArbG mit Beschäftigten", lambda f: f.app.employees > 0 and f.any_wz(_SCHWARZARBEIT_WZ),
    ),
    RecipientRule(
        RecipientKind.GEWERBEAUFSICHT, "§ 3 GewAnzV, § 139b GewO", DataProfile.FULL,
        "Herstellung, Beschäftigte oder genehmigungsbedürftige Anlagen möglich",
        lambda f: f.app.employees > 0 or f.any_wz(_MANUFACTURING_WZ),
    ),
    RecipientRule(
        RecipientKind.LEBENSMITTELUEBERWACHUNG, "§ 3 GewAnzV", DataProfile.FULL,
        "Herstellung, Handel oder Abgabe von Lebensmitteln", lambda f: f.any_wz(_FOOD_WZ),
    ),
    RecipientRule(
        RecipientKind.AGENTUR_FUER_ARBEIT, "§ 3 GewAnzV", DataProfile.FULL, "Arbeitnehmerüberlassung oder Beschäftigte",
        lambda f: f.app.employees > 0 or f.any_wz(("78.2", "78.3")),
    ),
    RecipientRule(
        RecipientKind.AUSLAENDERBEHOERDE, "§ 14 Abs. 8 GewO, § 87 AufenthG", DataProfile.FOREIGN_NATIONALS,
        "Person ohne Staatsangehörigkeit der EU, des EWR oder der Schweiz", lambda f: f.non_eu,
    ),
)  # fmt: skip


class Recipient(BaseModel):
    """A body that gets a message about the notice, and why."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    kind: RecipientKind
    label_de: str
    legal_basis: str
    reason_de: str
    profile: DataProfile


_RECIPIENTS: dict[RecipientKind, Recipient] = {
    rule.kind: Recipient(
        kind=rule.kind,
        label_de=RECIPIENT_LABELS[rule.kind],
        legal_basis=rule.legal_basis,
        reason_de=rule.reason_de,
        profile=rule.profile,
    )
    for rule in RECIPIENT_RULES
}
"""Each rule's recipient, built once (frozen, so every notice can share it)."""


def determine_recipients(app: Gewerbeanzeige, wz: WzCatalogue) -> list[Recipient]:
    """All recipients of the notice, in the order of :data:`RECIPIENT_RULES`."""
    facts = Facts(
        app=app,
        wz_codes=tuple(line.wz_code for line in app.activities),
        categories=frozenset(finding.category for finding in classify(app, wz)),
    )
    return [_RECIPIENTS[rule.kind] for rule in RECIPIENT_RULES if rule.applies(facts)]


class MovedTo(BaseModel):
    """The case at the new site that made the old town deregister the business ex officio."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    case_id: str
    file_number: str
    owner_ags: str
    registration_id: str
    address: BusinessAddress


class RecipientMessage(BaseModel):
    """One message to one recipient; the exporter writes only what the profile allows.

    ``owner_ags`` and ``file_number`` are the issuing town's; ``case_id`` is the case that caused the
    message (for an Abmeldung ex officio after a move, the case at the new site, also in ``moved_to``).
    """

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    message_id: str
    message_type: str
    case_id: str
    file_number: str
    recipient: Recipient
    owner_ags: str
    processing_ags: str | None
    created_at: AwareDatetime
    ruleset_version: str
    registration_id: str
    notice: Gewerbeanzeige
    moved_to: MovedTo | None = None


def build_messages(
    app: Gewerbeanzeige,
    recipients: list[Recipient],
    *,
    case_id: str,
    file_number: str,
    registration_id: str,
    created_at: datetime,
    ruleset_version: str,
    processing_ags: str | None = None,
    moved_to: MovedTo | None = None,
) -> list[RecipientMessage]:
    """One message per recipient; ids are stable per case and recipient, so a re-send is recognisable.

    An Abmeldung ex officio (``moved_to``) is a second notice of the same case, so its ids also name
    the registration it closes.
    """
    scope = case_id if moved_to is None else f"{case_id}/{registration_id}"
    return [
        RecipientMessage(
            message_id=str(uuid.uuid5(MESSAGE_NAMESPACE, f"{scope}/{recipient.kind.value}")),
            message_type=f"{recipient.kind.value}.gewerbemeldung.{NOTICE_CODES[app.kind]}",
            case_id=case_id,
            file_number=file_number,
            recipient=recipient,
            owner_ags=app.owner_ags,
            processing_ags=processing_ags if processing_ags != app.owner_ags else None,
            created_at=created_at,
            ruleset_version=ruleset_version,
            registration_id=registration_id,
            notice=app,
            moved_to=moved_to,
        )
        for recipient in recipients
    ]


def ex_officio_messages(
    app: Gewerbeanzeige,
    closed: Registration,
    wz: WzCatalogue,
    *,
    case_id: str,
    file_number: str,
    registration_id: str,
    created_at: datetime,
    ruleset_version: str,
) -> list[RecipientMessage]:
    """The old town's messages after the Anmeldung ``app`` (case, file number, registration) moved a business here.

    The Abmeldung ex officio (:func:`~ikdz_trade_registration.domain.registrations.ex_officio_abmeldung`)
    goes to the recipients it has by the usual rules, with the old town as author under its own file
    number and registration, and without a processing town: it is the old town's own act on the
    Rückmeldung, not work done for it under an agreement.
    """
    notice = ex_officio_abmeldung(app, closed)
    return build_messages(
        notice,
        determine_recipients(notice, wz),
        case_id=case_id,
        file_number=closed.file_number,
        registration_id=closed.registration_id,
        created_at=created_at,
        ruleset_version=ruleset_version,
        moved_to=MovedTo(
            case_id=case_id,
            file_number=file_number,
            owner_ags=app.owner_ags,
            registration_id=registration_id,
            address=app.establishment.address,
        ),
    )
