"""Store micro-benchmark: what the services' query shapes cost on the local FerretDB as a collection grows.

Starts its own FerretDB (v1, SQLite backend) on a free loopback port in a temporary directory,
fills one collection with case-like documents in steps (``--sizes``) and times each query shape
the services use on their hot path against the newest documents, which is where the services look.
A cost that grows with N is a full table scan (or a lookup whose matches grow with N). Stock
FerretDB v1 pushes only ``{_id: <string>}`` filters with no other key down to SQLite; the project's
build is patched (deploy/ferretdb/patches) to push down ``_id`` with other keys, string or
boolean equality on top-level fields and ``$in`` lists of them too (docs/benchmarks.md).

``--lookups 1,10,100`` measures instead what a lookup and a delete of that many values cost in a
collection of ``--sizes``' largest size: one query per value, sent at once (``find_each`` and
``delete_each`` before), against one ``$in`` query (``ikdz_platform.queries`` now): round trips,
the client's CPU (``time.process_time``) and FerretDB's (``/proc``, in 10 ms ticks: use a
``--repeat`` of a few hundred) per lookup.

Run: ``uv run python bench/store.py [--sizes 100,1000,3000 --repeat 20]`` or
``uv run python bench/store.py --lookups 1,10,100 --sizes 3000``. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from e2e import cpu_seconds
from ikdz_platform.localinfra import LocalFerretDB
from ikdz_platform.queries import delete_each, find_each
from ikdz_platform.testing.store_commands import StoreCommands
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


def case_document(n: int) -> Document:
    """About the size and shape of an intake case document after its outbox was sent."""
    return {
        "_id": f"0199b2c4-{n:012d}-{secrets.token_hex(4)}",
        "idempotency_key": f"key-{n:09d}",
        "file_number": f"WUR-GEW-2026-{n:06d}",
        "service": "trade-registration",
        "owner_ags": "14729410",
        "owner_town": "Wurzen",
        "pool_id": "wurzen" if n % 2 else "augustusburg",
        "open": True,
        "applicant": {"kind": "natural_person", "name": "Erika Mustermann", "email": "erika@example.org"},
        "payload": {"activity": "Webdesign und Programmierung", "n": n},
        "status": [{"state": "received", "label_de": "Eingegangen"}],
        "outbox": [],
        "outbox_pending": False,
    }


def shapes(
    col: AsyncCollection[Document], newest: Callable[[int], str]
) -> list[tuple[str, Callable[[int], Awaitable[Any]]]]:
    """(label, operation of repetition i) for each query shape on the services' hot paths."""
    lease = {"$or": [{"outbox_lease": {"$exists": False}}, {"outbox_lease": {"$lt": time.time()}}]}
    return [
        (
            "insert_one (unique indexes checked)",
            lambda i: col.insert_one(case_document(10**9 + i + secrets.randbelow(10**8))),
        ),
        ("find_one {_id} (intake status view, routing close)", lambda i: col.find_one({"_id": newest(i)})),
        ("update_one {_id} (outbox settle)", lambda i: col.update_one({"_id": newest(i)}, {"$set": {"x": i}})),
        (
            "count {_id} limit 1 (routing exists, status apply)",
            lambda i: col.count_documents({"_id": newest(i)}, limit=1),
        ),
        (
            "find_one_and_update {_id} (claim by _id alone)",
            lambda i: col.find_one_and_update(
                {"_id": newest(i)}, {"$inc": {"seq": 1}}, return_document=ReturnDocument.AFTER
            ),
        ),
        (
            "find_one_and_update {_id, outbox_pending, $or} (outbox claim)",
            lambda i: col.find_one_and_update({"_id": newest(i), "outbox_pending": False, **lease}, {"$set": {"y": i}}),
        ),
        ("find_one {idempotency_key: new} (intake, per POST)", lambda i: col.find_one({"idempotency_key": f"new-{i}"})),
        (
            "find {outbox_pending, $or} limit 200 (outbox pass)",
            lambda _i: col.find({"outbox_pending": True, **lease}, projection={"_id": 1}, limit=200).to_list(),
        ),
        (
            "count {pool_id, open} (routing backlog, per pool)",
            lambda _i: col.count_documents({"pool_id": "wurzen", "open": True}),
        ),
    ]


def newest_of(ids: list[str]) -> Callable[[int], str]:
    """The i-th newest id (wrapping round): the services look up what was just written."""
    return lambda i: ids[-1 - i % len(ids)]


async def measure(uri: str, sizes: Sequence[int], repeat: int) -> list[tuple[int, str, float]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri)
    col = client["bench_store"]["cases"]
    await col.create_index("idempotency_key", unique=True)
    await col.create_index("file_number", unique=True)
    await col.create_index("outbox_pending")
    await col.create_index([("pool_id", 1), ("open", 1)])
    ids: list[str] = []
    results = []
    try:
        for size in sizes:
            batch = [case_document(n) for n in range(len(ids), size)]
            for start in range(0, len(batch), 500):
                await col.insert_many(batch[start : start + 500])
            ids += [doc["_id"] for doc in batch]
            for label, operation in shapes(col, newest_of(ids)):
                started = time.perf_counter()
                for i in range(repeat):
                    await operation(i)
                results.append((len(ids), label, (time.perf_counter() - started) / repeat))
                print(f"  N={len(ids):>6}  {label:<62}{1000 * results[-1][2]:>9.2f} ms", flush=True)
    finally:
        await client.close()
    return results


