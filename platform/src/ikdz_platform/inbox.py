"""Idempotent consumers (DESIGN.md section 4): an event's effect is a document keyed by the event id.

A handler records what an event changes as one insert whose ``_id`` is the event id (or the case id
where one event creates one aggregate). The store's unique primary key makes a redelivered event
a no-op. Inserts are the one write FerretDB v1 keeps atomic under concurrency: it can lose one of
two concurrent updates of the same document, even conditional ones (see docs/architecture.md), so
consumers never read-modify-write shared documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Duplicate:
    """A unique index refused a document of a batch: what the store said about it."""

    message: str
    key_pattern: Mapping[str, Any] | None = None

    @property
    def field(self) -> str | None:
        """The field of the single-field unique index that refused the document, if the store names
        it (MongoDB's ``keyPattern``; FerretDB v1 does not)."""
        if self.key_pattern is not None and len(self.key_pattern) == 1:
            return str(next(iter(self.key_pattern)))
        return None


async def insert_each(
    collection: AsyncCollection[dict[str, Any]], documents: list[dict[str, Any]]
) -> list[Duplicate | None]:
    """Insert ``documents`` with one round trip; per document None when it was inserted, or the
    duplicate key that refused it (its ``_id`` or another unique key exists: recorded before, also
    twice in one batch). Other write errors raise."""
    if not documents:
        return []
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        errors = error.details.get("writeErrors", [])
        if any(e.get("code") != DUPLICATE_KEY for e in errors):
            raise
        refused = {e["index"]: Duplicate(str(e.get("errmsg", "duplicate key")), e.get("keyPattern")) for e in errors}
        return [refused.get(index) for index in range(len(documents))]
    return [None] * len(documents)


async def insert_many_once(
    collection: AsyncCollection[dict[str, Any]], documents: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert ``documents`` with one round trip (:func:`insert_each`); returns those inserted,
    without those recorded before. Other write errors raise."""
    refused = await insert_each(collection, documents)
    return [doc for doc, duplicate in zip(documents, refused, strict=True) if duplicate is None]
