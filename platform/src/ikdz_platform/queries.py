"""Reads the store answers with its indexes.

FerretDB v1 (the local store) hands SQLite only top-level equality on ``_id``, strings and booleans
(deploy/ferretdb/patches); ``$in``, ``$or`` and ranges make it read the whole collection. A lookup
of several values is therefore one equality query per value, sent at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


async def find_each(
    collection: AsyncCollection[Document],
    field: str,
    values: Iterable[str],
    projection: Mapping[str, Any] | None = None,
) -> list[Document]:
    """The documents whose ``field`` equals one of ``values`` (each value once), in value order."""
    found = await asyncio.gather(
        *(collection.find({field: value}, projection=projection).to_list() for value in sorted(set(values)))
    )
    return [doc for docs in found for doc in docs]


async def delete_each(collection: AsyncCollection[Document], ids: Iterable[Any]) -> None:
    """Delete the documents with these ``_id`` values: one delete by ``_id`` each, sent at once
    (a ``delete_many`` with ``$in`` would read the whole collection)."""
    await asyncio.gather(*(collection.delete_one({"_id": doc_id}) for doc_id in sorted(set(ids))))