async def fill(col: AsyncCollection[Document], first: int, count: int) -> list[Document]:
    batch = [case_document(n) for n in range(first, first + count)]
    for start in range(0, len(batch), 500):
        await col.insert_many(batch[start : start + 500])
    return batch


Lookup = Callable[[AsyncCollection[Document], list[str]], Awaitable[Any]]
LOOKUPS: list[tuple[str, str, Lookup]] = [
    (
        "find",
        "one query per value",
        lambda col, values: asyncio.gather(*(col.find({"file_number": v}).to_list() for v in values)),
    ),
    ("find", "$in (find_each)", lambda col, values: find_each(col, "file_number", values)),
    ("delete", "one delete per value", lambda col, ids: asyncio.gather(*(col.delete_one({"_id": i}) for i in ids))),
    ("delete", "$in (delete_each)", delete_each),
]


async def measure_lookups(
    uri: str, pid: int, size: int, counts: Sequence[int], repeat: int
) -> list[tuple[int, str, str, dict[str, float]]]:
    """(values, kind, how, costs per lookup) for a lookup and a delete of ``counts`` values, each way."""
    commands = StoreCommands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, event_listeners=[commands])
    col = client["bench_store"]["cases"]
    await col.create_index("file_number", unique=True)
    docs = await fill(col, 0, size)
    results = []
    try:
        for count in counts:
            for kind, how, lookup in LOOKUPS:
                spent = dict.fromkeys(("round trips", "client CPU ms", "FerretDB CPU ms", "wall ms"), 0.0)
                for i in range(repeat):
                    if kind == "find":  # the newest documents, the next ones each time (wrapping round)
                        values = [docs[-1 - (i * count + j) % size]["file_number"] for j in range(count)]
                    else:  # fresh documents to delete
                        values = [d["_id"] for d in await fill(col, size + (i + 1) * 10**6, count)]
                    commands.sent.clear()
                    ferretdb, client_cpu, wall = cpu_seconds(pid), time.process_time(), time.perf_counter()
                    await lookup(col, values)
                    spent["wall ms"] += 1000 * (time.perf_counter() - wall)
                    spent["client CPU ms"] += 1000 * (time.process_time() - client_cpu)
                    spent["FerretDB CPU ms"] += 1000 * (cpu_seconds(pid) - ferretdb)
                    spent["round trips"] += len(commands.sent)
                costs = {name: total / repeat for name, total in spent.items()}
                results.append((count, kind, how, costs))
                print(
                    f"  {count:>4} values  {kind:<7}{how:<22}"
                    + "".join(f"{value:>9.2f} {name}" for name, value in costs.items()),
                    flush=True,
                )
    finally:
        await client.close()
    return results


def print_ratios(results: Sequence[tuple[int, str, str, dict[str, float]]]) -> None:
    """Per value count and kind: what ``$in`` costs against one query per value."""
    print("\n  $in against one query per value (ratio of CPU, client + FerretDB):")
    by_key = {(count, kind, how.startswith("$in")): costs for count, kind, how, costs in results}
    for (count, kind, is_in), costs in by_key.items():
        if is_in:
            each = by_key[(count, kind, False)]
            cpu = costs["client CPU ms"] + costs["FerretDB CPU ms"]
            cpu_each = each["client CPU ms"] + each["FerretDB CPU ms"]
            ratio = cpu / cpu_each if cpu_each else float("nan")
            print(f"    {count:>4} values  {kind:<7} {cpu:>8.2f} ms against {cpu_each:>8.2f} ms  ×{ratio:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,3000", help="collection sizes to measure at, ascending")
    parser.add_argument("--repeat", type=int, default=20, help="repetitions of each query per size")
    parser.add_argument("--lookups", default="", help="value counts, e.g. 1,10,100: lookups and deletes of many values")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    counts = [int(s) for s in args.lookups.split(",") if s.strip()]
    data_dir = Path(tempfile.mkdtemp(prefix="ikdz-bench-store-"))
    server = LocalFerretDB(data_dir)
    what = f"lookups of many values in {sizes[-1]} documents" if counts else "mean time per operation"
    print(f"FerretDB store benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}: {what}", flush=True)
    try:
        server.start()
        if counts:
            assert server.pid is not None
            print_ratios(asyncio.run(measure_lookups(server.uri, server.pid, sizes[-1], counts, args.repeat)))
            return 0
        results = asyncio.run(measure(server.uri, sizes, args.repeat))
    except KeyboardInterrupt:
        print("!! interrupted")
        return 1
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    first, last = sizes[0], sizes[-1]
    print(f"\n  growth from N={first} to N={last} (×{last / first:g} documents):")
    by_label: dict[str, dict[int, float]] = {}
    for size, label, seconds in results:
        by_label.setdefault(label, {})[size] = seconds
    for label, values in by_label.items():
        ratio = values[last] / values[first] if values.get(first) else float("nan")
        kind = "grows with N: full scan" if ratio > 3 else "flat: index or constant"
        print(f"    {label:<62}×{ratio:>6.1f}  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
