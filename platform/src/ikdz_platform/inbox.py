"""Idempotent consumers (DESIGN.md section 4).

Aggregates record the ids of the events they applied in their own document, in the same update as
the state change: the update's filter excludes documents that already list the event, so a
redelivered event matches nothing and causes no second effect. Aggregates see few events each, so
the list stays short (FerretDB v1 ignores ``$slice`` in ``$push``, so it is not trimmed).

"""

from __future__ import annotations

from typing import Any

PROCESSED_FIELD = "processed_events"


def not_yet_applied(event_id: str) -> dict[str, Any]:
    """Filter fragment matching only documents that have not applied ``event_id``."""
    return {PROCESSED_FIELD: {"$ne": event_id}}


def mark_applied(update: dict[str, Any], event_id: str) -> dict[str, Any]:
    """Extend an update document so it records ``event_id`` as applied."""
    merged = {op: dict(fields) for op, fields in update.items()}
    merged.setdefault("$push", {})[PROCESSED_FIELD] = event_id
    return merged
