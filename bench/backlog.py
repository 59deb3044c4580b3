"""Backlog recount benchmark: what routing's recount of the open cases per pool costs as routes
accumulate over the years while the number of open cases stays the same.

Starts its own FerretDB (v1, SQLite backend, the project's patched build) on a free loopback port in
a temporary directory and, for each ``--sizes`` N, fills a fresh database with N routes (the
documents of ``bench/case_deadlines.py``: top-level fields, decision, audit head) of which all but
``--open`` are closed. Then it times

- *before* (up to commit 3643b71): the recount as two grouped counts, over ``routes`` and over
  ``closed_routes``; FerretDB v1 reads both collections whole;
- the start-up step that marks a store from before the markers, once (``mark_open_routes``);
- *after*: the recount over the markers of the open cases (``MongoRouteRepository.open_cases`` on
  a replica that has not counted yet).

A time that grows with N reads every route ever stored; one that follows ``--open`` does not.

Run: ``uv run python bench/backlog.py [--sizes 2000,20000 --open 500 --repeat 5]``. Only 127.0.0.1
is contacted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from case_deadlines import on_local_ferretdb, print_growth, routes, timed
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_platform.logs import configure_logging
from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.producer import OutgoingMessage
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
POOLS = ["wurzen", "augustusburg"]


class NoSender:
    """The relay is never started: nothing is sent."""

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        raise AssertionError(messages)


async def count_by_pool(collection: AsyncCollection[Document]) -> dict[str, int]:
    """One grouped count as the recount ran it before the markers."""
    cursor = await collection.aggregate(
        [{"$match": {"pool_id": {"$in": POOLS}}}, {"$group": {"_id": "$pool_id", "n": {"$sum": 1}}}]
    )
    return {str(row["_id"]): int(row["n"]) async for row in cursor}


async def measure_size(db: AsyncDatabase[Document], n: int, open_cases: int, repeat: int) -> dict[str, float]:
    config = load_routing_config(PILOT_CONFIG, load_municipalities())
    stored, _ = routes(n, 0, config)
    for start in range(0, n, 1000):
        await db["routes"].insert_many(stored[start : start + 1000])
    closed = [{"_id": route["_id"], "pool_id": route["pool_id"]} for route in stored[: n - open_cases]]
    for start in range(0, len(closed), 1000):
        await db["closed_routes"].insert_many(closed[start : start + 1000])

    def replica() -> MongoRouteRepository:
        return MongoRouteRepository(db, OutboxRelay([], NoSender()))

    await replica().create_indexes()

    async def before() -> None:
        routed, closed = await count_by_pool(db["routes"]), await count_by_pool(db["closed_routes"])
        assert sum(routed.values()) - sum(closed.values()) == open_cases

    started = time.perf_counter()
    await replica().mark_open_routes()
    marking = time.perf_counter() - started

    async def after() -> None:
        assert sum((await replica().open_cases(POOLS)).values()) == open_cases

    return {
        "before: recount over routes and closings": await timed(before, repeat),
        "after: marking the store once, at start": marking,
        "after: recount over the open markers": await timed(after, repeat),
    }


async def measure(uri: str, sizes: Sequence[int], open_cases: int, repeat: int) -> dict[int, dict[str, float]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    results: dict[int, dict[str, float]] = {}
    try:
        for n in sizes:
            results[n] = await measure_size(client[f"bench_backlog_{n}"], n, open_cases, repeat)
            for label, seconds in results[n].items():
                print(f"  N={n:>7}  {label:<44}{1000 * seconds:9.1f} ms", flush=True)
    finally:
        await client.close()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="2000,20000", help="routes stored, ascending")
    parser.add_argument("--open", type=int, default=500, help="open cases among them, whatever the size")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each timed recount per size")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    if sizes[0] < args.open:
        parser.error("every size must hold --open cases")
    configure_logging("bench", level="ERROR", json=False)
    print(f"Backlog recount benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}: {args.open} open cases", flush=True)
    results = on_local_ferretdb("ikdz-bench-backlog-", lambda uri: measure(uri, sizes, args.open, args.repeat))
    if results is None:
        return 1
    print_growth(results, sizes, f" (×{sizes[-1] / sizes[0]:g} routes, the same open cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
