"""CloudEvents 1.0 envelope in structured mode, as every IKDZ message travels on Kafka.

The value of a Kafka record is the JSON event, the record key is the case id (per-case ordering)
and the header ``content-type`` says ``application/cloudevents+json``. Extensions follow
DESIGN.md section 2: ``ownerags``, ``processingags``, ``traceparent`` (distributed-tracing
extension), ``causationid`` and ``correlationid``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ikdz_contracts.ids import new_id

CONTENT_TYPE = "application/cloudevents+json"
SCHEMA_BASE_URI = "urn:ikdz:schema:"
AGS_PATTERN = r"^\d{8}$"


class EventData(BaseModel):
    """Base of every event payload; each subclass names its CloudEvents type (with major version)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    EVENT_TYPE: ClassVar[str]

    @classmethod
    def dataschema(cls) -> str:
        """URI of the JSON Schema the data conforms to (checked in under contracts/schemas/)."""
        return f"{SCHEMA_BASE_URI}{cls.EVENT_TYPE}"


DataT = TypeVar("DataT", bound=EventData)


class CloudEvent(BaseModel, Generic[DataT]):
    """A CloudEvents 1.0 event carrying typed ``data``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, description="UUIDv7 of this event; consumers deduplicate on it.")
    source: str = Field(pattern=r"^urn:ikdz:[a-z0-9-]+$", description="urn:ikdz:<service>")
    type: str = Field(pattern=r"^de\.ikdz\.[a-z0-9.]+\.v\d+$", description="de.ikdz.<domain>.<event>.v<major>")
    time: datetime
    subject: str = Field(min_length=1, description="The case id the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    ownerags: str = Field(pattern=AGS_PATTERN, description="AGS of the legally responsible town.")
    processingags: str | None = Field(
        default=None, pattern=AGS_PATTERN, description="AGS of the town whose staff processes the case."
    )
    traceparent: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
        description="W3C trace context of the operation that caused the event.",
    )
    causationid: str | None = Field(default=None, description="Id of the event that caused this one.")
    correlationid: str | None = Field(
        default=None, description="Id shared by all events of one case flow (the first event's id)."
    )
    data: DataT


def new_event(
    data: DataT,
    *,
    source: str,
    subject: str,
    ownerags: str,
    processingags: str | None = None,
    cause: CloudEvent[Any] | None = None,
    traceparent: str | None = None,
    time: datetime | None = None,
) -> CloudEvent[DataT]:
    """Build an event; with ``cause`` the causation, correlation and trace ids are carried over."""
    event_id = new_id()
    return CloudEvent[type(data)](  # type: ignore[misc]
        id=event_id,
        source=source,
        type=data.EVENT_TYPE,
        time=time or datetime.now(UTC),
        subject=subject,
        dataschema=data.dataschema(),
        ownerags=ownerags,
        processingags=processingags,
        traceparent=traceparent or (cause.traceparent if cause else None),
        causationid=cause.id if cause else None,
        correlationid=(cause.correlationid or cause.id) if cause else event_id,
        data=data,
    )


def encode(event: CloudEvent[Any]) -> bytes:
    """Serialise an event to the JSON bytes of a structured-mode Kafka record value."""
    return event.model_dump_json(exclude_none=True).encode()


def decode(raw: bytes | str, data_type: type[DataT]) -> CloudEvent[DataT]:
    """Parse and validate a structured-mode event whose data must be ``data_type``.

    Raises ``pydantic.ValidationError`` for malformed JSON, a wrong envelope or wrong data, and
    ``ValueError`` when the event's type is not ``data_type``'s.
    """
    event = CloudEvent[data_type].model_validate_json(raw)  # type: ignore[valid-type]
    if event.type != data_type.EVENT_TYPE:
        msg = f"expected event type {data_type.EVENT_TYPE}, got {event.type}"
        raise ValueError(msg)
    return event
