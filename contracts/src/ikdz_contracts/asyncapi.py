"""AsyncAPI 3.0.0 document for every IKDZ topic, generated from the models and topic names.

Services serve it at ``/asyncapi.json`` (``asyncapi_document(settings.topic_prefix)``); the
checked-in copy is ``contracts/asyncapi.json`` (default prefix, no servers).
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any, ClassVar

from pydantic import ConfigDict

from ikdz_contracts.cloudevents import CONTENT_TYPE, CONTENT_TYPE_HEADER, EventData
from ikdz_contracts.events import (
    ALL_EVENTS,
    DOMAIN_EVENTS,
    CaseRouted,
    CaseStatus,
    CaseSubmitted,
    GewerbeRecipientMessage,
    TaskCompleted,
    TaskRequested,
)
from ikdz_contracts.schema import VISIBILITY_KEY, event_json_schema, visibility
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import DEFAULT_PREFIX, DLQ_SUFFIX, POOL_ID_PATTERN, DlqHeader, Topics

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
GENERIC_MESSAGE = "GenericCloudEvent"
DEAD_LETTER_MESSAGE = "DeadLetter"
DOMAIN_PAYLOAD_NOTE = "Payload models follow with their services."

_DOMAIN_SERVICES = [s.value for s in ServiceId]
_FLOWS: dict[type[EventData], tuple[list[str], list[str]]] = {
    # event: (services that send it, services that receive it); "integrators" = external readers
    CaseSubmitted: (["intake"], ["routing"]),
    CaseRouted: (["routing"], ["integrators"]),
    CaseStatus: (["intake", "routing", *_DOMAIN_SERVICES], ["intake", "integrators"]),
    TaskRequested: (_DOMAIN_SERVICES, ["routing"]),
    TaskCompleted: (["routing"], _DOMAIN_SERVICES),
    GewerbeRecipientMessage: (["trade-registration"], ["recipient delivery gateways"]),
}
_DOMAIN_TOPICS = {  # Topics attribute -> (channel id, sending service)
    "gewerbe_events": ("gewerbeEvents", ServiceId.TRADE_REGISTRATION),
    "einvoice_events": ("einvoiceEvents", ServiceId.EINVOICE),
    "traffic_events": ("trafficEvents", ServiceId.TRAFFIC_ORDERS),
}


class _AnyData(EventData):
    """Service-specific event data."""

    model_config = ConfigDict(frozen=True, extra="allow")
    EVENT_TYPE: ClassVar[str] = "de.ikdz.domain.event.v1"
    TOPIC: ClassVar[str] = "domain.events.v1"
    PUBLIC: ClassVar[bool] = True


def _contracts_version() -> str:
    try:
        return metadata.version("ikdz-contracts")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def _channel_id(event_cls: type[EventData]) -> str:
    return event_cls.__name__[0].lower() + event_cls.__name__[1:]


def _summary(event_cls: type[EventData]) -> str:
    return (event_cls.__doc__ or event_cls.__name__).strip().splitlines()[0]


def _hoist(schema: dict[str, Any], name: str, into: dict[str, Any]) -> None:
    """Move a self-contained schema and its ``$defs`` into ``components.schemas``."""
    text = _rewrite_refs(schema)
    for def_name, definition in text.pop("$defs", {}).items():
        if def_name in into and into[def_name] != definition:
            msg = f"two different schemas named {def_name}"
            raise ValueError(msg)
        into[def_name] = definition
    text.pop("$schema", None)
    text.pop("$id", None)  # an $id would change how the $refs inside resolve
    into[name] = text


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _rewrite_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _kafka_key() -> dict[str, Any]:
    return {"type": "string", "description": "The case id (UUIDv7), the event's subject: keeps one case in order."}


def _message(event_cls: type[EventData]) -> dict[str, Any]:
    kind = visibility(event_cls)
    return {
        "name": event_cls.EVENT_TYPE,
        "title": event_cls.__name__,
        "summary": _summary(event_cls),
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": "#/components/schemas/KafkaHeaders"},
        "payload": {"$ref": f"#/components/schemas/{event_cls.__name__}Event"},
        "correlationId": {"$ref": "#/components/correlationIds/correlationid"},
        "bindings": {"kafka": {"key": _kafka_key(), "bindingVersion": KAFKA_BINDING_VERSION}},
        "tags": [{"name": kind}],
        VISIBILITY_KEY: kind,
    }


def _channel_bindings(address: str | None) -> dict[str, Any]:
    binding: dict[str, Any] = {"bindingVersion": KAFKA_BINDING_VERSION}
    if address is not None:
        binding["topic"] = address
    return {"kafka": binding}


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for event_cls in (*ALL_EVENTS, *DOMAIN_EVENTS):
        _hoist(event_json_schema(event_cls), f"{event_cls.__name__}Event", schemas)
    generic = event_json_schema(_AnyData)
    generic["properties"]["type"] = {
        "description": "de.ikdz.<domain>.<event>.v<major>",
        "pattern": generic["properties"]["type"]["pattern"],
        "type": "string",
    }
    generic["properties"]["data"] = {
        "additionalProperties": True,
        "description": f"Service-specific event data. {DOMAIN_PAYLOAD_NOTE}",
        "type": "object",
    }
    generic.pop("$defs", None)
    generic["title"] = "Domain event"
    generic["description"] = f"A CloudEvents 1.0 envelope of a domain service's event. {DOMAIN_PAYLOAD_NOTE}"
    for key in ("x-ikdz-topic", VISIBILITY_KEY):
        generic.pop(key, None)
    _hoist(generic, GENERIC_MESSAGE, schemas)
    schemas["KafkaHeaders"] = {
        "type": "object",
        "properties": {CONTENT_TYPE_HEADER: {"const": CONTENT_TYPE, "type": "string"}},
        "required": [CONTENT_TYPE_HEADER],
    }
    schemas["DeadLetterHeaders"] = {
        "type": "object",
        "description": "The original record's headers, plus these.",
        "properties": {h.value: {"type": "string", "description": h.description} for h in DlqHeader},
        "required": [h.value for h in DlqHeader],
    }
    schemas["DeadLetterValue"] = {
        "description": (
            "The original record value, byte for byte: usually a CloudEvent of the original topic, "
            "but it may be malformed (that may be why it was parked)."
        ),
    }
    messages = {event_cls.__name__: _message(event_cls) for event_cls in (*ALL_EVENTS, *DOMAIN_EVENTS)}
    messages[GENERIC_MESSAGE] = {
        "name": GENERIC_MESSAGE,
        "title": "Domain event",
        "summary": f"An event of a domain service. {DOMAIN_PAYLOAD_NOTE}",
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": "#/components/schemas/KafkaHeaders"},
        "payload": {"$ref": f"#/components/schemas/{GENERIC_MESSAGE}"},
        "correlationId": {"$ref": "#/components/correlationIds/correlationid"},
        "bindings": {"kafka": {"key": _kafka_key(), "bindingVersion": KAFKA_BINDING_VERSION}},
        "tags": [{"name": "public"}],
        VISIBILITY_KEY: "public",
    }
    messages[DEAD_LETTER_MESSAGE] = {
        "name": DEAD_LETTER_MESSAGE,
        "title": "Dead letter",
        "summary": "A record a consumer gave up on after its retries, with the reason in x-dlq-* headers.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"$ref": "#/components/schemas/DeadLetterValue"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original record's key, unchanged."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "tags": [{"name": "internal"}],
        VISIBILITY_KEY: "internal",
    }
    return {
        "schemas": schemas,
        "messages": messages,
        "correlationIds": {
            "correlationid": {
                "description": "Shared by all events of one case flow (CloudEvents extension correlationid).",
                "location": "$message.payload#/correlationid",
            }
        },
    }


def _operation(action: str, channel: str, message: str, summary: str, services: list[str]) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{message}"}],
        "summary": summary,
        "x-ikdz-services": services,
    }


def asyncapi_document(prefix: str = DEFAULT_PREFIX, *, kafka_bootstrap_servers: str | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of all topics under ``prefix``.

    With ``kafka_bootstrap_servers`` (``host:port[,host:port…]``) the document names the broker.
    """
    topics = Topics(prefix)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    def add(channel_id: str, channel: dict[str, Any], message: str) -> None:
        channel["messages"] = {message: {"$ref": f"#/components/messages/{message}"}}
        channels[channel_id] = channel

    def add_dlq(channel_id: str, address: str, parameters: dict[str, Any] | None = None) -> None:
        dlq_channel: dict[str, Any] = {
            "address": f"{address}{DLQ_SUFFIX}",
            "title": f"Dead letters of {address}",
            "description": (
                f"Records of `{address}` that a consumer could not handle after its retries. "
                "Key, value and headers are copied unchanged; x-dlq-* headers say why. "
                "An ops command lists and replays them."
            ),
            "bindings": _channel_bindings(f"{address}{DLQ_SUFFIX}" if parameters is None else None),
        }
        if parameters is not None:
            dlq_channel["parameters"] = parameters
        add(f"{channel_id}Dlq", dlq_channel, DEAD_LETTER_MESSAGE)
        operations[f"deadLetter{channel_id[0].upper()}{channel_id[1:]}"] = _operation(
            "send",
            f"{channel_id}Dlq",
            DEAD_LETTER_MESSAGE,
            f"A consumer of {address} parks a record.",
            ["any consumer"],
        )

    for event_cls in ALL_EVENTS:
        channel_id = _channel_id(event_cls)
        address = topics.of(event_cls)
        kind = visibility(event_cls)
        add(
            channel_id,
            {
                "address": address,
                "title": event_cls.EVENT_TYPE,
                "description": f"{_summary(event_cls)} Topic is {kind}.",
                "bindings": _channel_bindings(address),
                "tags": [{"name": kind}],
            },
            event_cls.__name__,
        )
        senders, receivers = _FLOWS.get(event_cls, (["routing"], ["integrators"]))
        name = event_cls.__name__
        operations[f"send{name}"] = _operation("send", channel_id, name, f"Published by {', '.join(senders)}.", senders)
        operations[f"receive{name}"] = _operation(
            "receive", channel_id, name, f"Consumed by {', '.join(receivers)}.", receivers
        )
        add_dlq(channel_id, address)

    for attribute, (channel_id, service) in _DOMAIN_TOPICS.items():
        address = getattr(topics, attribute)
        models = [event_cls for event_cls in DOMAIN_EVENTS if topics.of(event_cls) == address]
        note = "" if models else f" {DOMAIN_PAYLOAD_NOTE}"
        names = [event_cls.__name__ for event_cls in models] or [GENERIC_MESSAGE]
        channels[channel_id] = {
            "address": address,
            "title": f"Events of {service.value}",
            "description": f"Domain events of {service.value} ({service.label_de}).{note}",
            "bindings": _channel_bindings(address),
            "tags": [{"name": "public"}],
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
        }
        send = _operation("send", channel_id, names[0], f"Published by {service.value}.", [service.value])
        send["messages"] = [{"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in names]
        operations[f"send{channel_id[0].upper()}{channel_id[1:]}"] = send
        add_dlq(channel_id, address)

    work_address = f"{prefix}work.{{service}}.{{pool}}.v1"
    work_parameters = {
        "service": {"enum": [s.value for s in ServiceId], "description": "The service the pool works for."},
        "pool": {
            "description": f"Pool id: lower-case letters, digits and '-' ({POOL_ID_PATTERN}).",
            "examples": ["wurzen", "augustusburg-gewerbe"],
        },
    }
    add(
        "work",
        {
            "address": work_address,
            "title": "Pool work queues",
            "description": (
                "One topic per service and worker pool; routing publishes each case it assigned "
                "(the case.submitted event, unchanged) to the pool's topic. Internal: carries the application."
            ),
            "parameters": work_parameters,
            "bindings": _channel_bindings(None),
            "tags": [{"name": "internal"}],
        },
        CaseSubmitted.__name__,
    )
    operations["sendWork"] = _operation(
        "send", "work", CaseSubmitted.__name__, "Routing hands a case to the chosen pool.", ["routing"]
    )
    operations["receiveWork"] = _operation(
        "receive",
        "work",
        CaseSubmitted.__name__,
        "The service's replicas for a set of pools consume their pools' topics (one consumer group per service).",
        _DOMAIN_SERVICES,
    )
    add_dlq("work", work_address, work_parameters)

    document: dict[str, Any] = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "IKDZ events",
            "version": _contracts_version(),
            "description": (
                "Events of the Interkommunales Dienstleistungszentrum. Every message is a CloudEvents 1.0 "
                f"event in structured mode (`{CONTENT_TYPE}`); the Kafka key is the case id. Public "
                "topics carry ids, types and status only; application data stays on internal topics. "
                "Versioning: a published major version only gains optional fields; anything else is a "
                "new major version on a new topic."
            ),
            "tags": [
                {"name": "public", "description": "Integrators may read these topics from any offset."},
                {"name": "internal", "description": "Only IKDZ services read these topics; they carry personal data."},
            ],
        },
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": _components(),
    }
    if kafka_bootstrap_servers:
        document["servers"] = {
            f"kafka{index}": {"host": host.strip(), "protocol": "kafka", "description": "Kafka bootstrap server."}
            for index, host in enumerate(kafka_bootstrap_servers.split(","), start=1)
            if host.strip()
        }
    return document


def channel_addresses(document: dict[str, Any]) -> list[str]:
    """All channel addresses of a document (parameterised ones with their ``{placeholders}``)."""
    return sorted(channel["address"] for channel in document["channels"].values())


_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


def matches_address(address: str, topic: str) -> bool:
    """Whether a concrete topic name fits a channel address such as ``ikdz.work.{service}.{pool}.v1``."""
    parts = _PLACEHOLDER.split(address)
    pattern = "".join(re.escape(part) if i % 2 == 0 else r"[a-z0-9-]+" for i, part in enumerate(parts))
    return re.fullmatch(pattern, topic) is not None
