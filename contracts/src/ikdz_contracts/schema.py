"""JSON Schema of each event, generated from the pydantic models (the checked-in contract).

Each schema describes the whole CloudEvents envelope with its typed ``data``: what a consumer
finds in the value of a Kafka record. Fields that carry personal data have ``personal_data: true``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from ikdz_contracts.cloudevents import CONTENT_TYPE, SCHEMA_BASE_URI, EventData, envelope_type

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
VISIBILITY_KEY = "x-ikdz-visibility"
TOPIC_KEY = "x-ikdz-topic"


def visibility(event_cls: type[EventData]) -> str:
    """``public`` (integrators may read the topic) or ``internal``."""
    return "public" if event_cls.PUBLIC else "internal"


def event_json_schema(event_cls: type[EventData]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``CloudEvent[event_cls]``, self-contained (``$defs``).

    It is the readers' contract: ``type`` is pinned to the event's ``EVENT_TYPE``, ``$id`` is the
    event's ``dataschema`` URI, and objects stay open (no ``additionalProperties: false``) because
    a minor version may add optional properties, which readers ignore. Producers are stricter:
    the pydantic models reject unknown fields.
    """
    schema = _open_objects(envelope_type(event_cls).model_json_schema(mode="validation"))
    schema["properties"]["type"]["const"] = event_cls.EVENT_TYPE
    summary = (event_cls.__doc__ or event_cls.__name__).strip().splitlines()[0]
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": event_cls.dataschema(),
        **schema,
        "title": event_cls.EVENT_TYPE,
        "description": (
            f"{summary} CloudEvents 1.0 envelope in structured mode ({CONTENT_TYPE}); Kafka key = case id (subject)."
        ),
        TOPIC_KEY: event_cls.TOPIC,
        VISIBILITY_KEY: visibility(event_cls),
    }


def payload_json_schema(service: str, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema (2020-12) of a service's ``case.submitted`` payload (``$id`` ``urn:ikdz:schema:payload:<service>``).

    Unlike event schemas it keeps ``additionalProperties: false``: the payload is input, and intake
    refuses unknown fields.
    """
    schema = model.model_json_schema(mode="validation")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"{SCHEMA_BASE_URI}payload:{service}", **schema}


def _open_objects(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _open_objects(value)
            for key, value in node.items()
            if not (key == "additionalProperties" and value is False and "properties" in node)
        }
    if isinstance(node, list):
        return [_open_objects(value) for value in node]
    return node


def render_json(document: Any) -> str:
    """Stable text of a generated document: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def personal_data_paths(schema: dict[str, Any]) -> list[str]:
    """Dotted paths of the properties marked ``personal_data`` in a self-contained schema.

    Follows local ``$ref`` into ``$defs``; ``[]`` stands for array items.
    """
    found: list[str] = []

    def resolve(node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/$defs/"):
            node = {
                **schema["$defs"][node["$ref"].removeprefix("#/$defs/")],
                **{k: v for k, v in node.items() if k != "$ref"},
            }
        return node

    def walk(node: Any, path: str, depth: int) -> None:
        node = resolve(node)
        if not isinstance(node, dict) or depth > 20:
            return
        if node.get("personal_data") is True and path:
            found.append(path)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{name}" if path else name, depth + 1)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, path, depth + 1)
        if "items" in node:
            walk(node["items"], f"{path}[]", depth + 1)

    walk(schema, "", 0)
    return sorted(set(found))
