"""Background jobs that run every few seconds inside a service process (deadline checks, config
polling). A failing run is logged and counted; the next run still happens."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import Counter

log = structlog.get_logger(__name__)

PERIODIC_ERRORS = Counter("ikdz_periodic_errors_total", "Failed runs of periodic jobs.", ["job"])


class Periodic:
    """Runs ``job`` every ``seconds`` until stopped; the first run comes after one interval."""

    def __init__(self, name: str, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self._seconds = seconds
        self._job = job
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._seconds)
            try:
                await self._job()
            except Exception:
                PERIODIC_ERRORS.labels(self.name).inc()
                log.exception("periodic_job_failed", job=self.name)
