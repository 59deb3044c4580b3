"""Lookups and deletes of many values in one round trip that the store answers with its indexes.

A lookup of several values is one ``$in`` query, a delete of several ``_id`` values one
``delete_many`` with ``$in``. MongoDB answers ``$in`` from an index; so does the local FerretDB v1
with the project's patch 0004 (deploy/ferretdb/patches) for lists of strings. FerretDB re-checks
every document it returns against the whole list, so its cost per value grows with the list's
length: lists are cut into chunks of ``CHUNK`` values (one query each, sent at once), about where
that check starts to outweigh a round trip's cost (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]
CHUNK = 1000


async def find_each(
    collection: AsyncCollection[Document],
    field: str,
    values: Iterable[str],
    projection: Mapping[str, Any] | None = None,
) -> list[Document]:
    """The documents whose top-level ``field`` holds one of ``values``, each document once, in value
    order (a document whose field is an array holding several of them: at the first)."""
    wanted = sorted(set(values))
    chunks = _chunks(wanted)
    shown, hidden = _showing(projection, field)
    found = await asyncio.gather(
        *(collection.find({field: {"$in": chunk}}, projection=shown).to_list() for chunk in chunks)
    )
    everything = set(wanted)
    ordered: list[tuple[str, Document]] = []
    for chunk, docs in zip(chunks, found, strict=True):
        for doc in docs:
            first = _first_held(doc.pop(field) if hidden else doc[field], everything)
            if chunk[0] <= first <= chunk[-1]:  # an array holding values of several chunks comes in each
                ordered.append((first, doc))
    ordered.sort(key=lambda pair: pair[0])
    return [doc for _, doc in ordered]


async def delete_each(
    collection: AsyncCollection[Document], ids: Iterable[Any], where: Mapping[str, Any] | None = None
) -> None:
    """Delete the documents with these ``_id`` values (those that also match ``where``): one
    ``delete_many`` per chunk, sent at once."""
    await asyncio.gather(
        *(collection.delete_many({"_id": {"$in": chunk}, **(where or {})}) for chunk in _chunks(sorted(set(ids))))
    )


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _first_held(held: Any, wanted: set[str]) -> str:
    """The value a document was found by: its field's value, or the first wanted one of its array."""
    return min(v for v in held if isinstance(v, str) and v in wanted) if isinstance(held, list) else str(held)


def _showing(projection: Mapping[str, Any] | None, field: str) -> tuple[Mapping[str, Any] | None, bool]:
    """``projection`` changed to return ``field`` (find_each orders by it), and whether it hid it."""
    if projection is None:
        return None, False
    others = [value for key, value in projection.items() if key != "_id"]
    including = any(others) if others else bool(projection.get("_id"))  # {_id: 1} shows _id alone
    if projection.get(field, field == "_id" or not including):
        return projection, False
    shown = {key: value for key, value in projection.items() if key != field}
    if including:
        shown[field] = 1
    return shown or None, True
