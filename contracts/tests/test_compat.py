"""The compatibility gate: which schema changes a published major version may take."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ikdz_contracts.compat import breaking_changes, incompatibilities
from ikdz_contracts.events import ALL_EVENTS, CaseStatus
from ikdz_contracts.export import REGENERATE_COMMAND, current_schemas, published_schemas
from ikdz_contracts.schema import event_json_schema

CONTRACTS = Path(__file__).resolve().parents[1]

BASE: dict[str, Any] = {
    "$defs": {
        "State": {"enum": ["received", "done"], "type": "string", "title": "State"},
        "Inner": {"properties": {"x": {"type": "string"}}, "required": ["x"], "type": "object"},
    },
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "maxLength": 10, "description": "The name."},
        "when": {"type": "string", "format": "date-time"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "state": {"$ref": "#/$defs/State"},
        "inner": {"$ref": "#/$defs/Inner"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "version": {"const": "1.0", "type": "string"},
    },
    "required": ["id", "state", "inner"],
    "type": "object",
}

Mutation = Callable[[dict[str, Any]], object]


def mutated(change: Mutation) -> dict[str, Any]:
    schema = copy.deepcopy(BASE)
    change(schema)
    return schema


def props(schema: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = schema["properties"]
    return result


def rename_state_def(s: dict[str, Any]) -> None:
    s["$defs"]["CaseState"] = s["$defs"].pop("State")
    props(s)["state"] = {"$ref": "#/$defs/CaseState"}


COMPATIBLE: list[tuple[str, Mutation]] = [
    ("unchanged", lambda _: None),
    ("description changed", lambda s: props(s)["name"].update(description="Another text.")),
    ("title changed", lambda s: s["$defs"]["State"].update(title="CaseState")),
    ("examples added", lambda s: props(s)["code"].update(examples=["WUR"])),
    ("personal_data mark added", lambda s: props(s)["name"].update(personal_data=True)),
    ("x- extension added", lambda s: s.update({"x-ikdz-topic": "case.status.v1"})),
    ("new optional property", lambda s: props(s).update(channel={"type": "string"})),
    ("new optional nested property", lambda s: s["$defs"]["Inner"]["properties"].update(y={"type": "integer"})),
    ("$defs entry renamed, same schema", rename_state_def),
    ("additionalProperties schema loosened to true", lambda s: props(s)["labels"].update(additionalProperties=True)),
]


@pytest.mark.parametrize(("name", "change"), COMPATIBLE, ids=[c[0] for c in COMPATIBLE])
def test_compatible_change(name: str, change: Mutation) -> None:
    assert incompatibilities(BASE, mutated(change)) == []


def test_loosening_additional_properties_is_compatible() -> None:
    closed = mutated(lambda s: s.update(additionalProperties=False))

    assert incompatibilities(closed, BASE) == []


def test_enum_values_may_be_added_when_the_published_enum_is_extensible() -> None:
    open_enum = mutated(lambda s: s["$defs"]["State"].update({"x-extensible-enum": True}))
    more = copy.deepcopy(open_enum)
    more["$defs"]["State"]["enum"].append("archived")

    assert incompatibilities(open_enum, more) == []


INCOMPATIBLE: list[tuple[str, Mutation, str]] = [
    ("property removed", lambda s: props(s).pop("name"), "$.name: property removed"),
    ("required property removed", lambda s: (props(s).pop("id"), s["required"].remove("id")), "$.id: property removed"),
    (
        "type changed",
        lambda s: props(s)["name"].update(type="integer"),
        '$.name: type changed from ["string"] to ["integer"]',
    ),
    ("type widened", lambda s: props(s)["name"].update(type=["string", "null"]), "$.name: type changed"),
    (
        "format changed",
        lambda s: props(s)["when"].update(format="date"),
        '$.when: format changed from "date-time" to "date"',
    ),
    ("format added", lambda s: props(s)["id"].update(format="uuid"), '$.id: format "uuid" added'),
    ("format removed", lambda s: props(s)["when"].pop("format"), '$.when: format "date-time" removed'),
    ("pattern added", lambda s: props(s)["id"].update(pattern="^[0-9a-f-]+$"), "$.id: pattern"),
    ("pattern changed", lambda s: props(s)["code"].update(pattern="^[A-Z]{3,4}$"), "$.code: pattern changed"),
    ("pattern removed", lambda s: props(s)["code"].pop("pattern"), "$.code: pattern"),
    ("const changed", lambda s: props(s)["version"].update(const="2.0"), "$.version: const changed"),
    ("default changed", lambda s: props(s)["note"].update(default=""), '$.note: default changed from null to ""'),
    ("default added", lambda s: props(s)["name"].update(default="x"), '$.name: default "x" added'),
    ("maxLength tightened", lambda s: props(s)["name"].update(maxLength=5), "$.name: maxLength tightened from 10 to 5"),
    ("maxLength loosened", lambda s: props(s)["name"].update(maxLength=20), "$.name: maxLength loosened from 10 to 20"),
    ("minLength tightened", lambda s: props(s)["id"].update(minLength=3), "$.id: minLength tightened from 1 to 3"),
    (
        "enum value removed",
        lambda s: s["$defs"]["State"]["enum"].remove("done"),
        '$.state: enum values removed: "done"',
    ),
    ("enum value added to closed enum", lambda s: s["$defs"]["State"]["enum"].append("archived"), "closed enum"),
    ("enum dropped", lambda s: s["$defs"]["State"].pop("enum"), "$.state: enum removed"),
    (
        "new required property",
        lambda s: (props(s).update(ags={"type": "string"}), s["required"].append("ags")),
        "$.ags: new required property",
    ),
    ("property became required", lambda s: s["required"].append("name"), "$.name: property became required"),
    ("property no longer required", lambda s: s["required"].remove("id"), "$.id: property no longer required"),
    (
        "additionalProperties tightened",
        lambda s: s.update(additionalProperties=False),
        "$: additionalProperties tightened to false",
    ),
    (
        "additionalProperties schema changed",
        lambda s: props(s)["labels"].update(additionalProperties={"type": "integer"}),
        "$.labels.*: type changed",
    ),
    (
        "nested property type changed via $ref",
        lambda s: s["$defs"]["Inner"]["properties"]["x"].update(type="number"),
        "$.inner.x: type changed",
    ),
    (
        "nested property removed via $ref",
        lambda s: (s["$defs"]["Inner"].update(properties={}), s["$defs"]["Inner"].update(required=[])),
        "$.inner.x: property removed",
    ),
    ("items type changed", lambda s: props(s)["tags"]["items"].update(type="integer"), "$.tags[]: type changed"),
    (
        "optional became non-nullable",
        lambda s: props(s).update(note={"type": "string", "default": None}),
        "$.note: anyOf changed from 2 to 0 branches",
    ),
    (
        "anyOf branch changed",
        lambda s: props(s)["note"]["anyOf"][0].update(type="integer"),
        "$.note|anyOf[0]: type changed",
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), INCOMPATIBLE, ids=[c[0] for c in INCOMPATIBLE])
def test_incompatible_change(name: str, change: Mutation, expected: str) -> None:
    problems = incompatibilities(BASE, mutated(change))

    assert any(expected in problem for problem in problems), problems


def test_each_problem_is_reported_once_even_when_a_definition_is_shared() -> None:
    shared = mutated(lambda s: props(s).update(previous_state={"$ref": "#/$defs/State"}))
    changed = copy.deepcopy(shared)
    changed["$defs"]["State"]["enum"].remove("done")

    problems = incompatibilities(shared, changed)

    assert problems == ['$.state: enum values removed: "done"']


def test_recursive_definitions_terminate_and_are_compared() -> None:
    tree: dict[str, Any] = {
        "$defs": {
            "Node": {
                "properties": {
                    "name": {"type": "string"},
                    "children": {"items": {"$ref": "#/$defs/Node"}, "type": "array"},
                },
                "type": "object",
            }
        },
        "$ref": "#/$defs/Node",
    }
    changed = copy.deepcopy(tree)
    changed["$defs"]["Node"]["properties"]["name"]["type"] = "integer"

    assert incompatibilities(tree, tree) == []
    assert incompatibilities(tree, changed) == ['$.name: type changed from ["string"] to ["integer"]']


def test_real_event_schema_narrowing_is_caught() -> None:
    current = event_json_schema(CaseStatus)
    published = copy.deepcopy(current)
    published["$defs"]["CaseState"]["enum"].append("withdrawn")  # the published version knew one more state
    published["$defs"]["CaseStatus"]["properties"]["clerk"] = {"type": "string"}

    problems = incompatibilities(published, current)

    assert sorted(problems) == [
        "$.data.clerk: property removed",
        '$.data.state: enum values removed: "withdrawn"',
    ]


def test_changed_event_type_is_incompatible() -> None:
    current = event_json_schema(CaseStatus)
    published = copy.deepcopy(current)
    published["properties"]["type"]["const"] = "de.ikdz.case.status.v0"

    assert incompatibilities(published, current) == [
        '$.type: const changed from "de.ikdz.case.status.v0" to "de.ikdz.case.status.v1"'
    ]


def test_breaking_changes_reports_removed_event_types() -> None:
    schemas = current_schemas()
    published = schemas | {"de.ikdz.case.closed.v1": event_json_schema(CaseStatus)}

    assert breaking_changes(published, schemas) == ["de.ikdz.case.closed.v1: published event type removed"]
    assert breaking_changes(schemas, schemas) == []


def test_breaking_changes_reports_a_moved_topic() -> None:
    schemas = current_schemas()
    published = copy.deepcopy(schemas)
    published[CaseStatus.EVENT_TYPE]["x-ikdz-topic"] = "status.v1"

    assert breaking_changes(published, schemas) == [
        "de.ikdz.case.status.v1: topic changed from status.v1 to case.status.v1 (readers subscribe to it)"
    ]


# --- the gate on the checked-in (published) schemas --------------------------------------------


def test_every_event_has_a_published_schema() -> None:
    missing = {e.EVENT_TYPE for e in ALL_EVENTS} - published_schemas(CONTRACTS).keys()

    assert not missing, f"no checked-in schema for {sorted(missing)}; run `{REGENERATE_COMMAND}`"


def test_published_schemas_stay_compatible() -> None:
    problems = breaking_changes(published_schemas(CONTRACTS), current_schemas())

    assert problems == [], (
        "incompatible change to a published event version (docs/contracts.md, versioning):\n" + "\n".join(problems)
    )
