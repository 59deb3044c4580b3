"""The CloudEvents envelope: building, encoding, decoding and validating events."""

from __future__ import annotations

import gc
import json
import uuid
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_contracts import testing
from ikdz_contracts.cloudevents import (
    CloudEvent,
    EventData,
    decode,
    encode,
    envelope_type,
    kafka_key,
    new_event,
)
from ikdz_contracts.events import (
    CaseRouted,
    CaseState,
    CaseStatus,
    CaseSubmitted,
    TaskCompleted,
    TaskRequested,
)
from ikdz_contracts.events.case import FILE_NUMBER_PATTERN
from ikdz_contracts.services import ServiceId
from pydantic import ValidationError

SAMPLES: dict[str, Callable[[], EventData]] = {
    "case_submitted": testing.case_submitted,
    "case_routed": testing.case_routed,
    "case_status": testing.case_status,
    "task_requested": testing.task_requested,
    "task_completed": testing.task_completed,
}


@pytest.mark.parametrize("build", SAMPLES.values(), ids=SAMPLES.keys())
def test_encode_decode_round_trip(build: Callable[[], EventData]) -> None:
    data = build()
    event = testing.envelope(data, processingags=testing.AUGUSTUSBURG_AGS, traceparent=testing.SAMPLE_TRACEPARENT)

    decoded = decode(encode(event), type(data))

    assert decoded == event
    assert type(decoded.data) is type(data)


def test_encoded_event_is_structured_mode_json_without_nulls() -> None:
    event = testing.envelope(testing.case_status())

    value = json.loads(encode(event))

    assert value["specversion"] == "1.0"
    assert value["type"] == "de.ikdz.case.status.v1"
    assert value["datacontenttype"] == "application/json"
    assert value["dataschema"] == "urn:ikdz:schema:de.ikdz.case.status.v1"
    assert value["subject"] == testing.SAMPLE_CASE_ID
    assert value["time"] == "2026-03-02T09:30:00Z"
    assert "processingags" not in value
    assert "message_de" not in value["data"]


def test_kafka_key_is_the_case_id() -> None:
    assert kafka_key(testing.envelope(testing.case_routed())) == testing.SAMPLE_CASE_ID.encode()


def test_envelope_type_is_cached_per_data_model() -> None:
    assert envelope_type(CaseStatus) is envelope_type(CaseStatus)
    envelopes: set[type[Any]] = {envelope_type(CaseStatus), envelope_type(CaseRouted)}
    assert len(envelopes) == 2


def test_envelope_type_outlives_a_garbage_collection() -> None:
    """pydantic alone holds parametrised models weakly; rebuilding one costs about a millisecond."""

    class Pinged(EventData):
        EVENT_TYPE: ClassVar[str] = "de.ikdz.test.pinged.v1"
        TOPIC: ClassVar[str] = "test.pinged.v1"
        PUBLIC: ClassVar[bool] = False

    envelope = weakref.ref(envelope_type(Pinged))
    gc.collect()
    assert envelope() is not None
    assert envelope_type(Pinged) is envelope()


# --- new_event: ids and causation ------------------------------------------------------------


def test_new_event_without_cause_starts_a_correlation() -> None:
    event = new_event(testing.case_submitted(), source="urn:ikdz:intake", subject="c-1", ownerags=testing.WURZEN_AGS)

    assert uuid.UUID(event.id).version == 7
    assert event.correlationid == event.id
    assert event.causationid is None
    assert event.traceparent is None
    assert event.time.tzinfo is not None


def test_new_event_with_cause_carries_causation_correlation_and_trace() -> None:
    first = testing.envelope(testing.case_submitted(), traceparent=testing.SAMPLE_TRACEPARENT)
    second = testing.envelope(testing.case_routed(), cause=first)
    third = testing.envelope(testing.case_status(state=CaseState.ROUTED), cause=second)

    assert second.causationid == first.id
    assert third.causationid == second.id
    assert first.correlationid == second.correlationid == third.correlationid == first.id
    assert third.traceparent == testing.SAMPLE_TRACEPARENT
    assert len({first.id, second.id, third.id}) == 3


def test_new_event_explicit_traceparent_wins_over_the_cause() -> None:
    cause = testing.envelope(testing.case_submitted(), traceparent=testing.SAMPLE_TRACEPARENT)
    own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    event = testing.envelope(testing.case_routed(), cause=cause, traceparent=own)

    assert event.traceparent == own


def test_new_event_ids_are_unique_and_time_ordered() -> None:
    ids = [testing.envelope(testing.case_status()).id for _ in range(50)]

    assert len(set(ids)) == 50
    assert ids == sorted(ids)


# --- validation --------------------------------------------------------------------------------


def _valid_envelope() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(encode(testing.envelope(testing.case_status())))
    return value


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("source", "urn:other:intake"),
        ("source", "intake"),
        ("source", "urn:ikdz:Intake"),
        ("type", "case.status"),
        ("type", "de.ikdz.case.status"),
        ("type", "com.example.case.status.v1"),
        ("ownerags", "1472941"),
        ("ownerags", "147294100"),
        ("ownerags", "1472941a"),
        ("ownerags", "١٤٧٢٩٤١٠"),  # Arabic-Indic digits are not an AGS
        ("processingags", "14522"),
        ("traceparent", "not-a-trace"),
        ("specversion", "0.3"),
        ("datacontenttype", "application/xml"),
        ("time", "2026-03-02T09:30:00"),  # no offset: not RFC 3339
        ("id", ""),
        ("subject", ""),
    ],
)
def test_decode_rejects_an_invalid_attribute(attribute: str, value: str) -> None:
    raw = _valid_envelope() | {attribute: value}

    with pytest.raises(ValidationError) as excinfo:
        decode(json.dumps(raw), CaseStatus)

    errors = excinfo.value.errors()
    fields = {str(err["loc"][0]) for err in errors if err["loc"]}
    assert attribute in fields


