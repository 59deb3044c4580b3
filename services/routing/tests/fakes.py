"""In-memory stand-ins for routing's ports, for fast unit tests."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.producer import OutgoingMessage
from ikdz_routing.app.case_deadlines import CASE_FIELDS
from ikdz_routing.app.config_admin import VersionTakenError
from ikdz_routing.app.task_ports import ConcurrentChangeError
from ikdz_routing.domain.audit import GENESIS, chained
from ikdz_routing.domain.calendar import saxon_day
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.tasks import Action, TaskChange, TaskDefinition


class FakeConfigVersions:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    async def latest(self) -> dict[str, Any] | None:
        return copy.deepcopy(max(self.records.values(), key=lambda r: r["seq"], default=None))

    async def get(self, version: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(version))

    async def add(self, record: dict[str, Any]) -> None:
        if record["_id"] in self.records or any(r["seq"] == record["seq"] for r in self.records.values()):
            raise VersionTakenError(record["_id"])
        self.records[record["_id"]] = copy.deepcopy(record)

    async def history(self) -> list[dict[str, Any]]:
        return sorted(copy.deepcopy(list(self.records.values())), key=lambda r: r["seq"])


class FakeConfigSource:
    """A configuration 'file' whose content a test replaces; ``parse`` validates like the real one."""

    path = Path("routing.yaml")

    def __init__(self, config: RoutingConfig) -> None:
        self.config: RoutingConfig | Exception = config
        self._seen = True

    def replace(self, config: RoutingConfig | Exception) -> None:
        self.config, self._seen = config, False

    def changed(self) -> bool:
        return not self._seen

    def load(self) -> RoutingConfig:
        self._seen = True
        if isinstance(self.config, Exception):
            raise self.config
        return self.config

    def parse(self, raw: Any, *, where: str) -> RoutingConfig:  # noqa: ARG002 - the real one names it in errors
        return RoutingConfig.model_validate(raw)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeTaskRepository:
    """Task records in memory, with the store's rules: one record per version, chained hashes."""

    def __init__(self, routes: dict[str, dict[str, Any]] | None = None) -> None:
        self.routes = routes or {}
        self.records: dict[str, dict[str, Any]] = {}
        self.created: list[TaskDefinition] = []
        self.anchors: list[str | None] = []
        self.full_scans = 0
        self.loaded: list[str] = []

    async def route_of(self, case_id: str) -> dict[str, Any] | None:
        return self.routes.get(case_id)

    async def create(self, definition: TaskDefinition, anchor: str | None, *, check_day: str | None) -> bool:
        key = f"{definition.task_id}:000000"
        if key in self.records:
            return False
        self.created.append(definition)
        self.anchors.append(anchor)
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
            **({"deadline_check_day": check_day} if check_day else {}),
        }
        self.records[key] = {"_id": key, **chained(anchor or GENESIS, record)}
        return True

    async def load(self, task_id: str) -> tuple[TaskDefinition, list[TaskChange], str] | None:
        self.loaded.append(task_id)
        records = self._of(task_id)
        if not records:
            return None
        changes = [TaskChange.model_validate(r) for r in records[1:]]
        return TaskDefinition.model_validate(records[0]["definition"]), changes, records[-1]["hash"]

    async def append(
        self,
        change: TaskChange,
        definition: TaskDefinition,
        prev_hash: str,
        outbox: list[dict[str, Any]],
        *,
        pool_id: str,
        check_day: str | None,
    ) -> str:
        key = f"{change.task_id}:{change.version:06d}"
        if key in self.records:
            raise ConcurrentChangeError(change.task_id)
        record = {
            **change.model_dump(mode="json"),
            "case_id": definition.case_id,
            "pool_id": change.pool_id or pool_id,
            **({"deadline_check_day": check_day} if check_day else {}),
        }
        if change.action is Action.COMPLETED:
            record["completed_pool_day"] = f"{record['pool_id']}:{saxon_day(change.at).isoformat()}"
        self.records[key] = {"_id": key, **chained(prev_hash, record), "outbox": outbox}
        return str(self.records[key]["hash"])

    async def open_in_pools(self, pool_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        wanted = set(pool_ids)
        tasks = {task_id: self._of(task_id) for task_id in sorted({r["task_id"] for r in self.records.values()})}
        return {
            task_id: records
            for task_id, records in tasks.items()
            if records[-1]["pool_id"] in wanted and all(r["action"] != "completed" for r in records)
        }

    async def completed_in_pools(
        self, pool_ids: Iterable[str], days: Iterable[date]
    ) -> dict[str, list[dict[str, Any]]]:
        wanted = [day.isoformat() for day in days]
        keys = {f"{pool_id}:{day}" for pool_id in pool_ids for day in wanted}
        ids = {r["task_id"] for r in self.records.values() if r.get("completed_pool_day") in keys}
        return {task_id: self._of(task_id) for task_id in sorted(ids)}

    async def unfinished(self) -> dict[str, list[dict[str, Any]]]:
        self.full_scans += 1
        ids = {r["task_id"] for r in self.records.values()}
        return {t: self._of(t) for t in sorted(ids) if all(r["action"] != "completed" for r in self._of(t))}

    async def of_case(self, case_id: str) -> list[dict[str, Any]]:
        return sorted((r for r in self.records.values() if r["case_id"] == case_id), key=lambda r: r["version"])

    def _of(self, task_id: str) -> list[dict[str, Any]]:
        return sorted((r for r in self.records.values() if r["task_id"] == task_id), key=lambda r: r["version"])


class FakeRoutes:
    """Open cases per pool, as a test sets them."""

    def __init__(self, backlog: dict[str, int] | None = None) -> None:
        self.backlog = backlog or {}

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        return {pool_id: self.backlog.get(pool_id, 0) for pool_id in pool_ids}

    async def insert_many(self, routes: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> set[str]:
        raise NotImplementedError(routes)

    async def close(self, closings: Sequence[tuple[str, str | None]]) -> None:
        raise NotImplementedError(closings)


class UnsentEvents:
    """An outbox relay's sender for tests that look at the store only: it keeps what it was given."""

    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.messages.extend(messages)


def store_only_relay() -> OutboxRelay:
    """A relay that is never started: routes written through it stay in the store with their events."""
    return OutboxRelay([], UnsentEvents())


class FakeDayBuckets:
    """The deadline checker's filings and sweeps in memory (write-once keys); records the days read."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.checks: dict[str, dict[str, Any]] = {}
        self.sweeps: set[str] = set()
        self.days_read: list[str] = []

    def filed(self, day: str) -> list[dict[str, Any]]:
        self.days_read.append(day)
        return [copy.deepcopy(c) for c in self.checks.values() if c["day"] == day]

    def file(self, subject_id: str, day: str, fields: Mapping[str, Any]) -> None:
        key = f"{subject_id}:{day}"
        self.checks.setdefault(key, {**fields, "_id": key, self.subject: subject_id, "day": day})

    async def swept_through(self) -> str | None:
        return max(self.sweeps, default=None)

    async def mark_swept(self, day: str) -> None:
        self.sweeps.add(day)


class FakeCaseDeadlines(FakeDayBuckets):
    """The deadline checker's case store in memory, with the store's rules (write-once keys); counts
    what the checker reads, so tests see that it reads only the day buckets it needs."""

    def __init__(self, routes: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__("case_id")
        self.routes = {str(route["_id"]): route for route in routes}
        self.closed: set[str] = set()
        self.records: dict[str, dict[str, Any]] = {}
        self.flagged: dict[str, dict[str, Any]] = {}
        self.full_scans = 0

    async def due(self, day: str) -> list[dict[str, Any]]:
        routed = [{**r, "case_id": k} for k, r in self.routes.items() if r.get("deadline_check_day") == day]
        return copy.deepcopy(routed) + self.filed(day)

    async def schedule(self, case_id: str, day: str, case: Mapping[str, Any]) -> None:
        self.file(case_id, day, {key: case.get(key) for key in CASE_FIELDS})

    async def route(self, case_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.routes.get(case_id))

    async def is_closed(self, case_id: str) -> bool:
        return case_id in self.closed

    async def open_routes(self) -> list[dict[str, Any]]:
        self.full_scans += 1
        return [r for k, r in self.routes.items() if r.get("pool_id") and k not in self.closed]

    async def steps(self, case_id: str) -> list[dict[str, Any]]:
        return sorted((r for r in self.records.values() if r["case_id"] == case_id), key=lambda r: r["seq"])

    async def add_step(self, key: str, record: dict[str, Any]) -> bool:
        if key in self.records:
            return False
        self.records[key] = copy.deepcopy(record)
        return True

    async def flag(self, key: str, record: dict[str, Any]) -> None:
        self.flagged.setdefault(key, copy.deepcopy(record))

    async def flags(self, pool_ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = set(pool_ids)
        return [copy.deepcopy(f) for f in self.flagged.values() if f["pool_id"] in wanted]

    async def unflag(self, case_id: str) -> None:
        self.flagged = {k: f for k, f in self.flagged.items() if f["case_id"] != case_id}


class FakeTaskDeadlines(FakeDayBuckets):
    """Tasks filed by day in memory: the records of a ``FakeTaskRepository`` by their
    ``deadline_check_day``, and the checker's own filings."""

    def __init__(self, tasks: FakeTaskRepository) -> None:
        super().__init__("task_id")
        self.tasks = tasks

    async def due(self, day: str) -> list[dict[str, Any]]:
        changes = [
            {"_id": key, "task_id": r["task_id"]}
            for key, r in self.tasks.records.items()
            if r.get("deadline_check_day") == day
        ]
        return changes + self.filed(day)

    async def schedule(self, task_id: str, day: str) -> None:
        self.file(task_id, day, {})
