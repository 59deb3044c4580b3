"""Deadline benchmark: what the deadline checker's case and task parts and the coordinator view read
per run, before and after the day buckets, as the number of open cases and open tasks grows.

Starts its own FerretDB (v1, SQLite backend, the project's patched build) on a free loopback port in
a temporary directory and, for each ``--sizes`` N, fills a fresh database with N routes as
``RouteCase`` stores them (routing decision included, a legal limit 10 working days after the
target, one in ten closed), and another with N tasks as routing stores them (the request, half of
them claimed, one in ten completed, each record filed under the day of the task's next step). Then
it times

- *before*, cases (up to commit 79230b5, one run of the checker and one coordinator view each read
  every open route and every step record): ``open_routes()`` plus all of ``case_deadline_steps``;
- *before*, tasks (up to commit 3f95868, every run read every unfinished task's records and replayed
  each to decide its steps): ``unfinished()`` and the same replay and decision, without the writes;
- *after*, checker: the first run of a day (the three unsettled day buckets, and the cases or tasks
  due that day warned, escalated or re-routed) and the later runs of the same day (two buckets,
  nothing new);
- *after*, coordinator view: ``Coordination.overview`` for one pool's coordinator (the flags of her
  pool by an indexed equality, a closed check per flagged case).

With ``--parts worklists`` (not run by default) N is the number of tasks one pool has completed,
besides ``--open-tasks`` open ones (claimed), and it times one clerk's worklist page *before* (up
to commit 3643b71, the records of every task that was ever in the pool, replayed) and *after* (the
``open_tasks`` markers of the pool, then the records of each open task), with the documents each
read.

``--due-per-day`` cases and tasks reach their warning day on each measured day, whatever N; the
others are due later. A time that grows with N reads every open case or task; one that follows
what is due per day does not.

Run: ``uv run python bench/case_deadlines.py [--sizes 1000,10000 --due-per-day 50 --repeat 5
--parts cases,tasks,worklists --open-tasks 20]``. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_platform.localinfra import LocalFerretDB
from ikdz_platform.logs import configure_logging
from ikdz_platform.queries import find_each
from ikdz_platform.testing.store_commands import StoreCommands
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.case_deadlines import CheckCaseDeadlines, first_deadline_check
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.coordination import Coordination, DeadlineLights
from ikdz_routing.app.deadline_checker import CheckTaskDeadlines
from ikdz_routing.app.task_deadlines import TaskTerms, check_day
from ikdz_routing.app.tasks import Worklists
from ikdz_routing.domain.audit import GENESIS, record_hash
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.tasks import (
    Action,
    Actor,
    Command,
    Outcome,
    Role,
    Task,
    TaskChange,
    TaskDefinition,
    TaskState,
    decide,
    evolve,
    replay,
)
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
WURZEN, AUGUSTUSBURG = "14729410", "14522020"
POOLS = {"wurzen": WURZEN, "augustusburg": AUGUSTUSBURG}
FIRST_DAY = date(2026, 12, 1)  # the checker's runs: 1 to 4 December 2026
REQUESTED_AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
ANCHOR = "a" * 64  # the routing decision's hash a task's chain hangs off
COORDINATOR = Actor("carla", frozenset({"wurzen"}), frozenset({Role.COORDINATOR}), WURZEN)


def routes(n: int, due_per_day: int, config: RoutingConfig) -> tuple[list[Document], list[str]]:
    """``n`` routed cases and the ids of the closed ones: ``due_per_day`` of them reach their warning
    day on each of the four measured days, the others later (the open backlog of longer deadlines)."""
    calendar = config.calendar_of_town(WURZEN)
    routed_at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    found, closed = [], []
    for i in range(n):
        days = 1 + i % 4 if i < 4 * due_per_day else 20 + i % 40  # working days after 1 December
        target = calendar.add_working_days(FIRST_DAY, days)
        pool_id = "wurzen" if i % 2 else "augustusburg"
        case_id = f"case-{i:07d}"
        head = {"action": "routed", "actor": "routing", "case_id": case_id, "pool_id": pool_id}
        route: Document = {
            "_id": case_id,
            "file_number": f"WUR-RE-2026-{i:06d}",
            "service": "einvoice",
            "owner_ags": POOLS[pool_id],
            "routed_at": routed_at,
            "decision": {"policy": "shortest-wait@pilot", "reasons": ["pool has the shortest expected wait"] * 8},
            "pool_id": pool_id,
            "processing_ags": POOLS[pool_id],
            "target_date": target.isoformat(),
            "legal_date": calendar.add_working_days(target, 10).isoformat(),
            "audit": head,
            "audit_hash": record_hash(GENESIS, head),
            "outbox": [],
            "outbox_pending": False,
        }
        found.append(route | first_deadline_check(route, config, routed_at))
        if i % 10 == 9:
            closed.append(case_id)
    return found, closed


async def timed(operation: Callable[[], Awaitable[object]], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        await operation()
    return (time.perf_counter() - started) / repeat


async def four_days(
    check: Callable[[RoutingConfig, datetime], Awaitable[Mapping[Any, int]]],
    active: ActiveConfig,
    clock: list[datetime],
    repeat: int,
) -> tuple[list[float], list[float], int]:
    """Four days of checker runs at 08:00 (``clock`` is advanced): seconds of each day's first run,
    mean seconds of ``repeat`` later runs that day, and the steps recorded."""
    first_runs, steady_runs, steps = [], [], 0

    async def run_check() -> None:
        await check(active.current, clock[0])

    for offset in range(4):
        clock[0] = datetime(2026, 12, 1 + offset, 8, tzinfo=UTC)
        started = time.perf_counter()
        steps += sum((await check(active.current, clock[0])).values())
        first_runs.append(time.perf_counter() - started)
        steady_runs.append(await timed(run_check, repeat))
    return first_runs, steady_runs, steps


async def measure_cases(
    db: AsyncDatabase[Document], active: ActiveConfig, n: int, due_per_day: int, repeat: int
) -> dict[str, float]:
    """Seconds per run of each case read, after four days of checker runs."""
    store = MongoCaseDeadlines(db)
    await store.create_indexes()
    await db["routes"].create_index("pool_id", name="pool_id")
    stored, closed = routes(n, due_per_day, active.current)
    for start in range(0, len(stored), 500):
        await db["routes"].insert_many(stored[start : start + 500])
    if closed:
        await db["closed_routes"].insert_many([{"_id": case_id, "pool_id": "x"} for case_id in closed])
    await store.mark_swept((FIRST_DAY - timedelta(days=3)).isoformat())

    async def before() -> None:
        await store.open_routes()
        await db["case_deadline_steps"].find({}).to_list()

    clock = [datetime(2026, 12, 1, 8, tzinfo=UTC)]
    check = CheckCaseDeadlines(store)

    def now() -> datetime:
        return clock[0]

    coordination = Coordination(Worklists(MongoTaskRepository(db), now), DeadlineLights(active, now), store)
    first_runs, steady_runs, steps = await four_days(check, active, clock, repeat)
    seconds = {
        "before: one checker run's case reads": await timed(before, repeat),
        "after: checker cases, first run of a day": sum(first_runs) / len(first_runs),
        "after: checker cases, later runs of the day": sum(steady_runs) / len(steady_runs),
        "before: one coordinator view's case reads": await timed(before, repeat),
        "after: one coordinator view (one pool)": await timed(lambda: coordination.overview(COORDINATOR), repeat),
    }
    flagged = len((await coordination.overview(COORDINATOR)).cases)
    print(f"  N={n:>6}  cases: {steps} steps recorded in 4 days, {flagged} flagged open cases in the pool", flush=True)
    return seconds


class InMemoryBacklog:
    """The open cases per pool a re-routing decision reads: routing keeps them in memory
    (``MongoRouteRepository``), so they cost the checker no store read; none here."""

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        return dict.fromkeys(pool_ids, 0)


def task_definitions(n: int, due_per_day: int, config: RoutingConfig) -> list[TaskDefinition]:
    """``n`` einvoice tasks requested on 2 November: ``due_per_day`` of them reach their warning day
    on each of the four measured days, the others later."""
    calendar = config.calendar_of_town(WURZEN)
    found = []
    for i in range(n):
        days = 1 + i % 4 if i < 4 * due_per_day else 20 + i % 40  # working days after 1 December
        pool_id = "wurzen" if i % 2 else "augustusburg"
        found.append(
            TaskDefinition(
                task_id=f"task-{i:07d}",
                case_id=f"case-{i:07d}",
                service=ServiceId.EINVOICE,
                owner_ags=POOLS[pool_id],
                pool_id=pool_id,
                kind="einvoice.review",
                title_de="Rechnung prüfen",
                instructions_de="Bitte die Rechnung sachlich prüfen.",
                outcomes=(Outcome(code="ok", label_de="Sachlich richtig"),),
                requested_at=REQUESTED_AT,
                target_date=calendar.add_working_days(FIRST_DAY, days),
            )
        )
    return found


async def store_task(tasks: MongoTaskRepository, definition: TaskDefinition, config: RoutingConfig, i: int) -> None:
    """Request the task as ``AcceptTaskRequest`` does; every other one claimed (its clerk keeps it when
    overdue, the open ones move to the partner pool), one in ten completed."""
    today = REQUESTED_AT.date()
    task = Task(definition=definition)
    await tasks.create(definition, ANCHOR, check_day=check_day(task, config, today))
    clerk = Actor("anna", frozenset({definition.pool_id}), frozenset({Role.CLERK}), definition.owner_ags)
    commands = [Command(Action.CLAIMED)] if i % 2 else []
    if i % 10 == 9:
        commands.append(Command(Action.COMPLETED, outcome="ok", reason="geprüft"))
    loaded = await tasks.load(definition.task_id)
    assert loaded is not None
    last_hash = loaded[2]
    for command in commands:
        change = decide(task, command, clerk, REQUESTED_AT)
        assert change is not None
        task = evolve(task, change)
        last_hash = await tasks.append(
            change, definition, last_hash, [], pool_id=task.pool_id, check_day=check_day(task, config, today)
        )


async def measure_tasks(
    db: AsyncDatabase[Document], active: ActiveConfig, n: int, due_per_day: int, repeat: int
) -> dict[str, float]:
    """Seconds per run of the task part, after four days of checker runs."""
    tasks, store = MongoTaskRepository(db), MongoTaskDeadlines(db)
    await tasks.create_indexes()
    await store.create_indexes()
    definitions = task_definitions(n, due_per_day, active.current)
    for start in range(0, n, 64):
        chunk = range(start, min(start + 64, n))
        await asyncio.gather(*(store_task(tasks, definitions[i], active.current, i) for i in chunk))
    await store.mark_swept((FIRST_DAY - timedelta(days=3)).isoformat())
    clock = [datetime(2026, 12, 1, 8, tzinfo=UTC)]

    async def before() -> None:
        """The old task part of a run: every unfinished task's records, replayed, its steps decided."""
        today = clock[0].date()
        for records in (await tasks.unfinished()).values():
            definition = TaskDefinition.model_validate(records[0]["definition"])
            task = replay(definition, [TaskChange.model_validate(r) for r in records[1:]])
            TaskTerms.of(task, active.current).steps(today)

    check = CheckTaskDeadlines(tasks, store, InMemoryBacklog())

    first_runs, steady_runs, steps = await four_days(check, active, clock, repeat)
    print(f"  N={n:>6}  tasks: {steps} steps recorded in 4 days", flush=True)
    return {
        "before: one checker run's task reads": await timed(before, repeat),
        "after: checker tasks, first run of a day": sum(first_runs) / len(first_runs),
        "after: checker tasks, later runs of the day": sum(steady_runs) / len(steady_runs),
    }


