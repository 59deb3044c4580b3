"""Valid notices to start from; each test changes only what it is about."""

from __future__ import annotations

from datetime import date
from typing import Any

from ikdz_contracts.payloads.gewerbe import (
    ActivityLine,
    Address,
    BusinessAddress,
    BusinessType,
    ChangeReason,
    Company,
    Declarations,
    DeregistrationCause,
    DeregistrationReason,
    Establishment,
    Gewerbeanzeige,
    LegalForm,
    NoticeKind,
    Person,
    PersonRole,
    RegisterEntry,
    RegisterType,
    RegistrationReason,
    Sex,
)
from ikdz_contracts.payloads.gewerbe_rules import RuleContext
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_trade_registration.adapters.fee_config import load_fee_config
from ikdz_trade_registration.domain.decision import DecisionContext
from ikdz_trade_registration.domain.registrations import Registration, holder_key

WURZEN, AUGUSTUSBURG, GRIMMA = "14729410", "14522020", "14729160"
TODAY = date(2026, 11, 25)
TOWN_NAMES = {WURZEN: "Wurzen", AUGUSTUSBURG: "Augustusburg", GRIMMA: "Grimma"}
FEES = load_fee_config()


def rule_context(today: date = TODAY) -> RuleContext:
    return RuleContext(today=today, wz=wz_catalogue(), town_names=TOWN_NAMES)


def decision_context(today: date = TODAY, **overrides: Any) -> DecisionContext:
    return DecisionContext(rules=rule_context(today), fees=overrides.pop("fees", FEES), **overrides)


def home(city: str = "Wurzen", postal_code: str = "04808") -> Address:
    return Address(street="Domplatz", house_number="5", postal_code=postal_code, city=city)


def site(ags: str = WURZEN, street: str = "Markt", number: str = "1") -> BusinessAddress:
    city, plz = {WURZEN: ("Wurzen", "04808"), AUGUSTUSBURG: ("Augustusburg", "09573"), GRIMMA: ("Grimma", "04668")}[ags]
    return BusinessAddress(street=street, house_number=number, postal_code=plz, city=city, municipality_ags=ags)


def person(
    role: PersonRole = PersonRole.INHABER,
    *,
    family_name: str = "Mustermann",
    given_names: str = "Erika",
    born: date = date(1985, 4, 12),
    nationalities: tuple[str, ...] = ("DE",),
) -> Person:
    return Person(
        role=role,
        sex=Sex.WEIBLICH,
        family_name=family_name,
        given_names=given_names,
        date_of_birth=born,
        place_of_birth="Leipzig",
        nationalities=nationalities,
        address=home(),
    )


def activity(
    description: str = "Webdesign und Programmierung von Internetseiten",
    wz: str = "62.01.9",
    confidence: float | None = None,
) -> ActivityLine:
    return ActivityLine(description=description, wz_code=wz, wz_confidence=confidence)


def anmeldung(**changes: Any) -> Gewerbeanzeige:
    """A sole trader in Wurzen starting web design next week: decided AUTO."""
    fields: dict[str, Any] = {
        "kind": NoticeKind.ANMELDUNG,
        "owner_ags": WURZEN,
        "filed_on": TODAY,
        "effective_date": date(2026, 12, 1),
        "legal_form": LegalForm.EINZELUNTERNEHMEN,
        "persons": (person(),),
        "establishment": Establishment(address=site(), trade_name="Mustermann Webdesign"),
        "activities": (activity(),),
        "business_types": frozenset({BusinessType.SONSTIGES}),
        "employees_full_time": 0,
        "employees_part_time": 0,
        "registration_reason": RegistrationReason.NEUGRUENDUNG,
        "declarations": Declarations(data_correct=True),
    }
    fields.update(changes)
    return Gewerbeanzeige(**fields)


def abmeldung(**changes: Any) -> Gewerbeanzeige:
    """The sole trader closes the business for good at the end of November."""
    fields: dict[str, Any] = {
        "kind": NoticeKind.ABMELDUNG,
        "effective_date": date(2026, 11, 30),
        "registration_reason": None,
        "deregistration_reason": DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        "deregistration_cause": DeregistrationCause.ALTER,
    }
    return anmeldung(**{**fields, **changes})


def moved_within_wurzen(**changes: Any) -> Gewerbeanzeige:
    """The sole trader's Ummeldung: the business moves from Markt 1 to Neue Straße 7."""
    fields: dict[str, Any] = {
        "kind": NoticeKind.UMMELDUNG,
        "registration_reason": None,
        "change_reasons": frozenset({ChangeReason.VERLEGUNG_INNERHALB}),
        "establishment": Establishment(address=site(street="Neue Straße", number="7"), trade_name="Webdesign"),
        "previous_address": site(),
    }
    return anmeldung(**{**fields, **changes})


def moved_to_augustusburg(**changes: Any) -> Gewerbeanzeige:
    """The sole trader's business moves from Wurzen to Augustusburg: an Anmeldung there."""
    return anmeldung(
        owner_ags=AUGUSTUSBURG,
        establishment=anmeldung().establishment.model_copy(update={"address": site(AUGUSTUSBURG)}),
        registration_reason=RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK,
        previous_address=site(WURZEN),
        **changes,
    )


def gmbh(**changes: Any) -> Gewerbeanzeige:
    """A GmbH with its managing director, registered at Amtsgericht Leipzig."""
    fields: dict[str, Any] = {
        "legal_form": LegalForm.GMBH,
        "company": Company(
            name="Muster Software GmbH",
            register_entry=RegisterEntry(register_type=RegisterType.HRB, court="Amtsgericht Leipzig", number="12345"),
        ),
        "persons": (person(PersonRole.GESETZLICHER_VERTRETER),),
        "employees_full_time": 3,
    }
    fields.update(changes)
    return anmeldung(**fields)


def gbr(**changes: Any) -> Gewerbeanzeige:
    fields: dict[str, Any] = {
        "legal_form": LegalForm.GBR,
        "company": Company(name="Mustermann & Schmidt GbR"),
        "persons": (
            person(PersonRole.GESELLSCHAFTER),
            person(PersonRole.GESELLSCHAFTER, family_name="Schmidt", given_names="Max"),
        ),
    }
    fields.update(changes)
    return anmeldung(**fields)


def registered(app: Gewerbeanzeige, *, rid: str = "b-1", deregistered_on: date | None = None) -> Registration:
    """The register entry ``app`` made in its town, under file number WUR-GEW-2026-000001."""
    return Registration(
        registration_id=rid,
        owner_ags=app.owner_ags,
        file_number="WUR-GEW-2026-000001",
        holder_key=holder_key(app),
        holder_name=app.holder_name,
        legal_form=app.legal_form,
        address=app.establishment.address,
        main_wz_code=app.main_activity.wz_code,
        registered_on=date(2026, 2, 1),
        deregistered_on=deregistered_on,
    )
