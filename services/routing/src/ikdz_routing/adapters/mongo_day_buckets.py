"""The deadline checker's day buckets in MongoDB, for tasks and cases alike.

A filing is a write-once document ``<id>:<day>`` in ``<name>_checks`` with the day as a top-level
string, read by equality on it (an index lookup on the project's FerretDB v1 build, where ranges
scan the collection); the settled days are write-once documents in ``<name>_sweeps``. Only
inserts, so checkers writing at once never update one document (FerretDB v1 can lose one of two
concurrent updates).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ikdz_platform.inbox import insert_once
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]


class MongoDayBuckets:
    """``name`` prefixes the two collections; ``subject`` is the field with the task's or case's id."""

    def __init__(self, db: AsyncDatabase[Document], name: str, subject: str) -> None:
        self._checks: AsyncCollection[Document] = db[f"{name}_checks"]
        self._sweeps: AsyncCollection[Document] = db[f"{name}_sweeps"]
        self._subject = subject

    async def create_indexes(self) -> None:
        await self._checks.create_index("day", name="day")

    async def filed(self, day: str) -> list[Document]:
        return await self._checks.find({"day": day}).to_list()

    async def file(self, subject_id: str, day: str, fields: Mapping[str, Any]) -> None:
        """File under ``day`` with ``fields``; once, however many checkers do it."""
        await insert_once(self._checks, f"{subject_id}:{day}", {**fields, self._subject: subject_id, "day": day})

    async def swept_through(self) -> str | None:
        last = await self._sweeps.find_one({}, sort=[("_id", -1)])
        return None if last is None else str(last["_id"])

    async def mark_swept(self, day: str) -> None:
        await insert_once(self._sweeps, day, {})