async def worked_task(tasks: MongoTaskRepository, i: int, *, complete: bool) -> None:
    """A task of Wurzen's pool requested and claimed, and completed if ``complete``."""
    definition = TaskDefinition(
        task_id=f"task-{i:07d}",
        case_id=f"case-{i:07d}",
        service=ServiceId.EINVOICE,
        owner_ags=WURZEN,
        pool_id="wurzen",
        kind="einvoice.review",
        title_de="Rechnung prüfen",
        instructions_de="Bitte die Rechnung sachlich prüfen.",
        outcomes=(Outcome(code="ok", label_de="Sachlich richtig"),),
        requested_at=REQUESTED_AT,
        target_date=FIRST_DAY + timedelta(days=i % 30),
    )
    await tasks.create(definition, ANCHOR, check_day=None)
    loaded = await tasks.load(definition.task_id)
    assert loaded is not None
    task, last_hash = Task(definition=definition), loaded[2]
    clerk = Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN)
    commands = [Command(Action.CLAIMED)] + (
        [Command(Action.COMPLETED, outcome="ok", reason="geprüft")] if complete else []
    )
    for command in commands:
        change = decide(task, command, clerk, REQUESTED_AT)
        assert change is not None
        task = evolve(task, change)
        last_hash = await tasks.append(change, definition, last_hash, [], pool_id="wurzen", check_day=None)


