"""CloudEvents 1.0 envelope in structured mode, as every IKDZ message travels on Kafka.

The value of a Kafka record is the JSON event, the record key is the case id (per-case ordering)
and the header ``content-type`` says ``application/cloudevents+json``. Extensions follow
DESIGN.md section 2: ``ownerags``, ``processingags``, ``agreementref`` (the agreement the processing
town acts under), ``traceparent`` (distributed-tracing
extension), ``causationid`` and ``correlationid``.

Producers build events with :func:`new_event` (strict: unknown fields are rejected). Consumers read
them with :func:`decode`, a tolerant reader: attributes and data fields added by a later minor
version of a contract are ignored, so additive changes never break a running consumer.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

from ikdz_contracts.ids import new_id

CONTENT_TYPE = "application/cloudevents+json"
"""Value of the Kafka ``content-type`` header of every IKDZ record (structured mode)."""
CONTENT_TYPE_HEADER = "content-type"
SCHEMA_BASE_URI = "urn:ikdz:schema:"
AGS_PATTERN = r"^[0-9]{8}$"
SOURCE_PATTERN = r"^urn:ikdz:[a-z0-9-]+$"
TYPE_PATTERN = r"^de\.ikdz\.[a-z0-9.]+\.v[0-9]+$"
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
PERSONAL_DATA_KEY = "personal_data"
PERSONAL: JsonDict = {PERSONAL_DATA_KEY: True}
"""``json_schema_extra`` of a field that carries personal data (GDPR art. 4), pseudonyms included."""


class EventData(BaseModel):
    """Base of every event payload; each subclass names its CloudEvents type (with major version).

    ``TOPIC`` is the topic the event is published on, without the installation's prefix, and
    ``PUBLIC`` says whether integrators may read that topic (public topics carry no application
    data; see docs/contracts.md).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    EVENT_TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    PUBLIC: ClassVar[bool]

    @classmethod
    def dataschema(cls) -> str:
        """URI of the JSON Schema the data conforms to (checked in under contracts/schemas/)."""
        return f"{SCHEMA_BASE_URI}{cls.EVENT_TYPE}"


DataT = TypeVar("DataT", bound=EventData)


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 event carrying typed ``data``.

    A parametrised envelope (``CloudEvent[CaseStatus]``) only accepts events whose ``type`` is
    the data model's ``EVENT_TYPE``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, description="UUIDv7 of this event; consumers deduplicate on it.")
    source: str = Field(pattern=SOURCE_PATTERN, description="urn:ikdz:<service>")
    type: str = Field(pattern=TYPE_PATTERN, description="de.ikdz.<domain>.<event>.v<major>")
    time: AwareDatetime = Field(description="When the event happened (RFC 3339, with offset).")
    subject: str = Field(min_length=1, description="The case id the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str = Field(description="URI of the event's JSON Schema: urn:ikdz:schema:<type>.")
    ownerags: str = Field(pattern=AGS_PATTERN, description="AGS of the legally responsible town.")
    processingags: str | None = Field(
        default=None, pattern=AGS_PATTERN, description="AGS of the town whose staff processes the case."
    )
    traceparent: str | None = Field(
        default=None,
        pattern=TRACEPARENT_PATTERN,
        description="W3C trace context of the operation that caused the event.",
    )
    agreementref: str | None = Field(
        default=None,
        max_length=200,
        description="The cooperation agreement (Zweckvereinbarung) under which the processing town acts for the owner.",
    )
    causationid: str | None = Field(default=None, description="Id of the event that caused this one.")
    correlationid: str | None = Field(
        default=None, description="Id shared by all events of one case flow (the first event's id)."
    )
    data: DataT

    @field_validator("type")
    @classmethod
    def _type_matches_data(cls, value: str) -> str:
        """A check of the ``type`` field alone: as a model validator it made pydantic turn each
        decoded event's JSON into Python objects first (a third of the decoding time)."""
        args = cls.__pydantic_generic_metadata__["args"]
        expected = getattr(args[0], "EVENT_TYPE", None) if args else None
        if expected is not None and value != expected:
            msg = f"expected event type {expected}, got {value}"
            raise ValueError(msg)
        return value


@functools.cache
def envelope_type(data_type: type[DataT]) -> type[CloudEvent[DataT]]:
    """The envelope model for one data model, e.g. ``CloudEvent[CaseStatus]``.

    Cached here for good: pydantic keeps parametrised models only weakly, so every garbage
    collection dropped the envelopes nobody else held and the next event rebuilt its model (~1 ms
    each, several per Gewerbe notice).
    """
    return cast("type[CloudEvent[DataT]]", CloudEvent.__class_getitem__(data_type))


def new_event(
    data: DataT,
    *,
    source: str,
    subject: str,
    ownerags: str,
    processingags: str | None = None,
    agreementref: str | None = None,
    cause: CloudEvent[Any] | None = None,
    traceparent: str | None = None,
    time: datetime | None = None,
) -> CloudEvent[DataT]:
    """Build an event; with ``cause`` the causation, correlation and trace ids are carried over."""
    event_id = new_id()
    return envelope_type(type(data))(
        id=event_id,
        source=source,
        type=data.EVENT_TYPE,
        time=time or datetime.now(UTC),
        subject=subject,
        dataschema=data.dataschema(),
        ownerags=ownerags,
        processingags=processingags,
        agreementref=agreementref,
        traceparent=traceparent or (cause.traceparent if cause else None),
        causationid=cause.id if cause else None,
        correlationid=(cause.correlationid or cause.id) if cause else event_id,
        data=data,
    )


def encode(event: CloudEvent[Any]) -> bytes:
    """Serialise an event to the JSON bytes of a structured-mode Kafka record value."""
    return encode_text(event).encode()


def encode_text(event: CloudEvent[Any]) -> str:
    """The same JSON as :func:`encode`, as text (how outboxes store it: a string costs the store
    less than binary data, which FerretDB v1 converts to base64)."""
    return event.model_dump_json(exclude_none=True)


def kafka_key(event: CloudEvent[Any]) -> bytes:
    """The Kafka record key of an event: its subject, the case id (keeps one case in order)."""
    return event.subject.encode()


def decode(raw: bytes | str, data_type: type[DataT]) -> CloudEvent[DataT]:
    """Parse and validate a structured-mode event whose data must be ``data_type``.

    Unknown attributes and data fields (added by a later minor version) are ignored. Raises
    ``pydantic.ValidationError`` (a ``ValueError``) for malformed JSON, a wrong envelope, wrong
    data, or when the event's type is not ``data_type``'s.
    """
    return envelope_type(data_type).model_validate_json(raw, extra="ignore")
