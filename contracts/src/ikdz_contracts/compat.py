"""Compatibility gate for published JSON Schemas (DESIGN.md section 2).

A published major version (``de.ikdz.<domain>.<event>.v<major>``) may only change in ways that keep
both directions working, because integrators read topics from any offset and services are
upgraded one at a time:

* a new reader must accept every event an old producer wrote (replay), and
* an old reader, which ignores properties it does not know (tolerant reader, see
  :func:`ikdz_contracts.cloudevents.decode`), must accept every event a new producer writes.

Compatible: a new optional property; changes to annotations (``title``, ``description``,
``examples``, ``$comment``, ``deprecated``, ``personal_data``, ``x-*``); renaming a ``$defs``
entry; loosening ``additionalProperties``. Values added to an enum only when the published enum
says ``"x-extensible-enum": true`` (its readers promised to handle unknown values).

Incompatible, everything else that changes which values are valid, in either direction: a removed
property, a changed ``type``, ``format``, ``pattern``, ``const`` or ``default``, removed enum values
(and added ones for closed enums), changed bounds (``minLength``, ``maximum``, …), a new required
property, a property that became required or optional, tightened ``additionalProperties``, a
changed number of ``anyOf``/``oneOf``/``allOf`` branches. ``$ref`` is followed into ``$defs``.
Such a change needs a new major version on a new topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ikdz_contracts.schema import TOPIC_KEY

EXTENSIBLE_ENUM_KEY = "x-extensible-enum"

ANNOTATIONS = frozenset(
    {"title", "description", "examples", "$comment", "deprecated", "readOnly", "writeOnly", "$schema", "$id", "$defs"}
)
_STRUCTURAL = frozenset(
    {"$ref", "type", "enum", "properties", "required", "additionalProperties", "items", "anyOf", "oneOf", "allOf"}
)
_LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"})
_UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"})
_MAX_DEPTH = 64
_MISSING: Any = object()


def _is_annotation(keyword: str) -> bool:
    return keyword in ANNOTATIONS or keyword.startswith("x-") or keyword == "personal_data"


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class _Gate:
    def __init__(self, published_root: Mapping[str, Any], current_root: Mapping[str, Any]) -> None:
        self.roots = (published_root, current_root)
        self.problems: list[str] = []
        self.seen: set[tuple[str | None, str | None]] = set()

    def report(self, path: str, text: str) -> None:
        self.problems.append(f"{path}: {text}")

    def resolve(self, node: Any, side: int) -> Any:
        """Follow local ``$ref`` (merging sibling keywords, as 2020-12 applies them together)."""
        hops = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/") or hops > _MAX_DEPTH:
                return node
            target: Any = self.roots[side]
            for raw in ref[2:].split("/"):
                part = raw.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, Mapping) or part not in target:
                    return node
                target = target[part]
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **siblings} if isinstance(target, Mapping) else target
            hops += 1
        return node

    def compare(self, published: Any, current: Any, path: str, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            return
        refs = (
            published.get("$ref") if isinstance(published, Mapping) else None,
            current.get("$ref") if isinstance(current, Mapping) else None,
        )
        if refs != (None, None):
            if refs in self.seen:  # the same pair of definitions is compared (and reported) once
                return
            self.seen.add(refs)
        p = self.resolve(published, 0)
        c = self.resolve(current, 1)
        if not isinstance(p, Mapping) or not isinstance(c, Mapping):
            if p != c:
                self.report(path, f"schema changed from {_show(p)} to {_show(c)}")
            return
        self._type(p, c, path)
        self._enum(p, c, path)
        self._object(p, c, path, depth)
        self._branches(p, c, path, depth)
        if "items" in p or "items" in c:
            if "items" in p and "items" in c:
                self.compare(p["items"], c["items"], f"{path}[]", depth + 1)
            else:
                self.report(path, "array items schema added or removed")
        for keyword in sorted((set(p) | set(c)) - _STRUCTURAL):
            if _is_annotation(keyword) or p.get(keyword, _MISSING) == c.get(keyword, _MISSING):
                continue
            self._keyword(keyword, p.get(keyword, _MISSING), c.get(keyword, _MISSING), path)

    def _keyword(self, keyword: str, old: Any, new: Any, path: str) -> None:
        if old is _MISSING:
            self.report(path, f"{keyword} {_show(new)} added")
        elif new is _MISSING:
            self.report(path, f"{keyword} {_show(old)} removed")
        elif keyword in _LOWER_BOUNDS | _UPPER_BOUNDS and isinstance(old, int | float) and isinstance(new, int | float):
            tighter = new > old if keyword in _LOWER_BOUNDS else new < old
            self.report(path, f"{keyword} {'tightened' if tighter else 'loosened'} from {old} to {new}")
        else:
            self.report(path, f"{keyword} changed from {_show(old)} to {_show(new)}")

    def _type(self, p: Mapping[str, Any], c: Mapping[str, Any], path: str) -> None:
        def types(node: Mapping[str, Any]) -> set[str] | None:
            value = node.get("type")
            if value is None:
                return None
            return {value} if isinstance(value, str) else set(value)

        old, new = types(p), types(c)
        if old != new:
            shown = [sorted(t) if t is not None else "any" for t in (old, new)]
            self.report(path, f"type changed from {_show(shown[0])} to {_show(shown[1])}")

    def _enum(self, p: Mapping[str, Any], c: Mapping[str, Any], path: str) -> None:
        if "enum" not in p and "enum" not in c:
            return
        if "enum" not in c:
            self.report(path, "enum removed: readers of the published version get values they do not know")
            return
        if "enum" not in p:
            self.report(path, f"enum {_show(c['enum'])} added")
            return
        old = {_show(v) for v in p["enum"]}
        new = {_show(v) for v in c["enum"]}
        if removed := sorted(old - new):
            self.report(path, f"enum values removed: {', '.join(removed)}")
        if (added := sorted(new - old)) and p.get(EXTENSIBLE_ENUM_KEY) is not True:
            self.report(
                path,
                f"enum values added to a closed enum: {', '.join(added)} "
                f"(published readers reject them; mark enums {EXTENSIBLE_ENUM_KEY} only in a new major version)",
            )

    def _object(self, p: Mapping[str, Any], c: Mapping[str, Any], path: str, depth: int) -> None:
        p_props: Mapping[str, Any] = p.get("properties", {})
        c_props: Mapping[str, Any] = c.get("properties", {})
        p_req = set(p.get("required", []))
        c_req = set(c.get("required", []))
        for name, sub in p_props.items():
            where = f"{path}.{name}"
            if name not in c_props:
                self.report(where, "property removed")
                continue
            self.compare(sub, c_props[name], where, depth + 1)
            if name in c_req and name not in p_req:
                self.report(where, "property became required (events written before lack it)")
            if name in p_req and name not in c_req:
                self.report(where, "property no longer required (published readers rely on it)")
        for name in c_props.keys() - p_props.keys():
            if name in c_req:
                self.report(f"{path}.{name}", "new required property")
        for name in sorted((c_req - p_req) - c_props.keys() - p_props.keys()):
            self.report(f"{path}.{name}", "new required property")
        if p_props or c_props or "additionalProperties" in p or "additionalProperties" in c:
            self._additional(p.get("additionalProperties", True), c.get("additionalProperties", True), path, depth)

    def _additional(self, old: Any, new: Any, path: str, depth: int) -> None:
        if old is False or new is True:
            return  # unchanged or loosened: tolerant readers ignore unknown properties
        if new is False:
            self.report(path, "additionalProperties tightened to false")
        elif old is True:
            self.report(path, "additionalProperties tightened to a schema")
        else:
            self.compare(old, new, f"{path}.*", depth + 1)

    def _branches(self, p: Mapping[str, Any], c: Mapping[str, Any], path: str, depth: int) -> None:
        for keyword in ("anyOf", "oneOf", "allOf"):
            old, new = p.get(keyword), c.get(keyword)
            if old is None and new is None:
                continue
            if old is None or new is None or len(old) != len(new):
                self.report(path, f"{keyword} changed from {len(old or [])} to {len(new or [])} branches")
                continue
            for index, (old_branch, new_branch) in enumerate(zip(old, new, strict=True)):
                self.compare(old_branch, new_branch, f"{path}|{keyword}[{index}]", depth + 1)


def incompatibilities(published: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Why ``current`` cannot replace the ``published`` JSON Schema; empty when it can.

    Each entry is ``<path>: <reason>``, the path dotted from ``$`` (``[]`` = array items,
    ``|anyOf[i]`` = a branch, ``.*`` = additional properties).
    """
    gate = _Gate(published, current)
    gate.compare(published, current, "$")
    return gate.problems


def breaking_changes(published: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Compare sets of schemas keyed by event type: a published type must still exist and stay compatible."""
    problems: list[str] = []
    for event_type in sorted(published):
        if event_type not in current:
            problems.append(f"{event_type}: published event type removed")
            continue
        old_topic, new_topic = published[event_type].get(TOPIC_KEY), current[event_type].get(TOPIC_KEY)
        if old_topic != new_topic:
            problems.append(f"{event_type}: topic changed from {old_topic} to {new_topic} (readers subscribe to it)")
        problems.extend(f"{event_type} {p}" for p in incompatibilities(published[event_type], current[event_type]))
    return problems
