"""German choices of the Gewerbeanzeige form: the payload's code values with the words citizens read."""

from __future__ import annotations

import functools

from babel import Locale
from ikdz_contracts.payloads.gewerbe import (
    BusinessType,
    ChangeReason,
    DeregistrationCause,
    DeregistrationReason,
    EstablishmentKind,
    LegalForm,
    NoticeKind,
    PermitKind,
    PersonRole,
    RegisterType,
    RegistrationReason,
    Sex,
)

Options = list[tuple[str, str]]

KIND_TITLES = {
    NoticeKind.ANMELDUNG: "Gewerbe anmelden",
    NoticeKind.UMMELDUNG: "Gewerbe ummelden",
    NoticeKind.ABMELDUNG: "Gewerbe abmelden",
}
KIND_HINTS = {
    NoticeKind.ANMELDUNG: "Sie beginnen ein Gewerbe, eröffnen eine Zweigniederlassung, übernehmen einen Betrieb "
    "oder verlegen ihn aus einer anderen Gemeinde hierher (Formular GewA 1).",
    NoticeKind.UMMELDUNG: "Ihr Betrieb zieht innerhalb der Gemeinde um, Ihre Tätigkeit ändert sich oder Ihr Name "
    "ändert sich (Formular GewA 2).",
    NoticeKind.ABMELDUNG: "Sie geben Ihr Gewerbe auf, übergeben es oder verlegen es in eine andere Gemeinde "
    "(Formular GewA 3).",
}

