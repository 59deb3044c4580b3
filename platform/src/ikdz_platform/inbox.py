"""Idempotent consumers (DESIGN.md section 4): an event's effect is a document keyed by the event id.

A handler records what an event changes as one insert whose ``_id`` is the event id (or the case id
where one event creates one aggregate). The store's unique primary key makes a redelivered event
a no-op. Inserts are the one write FerretDB v1 keeps atomic under concurrency: it can lose one of
two concurrent updates of the same document, even conditional ones (see docs/architecture.md), so
consumers never read-modify-write shared documents.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

DUPLICATE_KEY = 11000  # MongoDB's error code for a unique index refusing a write


async def insert_once(collection: AsyncCollection[dict[str, Any]], key: str, document: dict[str, Any]) -> bool:
    """Insert ``document`` under ``_id = key``; False when it was recorded before (a redelivery)."""
    try:
        await collection.insert_one({**document, "_id": key})
    except DuplicateKeyError:
        return False
    return True


async def insert_many_once(
    collection: AsyncCollection[dict[str, Any]], documents: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert ``documents`` with one round trip; returns those inserted, without those recorded
    before (their ``_id`` or another unique key exists: a redelivery, also twice in one batch).
    Other write errors raise."""
    if not documents:
        return []
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        refused = {e["index"] for e in errors}
        return [doc for index, doc in enumerate(documents) if index not in refused]
    return documents
