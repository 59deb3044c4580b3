"""Routed cases in MongoDB: one document per case with the decision and its outbox, and a marker
per open case that the backlog is counted from."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Any

import structlog
from ikdz_platform.inbox import insert_many_once
from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.queries import delete_each, find_each
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ikdz_routing.adapters.store_migrations import migration_flags, run_once

Document = dict[str, Any]
log = structlog.get_logger(__name__)

OPEN_ROUTES_MARKED = "open_routes"
"""The ``routing_migrations`` record written once the routes from before the markers are marked."""
_MARK_CHUNK = 1000


class MongoRouteRepository:
    """Routes, plus each pool's backlog (open cases) kept in memory.

    The backlog is counted from ``open_routes``: one marker ``{_id: case_id, pool_id}`` per routed
    case that is not closed, inserted before its route and deleted when the case closes (inserts and
    deletes only: FerretDB v1 can lose one of two concurrent updates of a document). ``routes`` and
    ``closed_routes`` only grow; the markers are what is open, so a count reads no more than that.
    Markers first: a crash between the two writes leaves a marker whose route comes with the
    redelivery (counted meanwhile); a redelivered case keeps its first marker; one redelivered after
    it closed gets the marker it was given again taken back.

    Even the markers are too many to count for every decision on FerretDB v1 (``$match`` reads the
    collection). The backlog is counted when first asked for and every ``recount_seconds``; in
    between this process adjusts it with its own writes, under one lock, so it is exact for a single
    replica. With several replicas each sees the others' routings and closings only at its next
    recount: the counts steer load balancing, a few seconds' lag shifts which pool a case goes to,
    never whether it is routed.

    A recount runs in the background, so routing never waits for it. Own writes during the count
    are added to its result; one that the count also saw is counted twice until the next recount
    (a steering error of a few cases, not a routing error).
    """

    def __init__(self, db: AsyncDatabase[Document], outbox: OutboxRelay, *, recount_seconds: float = 60.0) -> None:
        self.routes: AsyncCollection[Document] = db["routes"]
        self._writer = outbox.batch_writer(self.routes)
        self._closed: AsyncCollection[Document] = db["closed_routes"]
        self._open: AsyncCollection[Document] = db["open_routes"]
        self._migrations = migration_flags(db)
        self._recount_seconds = recount_seconds
        self._backlog: dict[str, int] = {}
        self._counted_at = float("-inf")
        self._backlog_lock = asyncio.Lock()
        self._during_recount: dict[str, int] | None = None
        self._recount: asyncio.Task[None] | None = None

    async def set_up_store(self) -> None:
        """At start-up: the indexes, then the markers of routes from before them (once per store)."""
        await self.create_indexes()
        await self.mark_open_routes()

    async def create_indexes(self) -> None:
        await self.routes.create_index("pool_id", name="pool_id")
        await self._closed.create_index("pool_id", name="pool_id")
        await self._open.create_index("pool_id", name="pool_id")
        await self.routes.create_index("outbox_pending", name="outbox_pending")
        await self.routes.create_index("outbox_batch", name="outbox_batch")

    async def mark_open_routes(self) -> None:
        """Once per store, at start-up: markers for the open routes stored before there were markers.

        The one read of every route and closing (``store_migrations.run_once``: later starts skip
        it). Safe while other replicas start or run (see :meth:`_mark_from_scratch`). Deleting its
        flag makes the next start mark again: the repair after replicas without markers ran beside
        these (a rolling update; docs/routing.md).
        """

        async def mark() -> None:
            started = time.monotonic()
            added, removed = await self._mark_from_scratch()
            log.info("open_routes_marked", added=added, removed=removed, seconds=round(time.monotonic() - started, 1))

        await run_once(self._migrations, OPEN_ROUTES_MARKED, mark)

    async def _mark_from_scratch(self) -> tuple[int, int]:
        """Insert the markers of routes not closed, then delete those of every closed case.

        Closings are read again after the inserts: a case another replica closed meanwhile had its
        marker deleted either after this insert, or before it, and then its closing record, written
        first, is in the second read. Markers without a route stay: their route is on its way.
        """
        closed = {doc["_id"] async for doc in self._closed.find({}, projection={"_id": 1})}
        markers = [
            {"_id": route["_id"], "pool_id": route["pool_id"]}
            async for route in self.routes.find({}, projection={"pool_id": 1})
            if route.get("pool_id") and route["_id"] not in closed
        ]
        added = 0
        for start in range(0, len(markers), _MARK_CHUNK):
            added += len(await insert_many_once(self._open, markers[start : start + _MARK_CHUNK]))
        closed = {doc["_id"] async for doc in self._closed.find({}, projection={"_id": 1})}
        stale = [doc["_id"] async for doc in self._open.find({}, projection={"_id": 1}) if doc["_id"] in closed]
        await delete_each(self._open, stale)
        return added, len(stale)

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        """Routed and not closed, per pool (the markers, see the class docstring)."""
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
        """Open markers per pool: one grouped count over the open cases, whatever the number of pools
        (a state-wide configuration has hundreds; one equality count per pool would read the same
        markers in hundreds of round trips)."""
        wanted = sorted(pools)
        cursor = await self._open.aggregate(
            [{"$match": {"pool_id": {"$in": wanted}}}, {"$group": {"_id": "$pool_id", "n": {"$sum": 1}}}]
        )
        counted = {str(row["_id"]): int(row["n"]) async for row in cursor}
        return {pool: counted.get(pool, 0) for pool in wanted}

    async def insert_many(self, routes: Sequence[tuple[Document, list[Document]]]) -> set[str]:
        pools: dict[str, str | None] = {}
        for route, _ in routes:  # a case twice in the batch: its first copy is the one stored
            pools.setdefault(route["_id"], route.get("pool_id"))
        markers = [{"_id": case_id, "pool_id": pool} for case_id, pool in pools.items() if pool]
        async with self._backlog_lock:  # the markers too: chunks are stored in the order they came
            marked = {doc["_id"] for doc in await insert_many_once(self._open, markers)}
            try:
                stored = await self._writer.insert_many(routes)
            except Exception:
                await self._unmark_unrouted(marked)  # the writer took its routes back
                raise
            for case_id in stored:
                self._adjust(pools[case_id], +1)
        if marked - stored:  # marked now, routed before: a redelivery, perhaps of a case closed since
            await self._unmark_closed(marked - stored)
        return stored

    async def close(self, closings: Sequence[tuple[str, str | None]]) -> None:
        """Record that these cases left their pools' backlogs; the route documents keep their single
        writer. One insert for the batch's closing records, then one delete of their markers.

        Each closing names the case and the pool its final status names: the domain service had it
        from the work item routing sent, so the route need not be read; without it (a status that
        names no pool) the route says, and a case that was never routed to a pool is left alone. The
        closing records are written before the markers are deleted: a redelivered status deletes a
        marker a crash left.
        """
        pools: dict[str, str] = {}
        for case_id, named in closings:
            pool_id = named or await self._pool_of(case_id)
            if pool_id is not None:
                pools.setdefault(case_id, pool_id)
        if not pools:
            return
        async with self._backlog_lock:
            closed = await insert_many_once(self._closed, [{"_id": c, "pool_id": p} for c, p in pools.items()])
            for record in closed:  # not those closed before: a redelivered status counts once
                self._adjust(record["pool_id"], -1)
        await delete_each(self._open, pools)

    async def _pool_of(self, case_id: str) -> str | None:
        """The pool the case was routed to; None if it was not routed to a pool (or not at all)."""
        route = await self.routes.find_one({"_id": case_id}, projection={"pool_id": 1})
        return str(route["pool_id"]) if route and route.get("pool_id") else None

    async def _unmark_closed(self, case_ids: Iterable[str]) -> None:
        """Delete the markers of those cases that are closed (read after the markers were inserted, so
        a closing running meanwhile deletes the marker itself)."""
        await delete_each(
            self._open, [doc["_id"] for doc in await find_each(self._closed, "_id", case_ids, {"_id": 1})]
        )

    async def _unmark_unrouted(self, case_ids: set[str]) -> None:
        """After a failed route write: delete the markers of the cases whose route is not stored."""
        try:
            routed = {doc["_id"] for doc in await find_each(self.routes, "_id", case_ids, {"_id": 1})}
            await delete_each(self._open, case_ids - routed)
        except Exception:  # the store fails: the markers count until the batch is routed on retry
            log.exception("open_routes_unmark_failed", cases=len(case_ids))

    def _adjust(self, pool_id: str | None, delta: int) -> None:
        if pool_id in self._backlog:  # pools not counted yet are counted from the store when asked for
            self._backlog[pool_id] += delta
            if self._during_recount is not None:
                self._during_recount[pool_id] = self._during_recount.get(pool_id, 0) + delta
