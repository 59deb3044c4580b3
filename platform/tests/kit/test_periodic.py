"""Periodic jobs keep running after a failed run, count the failure, and stop when asked."""

from __future__ import annotations

import asyncio

from ikdz_platform.periodic import PERIODIC_ERRORS, Periodic


async def test_a_failing_run_is_counted_and_the_next_run_still_comes() -> None:
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("store unavailable")

    before = PERIODIC_ERRORS.labels("test-job")._value.get()
    periodic = Periodic("test-job", 0.01, job)
    periodic.start()
    async with asyncio.timeout(5):
        while len(runs) < 3:
            await asyncio.sleep(0.01)
    await periodic.stop()
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at  # no run after stop
    assert PERIODIC_ERRORS.labels("test-job")._value.get() == before + 1
