"""Valid sample events for tests in every service (pilot town Wurzen, fixed times and ids).

Each builder takes keyword overrides for the data fields, e.g. ``case_status(state=CaseState.ROUTED)``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent, DataT, new_event
from ikdz_contracts.events import (
    Applicant,
    CaseRouted,
    CaseState,
    CaseStatus,
    CaseSubmitted,
    GewerbeRecipientMessage,
    PoolCandidate,
    RoutingDecision,
    TaskCompleted,
    TaskOutcome,
    TaskRequested,
)
from ikdz_contracts.services import ServiceId

WURZEN_AGS = "14729410"
AUGUSTUSBURG_AGS = "14522020"
SAMPLE_TIME = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SAMPLE_CASE_ID = "0195590c-7a00-7000-8000-000000000001"
SAMPLE_TASK_ID = "0195590c-7a00-7000-8000-0000000000a1"
SAMPLE_FILE_NUMBER = "WUR-GEW-2026-000123"
SAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def case_submitted(**overrides: Any) -> CaseSubmitted:
    fields: dict[str, Any] = {
        "case_id": SAMPLE_CASE_ID,
        "file_number": SAMPLE_FILE_NUMBER,
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": WURZEN_AGS,
        "submitted_at": SAMPLE_TIME,
        "channel": "web",
        "applicant": Applicant(kind="natural_person", name="Erika Mustermann", email="erika@example.org"),
        "payload": {"activity": "Einzelhandel mit Backwaren", "start": "2026-04-01"},
        "required_skills": ["gewerbe"],
    }
    return CaseSubmitted(**(fields | overrides))


def gewerbe_payload(today: date | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid, permit-free Gewerbeanmeldung in Wurzen as a ``case.submitted`` payload (JSON types).

    A sole trader starting web design a week after ``today`` (default: the current UTC day), so the
    date rules pass on any day; top-level fields can be overridden.
    """
    filed = today or datetime.now(UTC).date()
    fields: dict[str, Any] = {
        "kind": "anmeldung",
        "owner_ags": WURZEN_AGS,
        "filed_on": filed.isoformat(),
        "effective_date": (filed + timedelta(days=7)).isoformat(),
        "legal_form": "einzelunternehmen",
        "persons": [
            {
                "role": "inhaber",
                "sex": "w",
                "family_name": "Mustermann",
                "given_names": "Erika",
                "date_of_birth": "1985-04-12",
                "place_of_birth": "Leipzig",
                "nationalities": ["DE"],
                "address": {"street": "Domplatz", "house_number": "5", "postal_code": "04808", "city": "Wurzen"},
            }
        ],
        "establishment": {
            "address": {
                "street": "Markt",
                "house_number": "1",
                "postal_code": "04808",
                "city": "Wurzen",
                "municipality_ags": WURZEN_AGS,
            },
            "trade_name": "Mustermann Webdesign",
        },
        "activities": [{"description": "Webdesign und Programmierung von Internetseiten", "wz_code": "62.01.9"}],
        "business_types": ["sonstiges"],
        "employees_full_time": 0,
        "employees_part_time": 0,
        "registration_reason": "neugruendung",
        "declarations": {"data_correct": True},
    }
    return fields | overrides


def gewerbe_form(today: date | None = None) -> dict[str, str]:
    """The notice of :func:`gewerbe_payload` as a citizen types it into intake's GewA 1 form in Wurzen.

    Field names are the payload's dotted paths (intake names its fields so); dates are typed the
    German way and a ticked box sends ``ja``. Only what a person fills in: the town, the kind and the
    filing day come from the page and the clock, counts and the form's id from the form itself. Start
    a week after ``today`` (default: the current UTC day); change fields with ``|``.
    """
    start = (today or datetime.now(UTC).date()) + timedelta(days=7)
    return {
        "registration_reason": "neugruendung",
        "effective_date": f"{start:%d.%m.%Y}",
        "legal_form": "einzelunternehmen",
        "persons.0.given_names": "Erika",
        "persons.0.family_name": "Mustermann",
        "persons.0.role": "inhaber",
        "persons.0.sex": "w",
        "persons.0.date_of_birth": "12.04.1985",
        "persons.0.place_of_birth": "Leipzig",
        "persons.0.country_of_birth": "DE",
        "persons.0.nationalities.0": "DE",
        "persons.0.address.street": "Domplatz",
        "persons.0.address.house_number": "5",
        "persons.0.address.postal_code": "04808",
        "persons.0.address.city": "Wurzen",
        "persons.0.email": "erika@example.org",
        "establishment.address.street": "Markt",
        "establishment.address.house_number": "1",
        "establishment.address.postal_code": "04808",
        "establishment.address.city": "Wurzen",
        "establishment.trade_name": "Mustermann Webdesign",
        "establishment.kind": "hauptniederlassung",
        "activities.0.description": "Webdesign und Programmierung von Internetseiten",
        "activities.0.wz_code": "62.01.9",
        "business_types": "sonstiges",
        "employees_full_time": "0",
        "employees_part_time": "0",
        "declarations.data_correct": "ja",
    }


