"""Ports and errors of the task use cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from ikdz_routing.app.ports import DayBuckets
from ikdz_routing.domain.tasks import TaskChange, TaskDefinition


class ConcurrentChangeError(Exception):
    """Another change to the same task was stored first; the caller may reload and retry."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"task {task_id} was changed concurrently")
        self.task_id = task_id


class TaskNotFoundError(Exception):
    def __init__(self, task_id: str) -> None:
        super().__init__(f"no task {task_id}")
        self.task_id = task_id


class TaskRepository(Protocol):
    async def route_of(self, case_id: str) -> dict[str, Any] | None: ...

    async def create(self, definition: TaskDefinition, anchor: str | None, *, check_day: str | None) -> bool:
        """Store a requested task (version 0), filed under ``check_day`` for the deadline checker;
        False if it exists (a redelivered request)."""
        ...

    async def load(self, task_id: str) -> tuple[TaskDefinition, list[TaskChange], str] | None: ...

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
        """Store ``change`` of a task that is in ``pool_id`` (its pool before a re-routing), filed
        under ``check_day``, the day the deadline checker next looks at the task (None: never); the
        new record's hash. ``ConcurrentChangeError`` if another change took the version first."""
        ...

    async def open_in_pools(self, pool_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Every record of each task that is not completed and is now in one of the pools, by task,
        in version order; reads nothing of the pools' completed tasks."""
        ...

    async def completed_in_pools(
        self, pool_ids: Iterable[str], days: Iterable[date]
    ) -> dict[str, list[dict[str, Any]]]:
        """Every record of each task completed in one of the pools on one of the (Saxon) days, by
        task, in version order (a completion stored before ``completed_pool_day`` was recorded is not found)."""
        ...

    async def unfinished(self) -> dict[str, list[dict[str, Any]]]:
        """Every record of each task that is not completed, by task, in version order: a full scan,
        for a store from before the deadline checker's buckets or the open-task markers only."""
        ...

    async def of_case(self, case_id: str) -> list[dict[str, Any]]: ...


class TaskDeadlineStore(DayBuckets, Protocol):
    """Tasks filed by the day of their next deadline step: each task change record carries the day
    (``deadline_check_day``), and the checker files a task again where no change of it does."""

    async def due(self, day: str) -> list[dict[str, Any]]:
        """The filings under ``day``: ``task_id`` of change records and of the checker's filings."""
        ...

    async def schedule(self, task_id: str, day: str) -> None:
        """File the task under ``day``; once, however many checkers do it."""
        ...
