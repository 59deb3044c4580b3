"""Validation and plausibility rules of the Gewerbeanzeige: named, per field, in German, never raising.

Part of the payload contract: intake runs them before it accepts a form or a portal's JSON (so the
citizen sees "Betriebsstätte nicht in Wurzen" at the field), and trade-registration runs the same
rules when it decides (an XML import that breaks one becomes a clarification task). Pure: the WZ
catalogue and the town names come in through :class:`RuleContext`.

Each rule has a stable name (``datum.zukunft``), a severity and a function that yields violations
keyed to the field path of :class:`~ikdz_contracts.payloads.gewerbe.Gewerbeanzeige`
(``persons.0.date_of_birth``, the same dotted path pydantic uses), so a form can show an error
summary linked to its fields.

- ``ERROR``: the notice is incomplete or contradictory. The form refuses it; an import or API
  submission becomes a clarification task (decision row "Angaben unvollständig"). No receipt.
- ``WARNING``: complete, but worth a clerk's look (late notice, minor). The receipt still goes out;
  a plausibility task is opened.

Date windows (all relative to the day of filing, ``filed_on``):

- ``MAX_DAYS_AHEAD`` = 42: § 14 GewO wants the notice "at the same time" as the start, and offices
  accept about two weeks early; a Gaststätte with alcohol must be notified four weeks before
  opening (§ 2 SächsGastG). Four weeks plus the two-week courtesy = six weeks; later dates are
  not yet notifiable and the applicant is asked to file later (ERROR).
- ``LATE_AFTER_DAYS`` = 28: FIM's rule that a closure date lies at most four weeks in the past,
  applied to all three notices. Later filing is an offence under § 146 Abs. 2 Nr. 2 GewO, but the
  data stay valid: WARNING.
- ``MAX_YEARS_BACK`` = 10: a date more than ten years back is almost always a typing error (ERROR);
  the rare real case is handled by the office directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ikdz_contracts.payloads.gewerbe import (
    ChangeReason,
    DeregistrationReason,
    EstablishmentKind,
    Gewerbeanzeige,
    LegalForm,
    NoticeKind,
    PersonRole,
    RegisterType,
    RegistrationReason,
)
from ikdz_contracts.reference.wz import WzCatalogue

MAX_DAYS_AHEAD = 42
LATE_AFTER_DAYS = 28
MAX_YEARS_BACK = 10
MIN_AGE = 14
ADULT_AGE = 18
MAX_AGE = 120

REGISTER_REQUIRED: dict[LegalForm, frozenset[RegisterType]] = {
    LegalForm.EINGETRAGENER_KAUFMANN: frozenset({RegisterType.HRA}),
    LegalForm.OHG: frozenset({RegisterType.HRA}),
    LegalForm.KG: frozenset({RegisterType.HRA}),
    LegalForm.GMBH_CO_KG: frozenset({RegisterType.HRA}),
    LegalForm.GMBH: frozenset({RegisterType.HRB}),
    LegalForm.UG: frozenset({RegisterType.HRB}),
    LegalForm.AG: frozenset({RegisterType.HRB}),
    LegalForm.KGAA: frozenset({RegisterType.HRB}),
    LegalForm.SE: frozenset({RegisterType.HRB}),
    LegalForm.EG: frozenset({RegisterType.GNR}),
    LegalForm.EV: frozenset({RegisterType.VR}),
    LegalForm.AUSLAENDISCHE_RECHTSFORM: frozenset({RegisterType.AUSLAND}),
}
"""Legal forms that exist only once registered, with the register types that fit them."""

OPTIONAL_REGISTER: dict[LegalForm, frozenset[RegisterType]] = {
    LegalForm.GBR: frozenset({RegisterType.GSR}),  # eGbR, optional since MoPeG (1 Jan 2024)
}

LEGAL_ENTITIES: frozenset[LegalForm] = frozenset(
    {
        LegalForm.GMBH,
        LegalForm.GMBH_IN_GRUENDUNG,
        LegalForm.UG,
        LegalForm.AG,
        LegalForm.KGAA,
        LegalForm.SE,
        LegalForm.EG,
        LegalForm.EV,
        LegalForm.GMBH_CO_KG,
        LegalForm.AUSLAENDISCHE_RECHTSFORM,
    }
)
"""Represented by legal representatives, not by the persons who run them."""

PARTNERSHIPS: frozenset[LegalForm] = frozenset({LegalForm.GBR, LegalForm.OHG, LegalForm.KG})
"""Every managing partner files (and is listed) separately; at least two partners."""

SOLE_TRADERS: frozenset[LegalForm] = frozenset({LegalForm.EINZELUNTERNEHMEN, LegalForm.EINGETRAGENER_KAUFMANN})

VAGUE_ACTIVITY: tuple[re.Pattern[str], ...] = tuple(
    re.compile(k, re.IGNORECASE)
    for k in (
        r"waren aller art",
        r"dienstleistungen aller art",
        r"handel mit allem",
        r"^\s*(handel|dienstleistung(en)?|gewerbe|diverses|alles|sonstiges|verschiedenes)\s*\.?\s*$",
    )
)
"""Activity texts refused in practice as too vague (the form asks for the activity 'as complete as possible')."""


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Violation(BaseModel):
    """A rule's finding about one field."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    rule: str
    field: str
    message_de: str
    severity: Severity


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the notice: the day, the WZ catalogue, town names for messages."""

    today: date
    wz: WzCatalogue
    town_names: Mapping[str, str] = field(default_factory=dict)

    def town(self, ags: str) -> str:
        return self.town_names.get(ags, f"der Gemeinde {ags}")


Check = Callable[[Gewerbeanzeige, RuleContext], Iterator[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """A named rule: what it checks (German, for the documentation) and how."""

    name: str
    severity: Severity
    description_de: str
    check: Check

    def run(self, app: Gewerbeanzeige, ctx: RuleContext) -> list[Violation]:
        return [
            Violation(rule=self.name, field=path, message_de=message, severity=self.severity)
            for path, message in self.check(app, ctx)
        ]


RULES: list[Rule] = []


def rule(name: str, severity: Severity, description_de: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(name, severity, description_de, check))
        return check

    return register


def validate(app: Gewerbeanzeige, ctx: RuleContext) -> list[Violation]:
    """All violations of all rules, errors first, in rule order."""
    found = [violation for r in RULES for violation in r.run(app, ctx)]
    return sorted(found, key=lambda v: v.severity is not Severity.ERROR)


def errors(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity is Severity.ERROR]


def _years_between(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _fmt(day: date) -> str:
    return day.strftime("%d.%m.%Y")


_DATE_LABEL = {
    NoticeKind.ANMELDUNG: "Beginn der Tätigkeit",
    NoticeKind.UMMELDUNG: "Datum der Änderung",
    NoticeKind.ABMELDUNG: "Datum der Betriebsaufgabe",
}


@rule("datum.meldung", Severity.ERROR, "Das Datum der Anzeige darf nicht in der Zukunft liegen.")
def _filed_on(app: Gewerbeanzeige, ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.filed_on > ctx.today:
        yield "filed_on", f"Das Datum der Anzeige ({_fmt(app.filed_on)}) liegt in der Zukunft."


@rule(
    "datum.zukunft", Severity.ERROR, f"Beginn, Änderung oder Aufgabe höchstens {MAX_DAYS_AHEAD} Tage nach der Anzeige."
)
def _not_too_far_ahead(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.effective_date > app.filed_on + timedelta(days=MAX_DAYS_AHEAD):
        yield (
            "effective_date",
            f"{_DATE_LABEL[app.kind]} ({_fmt(app.effective_date)}) liegt mehr als sechs Wochen in der Zukunft. "
            "Bitte zeigen Sie das Gewerbe frühestens sechs Wochen vorher an.",
        )


@rule("datum.zu_alt", Severity.ERROR, f"Beginn, Änderung oder Aufgabe höchstens {MAX_YEARS_BACK} Jahre zurück.")
def _not_too_old(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    earliest = date(app.filed_on.year - MAX_YEARS_BACK, app.filed_on.month, min(app.filed_on.day, 28))
    if app.effective_date < earliest:
        yield (
            "effective_date",
            f"{_DATE_LABEL[app.kind]} ({_fmt(app.effective_date)}) liegt mehr als zehn Jahre zurück. Bitte prüfen "
            "Sie das Datum oder wenden Sie sich direkt an das Gewerbeamt.",
        )


@rule("datum.verspaetet", Severity.WARNING, f"Anzeige mehr als {LATE_AFTER_DAYS} Tage nach dem Ereignis.")
def _late(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.effective_date < app.filed_on - timedelta(days=LATE_AFTER_DAYS):
        yield (
            "effective_date",
            f"Die Anzeige erfolgt mehr als vier Wochen nach dem {_DATE_LABEL[app.kind]} ({_fmt(app.effective_date)}). "
            "Die Anzeige ist gleichzeitig mit dem Ereignis zu erstatten (§ 14 Abs. 1 GewO).",
        )


@rule("gaststaette.anzeigefrist", Severity.WARNING, "Gaststätte mit Alkohol: Anzeige vier Wochen vor Eröffnung.")
def _gaststaette_notice_period(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if (
        app.kind is NoticeKind.ANMELDUNG
        and app.declarations.serves_alcohol
        and app.effective_date < app.filed_on + timedelta(days=28)
    ):
        yield (
            "effective_date",
            "Eine Gaststätte mit Alkoholausschank ist vier Wochen vor der Eröffnung anzuzeigen (§ 2 SächsGastG).",
        )


@rule("betriebsstaette.gemeinde", Severity.ERROR, "Die Betriebsstätte liegt in der Gemeinde, bei der angezeigt wird.")
def _address_in_owner_town(app: Gewerbeanzeige, ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.establishment.address.municipality_ags != app.owner_ags:
        yield (
            "establishment.address.municipality_ags",
            f"Die Betriebsstätte liegt nicht in {ctx.town(app.owner_ags)}. Zuständig ist das Gewerbeamt der "
            f"Gemeinde, in der die Betriebsstätte liegt ({ctx.town(app.establishment.address.municipality_ags)}).",
        )


@rule("betriebsstaette.inland", Severity.ERROR, "Die Betriebsstätte liegt in Deutschland, mit fünfstelliger PLZ.")
def _address_domestic(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    address = app.establishment.address
    if address.country != "DE":
        yield "establishment.address.country", "Die Betriebsstätte muss in Deutschland liegen."
    if not (len(address.postal_code) == 5 and address.postal_code.isdigit()):
        yield "establishment.address.postal_code", "Bitte geben Sie eine fünfstellige Postleitzahl an."


@rule(
    "niederlassung.hauptsitz", Severity.ERROR, "Eine Zweigniederlassung oder Zweigstelle nennt die Hauptniederlassung."
)
def _branch_names_main(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    establishment = app.establishment
    if (
        establishment.kind is not EstablishmentKind.HAUPTNIEDERLASSUNG
        and establishment.main_establishment_address is None
    ):
        yield (
            "establishment.main_establishment_address",
            "Bei einer Zweigniederlassung oder unselbständigen Zweigstelle ist die Anschrift der "
            "Hauptniederlassung anzugeben.",
        )


@rule("firma.name", Severity.ERROR, "Gesellschaften und juristische Personen geben ihren Namen (Firma) an.")
def _company_named(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.legal_form is not LegalForm.EINZELUNTERNEHMEN and app.company is None:
        yield "company.name", f"Bitte geben Sie den Namen (die Firma) der {app.legal_form.label_de} an."


@rule("register.pflicht", Severity.ERROR, "Eingetragene Rechtsformen geben Registergericht und Registernummer an.")
def _register_required(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.legal_form in REGISTER_REQUIRED and (app.company is None or app.company.register_entry is None):
        yield (
            "company.register_entry",
            f"Für die Rechtsform {app.legal_form.label_de} sind Registergericht und Registernummer anzugeben.",
        )


@rule("register.art", Severity.ERROR, "Die Registerart passt zur Rechtsform (z. B. GmbH: HRB).")
def _register_type_fits(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    register = app.company.register_entry if app.company is not None else None
    if register is None:
        return
    allowed = REGISTER_REQUIRED.get(app.legal_form) or OPTIONAL_REGISTER.get(app.legal_form)
    if allowed is None:
        yield (
            "company.register_entry",
            f"Für die Rechtsform {app.legal_form.label_de} ist keine Registereintragung vorgesehen.",
        )
    elif register.register_type not in allowed:
        expected = " oder ".join(sorted(t.value for t in allowed))
        yield (
            "company.register_entry.register_type",
            f"Die Registerart {register.register_type.value} passt nicht zur Rechtsform "
            f"{app.legal_form.label_de} (erwartet: {expected}).",
        )


@rule("vertreter.pflicht", Severity.ERROR, "Juristische Personen nennen mindestens eine gesetzliche Vertretung.")
def _representatives(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.legal_form in LEGAL_ENTITIES and not any(p.role is PersonRole.GESETZLICHER_VERTRETER for p in app.persons):
        yield (
            "persons",
            f"Für die {app.legal_form.label_de} ist mindestens eine gesetzliche Vertreterin oder ein gesetzlicher "
            "Vertreter anzugeben.",
        )


@rule("gesellschaft.personen", Severity.ERROR, "GbR, OHG und KG nennen mindestens zwei Gesellschafter.")
def _partners(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.legal_form in PARTNERSHIPS:
        partners = sum(1 for p in app.persons if p.role is PersonRole.GESELLSCHAFTER)
        if partners < 2:
            yield (
                "persons",
                f"Für eine {app.legal_form.label_de} sind alle geschäftsführenden Gesellschafterinnen und "
                "Gesellschafter anzugeben, mindestens zwei.",
            )


@rule("inhaber.einzeln", Severity.ERROR, "Ein Einzelunternehmen hat genau eine Inhaberin oder einen Inhaber.")
def _sole_trader(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.legal_form in SOLE_TRADERS:
        owners = sum(1 for p in app.persons if p.role is PersonRole.INHABER)
        if owners != 1:
            yield "persons", "Ein Einzelunternehmen hat genau eine Inhaberin oder einen Inhaber."


@rule("person.geburtsdatum", Severity.ERROR, f"Personen sind mindestens {MIN_AGE} und höchstens {MAX_AGE} Jahre alt.")
def _birth_date(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for index, person in enumerate(app.persons):
        age = _years_between(person.date_of_birth, app.filed_on)
        if age < MIN_AGE or age > MAX_AGE:
            yield f"persons.{index}.date_of_birth", f"Das Geburtsdatum von {person.full_name} ist nicht plausibel."


@rule("person.minderjaehrig", Severity.WARNING, "Minderjährige brauchen die Ermächtigung nach § 112 BGB.")
def _minor(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for index, person in enumerate(app.persons):
        if MIN_AGE <= _years_between(person.date_of_birth, app.filed_on) < ADULT_AGE:
            yield (
                f"persons.{index}.date_of_birth",
                f"{person.full_name} ist minderjährig. Für den selbständigen Betrieb eines Erwerbsgeschäfts ist die "
                "Ermächtigung durch die gesetzliche Vertretung mit Genehmigung des Familiengerichts nötig (§ 112 BGB).",
            )


@rule("wz.bekannt", Severity.ERROR, "Der WZ-Schlüssel ist eine Unterklasse der WZ 2008.")
def _wz_known(app: Gewerbeanzeige, ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for index, line in enumerate(app.activities):
        if ctx.wz.title(line.wz_code) is None:
            yield (
                f"activities.{index}.wz_code",
                f"Der Schlüssel {line.wz_code} ist keine Unterklasse der Klassifikation der Wirtschaftszweige 2008.",
            )


@rule("taetigkeit.bestimmt", Severity.ERROR, "Die Tätigkeit ist konkret beschrieben, nicht 'Waren aller Art'.")
def _activity_specific(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for index, line in enumerate(app.activities):
        if any(pattern.search(line.description) for pattern in VAGUE_ACTIVITY):
            yield (
                f"activities.{index}.description",
                "Bitte beschreiben Sie die Tätigkeit so genau wie möglich (zum Beispiel 'Einzelhandel mit "
                "Bekleidung' statt 'Handel mit Waren aller Art').",
            )


@rule(
    "grund.anmeldung", Severity.ERROR, "Eine Anmeldung nennt ihren Grund; eine Verlegung die bisherige Betriebsstätte."
)
def _registration_reason(app: Gewerbeanzeige, ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.kind is not NoticeKind.ANMELDUNG:
        return
    if app.registration_reason is None:
        yield "registration_reason", "Bitte geben Sie den Grund der Anmeldung an."
    elif app.registration_reason is RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK:
        if app.previous_address is None:
            yield (
                "previous_address",
                "Bei einer Verlegung aus einem anderen Meldebezirk ist die bisherige Betriebsstätte anzugeben.",
            )
        elif app.previous_address.municipality_ags == app.owner_ags:
            yield (
                "previous_address.municipality_ags",
                f"Die bisherige Betriebsstätte liegt ebenfalls in {ctx.town(app.owner_ags)}. Eine Verlegung "
                "innerhalb der Gemeinde ist eine Ummeldung.",
            )


@rule(
    "grund.ummeldung", Severity.ERROR, "Eine Ummeldung nennt, was sich ändert; eine Verlegung die bisherige Anschrift."
)
def _change_reasons(app: Gewerbeanzeige, ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.kind is not NoticeKind.UMMELDUNG:
        return
    if not app.change_reasons:
        yield "change_reasons", "Bitte geben Sie an, was sich ändert."
    if ChangeReason.VERLEGUNG_INNERHALB in app.change_reasons:
        if app.previous_address is None:
            yield "previous_address", "Bei einer Verlegung ist die bisherige Betriebsstätte anzugeben."
        elif app.previous_address.municipality_ags != app.owner_ags:
            yield (
                "previous_address.municipality_ags",
                f"Die bisherige Betriebsstätte liegt nicht in {ctx.town(app.owner_ags)}. Bei einer Verlegung aus "
                "einem anderen Meldebezirk ist eine Anmeldung zu erstatten.",
            )


@rule("grund.abmeldung", Severity.ERROR, "Eine Abmeldung nennt ihren Grund; die Ursache nur bei vollständiger Aufgabe.")
def _deregistration_reason(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.kind is not NoticeKind.ABMELDUNG:
        return
    if app.deregistration_reason is None:
        yield "deregistration_reason", "Bitte geben Sie den Grund der Abmeldung an."
    full_closure = app.deregistration_reason is DeregistrationReason.VOLLSTAENDIGE_AUFGABE
    if full_closure and app.deregistration_cause is None:
        yield "deregistration_cause", "Bitte geben Sie die Ursache der vollständigen Betriebsaufgabe an."
    if not full_closure and app.deregistration_cause is not None:
        yield "deregistration_cause", "Die Ursache wird nur bei einer vollständigen Betriebsaufgabe angegeben."


@rule("grund.passend", Severity.ERROR, "Nur die Gründe der eigenen Anzeigeart sind ausgefüllt.")
def _reasons_fit_kind(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if app.kind is not NoticeKind.ANMELDUNG and app.registration_reason is not None:
        yield "registration_reason", "Der Grund der Anmeldung gehört nur zu einer Gewerbeanmeldung."
    if app.kind is not NoticeKind.UMMELDUNG and app.change_reasons:
        yield "change_reasons", "Die Änderungsgründe gehören nur zu einer Gewerbeummeldung."
    if app.kind is not NoticeKind.ABMELDUNG and app.deregistration_reason is not None:
        yield "deregistration_reason", "Der Grund der Abmeldung gehört nur zu einer Gewerbeabmeldung."


@rule("erklaerung.richtigkeit", Severity.ERROR, "Die anzeigende Person versichert die Richtigkeit der Angaben.")
def _declaration(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if not app.declarations.data_correct:
        yield (
            "declarations.data_correct",
            "Bitte bestätigen Sie, dass Ihre Angaben richtig und vollständig sind.",
        )


@rule(
    "erlaubnis.datum", Severity.ERROR, "Eine angegebene Erlaubnis oder Handwerkskarte ist nicht in der Zukunft erteilt."
)
def _permit_dates(app: Gewerbeanzeige, _ctx: RuleContext) -> Iterator[tuple[str, str]]:
    for index, permit in enumerate(app.declarations.permits):
        if permit.issued_on > app.filed_on:
            yield f"declarations.permits.{index}.issued_on", "Das Ausstellungsdatum der Erlaubnis liegt in der Zukunft."
    card = app.declarations.handwerkskarte
    if card is not None and card.issued_on > app.filed_on:
        yield "declarations.handwerkskarte.issued_on", "Das Ausstellungsdatum der Handwerkskarte liegt in der Zukunft."
