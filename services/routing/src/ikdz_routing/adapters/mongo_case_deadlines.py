"""The deadline checker's case collections in MongoDB.

Every query the checker and the coordinator view run per request or per run is an equality (or a
``$in`` of strings) on one top-level string field with an index (a route's ``deadline_check_day``, a
bucket's ``day``, a step's ``case_id``, the flags of a coordinator's pools by ``pool_id``) or on
``_id``: the shapes the project's FerretDB v1 build answers from an index (docs/benchmarks.md). Writes are inserts of new documents, deletes only of flags, so
no two writers ever update one document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ikdz_platform.inbox import insert_once
from ikdz_platform.queries import find_each
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ikdz_routing.adapters.mongo_day_buckets import MongoDayBuckets
from ikdz_routing.app.case_deadlines import CASE_FIELDS

Document = dict[str, Any]
_CASE_PROJECTION = dict.fromkeys(CASE_FIELDS, 1)


class MongoCaseDeadlines:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._routes: AsyncCollection[Document] = db["routes"]
        self._closed: AsyncCollection[Document] = db["closed_routes"]
        self._steps: AsyncCollection[Document] = db["case_deadline_steps"]
        self._flags: AsyncCollection[Document] = db["case_deadline_flags"]
        self._buckets = MongoDayBuckets(db, "case_deadline", "case_id")  # case_deadline_checks, _sweeps

    async def create_indexes(self) -> None:
        await self._routes.create_index("deadline_check_day", name="deadline_check_day")
        await self._steps.create_index("case_id", name="case_id")
        await self._buckets.create_indexes()
        await self._flags.create_index("pool_id", name="pool_id")
        await self._flags.create_index("case_id", name="case_id")

    async def due(self, day: str) -> list[Document]:
        routed = await self._routes.find({"deadline_check_day": day}, projection=_CASE_PROJECTION).to_list()
        return [{**route, "case_id": route["_id"]} for route in routed] + await self._buckets.filed(day)

    async def schedule(self, case_id: str, day: str, case: Mapping[str, Any]) -> None:
        await self._buckets.file(case_id, day, {key: case.get(key) for key in CASE_FIELDS})

    async def route(self, case_id: str) -> Document | None:
        return await self._routes.find_one({"_id": case_id}, projection={"outbox": 0, "decision": 0})

    async def is_closed(self, case_id: str) -> bool:
        return await self._closed.count_documents({"_id": case_id}, limit=1) > 0

    async def open_routes(self) -> list[Document]:
        closed = set(await self._closed.distinct("_id"))
        routes = self._routes.find({"pool_id": {"$ne": None}}, projection={"outbox": 0, "decision": 0})
        return [route for route in await routes.to_list() if route["_id"] not in closed]

    async def steps(self, case_id: str) -> list[Document]:
        return sorted(await self._steps.find({"case_id": case_id}).to_list(), key=lambda r: r["seq"])

    async def add_step(self, key: str, record: Document) -> bool:
        return await insert_once(self._steps, key, record)

    async def flag(self, key: str, record: Document) -> None:
        await insert_once(self._flags, key, record)

    async def flags(self, pool_ids: Iterable[str]) -> list[Document]:
        return await find_each(self._flags, "pool_id", pool_ids)

    async def unflag(self, case_id: str) -> None:
        await self._flags.delete_many({"case_id": case_id})

    async def swept_through(self) -> str | None:
        return await self._buckets.swept_through()

    async def mark_swept(self, day: str) -> None:
        await self._buckets.mark_swept(day)