async def measure_worklists(uri: str, db_name: str, n: int, open_tasks: int, repeat: int) -> dict[str, float]:
    """Seconds per worklist page of a pool that completed ``n`` tasks and holds ``open_tasks``."""
    commands = StoreCommands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True, event_listeners=[commands])
    try:
        tasks = MongoTaskRepository(client[db_name])
        await tasks.set_up_store()
        await tasks.changes.create_index("pool_id", name="pool_id")  # what the old read used
        for start in range(0, n + open_tasks, 64):
            chunk = range(start, min(start + 64, n + open_tasks))
            await asyncio.gather(*(worked_task(tasks, i, complete=i < n) for i in chunk))
        clerk = Actor("anna", frozenset({"wurzen"}), frozenset({Role.CLERK}), WURZEN)
        worklists = Worklists(tasks, lambda: REQUESTED_AT)

        async def before() -> list[Task]:
            """The old page: every record filed under the pool, replayed, the completed tasks dropped."""
            grouped: dict[str, list[Document]] = {}
            records = await find_each(tasks.changes, "pool_id", ["wurzen"], projection={"outbox": 0})
            for record in sorted(records, key=lambda r: (r["task_id"], r["version"])):
                grouped.setdefault(record["task_id"], []).append(record)
            found = [
                replay(
                    TaskDefinition.model_validate(rs[0]["definition"]), [TaskChange.model_validate(r) for r in rs[1:]]
                )
                for rs in grouped.values()
            ]
            return [task for task in found if task.state is not TaskState.COMPLETED]

        async def after() -> list[Task]:
            return await worklists.visible(clerk)

        seconds = {}
        for label, page in [
            ("before: a worklist page (the pool's history)", before),
            ("after: a worklist page (open tasks only)", after),
        ]:
            commands.returned.clear()
            shown = len(await page())
            read = sum(commands.returned.values())
            print(f"  N={n:>6}  worklists: {label}: {shown} tasks shown, {read} documents read", flush=True)
            seconds[label] = await timed(page, repeat)
        return seconds
    finally:
        await client.close()


