"""Routed cases in MongoDB: one document per case with the decision and its outbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from ikdz_platform.inbox import insert_once
from ikdz_platform.outbox import OutboxRelay
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
log = structlog.get_logger(__name__)


class MongoRouteRepository:
    """Routes, plus each pool's backlog (open cases) kept in memory.

    Counting a pool's cases is a full table scan on FerretDB v1, too slow for every decision. The
    backlog is counted when first asked for and every ``recount_seconds``; in between this process
    adjusts it with its own writes, under one lock, so it is exact for a single replica. With several
    replicas each sees the others' routings and closings only at its next recount: the counts steer
    load balancing, a few seconds' lag shifts which pool a case goes to, never whether it is routed.

    A recount runs in the background: the scan grows with every route ever stored (seconds at tens
    of thousands), and routing must not stop meanwhile. Own writes during the scan are added to its
    result; one that the scan also saw is counted twice until the next recount (a steering error of
    a few cases, not a routing error).
    """

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxRelay, *, recount_seconds: float = 60.0) -> None:
        self.routes: AsyncCollection[Document] = db["routes"]
        self._writer = outbox.batch_writer(self.routes)
        self._closed: AsyncCollection[Document] = db["closed_routes"]
        self._recount_seconds = recount_seconds
        self._backlog: dict[str, int] = {}
        self._counted_at = float("-inf")
        self._backlog_lock = asyncio.Lock()
        self._during_recount: dict[str, int] | None = None
        self._recount: asyncio.Task[None] | None = None

    async def create_indexes(self) -> None:
        await self.routes.create_index("pool_id", name="pool_id")
        await self._closed.create_index("pool_id", name="pool_id")
        await self.routes.create_index("outbox_pending", name="outbox_pending")
        await self.routes.create_index("outbox_batch", name="outbox_batch")

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        """Routed minus closed, per pool (closing inserts a record, see ``close``)."""
        pools = list(pool_ids)
        async with self._backlog_lock:
            if any(pool not in self._backlog for pool in pools):  # new pools: nothing to go by yet
                self._backlog = await self._count({*pools, *self._backlog})
                self._counted_at = time.monotonic()
            elif time.monotonic() - self._counted_at >= self._recount_seconds and self._recount is None:
                self._during_recount = {}
                self._recount = asyncio.create_task(self._recount_in_background(set(self._backlog)))
            return {pool: self._backlog[pool] for pool in pools}

    async def _recount_in_background(self, pools: set[str]) -> None:
        try:
            counted = await self._count(pools)
            async with self._backlog_lock:
                during = self._during_recount or {}
                self._backlog = {pool: n + during.get(pool, 0) for pool, n in counted.items()}
                self._counted_at = time.monotonic()
        except Exception:
            log.exception("backlog_recount_failed")  # the counts in memory stay; the next call retries
        finally:
            self._during_recount, self._recount = None, None

    async def _count(self, pools: set[str]) -> dict[str, int]:
        """Routed minus closed per pool in the store: two grouped counts, whatever the number of pools
        (a state-wide configuration has hundreds)."""
        wanted = sorted(pools)
        routed = await _count_by_pool(self.routes, wanted)
        closed = await _count_by_pool(self._closed, wanted)
        return {pool: routed.get(pool, 0) - closed.get(pool, 0) for pool in wanted}

    async def insert_many(self, routes: Sequence[tuple[Document, list[Document]]]) -> set[str]:
        async with self._backlog_lock:
            stored = await self._writer.insert_many(routes)
            pools: dict[str, str | None] = {}
            for route, _ in routes:  # a case twice in the batch: its first copy is the one stored
                pools.setdefault(route["_id"], route.get("pool_id"))
            for case_id in stored:
                self._adjust(pools[case_id], +1)
        return stored

    async def close(self, case_id: str, pool_id: str | None = None) -> None:
        """Record that the case left its pool's backlog; the route document keeps its single writer.

        ``pool_id`` is the pool the final status names: the domain service had it from the work item
        routing sent, so the route need not be read; without it (a status that names no pool) the
        route says, and a case that was never routed to a pool is left alone.
        """
        if pool_id is None:
            route = await self.routes.find_one({"_id": case_id}, projection={"pool_id": 1})
            if route is None or not route.get("pool_id"):
                return
            pool_id = str(route["pool_id"])
        async with self._backlog_lock:
            if await insert_once(self._closed, case_id, {"pool_id": pool_id}):
                self._adjust(pool_id, -1)

    def _adjust(self, pool_id: str | None, delta: int) -> None:
        if pool_id in self._backlog:  # pools not counted yet are counted from the store when asked for
            self._backlog[pool_id] += delta
            if self._during_recount is not None:
                self._during_recount[pool_id] = self._during_recount.get(pool_id, 0) + delta


async def _count_by_pool(collection: AsyncCollection[Document], pool_ids: list[str]) -> dict[str, int]:
    cursor = await collection.aggregate(
        [{"$match": {"pool_id": {"$in": pool_ids}}}, {"$group": {"_id": "$pool_id", "n": {"$sum": 1}}}]
    )
    return {str(row["_id"]): int(row["n"]) async for row in cursor}
