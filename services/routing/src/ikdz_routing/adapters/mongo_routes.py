"""Routed cases in MongoDB: one document per case with the decision and its outbox."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ikdz_platform.inbox import insert_once
from ikdz_platform.outbox import new_document_outbox
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


class MongoRouteRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.routes: AsyncCollection[Document] = db["routes"]
        self._closed: AsyncCollection[Document] = db["closed_routes"]

    async def create_indexes(self) -> None:
        await self.routes.create_index("pool_id", name="pool_id")
        await self._closed.create_index("pool_id", name="pool_id")
        await self.routes.create_index("outbox_pending", name="outbox_pending")

    async def exists(self, case_id: str) -> bool:
        return await self.routes.count_documents({"_id": case_id}, limit=1) > 0

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        """Routed minus closed, per pool (closing inserts a record, see ``close``)."""
        return {
            pool_id: await self.routes.count_documents({"pool_id": pool_id})
            - await self._closed.count_documents({"pool_id": pool_id})
            for pool_id in pool_ids
        }

    async def insert(self, route: Document, outbox: list[Document]) -> bool:
        try:
            await self.routes.insert_one({**route, **new_document_outbox(outbox)})
        except DuplicateKeyError:
            return False
        return True

    async def close(self, case_id: str) -> None:
        """Record that the case left its pool's backlog; the route document keeps its single writer."""
        route = await self.routes.find_one({"_id": case_id}, projection={"pool_id": 1})
        if route is not None and route.get("pool_id"):
            await insert_once(self._closed, case_id, {"pool_id": route["pool_id"]})