async def measure(
    uri: str, sizes: Sequence[int], parts: Sequence[str], due_per_day: int, repeat: int, open_tasks: int
) -> dict[int, dict[str, float]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    active = ActiveConfig(load_routing_config(PILOT_CONFIG, load_municipalities()))
    results: dict[int, dict[str, float]] = {}
    try:
        for n in sizes:
            results[n] = {}
            if "cases" in parts:
                db = client[f"bench_case_deadlines_{n}"]
                results[n] |= await measure_cases(db, active, n, due_per_day, repeat)
            if "tasks" in parts:
                results[n] |= await measure_tasks(client[f"bench_task_deadlines_{n}"], active, n, due_per_day, repeat)
            if "worklists" in parts:
                results[n] |= await measure_worklists(uri, f"bench_worklists_{n}", n, open_tasks, repeat)
            for label, seconds in results[n].items():
                print(f"  N={n:>6}  {label:<44}{1000 * seconds:9.1f} ms", flush=True)
    finally:
        await client.close()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        default="1000,10000",
        help="open cases and tasks (worklists: completed tasks) to measure at, ascending",
    )
    parser.add_argument(
        "--due-per-day", type=int, default=50, help="cases and tasks reaching their warning day per day"
    )
    parser.add_argument("--parts", default="cases,tasks", help="what to measure: cases, tasks, worklists")
    parser.add_argument("--open-tasks", type=int, default=20, help="worklists: the pool's open tasks besides N done")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each timed run per size")
    args = parser.parse_args(argv)
    configure_logging("bench", level="ERROR", json=False)  # not a line per warned case
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    print(f"Deadline benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}: mean time per run", flush=True)
    results = on_local_ferretdb(
        "ikdz-bench-case-deadlines-",
        lambda uri: measure(uri, sizes, parts, args.due_per_day, args.repeat, args.open_tasks),
    )
    if results is None:
        return 1
    print_growth(results, sizes, "")
    return 0


def on_local_ferretdb(
    prefix: str, measure: Callable[[str], Awaitable[dict[int, dict[str, float]]]]
) -> dict[int, dict[str, float]] | None:
    """Start a FerretDB of its own in a temporary directory, ``measure`` on its URI, then stop it and
    delete its data; None when interrupted."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    server = LocalFerretDB(data_dir)
    try:
        server.start()
        return asyncio.run(measure(server.uri))
    except KeyboardInterrupt:
        print("!! interrupted")
        return None
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def print_growth(results: Mapping[int, Mapping[str, float]], sizes: Sequence[int], what: str) -> None:
    """How much each measured time grew from the first size to the last."""
    first, last = sizes[0], sizes[-1]
    print(f"\n  growth from N={first} to N={last}{what}:")
    for label, seconds in results[last].items():
        print(f"    {label:<44}×{seconds / results[first][label]:>6.1f}")


if __name__ == "__main__":
    sys.exit(main())
