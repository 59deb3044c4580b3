"""The deadline checker's task buckets in MongoDB.

A task is filed under the day of its next deadline step by its own change records (each carries
``deadline_check_day``, written with the change, no extra write) and, where the checker looks at a
task without changing it, by a write-once ``task_deadline_checks`` document ``<task>:<day>``. Both are
read by equality on a top-level string with an index: the shape the project's FerretDB v1 build
answers from an index (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ikdz_routing.adapters.mongo_day_buckets import MongoDayBuckets

Document = dict[str, Any]


class MongoTaskDeadlines:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._changes: AsyncCollection[Document] = db["task_changes"]
        self._buckets = MongoDayBuckets(db, "task_deadline", "task_id")  # task_deadline_checks, _sweeps

    async def create_indexes(self) -> None:
        await self._changes.create_index("deadline_check_day", name="deadline_check_day")
        await self._buckets.create_indexes()

    async def due(self, day: str) -> list[Document]:
        changes = await self._changes.find({"deadline_check_day": day}, projection={"task_id": 1}).to_list()
        return changes + await self._buckets.filed(day)

    async def schedule(self, task_id: str, day: str) -> None:
        await self._buckets.file(task_id, day, {})

    async def swept_through(self) -> str | None:
        return await self._buckets.swept_through()

    async def mark_swept(self, day: str) -> None:
        await self._buckets.mark_swept(day)