def case_routed(**overrides: Any) -> CaseRouted:
    candidate = PoolCandidate(
        pool_id="wurzen-gewerbe",
        processing_ags=WURZEN_AGS,
        eligible=True,
        open_cases=4,
        capacity_per_day=8.0,
        expected_wait_days=0.5,
        reason="own pool of the owner town",
    )
    fields: dict[str, Any] = {
        "case_id": SAMPLE_CASE_ID,
        "file_number": SAMPLE_FILE_NUMBER,
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": WURZEN_AGS,
        "pool_id": "wurzen-gewerbe",
        "processing_ags": WURZEN_AGS,
        "routed_at": SAMPLE_TIME,
        "decision": RoutingDecision(policy_version="1", reasons=["shortest expected wait"], candidates=[candidate]),
    }
    return CaseRouted(**(fields | overrides))


def case_status(**overrides: Any) -> CaseStatus:
    state = overrides.get("state", CaseState.RECEIVED)
    fields: dict[str, Any] = {
        "case_id": SAMPLE_CASE_ID,
        "file_number": SAMPLE_FILE_NUMBER,
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": WURZEN_AGS,
        "state": state,
        "label_de": CaseState(state).label_de,
        "occurred_at": SAMPLE_TIME,
    }
    return CaseStatus(**(fields | overrides))


def task_requested(**overrides: Any) -> TaskRequested:
    fields: dict[str, Any] = {
        "task_id": SAMPLE_TASK_ID,
        "case_id": SAMPLE_CASE_ID,
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": WURZEN_AGS,
        "pool_id": "wurzen-gewerbe",
        "kind": "gewerbe.review",
        "title_de": "Gewerbeanmeldung prüfen",
        "instructions_de": "Angaben zur Tätigkeit prüfen.",
        "outcomes": [
            TaskOutcome(code="accept", label_de="Annehmen"),
            TaskOutcome(code="reject", label_de="Ablehnen"),
        ],
    }
    return TaskRequested(**(fields | overrides))


def task_completed(**overrides: Any) -> TaskCompleted:
    fields: dict[str, Any] = {
        "task_id": SAMPLE_TASK_ID,
        "case_id": SAMPLE_CASE_ID,
        "service": ServiceId.TRADE_REGISTRATION,
        "kind": "gewerbe.review",
        "outcome": "accept",
        "reason": "Angaben vollständig.",
        "completed_by": "staff-7f3a",
        "acting_ags": WURZEN_AGS,
        "completed_at": SAMPLE_TIME,
    }
    return TaskCompleted(**(fields | overrides))


def gewerbe_recipient_message(**overrides: Any) -> GewerbeRecipientMessage:
    fields: dict[str, Any] = {
        "message_id": "5b0f3d2e-0c39-5d55-9c8e-2f1e0a9b7c11",
        "message_type": "fa.gewerbemeldung.0100",
        "recipient": "fa",
        "recipient_label_de": "zuständiges Finanzamt",
        "legal_basis": "§ 138 Abs. 1 AO",
        "data_profile": "full",
        "case_id": SAMPLE_CASE_ID,
        "file_number": SAMPLE_FILE_NUMBER,
        "owner_ags": WURZEN_AGS,
        "registration_id": "0195590c-7a00-7000-8000-0000000000b1",
        "created_at": SAMPLE_TIME,
        "content": '<gewerbemeldung xmlns="urn:ikdz:gewerbemeldung:1" version="1.0"/>',
    }
    return GewerbeRecipientMessage(**(fields | overrides))


def envelope(data: DataT, *, source: str = "urn:ikdz:test", **kwargs: Any) -> CloudEvent[DataT]:
    """Wrap sample data in an envelope about the sample case, owned by Wurzen."""
    kwargs.setdefault("subject", getattr(data, "case_id", SAMPLE_CASE_ID))
    kwargs.setdefault("ownerags", WURZEN_AGS)
    kwargs.setdefault("time", SAMPLE_TIME)
    return new_event(data, source=source, **kwargs)
