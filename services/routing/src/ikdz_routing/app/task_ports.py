"""Ports and errors of the task use cases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

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

    async def create(self, definition: TaskDefinition, anchor: str | None) -> bool: ...

    async def load(self, task_id: str) -> tuple[TaskDefinition, list[TaskChange], str] | None: ...

    async def append(
        self,
        change: TaskChange,
        definition: TaskDefinition,
        prev_hash: str,
        outbox: list[dict[str, Any]],
        *,
        pool_id: str,
    ) -> str:
        """Store ``change`` of a task that is in ``pool_id`` (its pool before a re-routing); the new
        record's hash. ``ConcurrentChangeError`` if another change took the version first."""
        ...

    async def in_pools(self, pool_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Every record of each task that is or was in one of the pools, by task, in version order."""
        ...

    async def unfinished(self) -> dict[str, list[dict[str, Any]]]:
        """Every record of each task that is not completed, by task, in version order."""
        ...

    async def of_case(self, case_id: str) -> list[dict[str, Any]]: ...
