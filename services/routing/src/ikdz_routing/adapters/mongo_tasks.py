"""Tasks in MongoDB: one insert per change, keyed ``<task>:<version>``, hash-chained for the audit.

Each record carries the day the deadline checker next looks at the task (``deadline_check_day``,
part of the hashed record; absent when it never needs to), read by ``MongoTaskDeadlines``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ikdz_platform.outbox import new_document_outbox
from ikdz_platform.queries import find_each
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ikdz_routing.app.task_ports import ConcurrentChangeError
from ikdz_routing.domain.audit import GENESIS, chained
from ikdz_routing.domain.tasks import TaskChange, TaskDefinition

Document = dict[str, Any]


def _key(task_id: str, version: int) -> str:
    return f"{task_id}:{version:06d}"


class MongoTaskRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.changes: AsyncCollection[Document] = db["task_changes"]
        self._routes: AsyncCollection[Document] = db["routes"]

    async def create_indexes(self) -> None:
        await self.changes.create_index("task_id", name="task_id")
        await self.changes.create_index("pool_id", name="pool_id")
        await self.changes.create_index("case_id", name="case_id")
        await self.changes.create_index("outbox_pending", name="outbox_pending")

    async def route_of(self, case_id: str) -> Document | None:
        return await self._routes.find_one({"_id": case_id}, projection={"outbox": 0})

    async def create(self, definition: TaskDefinition, anchor: str | None, *, check_day: str | None) -> bool:
        """Store a requested task (version 0); False if it exists (a redelivered request)."""
        record = {
            "task_id": definition.task_id,
            "version": 0,
            "action": "requested",
            "actor": "system",
            "case_id": definition.case_id,
            "pool_id": definition.pool_id,
            "owner_ags": definition.owner_ags,
            "definition": definition.model_dump(mode="json"),
            "at": definition.requested_at.isoformat(),
            **_filed(check_day),
        }
        try:
            await self.changes.insert_one({"_id": _key(definition.task_id, 0), **chained(anchor or GENESIS, record)})
        except DuplicateKeyError:
            return False
        return True

    async def load(self, task_id: str) -> tuple[TaskDefinition, list[TaskChange], str] | None:
        """The definition, the changes after it, and the last record's hash."""
        records = await self.changes.find({"task_id": task_id}, projection={"outbox": 0}).sort("version", 1).to_list()
        if not records:
            return None
        definition = TaskDefinition.model_validate(records[0]["definition"])
        changes = [TaskChange.model_validate(record) for record in records[1:]]
        return definition, changes, str(records[-1]["hash"])

    async def append(
        self,
        change: TaskChange,
        definition: TaskDefinition,
        prev_hash: str,
        outbox: list[Document],
        *,
        pool_id: str,
        check_day: str | None,
    ) -> str:
        """Insert the change; ``ConcurrentChangeError`` if another change took this version first.

        The record is filed under the pool the task is in after the change, so worklist queries find it."""
        record = {
            **change.model_dump(mode="json"),  # strings, so the hash verifies after a round trip
            "case_id": definition.case_id,
            "pool_id": change.pool_id or pool_id,
            "owner_ags": definition.owner_ags,
            **_filed(check_day),
        }
        stored = chained(prev_hash, record)
        try:
            await self.changes.insert_one(
                {"_id": _key(change.task_id, change.version), **stored, **new_document_outbox(outbox)}
            )
        except DuplicateKeyError:
            raise ConcurrentChangeError(change.task_id) from None
        return str(stored["hash"])

    async def in_pools(self, pool_ids: Iterable[str]) -> dict[str, list[Document]]:
        """All change records of the tasks that are or were in these pools, grouped by task, in version order.

        Equality queries per pool and per task (``find_each``): with ``$in`` FerretDB v1 read the whole
        collection on every worklist page.
        """
        records = await find_each(self.changes, "pool_id", pool_ids, projection={"outbox": 0})
        # A task re-routed into these pools has its first records filed under the pool it came from.
        incomplete = {r["task_id"] for r in records} - {r["task_id"] for r in records if r["version"] == 0}
        if incomplete:
            seen = {r["_id"] for r in records}
            earlier = await find_each(self.changes, "task_id", incomplete, projection={"outbox": 0})
            records += [r for r in earlier if r["_id"] not in seen]
        return _grouped(records)

    async def unfinished(self) -> dict[str, list[Document]]:
        done = set(await self.changes.distinct("task_id", {"action": "completed"}))
        records = await self.changes.find({}, projection={"outbox": 0}).to_list()
        return _grouped([r for r in records if r["task_id"] not in done])

    async def of_case(self, case_id: str) -> list[Document]:
        records = await self.changes.find({"case_id": case_id}, projection={"outbox": 0}).to_list()
        return sorted(records, key=lambda r: (r["task_id"], r["version"]))


def _filed(check_day: str | None) -> Document:
    return {} if check_day is None else {"deadline_check_day": check_day}


def _grouped(records: list[Document]) -> dict[str, list[Document]]:
    grouped: dict[str, list[Document]] = {}
    for record in sorted(records, key=lambda r: (r["task_id"], r["version"])):
        grouped.setdefault(record["task_id"], []).append(record)
    return grouped
