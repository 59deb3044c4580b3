"""Resolving Ummeldung/Abmeldung, duplicate Anmeldungen and moves between onboarded towns."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ikdz_contracts.payloads.gewerbe import (
    ChangeReason,
    Company,
    DeregistrationCause,
    DeregistrationReason,
    Establishment,
    Gewerbeanzeige,
    NoticeKind,
    PersonRole,
    PreviousRegistration,
    RegisterEntry,
    RegisterType,
    RegistrationReason,
    parse_payload,
    to_payload,
)
from ikdz_contracts.payloads.gewerbe_rules import Severity, validate
from ikdz_trade_registration.domain.registrations import (
    Ambiguous,
    DeregistrationOrder,
    ExternalNotice,
    NotFound,
    Resolved,
    address_key,
    duplicate_key,
    duplicate_violation,
    ex_officio_abmeldung,
    find_duplicate,
    holder_key,
    relocation,
    resolve_existing,
    resolve_relocation,
)

from .builders import AUGUSTUSBURG, GRIMMA, WURZEN, anmeldung, gbr, gmbh, person, registered, rule_context, site


def abmeldung(**changes: Any) -> Gewerbeanzeige:
    fields: dict[str, Any] = {
        "kind": NoticeKind.ABMELDUNG,
        "registration_reason": None,
        "deregistration_reason": DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        "deregistration_cause": DeregistrationCause.ALTER,
    }
    fields.update(changes)
    return anmeldung(**fields)


EXISTING = registered(anmeldung())


def test_abmeldung_resolves_by_reference() -> None:
    app = abmeldung(previous_registration=PreviousRegistration(registration_id="b-1"))
    assert resolve_existing(app, [EXISTING], "Wurzen") == Resolved(registration=EXISTING, matched_by="registration_id")


def test_abmeldung_resolves_by_holder_and_address_despite_spelling() -> None:
    app = abmeldung(
        persons=(person(family_name="MUSTERMANN", given_names=" Erika"),),
        establishment=Establishment(address=site(street="Markt")),
    )
    result = resolve_existing(app, [EXISTING, registered(gbr(), rid="other")], "Wurzen")
    assert isinstance(result, Resolved) and result.matched_by == "holder_and_address"


def test_abmeldung_of_an_unknown_registration_is_a_german_error() -> None:
    result = resolve_existing(abmeldung(persons=(person(family_name="Unbekannt"),)), [EXISTING], "Wurzen")
    assert isinstance(result, NotFound)
    assert result.violation.rule == "registrierung.unbekannt"
    assert result.violation.message_de.startswith(
        "Zu Ihren Angaben ist beim Gewerbeamt Wurzen kein angemeldeter Gewerbebetrieb bekannt."
    )


def test_unknown_reference_and_closed_registration() -> None:
    unknown = resolve_existing(
        abmeldung(previous_registration=PreviousRegistration(registration_id="zz")), [EXISTING], "Wurzen"
    )
    assert isinstance(unknown, NotFound)
    assert (
        unknown.violation.message_de == "Die angegebene Gewerbeanmeldung zz ist beim Gewerbeamt Wurzen nicht bekannt."
    )
    closed = registered(anmeldung(), deregistered_on=date(2026, 6, 30))
    result = resolve_existing(
        abmeldung(previous_registration=PreviousRegistration(registration_id="b-1")), [closed], "Wurzen"
    )
    assert isinstance(result, NotFound)
    assert "bereits zum 30.06.2026 abgemeldet" in result.violation.message_de


def test_registrations_of_other_towns_are_never_matched() -> None:
    foreign = EXISTING.model_copy(update={"owner_ags": AUGUSTUSBURG})
    assert isinstance(resolve_existing(abmeldung(), [foreign], "Wurzen"), NotFound)


def test_reference_of_another_holder_goes_to_a_clerk() -> None:
    app = abmeldung(
        persons=(person(family_name="Schulze"),), previous_registration=PreviousRegistration(registration_id="b-1")
    )
    result = resolve_existing(app, [EXISTING], "Wurzen")
    assert isinstance(result, Ambiguous) and result.candidates == (EXISTING,)


def test_holder_known_elsewhere_in_town_or_twice_goes_to_a_clerk() -> None:
    elsewhere = resolve_existing(
        abmeldung(establishment=Establishment(address=site(street="Bahnhofstraße"))), [EXISTING], "Wurzen"
    )
    assert isinstance(elsewhere, Ambiguous)
    assert elsewhere.reason_de == "Zum Inhaber sind Anmeldungen bekannt, aber keine an dieser Betriebsstätte."
    twice = resolve_existing(abmeldung(), [EXISTING, EXISTING.model_copy(update={"registration_id": "b-2"})], "Wurzen")
    assert isinstance(twice, Ambiguous) and len(twice.candidates) == 2


def test_ummeldung_of_a_move_in_town_matches_the_old_site() -> None:
    app = anmeldung(
        kind=NoticeKind.UMMELDUNG,
        registration_reason=None,
        change_reasons=frozenset({ChangeReason.VERLEGUNG_INNERHALB}),
        establishment=Establishment(address=site(street="Neue Straße", number="7")),
        previous_address=site(),
    )
    assert resolve_existing(app, [EXISTING], "Wurzen") == Resolved(
        registration=EXISTING, matched_by="holder_and_address"
    )


def test_duplicate_anmeldung_is_found_with_a_german_error() -> None:
    again = anmeldung(persons=(person(given_names="erika"),))
    assert duplicate_key(again) == duplicate_key(anmeldung())
    existing = find_duplicate(again, [EXISTING])
    assert existing == EXISTING
    violation = duplicate_violation(EXISTING)
    assert violation.message_de.startswith(
        "Für diesen Betrieb an dieser Betriebsstätte liegt bereits eine Gewerbeanmeldung vor (Aktenzeichen WUR-GEW-2026-000001"
    )
    assert find_duplicate(anmeldung(), [registered(anmeldung(), deregistered_on=date(2026, 5, 1))]) is None
    assert find_duplicate(abmeldung(), [EXISTING]) is None


def test_duplicate_key_separates_holders_sites_and_towns() -> None:
    keys = {
        duplicate_key(anmeldung()),
        duplicate_key(anmeldung(establishment=Establishment(address=site(number="2")))),
        duplicate_key(anmeldung(persons=(person(born=date(1985, 4, 13)),))),
        duplicate_key(gmbh()),
        duplicate_key(gbr()),
    }
    assert len(keys) == 5


def test_holder_keys() -> None:
    assert holder_key(gmbh()) == "register:amtsgerichtleipzig:HRB:12345"
    assert holder_key(gbr(company=Company(name="M & S GbR"))) == "company:msgbr"
    swapped = gbr(persons=tuple(reversed(gbr().persons)), company=None)
    assert holder_key(swapped) == holder_key(gbr(company=None))
    registered_gbr = gbr(
        company=Company(
            name="X", register_entry=RegisterEntry(register_type=RegisterType.GSR, court="AG Leipzig", number="7")
        )
    )
    assert holder_key(registered_gbr).startswith("register:")
    assert holder_key(gmbh(persons=(person(PersonRole.GESETZLICHER_VERTRETER),))) == holder_key(gmbh())


def test_address_key_folds_street_spellings() -> None:
    assert address_key(site(street="Bahnhofstraße")) == address_key(site(street="Bahnhofstr."))
    assert address_key(site(street="Bahnhofstrasse")) == address_key(site(street="BAHNHOFSTR"))


def moved_to_augustusburg(previous_town: str) -> Gewerbeanzeige:
    return anmeldung(
        owner_ags=AUGUSTUSBURG,
        effective_date=date(2026, 12, 1),
        establishment=Establishment(address=site(AUGUSTUSBURG)),
        registration_reason=RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK,
        previous_address=site(previous_town),
    )


def test_move_from_an_onboarded_town_deregisters_there_the_day_before() -> None:
    order = relocation(moved_to_augustusburg(WURZEN), onboarded={WURZEN, AUGUSTUSBURG})
    assert isinstance(order, DeregistrationOrder)
    assert order.town_ags == WURZEN and order.new_owner_ags == AUGUSTUSBURG
    assert order.closure_date == date(2026, 11, 30)
    assert order.reason is DeregistrationReason.VERLEGUNG_IN_ANDEREN_MELDEBEZIRK
    assert order.text_de.startswith("Abmeldung von Amts wegen zum 30.11.2026")
    assert resolve_relocation(order, [EXISTING]) == Resolved(registration=EXISTING, matched_by="holder_and_address")
    assert isinstance(resolve_relocation(order, []), NotFound)


def test_move_from_a_town_not_onboarded_informs_its_office() -> None:
    notice = relocation(moved_to_augustusburg(GRIMMA), onboarded={WURZEN, AUGUSTUSBURG})
    assert isinstance(notice, ExternalNotice)
    assert notice.town_ags == GRIMMA
    assert "Rückmeldung an das Gewerbeamt 14729160" in notice.text_de


def test_other_notices_have_no_relocation() -> None:
    assert relocation(anmeldung(), onboarded={WURZEN}) is None
    assert relocation(abmeldung(), onboarded={WURZEN}) is None


def test_the_old_towns_abmeldung_after_a_move_is_a_valid_gewa_3_built_from_its_register() -> None:
    moved = moved_to_augustusburg(WURZEN)
    closed = EXISTING.model_copy(update={"deregistered_on": date(2026, 11, 30)})

    notice = ex_officio_abmeldung(moved, closed)

    assert parse_payload(to_payload(notice)) == notice  # a notice the contract accepts
    assert [v.rule for v in validate(notice, rule_context()) if v.severity is Severity.ERROR] == []
    assert (notice.kind, notice.owner_ags, notice.filed_on, notice.effective_date) == (
        NoticeKind.ABMELDUNG,
        WURZEN,
        moved.filed_on,
        date(2026, 11, 30),
    )
    assert notice.establishment.address == EXISTING.address  # the old site, from the register
    assert notice.previous_registration == PreviousRegistration(
        registration_id=EXISTING.registration_id, file_number=EXISTING.file_number
    )
    assert (notice.deregistration_reason, notice.deregistration_cause) == (
        DeregistrationReason.VERLEGUNG_IN_ANDEREN_MELDEBEZIRK,
        None,
    )
    assert (notice.registration_reason, notice.previous_address) == (None, None)
    assert (notice.persons, notice.activities) == (moved.persons, moved.activities)


def test_an_open_registration_has_no_abmeldung_ex_officio() -> None:
    with pytest.raises(ValueError, match="not closed"):
        ex_officio_abmeldung(moved_to_augustusburg(WURZEN), EXISTING)
