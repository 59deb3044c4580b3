"""Every validation and plausibility rule: one case that breaks it, the German message and its field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from ikdz_contracts.payloads.gewerbe import (
    Address,
    ChangeReason,
    Company,
    Declarations,
    DeregistrationCause,
    DeregistrationReason,
    Establishment,
    EstablishmentKind,
    Gewerbeanzeige,
    HandwerkskarteDeclaration,
    LegalForm,
    NoticeKind,
    PermitDeclaration,
    PermitKind,
    PersonRole,
    RegisterEntry,
    RegisterType,
    RegistrationReason,
)
from ikdz_contracts.payloads.gewerbe_rules import RULES, Severity, Violation, validate

from .builders import AUGUSTUSBURG, GRIMMA, TODAY, WURZEN, activity, anmeldung, gbr, gmbh, person, rule_context, site

E, W = Severity.ERROR, Severity.WARNING


def abmeldung(**changes: Any) -> Gewerbeanzeige:
    fields: dict[str, Any] = {
        "kind": NoticeKind.ABMELDUNG,
        "registration_reason": None,
        "effective_date": TODAY,
        "deregistration_reason": DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        "deregistration_cause": DeregistrationCause.ALTER,
    }
    fields.update(changes)
    return anmeldung(**fields)


def ummeldung(**changes: Any) -> Gewerbeanzeige:
    fields: dict[str, Any] = {
        "kind": NoticeKind.UMMELDUNG,
        "registration_reason": None,
        "change_reasons": frozenset({ChangeReason.TAETIGKEIT_ERWEITERT}),
    }
    fields.update(changes)
    return anmeldung(**fields)


CASES: list[tuple[str, Gewerbeanzeige, str, str, Severity, str]] = [
    ("filed in the future", anmeldung(filed_on=TODAY + timedelta(days=1), effective_date=TODAY + timedelta(days=1)),
     "datum.meldung", "filed_on", E, "Das Datum der Anzeige (26.11.2026) liegt in der Zukunft."),
    ("start 43 days ahead", anmeldung(effective_date=TODAY + timedelta(days=43)),
     "datum.zukunft", "effective_date", E, "Beginn der Tätigkeit (07.01.2027) liegt mehr als sechs Wochen in der Zukunft"),
    ("closure 60 days ahead", abmeldung(effective_date=TODAY + timedelta(days=60)),
     "datum.zukunft", "effective_date", E, "Datum der Betriebsaufgabe (24.01.2027) liegt mehr als sechs Wochen"),
    ("start eleven years back", anmeldung(effective_date=date(2015, 11, 1)),
     "datum.zu_alt", "effective_date", E, "liegt mehr als zehn Jahre zurück"),
    ("start 29 days back", anmeldung(effective_date=TODAY - timedelta(days=29)),
     "datum.verspaetet", "effective_date", W, "mehr als vier Wochen nach dem Beginn der Tätigkeit (27.10.2026)"),
    ("bar opening in two weeks", anmeldung(effective_date=TODAY + timedelta(days=14), declarations=Declarations(data_correct=True, serves_alcohol=True)),
     "gaststaette.anzeigefrist", "effective_date", W, "vier Wochen vor der Eröffnung anzuzeigen (§ 2 SächsGastG)"),
    ("business address in Augustusburg, filed in Wurzen", anmeldung(establishment=Establishment(address=site(AUGUSTUSBURG))),
     "betriebsstaette.gemeinde", "establishment.address.municipality_ags", E,
     "Die Betriebsstätte liegt nicht in Wurzen. Zuständig ist das Gewerbeamt der Gemeinde, in der die Betriebsstätte liegt (Augustusburg)."),
    ("business address abroad", anmeldung(establishment=Establishment(address=site().model_copy(update={"country": "PL"}))),
     "betriebsstaette.inland", "establishment.address.country", E, "Die Betriebsstätte muss in Deutschland liegen."),
    ("postal code of four digits", anmeldung(establishment=Establishment(address=site().model_copy(update={"postal_code": "0480"}))),
     "betriebsstaette.inland", "establishment.address.postal_code", E, "fünfstellige Postleitzahl"),
    ("branch without main establishment", anmeldung(establishment=Establishment(address=site(), kind=EstablishmentKind.ZWEIGNIEDERLASSUNG)),
     "niederlassung.hauptsitz", "establishment.main_establishment_address", E, "Anschrift der Hauptniederlassung anzugeben"),
    ("GbR without a name", gbr(company=None),
     "firma.name", "company.name", E, "Bitte geben Sie den Namen (die Firma) der Gesellschaft bürgerlichen Rechts (GbR) an."),
    ("GmbH without register number", gmbh(company=Company(name="Muster GmbH")),
     "register.pflicht", "company.register_entry", E,
     "Für die Rechtsform Gesellschaft mit beschränkter Haftung (GmbH) sind Registergericht und Registernummer anzugeben."),
    ("UG without register", gmbh(legal_form=LegalForm.UG, company=Company(name="Muster UG (haftungsbeschränkt)")),
     "register.pflicht", "company.register_entry", E, "Unternehmergesellschaft (haftungsbeschränkt) sind Registergericht"),
    ("AG without register", gmbh(legal_form=LegalForm.AG, company=Company(name="Muster AG")),
     "register.pflicht", "company.register_entry", E, "Aktiengesellschaft (AG) sind Registergericht"),
    ("eG without register", gmbh(legal_form=LegalForm.EG, company=Company(name="Muster eG")),
     "register.pflicht", "company.register_entry", E, "eingetragene Genossenschaft (eG) sind Registergericht"),
    ("GmbH in HRA", gmbh(company=Company(name="X GmbH", register_entry=RegisterEntry(register_type=RegisterType.HRA, court="Amtsgericht Leipzig", number="1"))),
     "register.art", "company.register_entry.register_type", E, "Die Registerart HRA passt nicht zur Rechtsform Gesellschaft mit beschränkter Haftung (GmbH) (erwartet: HRB)."),
    ("sole trader with a register entry", anmeldung(company=Company(name="X", register_entry=RegisterEntry(register_type=RegisterType.HRA, court="Amtsgericht Leipzig", number="1"))),
     "register.art", "company.register_entry", E, "Für die Rechtsform Einzelunternehmen ist keine Registereintragung vorgesehen."),
    ("GmbH without managing director", gmbh(persons=(person(PersonRole.BETRIEBSLEITER),)),
     "vertreter.pflicht", "persons", E, "mindestens eine gesetzliche Vertreterin oder ein gesetzlicher Vertreter anzugeben"),
    ("GbR with one partner", gbr(persons=(person(PersonRole.GESELLSCHAFTER),)),
     "gesellschaft.personen", "persons", E, "alle geschäftsführenden Gesellschafterinnen und Gesellschafter anzugeben, mindestens zwei"),
    ("sole trader with two owners", anmeldung(persons=(person(), person(given_names="Max"))),
     "inhaber.einzeln", "persons", E, "Ein Einzelunternehmen hat genau eine Inhaberin oder einen Inhaber."),
    ("owner aged 12", anmeldung(persons=(person(born=date(2014, 1, 1)),)),
     "person.geburtsdatum", "persons.0.date_of_birth", E, "Das Geburtsdatum von Erika Mustermann ist nicht plausibel."),
    ("owner aged 16", anmeldung(persons=(person(born=date(2010, 1, 1)),)),
     "person.minderjaehrig", "persons.0.date_of_birth", W, "Erika Mustermann ist minderjährig"),
    ("WZ code that does not exist", anmeldung(activities=(activity(wz="99.99.9"),)),
     "wz.bekannt", "activities.0.wz_code", E, "Der Schlüssel 99.99.9 ist keine Unterklasse der Klassifikation der Wirtschaftszweige 2008."),
    ("'Waren aller Art'", anmeldung(activities=(activity(), activity("Handel mit Waren aller Art", "47.19.0"))),
     "taetigkeit.bestimmt", "activities.1.description", E, "so genau wie möglich"),
    ("Anmeldung without reason", anmeldung(registration_reason=None),
     "grund.anmeldung", "registration_reason", E, "Bitte geben Sie den Grund der Anmeldung an."),
    ("Verlegung without previous address", anmeldung(registration_reason=RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK),
     "grund.anmeldung", "previous_address", E, "die bisherige Betriebsstätte anzugeben"),
    ("Verlegung from the same town", anmeldung(registration_reason=RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK, previous_address=site(WURZEN, "Alter Weg")),
     "grund.anmeldung", "previous_address.municipality_ags", E, "Eine Verlegung innerhalb der Gemeinde ist eine Ummeldung."),
    ("Ummeldung without change", ummeldung(change_reasons=frozenset()),
     "grund.ummeldung", "change_reasons", E, "Bitte geben Sie an, was sich ändert."),
    ("Ummeldung move from another town", ummeldung(change_reasons=frozenset({ChangeReason.VERLEGUNG_INNERHALB}), previous_address=site(GRIMMA)),
     "grund.ummeldung", "previous_address.municipality_ags", E, "ist eine Anmeldung zu erstatten"),
    ("Ummeldung move without previous address", ummeldung(change_reasons=frozenset({ChangeReason.VERLEGUNG_INNERHALB})),
     "grund.ummeldung", "previous_address", E, "Bei einer Verlegung ist die bisherige Betriebsstätte anzugeben."),
    ("Abmeldung without reason", abmeldung(deregistration_reason=None, deregistration_cause=None),
     "grund.abmeldung", "deregistration_reason", E, "Bitte geben Sie den Grund der Abmeldung an."),
    ("full closure without cause", abmeldung(deregistration_cause=None),
     "grund.abmeldung", "deregistration_cause", E, "Bitte geben Sie die Ursache der vollständigen Betriebsaufgabe an."),
    ("handover with cause", abmeldung(deregistration_reason=DeregistrationReason.UEBERGABE),
     "grund.abmeldung", "deregistration_cause", E, "nur bei einer vollständigen Betriebsaufgabe"),
    ("Abmeldung with registration reason", abmeldung(registration_reason=RegistrationReason.NEUGRUENDUNG),
     "grund.passend", "registration_reason", E, "gehört nur zu einer Gewerbeanmeldung"),
    ("Anmeldung with change reasons", anmeldung(change_reasons=frozenset({ChangeReason.NAMENSAENDERUNG})),
     "grund.passend", "change_reasons", E, "gehören nur zu einer Gewerbeummeldung"),
    ("Anmeldung with deregistration reason", anmeldung(deregistration_reason=DeregistrationReason.UEBERGABE),
     "grund.passend", "deregistration_reason", E, "gehört nur zu einer Gewerbeabmeldung"),
    ("declaration not given", anmeldung(declarations=Declarations(data_correct=False)),
     "erklaerung.richtigkeit", "declarations.data_correct", E, "Bitte bestätigen Sie, dass Ihre Angaben richtig und vollständig sind."),
    ("permit issued tomorrow", anmeldung(declarations=Declarations(data_correct=True, permits=(PermitDeclaration(kind=PermitKind.GEWO_34C, issued_on=TODAY + timedelta(days=1), authority="IHK zu Leipzig"),))),
     "erlaubnis.datum", "declarations.permits.0.issued_on", E, "Das Ausstellungsdatum der Erlaubnis liegt in der Zukunft."),
    ("Handwerkskarte issued tomorrow", anmeldung(declarations=Declarations(data_correct=True, handwerkskarte=HandwerkskarteDeclaration(chamber="HWK zu Leipzig", number="1", issued_on=TODAY + timedelta(days=1)))),
     "erlaubnis.datum", "declarations.handwerkskarte.issued_on", E, "Das Ausstellungsdatum der Handwerkskarte liegt in der Zukunft."),
]  # fmt: skip


@pytest.mark.parametrize(("case", "app", "rule", "path", "severity", "message"), CASES, ids=[c[0] for c in CASES])
def test_rule_reports_a_german_message_on_its_field(
    case: str, app: Gewerbeanzeige, rule: str, path: str, severity: Severity, message: str
) -> None:
    found = [v for v in validate(app, rule_context()) if v.rule == rule]
    assert found, f"{case}: rule {rule} did not fire"
    assert any(v.field == path and v.severity is severity and message in v.message_de for v in found), found


def test_every_rule_has_a_case() -> None:
    assert {r.name for r in RULES} == {c[2] for c in CASES}


@pytest.mark.parametrize("app", [anmeldung(), gmbh(), gbr()], ids=["sole trader", "GmbH", "GbR"])
def test_valid_notices_raise_nothing(app: Gewerbeanzeige) -> None:
    assert validate(app, rule_context()) == []


def test_errors_come_before_warnings_and_nothing_raises() -> None:
    app = anmeldung(
        effective_date=TODAY - timedelta(days=40),
        persons=(person(born=date(2010, 1, 1)),),
        establishment=Establishment(address=site(GRIMMA)),
        declarations=Declarations(data_correct=False),
    )
    found = validate(app, rule_context())
    severities = [v.severity for v in found]
    assert severities == sorted(severities, key=lambda s: s is not Severity.ERROR)
    assert {v.rule for v in found} >= {"betriebsstaette.gemeinde", "erklaerung.richtigkeit", "datum.verspaetet"}
    assert all(isinstance(v, Violation) for v in found)


def test_unknown_town_is_named_by_its_ags() -> None:
    app = anmeldung(establishment=Establishment(address=site(GRIMMA)))
    context = rule_context()
    bare = type(context)(today=context.today, wz=context.wz)
    [violation] = [v for v in validate(app, bare) if v.rule == "betriebsstaette.gemeinde"]
    assert "nicht in der Gemeinde 14729410" in violation.message_de
    assert WURZEN in violation.message_de


def test_main_establishment_given_satisfies_branch_rule() -> None:
    app = anmeldung(
        establishment=Establishment(
            address=site(),
            kind=EstablishmentKind.UNSELBSTAENDIGE_ZWEIGSTELLE,
            main_establishment_address=Address(
                street="Hauptstraße", house_number="1", postal_code="04109", city="Leipzig"
            ),
        )
    )
    assert validate(app, rule_context()) == []