LEGAL_FORMS: Options = [(form.value, form.label_de) for form in LegalForm]
REGISTER_TYPES: Options = [
    (RegisterType.HRA.value, "Handelsregister Abteilung A (HRA)"),
    (RegisterType.HRB.value, "Handelsregister Abteilung B (HRB)"),
    (RegisterType.GNR.value, "Genossenschaftsregister (GnR)"),
    (RegisterType.VR.value, "Vereinsregister (VR)"),
    (RegisterType.GSR.value, "Gesellschaftsregister (GsR)"),
    (RegisterType.AUSLAND.value, "ausländisches Register"),
]
ROLES: Options = [
    (PersonRole.INHABER.value, "Inhaberin / Inhaber"),
    (PersonRole.GESELLSCHAFTER.value, "geschäftsführende Gesellschafterin / geschäftsführender Gesellschafter"),
    (
        PersonRole.GESETZLICHER_VERTRETER.value,
        "gesetzliche Vertreterin / gesetzlicher Vertreter (z. B. Geschäftsführung)",
    ),
    (PersonRole.BETRIEBSLEITER.value, "Betriebsleiterin / Betriebsleiter"),
]
SEXES: Options = [
    (Sex.WEIBLICH.value, "weiblich"),
    (Sex.MAENNLICH.value, "männlich"),
    (Sex.DIVERS.value, "divers"),
    (Sex.OHNE_ANGABE.value, "ohne Angabe"),
]
ESTABLISHMENT_KINDS: Options = [
    (EstablishmentKind.HAUPTNIEDERLASSUNG.value, "Hauptniederlassung"),
    (EstablishmentKind.ZWEIGNIEDERLASSUNG.value, "Zweigniederlassung"),
    (EstablishmentKind.UNSELBSTAENDIGE_ZWEIGSTELLE.value, "unselbständige Zweigstelle"),
]
BUSINESS_TYPES: Options = [
    (BusinessType.INDUSTRIE.value, "Industrie"),
    (BusinessType.HANDWERK.value, "Handwerk"),
    (BusinessType.HANDEL.value, "Handel"),
    (BusinessType.SONSTIGES.value, "Sonstiges (z. B. Dienstleistungen)"),
]
REGISTRATION_REASONS: Options = [
    (RegistrationReason.NEUGRUENDUNG.value, "Neugründung"),
    (
        RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK.value,
        "Verlegung des Betriebs aus einem anderen Meldebezirk",
    ),
    (RegistrationReason.UEBERNAHME.value, "Übernahme eines bestehenden Betriebs (z. B. Kauf, Pacht, Erbfolge)"),
    (RegistrationReason.RECHTSFORMWECHSEL.value, "Wechsel der Rechtsform"),
    (RegistrationReason.GESELLSCHAFTEREINTRITT.value, "Eintritt einer Gesellschafterin oder eines Gesellschafters"),
    (RegistrationReason.UMWANDLUNG.value, "Umwandlung nach dem Umwandlungsgesetz"),
]
CHANGE_REASONS: Options = [
    (ChangeReason.VERLEGUNG_INNERHALB.value, "Verlegung des Betriebs innerhalb der Gemeinde"),
    (ChangeReason.TAETIGKEIT_GEAENDERT.value, "Änderung der Tätigkeit"),
    (ChangeReason.TAETIGKEIT_ERWEITERT.value, "Erweiterung der Tätigkeit"),
    (ChangeReason.NAMENSAENDERUNG.value, "Änderung des Namens"),
    (ChangeReason.WECHSEL_HAUPT_NEBENERWERB.value, "Wechsel zwischen Haupt- und Nebenerwerb"),
]
DEREGISTRATION_REASONS: Options = [
    (DeregistrationReason.VOLLSTAENDIGE_AUFGABE.value, "vollständige Aufgabe des Betriebs"),
    (DeregistrationReason.VERLEGUNG_IN_ANDEREN_MELDEBEZIRK.value, "Verlegung in einen anderen Meldebezirk"),
    (DeregistrationReason.UEBERGABE.value, "Übergabe (z. B. Verkauf, Verpachtung, Erbfolge)"),
    (DeregistrationReason.RECHTSFORMWECHSEL.value, "Wechsel der Rechtsform"),
    (DeregistrationReason.GESELLSCHAFTERAUSTRITT.value, "Austritt einer Gesellschafterin oder eines Gesellschafters"),
    (DeregistrationReason.UMWANDLUNG.value, "Umwandlung nach dem Umwandlungsgesetz"),
]
DEREGISTRATION_CAUSES: Options = [
    (DeregistrationCause.ALTER.value, "Alter"),
    (DeregistrationCause.KRANKHEIT.value, "Krankheit"),
    (DeregistrationCause.WIRTSCHAFTLICHE_SCHWIERIGKEITEN.value, "wirtschaftliche Schwierigkeiten"),
    (DeregistrationCause.INSOLVENZ.value, "Insolvenz"),
    (DeregistrationCause.SONSTIGE.value, "sonstige Gründe"),
]
PERMIT_KINDS: Options = [
    (PermitKind.GEWO_30.value, "Privatkrankenanstalt (§ 30 GewO)"),
    (PermitKind.GEWO_33A.value, "Schaustellung von Personen (§ 33a GewO)"),
    (PermitKind.GEWO_33C.value, "Spielgeräte mit Gewinnmöglichkeit (§ 33c GewO)"),
    (PermitKind.GEWO_33D.value, "andere Spiele mit Gewinnmöglichkeit (§ 33d GewO)"),
    (PermitKind.GEWO_33I.value, "Spielhalle (§ 33i GewO)"),
    (PermitKind.GEWO_34.value, "Pfandleihe (§ 34 GewO)"),
    (PermitKind.GEWO_34A.value, "Bewachungsgewerbe (§ 34a GewO)"),
    (PermitKind.GEWO_34B.value, "Versteigerung (§ 34b GewO)"),
    (PermitKind.GEWO_34C.value, "Makler, Bauträger, Wohnimmobilienverwalter (§ 34c GewO)"),
    (PermitKind.GEWO_34D.value, "Versicherungsvermittlung (§ 34d GewO)"),
    (PermitKind.GEWO_34F.value, "Finanzanlagenvermittlung (§ 34f GewO)"),
    (PermitKind.GEWO_34H.value, "Honorar-Finanzanlagenberatung (§ 34h GewO)"),
    (PermitKind.GEWO_34I.value, "Immobiliardarlehensvermittlung (§ 34i GewO)"),
    (PermitKind.SONSTIGE.value, "andere Erlaubnis"),
]

_NOT_STATES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})
UNKNOWN_NATIONALITY = ("XX", "staatenlos oder ungeklärt")
FOLD = str.maketrans({"Ä": "A", "Ö": "O", "Ü": "U", "ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


@functools.cache
def countries() -> Options:
    """ISO 3166-1 alpha-2 codes with their German names (CLDR data of ``babel``), Deutschland first."""
    names = {
        code: name
        for code, name in Locale("de").territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_STATES
    }
    ordered = sorted((item for item in names.items() if item[0] != "DE"), key=lambda item: item[1].translate(FOLD))
    return [("DE", names["DE"]), *ordered]


def nationalities() -> Options:
    return [*countries(), UNKNOWN_NATIONALITY]


def option_text(options: Options, value: str | None) -> str:
    """The German text of a chosen value, for the check-your-answers page."""
    return next((text for code, text in options if code == value), value or "")
