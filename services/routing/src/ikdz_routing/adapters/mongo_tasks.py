"""Tasks in MongoDB: one insert per change, keyed ``<task>:<version>``, hash-chained for the audit.

Each record carries the day the deadline checker next looks at the task (``deadline_check_day``,
part of the hashed record; absent when it never needs to), read by ``MongoTaskDeadlines``. A
completion record also carries ``completed_pool_day`` (``<pool>:<day>``), by which the worklist
finds the tasks completed recently.

The worklists read only open tasks: ``open_tasks`` holds a write-once marker ``<task>:<pool>`` per
open task and the pool it is in, found by ``pool_id`` (indexed; the project's FerretDB v1 build
answers equality and ``$in`` from the index, ranges scan the collection). Markers are inserted and deleted,
never updated (FerretDB v1 can lose one of two concurrent updates of one document), in an order
that never hides an open task: the marker of a new task or of the pool a re-routing moves it to is
inserted before the change record, the one it leaves and the one of a completed task deleted after
it. A crash in between leaves a stale marker, which readers skip: a marker's task counts only
when its latest record is filed under the marker's pool and none completes it. Markers of completed
tasks are deleted by the reader that meets them (a completed task never opens again). This relies
on a task moving to another pool at most once (``domain/tasks.py``: a re-routing never moves it
back), so that a late deletion of the marker it left never hits a marker it needs again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import structlog
from ikdz_platform.inbox import insert_each, insert_once
from ikdz_platform.outbox import new_document_outbox
from ikdz_platform.queries import delete_each, find_each
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ikdz_routing.adapters.store_migrations import migration_flags, run_once
from ikdz_routing.app.task_ports import ConcurrentChangeError
from ikdz_routing.domain.audit import GENESIS, chained
from ikdz_routing.domain.calendar import saxon_day
from ikdz_routing.domain.tasks import Action, TaskChange, TaskDefinition

Document = dict[str, Any]
log = structlog.get_logger(__name__)
OPEN_TASKS_MIGRATION = "open_tasks"  # its flag in routing_migrations


def _key(task_id: str, version: int) -> str:
    return f"{task_id}:{version:06d}"


def _marker_key(task_id: str, pool_id: str) -> str:
    return f"{task_id}:{pool_id}"


class MongoTaskRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.changes: AsyncCollection[Document] = db["task_changes"]
        self._open: AsyncCollection[Document] = db["open_tasks"]
        self._migrations = migration_flags(db)
        self._routes: AsyncCollection[Document] = db["routes"]

    async def create_indexes(self) -> None:
        await self.changes.create_index("task_id", name="task_id")
        await self.changes.create_index("case_id", name="case_id")
        await self.changes.create_index("completed_pool_day", name="completed_pool_day")
        await self.changes.create_index("outbox_pending", name="outbox_pending")
        await self._open.create_index("pool_id", name="pool_id")

    async def set_up_store(self) -> None:
        """At start-up: the indexes, then the markers of a store from before them."""
        await self.create_indexes()
        await self.mark_open_tasks()

    async def mark_open_tasks(self) -> None:
        """Markers for the unfinished tasks of a store from before them: one full read, once per store
        (flag ``open_tasks`` in ``routing_migrations``). Replicas starting at once may both read; the
        markers and the flag are written once."""
        await run_once(self._migrations, OPEN_TASKS_MIGRATION, self._mark_unfinished)

    async def _mark_unfinished(self) -> None:
        unfinished = await self.unfinished()
        await insert_each(self._open, [_marker(task_id, rs[-1]["pool_id"]) for task_id, rs in unfinished.items()])
        log.info("open_tasks_marked", tasks=len(unfinished))

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
        await self._mark(definition.task_id, definition.pool_id)  # first: never a task without its marker
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
        after = change.pool_id or pool_id
        if after != pool_id:
            # Before the record: a stop after it must not hide the task in its new pool. If another
            # change wins the version, the marker stays, stale (the same key may be the winner's).
            await self._mark(change.task_id, after)
        record = {
            **change.model_dump(mode="json"),  # strings, so the hash verifies after a round trip
            "case_id": definition.case_id,
            "pool_id": after,
            "owner_ags": definition.owner_ags,
            **_filed(check_day),
            **_completed(change, after),
        }
        stored = chained(prev_hash, record)
        try:
            await self.changes.insert_one(
                {"_id": _key(change.task_id, change.version), **stored, **new_document_outbox(outbox)}
            )
        except DuplicateKeyError:
            raise ConcurrentChangeError(change.task_id) from None
        if change.action is Action.COMPLETED:  # also the marker a stop during its re-routing left
            await delete_each(self._open, {_marker_key(change.task_id, p) for p in (pool_id, definition.pool_id)})
        elif after != pool_id:
            await delete_each(self._open, {_marker_key(change.task_id, pool_id)})
        return str(stored["hash"])

    async def open_in_pools(self, pool_ids: Iterable[str]) -> dict[str, list[Document]]:
        """All change records of the tasks open in these pools, grouped by task, in version order.

        The markers of the pools, then the records of their tasks: one ``$in`` query each
        (``find_each``), none for a completed task. Markers of completed tasks are deleted.
        """
        wanted = set(pool_ids)
        markers = await find_each(self._open, "pool_id", wanted, projection={"task_id": 1})
        records = await find_each(self.changes, "task_id", {m["task_id"] for m in markers}, projection={"outbox": 0})
        tasks = _grouped(records)
        done = {task_id for task_id, rs in tasks.items() if any(r["action"] == Action.COMPLETED for r in rs)}
        await delete_each(self._open, {str(m["_id"]) for m in markers if m["task_id"] in done})
        # No records yet: a request being stored. Filed elsewhere: left by a re-routing.
        return {task_id: rs for task_id, rs in tasks.items() if task_id not in done and rs[-1]["pool_id"] in wanted}

    async def completed_in_pools(self, pool_ids: Iterable[str], days: Iterable[date]) -> dict[str, list[Document]]:
        """All change records of the tasks completed in these pools on these days (Saxon calendar
        days), grouped by task, in version order: one ``$in`` query over the pools' days, one over
        their tasks."""
        wanted = set(days)
        keys = [_pool_day(pool_id, day) for pool_id in set(pool_ids) for day in wanted]
        completions = await find_each(self.changes, "completed_pool_day", keys, projection={"task_id": 1})
        task_ids = {c["task_id"] for c in completions}
        return _grouped(await find_each(self.changes, "task_id", task_ids, projection={"outbox": 0}))

    async def unfinished(self) -> dict[str, list[Document]]:
        done = set(await self.changes.distinct("task_id", {"action": "completed"}))
        records = await self.changes.find({}, projection={"outbox": 0}).to_list()
        return _grouped([r for r in records if r["task_id"] not in done])

    async def of_case(self, case_id: str) -> list[Document]:
        records = await self.changes.find({"case_id": case_id}, projection={"outbox": 0}).to_list()
        return sorted(records, key=lambda r: (r["task_id"], r["version"]))

    async def _mark(self, task_id: str, pool_id: str) -> None:
        await insert_once(self._open, _marker_key(task_id, pool_id), _marker(task_id, pool_id))


def _marker(task_id: str, pool_id: str) -> Document:
    return {"_id": _marker_key(task_id, pool_id), "task_id": task_id, "pool_id": pool_id}


def _pool_day(pool_id: str, day: date) -> str:
    return f"{pool_id}:{day.isoformat()}"


def _filed(check_day: str | None) -> Document:
    return {} if check_day is None else {"deadline_check_day": check_day}


def _completed(change: TaskChange, pool_id: str) -> Document:
    """Where and when a completion happened, for the worklist's recently completed tasks."""
    if change.action is not Action.COMPLETED:
        return {}
    return {"completed_pool_day": _pool_day(pool_id, saxon_day(change.at))}


def _grouped(records: list[Document]) -> dict[str, list[Document]]:
    grouped: dict[str, list[Document]] = {}
    for record in sorted(records, key=lambda r: (r["task_id"], r["version"])):
        grouped.setdefault(record["task_id"], []).append(record)
    return grouped