@pytest.mark.parametrize("attribute", ["id", "source", "type", "time", "subject", "dataschema", "ownerags", "data"])
def test_decode_rejects_a_missing_required_attribute(attribute: str) -> None:
    raw = _valid_envelope()
    del raw[attribute]

    with pytest.raises(ValidationError):
        decode(json.dumps(raw), CaseStatus)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("file_number", "WURZEN-GEW-2026-000123"),
        ("file_number", "wur-gew-2026-000123"),
        ("owner_ags", "14729"),
        ("state", "lost"),
        ("service", "parking"),
        ("occurred_at", "yesterday"),
    ],
)
def test_decode_rejects_invalid_data(field: str, value: str) -> None:
    raw = _valid_envelope()
    raw["data"][field] = value

    with pytest.raises(ValidationError):
        decode(json.dumps(raw), CaseStatus)


def test_decode_rejects_another_event_type_and_says_so_first() -> None:
    raw = encode(testing.envelope(testing.case_status()))

    with pytest.raises(ValidationError, match=r"expected event type de\.ikdz\.case\.routed\.v1") as excinfo:
        decode(raw, CaseRouted)
    first = excinfo.value.errors()[0]  # the data's errors (a status is no routed event) come after it
    assert first["loc"] == ("type",)
    assert "expected event type de.ikdz.case.routed.v1, got de.ikdz.case.status.v1" in first["msg"]


def test_decode_rejects_a_type_that_does_not_match_valid_data() -> None:
    raw = _valid_envelope() | {"type": "de.ikdz.case.status.v2"}

    with pytest.raises(ValueError, match=r"expected event type de\.ikdz\.case\.status\.v1"):
        decode(json.dumps(raw), CaseStatus)


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b"[]", b"null", '{"specversion": "1.0"'])
def test_decode_rejects_malformed_json(raw: bytes | str) -> None:
    with pytest.raises(ValidationError):
        decode(raw, CaseStatus)


def test_decode_ignores_attributes_and_fields_added_by_a_later_minor_version() -> None:
    raw = _valid_envelope() | {"newextension": "x"}
    raw["data"]["new_optional_field"] = 42

    event = decode(json.dumps(raw), CaseStatus)

    assert event.data == testing.case_status()


def test_producers_cannot_add_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        testing.case_status(unknown="x")
    with pytest.raises(ValidationError):
        envelope_type(CaseStatus).model_validate(_valid_envelope() | {"newextension": "x"})


def test_an_envelope_refuses_data_of_a_mismatching_type() -> None:
    valid = testing.envelope(testing.case_status()).model_dump()

    with pytest.raises(ValidationError, match="expected event type"):
        envelope_type(CaseStatus)(**(valid | {"type": CaseRouted.EVENT_TYPE}))


def test_events_are_immutable() -> None:
    event = testing.envelope(testing.case_status())

    with pytest.raises(ValidationError):
        event.subject = "other"  # type: ignore[misc]


def test_every_event_model_names_type_topic_and_visibility() -> None:
    for event_cls in (CaseSubmitted, CaseRouted, CaseStatus, TaskRequested, TaskCompleted):
        assert event_cls.EVENT_TYPE.startswith("de.ikdz.")
        assert event_cls.EVENT_TYPE.endswith(".v1")
        assert event_cls.TOPIC.endswith(".v1")
        assert event_cls.dataschema() == f"urn:ikdz:schema:{event_cls.EVENT_TYPE}"
    assert CaseRouted.PUBLIC
    assert CaseStatus.PUBLIC
    assert not CaseSubmitted.PUBLIC
    assert not TaskRequested.PUBLIC
    assert not TaskCompleted.PUBLIC


def test_plain_cloud_event_is_not_a_catch_all() -> None:
    # The unparametrised envelope validates data against EventData, which has no fields.
    with pytest.raises(ValidationError):
        CloudEvent.model_validate(_valid_envelope())


# --- property: any valid CaseStatus survives the wire ------------------------------------------

_ags = st.from_regex(r"[0-9]{8}", fullmatch=True)
_text = st.text(st.characters(codec="utf-8"), max_size=80)
_NAIVE_MIN = datetime(2000, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds and adds the zone
_NAIVE_MAX = datetime(2100, 1, 1)  # noqa: DTZ001
_aware = st.datetimes(min_value=_NAIVE_MIN, max_value=_NAIVE_MAX, timezones=st.just(UTC))
case_statuses = st.builds(
    CaseStatus,
    case_id=st.uuids().map(str),
    file_number=st.from_regex(FILE_NUMBER_PATTERN.strip("^$"), fullmatch=True),
    service=st.sampled_from(ServiceId),
    owner_ags=_ags,
    state=st.sampled_from(CaseState),
    label_de=_text,
    message_de=st.none() | _text,
    processing_ags=st.none() | _ags,
    processing_town=st.none() | _text,
    pool_id=st.none() | st.from_regex(r"[a-z0-9][a-z0-9-]{1,62}", fullmatch=True),
    occurred_at=_aware,
)


@settings(deadline=None)  # the first example pays for model and regex compilation; CI machines are shared
@given(data=case_statuses, ownerags=_ags, processingags=st.none() | _ags)
def test_any_case_status_round_trips(data: CaseStatus, ownerags: str, processingags: str | None) -> None:
    event = new_event(
        data, source="urn:ikdz:routing", subject=data.case_id, ownerags=ownerags, processingags=processingags
    )

    decoded = decode(encode(event), CaseStatus)

    assert decoded == event
    assert decode(encode(decoded), CaseStatus) == event
