"""The decision table, row by row: outcome, tasks (kind, German title, skills, outcomes) and reasons."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from ikdz_contracts.payloads.gewerbe import (
    BusinessType,
    Declarations,
    DeregistrationCause,
    DeregistrationReason,
    Gewerbeanzeige,
    NoticeKind,
    PermitDeclaration,
    PermitKind,
    PersonRole,
    ResidenceTitle,
)
from ikdz_trade_registration.domain.decision import RULESET_VERSION, classify, decide
from ikdz_trade_registration.domain.fees import Fee, FeeUnavailable, NoFee
from ikdz_trade_registration.domain.trades import LOW_CONFIDENCE, ROWS, TRIGGERS, Category, Outcome

from .builders import AUGUSTUSBURG, TODAY, activity, anmeldung, decision_context, gbr, gmbh, person, site

C = Category


def declared(**kwargs: object) -> Declarations:
    return Declarations(data_correct=True, **kwargs)  # type: ignore[arg-type]


ROW_CASES: list[tuple[str, Gewerbeanzeige, Category, str]] = [
    ("incomplete: GmbH without register", gmbh(company=None), C.INCOMPLETE, "gewerbe.clarify_with_applicant"),
    ("not a trade: tax adviser by WZ", anmeldung(activities=(activity("Steuerberatung", "69.20.3"),)), C.NOT_A_TRADE, "gewerbe.trade_status_review"),
    ("not a trade: farming by WZ", anmeldung(activities=(activity("Ackerbau", "01.11.0"),)), C.NOT_A_TRADE, "gewerbe.trade_status_review"),
    ("not a trade: keyword Heilpraktiker", anmeldung(activities=(activity("Heilpraktikerin für Naturheilkunde", "96.09.0"),)), C.NOT_A_TRADE, "gewerbe.trade_status_review"),
    ("Reisegewerbe declared", anmeldung(declarations=declared(travelling_trade=True)), C.TRAVELLING_TRADE, "gewerbe.travelling_trade_review"),
    ("§ 30 private clinic", anmeldung(activities=(activity("Privatklinik für Schönheitschirurgie", "86.10.1"),)), C.PERMIT_30, "gewerbe.permit_check"),
    ("§ 33a Schaustellung", anmeldung(activities=(activity("Striptease-Bar", "56.30.4"),)), C.PERMIT_33A, "gewerbe.permit_check"),
    ("§§ 33c/d/i Spielhalle", anmeldung(activities=(activity("Betrieb einer Spielhalle", "92.00.1"),)), C.PERMIT_GAMING, "gewerbe.permit_check"),
    ("§ 34 Pfandleiher", anmeldung(activities=(activity("Pfandleihhaus", "64.92.2"),)), C.PERMIT_34, "gewerbe.permit_check"),
    ("§ 34a Bewachung", anmeldung(activities=(activity("Objektschutz und Veranstaltungsschutz", "80.10.0"),)), C.PERMIT_34A, "gewerbe.permit_check"),
    ("§ 34b Versteigerer", anmeldung(activities=(activity("Versteigerungen von Nachlässen", "82.99.1"),)), C.PERMIT_34B, "gewerbe.permit_check"),
    ("§ 34c Immobilienmakler", anmeldung(activities=(activity("Immobilienmakler", "68.31.1"),)), C.PERMIT_34C, "gewerbe.permit_check"),
    ("§ 34c Bauträger by keyword", anmeldung(activities=(activity("Bauträger für Einfamilienhäuser", "41.20.1"),)), C.PERMIT_34C, "gewerbe.permit_check"),
    ("§ 34d Versicherungsmakler", anmeldung(activities=(activity("Versicherungsmakler", "66.22.0"),)), C.FINANCIAL_BROKER, "gewerbe.broker_register_check"),
    ("§ 34f Finanzanlagenvermittler", anmeldung(activities=(activity("Finanzanlagenvermittlung", "66.19.0"),)), C.FINANCIAL_BROKER, "gewerbe.broker_register_check"),
    ("§ 38 Gebrauchtwagenhandel", anmeldung(activities=(activity("An- und Verkauf von Gebrauchtwagen", "45.11.0"),)), C.RELIABILITY_38, "gewerbe.reliability_check"),
    ("§ 38 Detektei", anmeldung(activities=(activity("Detektei", "80.30.0"),)), C.RELIABILITY_38, "gewerbe.reliability_check"),
    ("§ 38 Schlüsseldienst", anmeldung(activities=(activity("Schlüsseldienst und Einbruchschutz", "95.29.0"),)), C.RELIABILITY_38, "gewerbe.reliability_check"),
    ("§ 38 Partnervermittlung", anmeldung(activities=(activity("Partnervermittlung online", "96.09.0"),)), C.RELIABILITY_38, "gewerbe.reliability_check"),
    ("Handwerk A: Friseur", anmeldung(activities=(activity("Friseursalon", "96.02.1"),)), C.HANDWERK_A, "gewerbe.handwerk_check"),
    ("Handwerk A: Elektro by keyword", anmeldung(activities=(activity("Elektriker", "43.29.9"),)), C.HANDWERK_A, "gewerbe.handwerk_check"),
    ("Handwerk declared as Betriebsart", anmeldung(business_types=frozenset({BusinessType.HANDWERK})), C.HANDWERK_A, "gewerbe.handwerk_check"),
    ("Gaststätte: alcohol declared", anmeldung(effective_date=TODAY + timedelta(days=30), activities=(activity("Restaurant", "56.10.1"),), declarations=declared(serves_alcohol=True)), C.GASTSTAETTE_ALCOHOL, "gewerbe.gaststaette_check"),
    ("Gaststätte: Schankwirtschaft by WZ", anmeldung(activities=(activity("Dorfgasthof", "56.30.1"),)), C.GASTSTAETTE_ALCOHOL, "gewerbe.gaststaette_check"),
    ("Gaststätte: restaurant with wine", anmeldung(activities=(activity("Restaurant mit Weinausschank", "56.10.1"),)), C.GASTSTAETTE_ALCOHOL, "gewerbe.gaststaette_check"),
    ("non-EU national", anmeldung(persons=(person(nationalities=("TR",)),)), C.NON_EU_NATIONAL, "gewerbe.residence_title_check"),
    ("stateless person", anmeldung(persons=(person(nationalities=("XX",)),)), C.NON_EU_NATIONAL, "gewerbe.residence_title_check"),
    ("special law: pharmacy", anmeldung(activities=(activity("Apotheke", "47.73.0"),)), C.SPECIAL_LAW, "gewerbe.special_law_referral"),
    ("special law: temporary agency work", anmeldung(activities=(activity("Personaldienstleistungen", "78.20.0"),)), C.SPECIAL_LAW, "gewerbe.special_law_referral"),
    ("special law: taxi", anmeldung(activities=(activity("Taxiunternehmen", "49.32.0"),)), C.SPECIAL_LAW, "gewerbe.special_law_referral"),
    ("special law: freight", anmeldung(activities=(activity("Transport von Gütern", "49.41.0"),)), C.SPECIAL_LAW, "gewerbe.special_law_referral"),
    ("WZ with low confidence", anmeldung(activities=(activity(confidence=LOW_CONFIDENCE - 0.01),)), C.WZ_LOW_CONFIDENCE, "gewerbe.wz_confirmation"),
    ("plausibility: late notice", anmeldung(effective_date=TODAY - timedelta(days=60)), C.PLAUSIBILITY, "gewerbe.plausibility_review"),
    ("fee not configured", anmeldung(), C.FEE_NOT_CONFIGURED, "gewerbe.fee_assessment"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "app", "category", "kind"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_each_row_opens_its_task_with_the_rows_outcome(
    case: str, app: Gewerbeanzeige, category: Category, kind: str
) -> None:
    context = decision_context(fees=None) if category is C.FEE_NOT_CONFIGURED else decision_context()
    decision = decide(app, context)
    row = ROWS[category]
    assert category in decision.categories, case
    assert decision.outcome is max((ROWS[c].outcome for c in decision.categories), key=lambda o: o.rank)
    task = next(t for t in decision.tasks if t.category is category)
    assert task.kind == kind
    assert task.title_de == row.task.title_de
    assert task.legal_basis == row.legal_basis
    assert "gewerbe" in task.required_skills
    assert task.outcomes and all(o.label_de for o in task.outcomes)
    assert task.evidence_de
    assert task.blocks_receipt is (row.outcome is Outcome.STOP)
    assert task.due_on == app.filed_on + timedelta(days=row.task.due_in_days)
    assert decision.automated_receipt is (decision.outcome is not Outcome.STOP)


def test_every_row_of_the_table_has_a_case() -> None:
    assert {c[2] for c in ROW_CASES} == set(Category)


def test_row_outcomes_are_those_of_the_reference_table() -> None:
    stops = {c for c, row in ROWS.items() if row.outcome is Outcome.STOP}
    assert stops == {C.INCOMPLETE, C.NOT_A_TRADE, C.TRAVELLING_TRADE}
    assert all(row.outcome is Outcome.AUTO_WITH_TASKS for c, row in ROWS.items() if c not in stops)


def test_none_of_the_above_is_fully_automatic() -> None:
    decision = decide(anmeldung(), decision_context())
    assert decision.outcome is Outcome.AUTO
    assert decision.automated_receipt and decision.automated_fee_notice
    assert decision.tasks == () and decision.reasons == ()
    assert isinstance(decision.fee, Fee) and str(decision.fee.amount) == "40.00"
    assert decision.ruleset_version == RULESET_VERSION


def test_permit_trade_still_gets_its_receipt_and_fee_notice() -> None:
    decision = decide(anmeldung(activities=(activity("Spielhalle", "92.00.1"),)), decision_context())
    assert decision.outcome is Outcome.AUTO_WITH_TASKS
    assert decision.automated_receipt and decision.automated_fee_notice
    [task] = decision.tasks
    assert task.title_de == "Erlaubnis prüfen: Spielgeräte, Spiele mit Gewinnmöglichkeit, Spielhalle"
    assert {o.code for o in task.outcomes} == {
        "permit_present",
        "permit_requested",
        "prohibition_review",
        "not_required",
    }


def test_every_activity_line_counts_and_the_strictest_wins() -> None:
    app = anmeldung(
        activities=(activity(), activity("Friseursalon", "96.02.1"), activity("Steuerberatung", "69.20.3")),
        persons=(person(nationalities=("UA",)),),
    )
    decision = decide(app, decision_context())
    assert decision.outcome is Outcome.STOP
    assert not decision.automated_receipt and not decision.automated_fee_notice
    assert [t.kind for t in decision.tasks] == ["gewerbe.trade_status_review"]
    follow_ups = {r.category: r.text_de for r in decision.reasons if r.category is not C.NOT_A_TRADE}
    assert set(follow_ups) == {C.HANDWERK_A, C.NON_EU_NATIONAL}
    assert all(text.endswith("(Aufgabe folgt nach Klärung)") for text in follow_ups.values())


def test_cleared_stop_releases_receipt_and_follow_up_tasks() -> None:
    app = anmeldung(activities=(activity("Friseursalon", "96.02.1"), activity("Steuerberatung", "69.20.3")))
    decision = decide(app, decision_context(cleared=frozenset({C.NOT_A_TRADE})))
    assert decision.outcome is Outcome.AUTO_WITH_TASKS
    assert [t.kind for t in decision.tasks] == ["gewerbe.handwerk_check"]


def test_several_categories_each_get_one_task_with_merged_evidence() -> None:
    app = gbr(
        activities=(activity("Gebrauchtwagenhandel und Kfz-Werkstatt", "45.11.0"), activity("Kfz-Reparatur", "45.20.3")),
        persons=(person(PersonRole.GESELLSCHAFTER, nationalities=("SY",)), person(PersonRole.GESELLSCHAFTER, nationalities=("DE", "TR"))),
    )  # fmt: skip
    decision = decide(app, decision_context())
    assert [t.category for t in decision.tasks] == [C.RELIABILITY_38, C.HANDWERK_A, C.NON_EU_NATIONAL]
    handwerk = decision.tasks[1]
    assert "Tätigkeit 1: Stichwort „Kfz“" in handwerk.evidence_de
    assert (
        "Tätigkeit 2: WZ 45.20.3 (Instandhaltung und Reparatur von Kraftwagen mit einem Gesamtgewicht von 3,5 t oder weniger (ohne Lackierung und Autowäsche))"
        in handwerk.evidence_de
    )
    assert decision.tasks[2].evidence_de == ("Person 1: Staatsangehörigkeit SY",)  # dual DE/TR: free movement


def test_declared_permit_is_verified_by_a_clerk() -> None:
    permit = PermitDeclaration(kind=PermitKind.GEWO_34C, issued_on=date(2020, 1, 1), authority="IHK zu Leipzig")
    decision = decide(anmeldung(declarations=declared(permits=(permit,))), decision_context())
    [task] = decision.tasks
    assert task.category is C.PERMIT_34C
    assert task.evidence_de == ("Erklärung: Erlaubnis gewo_34c vom 01.01.2020, IHK zu Leipzig",)


def test_residence_title_given_still_needs_the_check() -> None:
    title = ResidenceTitle(
        kind="Aufenthaltserlaubnis § 21 AufenthG", issued_by="Landkreis Leipzig", self_employment_permitted=True
    )
    app = anmeldung(persons=(person(nationalities=("IN",)).model_copy(update={"residence_title": title}),))
    assert C.NON_EU_NATIONAL in decide(app, decision_context()).categories


def test_abmeldung_checks_no_permits_or_nationality() -> None:
    app = anmeldung(
        kind=NoticeKind.ABMELDUNG,
        registration_reason=None,
        deregistration_reason=DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        deregistration_cause=DeregistrationCause.WIRTSCHAFTLICHE_SCHWIERIGKEITEN,
        owner_ags=AUGUSTUSBURG,
        establishment=anmeldung().establishment.model_copy(update={"address": site(AUGUSTUSBURG)}),
        activities=(activity("Spielhalle", "92.00.1"),),
        persons=(person(nationalities=("TR",)),),
    )
    decision = decide(app, decision_context())
    assert decision.outcome is Outcome.AUTO
    assert isinstance(decision.fee, NoFee)  # Augustusburg does not charge Abmeldungen
    assert not decision.automated_fee_notice and decision.automated_receipt


def test_incomplete_notice_stops_with_the_violations_as_evidence() -> None:
    decision = decide(gmbh(company=None), decision_context())
    assert decision.outcome is Outcome.STOP
    [task] = decision.tasks
    assert task.blocks_receipt and task.due_on == TODAY + timedelta(days=3)
    assert any("Registergericht und Registernummer" in e for e in task.evidence_de)
    assert decision.violations


def test_missing_fee_configuration_keeps_the_receipt_automatic() -> None:
    decision = decide(anmeldung(), decision_context(fees=None))
    assert isinstance(decision.fee, FeeUnavailable)
    assert decision.automated_receipt and not decision.automated_fee_notice


@pytest.mark.parametrize(
    "text",
    ["Webdesign", "Einzelhandel mit Bekleidung", "Hausmeisterservice", "Softwareentwicklung", "Unternehmensberatung"],
)
def test_plain_activities_match_no_trigger(text: str) -> None:
    assert classify(anmeldung(activities=(activity(text, "70.22.0"),)), decision_context().rules.wz) == []


def test_trigger_wz_prefixes_name_existing_classes() -> None:
    codes = set(decision_context().rules.wz._titles)  # type: ignore[attr-defined]
    for trigger in TRIGGERS:
        for prefix in trigger.wz_prefixes:
            assert any(code.startswith(prefix) for code in codes), (trigger.category, prefix)


KEYWORD_TEXTS = [
    "Immobilienmakler und Hausverwaltung",
    "VERSICHERUNGSMAKLER",  # the lookbehind keeps it out of § 34c
    "Versicherungsmakler; daneben Makler für Wohnungen",
    "Bäckerei und KONDITOREI",
    "STRASSENBAU",  # "ß" is not "ss": no hit, either way
    "Straßenbau GmbH",
    "Cocktail-Bar „Zur Linde“ – Ausschank ab 18 Uhr, Eintritt 5 €",
    "KFZ-Werkstatt",
    "Schmuck\nund Uhren\tAnkauf",
    "ſchmuck und Gold",  # long s: the same letter to a case-insensitive search
    "FRİSEUR",  # dotted capital I, which Python's case-insensitive search pairs with i
    "STRAẞENBAU",  # capital sharp s
    "µ-Elektronik, Elektroinstallation",  # micro sign
    "Hausmeisterservice",
]


@pytest.mark.parametrize("text", KEYWORD_TEXTS)
def test_keywords_hit_what_a_case_insensitive_search_hits(text: str) -> None:
    """Each trigger reports the text its first matching keyword finds, as re.IGNORECASE finds it."""
    for trigger in TRIGGERS:
        expected = next(
            (found.group(0) for k in trigger.keywords if (found := re.search(k, text, re.IGNORECASE)) is not None),
            None,
        )
        assert trigger.keyword_match(text) == expected, trigger.category


def test_keyword_hits_are_reported_as_written() -> None:
    trigger = next(t for t in TRIGGERS if t.category is Category.PERMIT_34C)
    assert trigger.keyword_match("Wohnungs-IMMOBILIENMAKLER") == "MAKLER"
    assert trigger.keyword_match("VERSICHERUNGSMAKLER") is None
