"""RouteCase writes a large batch in chunks, deciding the next chunk while the last one is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.topics import Topics
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.route_case import RouteCase

from .test_routing_service import submitted_event

Routes = Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]


class HeldRoutes:
    """Routes in memory; each write waits for ``gate`` and the writes happen one at a time, in call order."""

    def __init__(self, *, fail_on_call: int | None = None) -> None:
        self.gate = asyncio.Event()
        self.gate.set()
        self.calls: list[list[str]] = []
        self.stored: dict[str, str | None] = {}
        self._lock = asyncio.Lock()
        self._fail_on_call = fail_on_call

    async def open_cases(self, pool_ids: Iterable[str]) -> dict[str, int]:
        return {pool_id: 3 if pool_id == "wurzen" else 0 for pool_id in pool_ids}

    async def insert_many(self, routes: Routes) -> set[str]:
        self.calls.append([route["_id"] for route, _ in routes])
        number = len(self.calls)
        async with self._lock:
            await self.gate.wait()
            if number == self._fail_on_call:
                msg = "store unavailable"
                raise ConnectionError(msg)
            for route, _ in routes:
                self.stored[route["_id"]] = route["pool_id"]
        return {route["_id"] for route, _ in routes}

    async def close(self, closings: Sequence[tuple[str, str | None]]) -> None:
        raise NotImplementedError(closings)


def route_case(repository: HeldRoutes, chunk: int) -> RouteCase:
    municipalities = load_municipalities()
    return RouteCase(
        repository,
        ActiveConfig(load_routing_config(PILOT_CONFIG, municipalities)),
        municipalities,
        Topics("t"),
        lambda: datetime(2026, 12, 7, 9, tzinfo=UTC),
        chunk=chunk,
    )


CASES = [submitted_event(f"c{n:03d}", ("14729410", "14522020")[n % 3 == 0]) for n in range(250)]


async def test_a_batch_is_written_in_chunks_in_order_with_the_decisions_of_one_write() -> None:
    chunked, whole = HeldRoutes(), HeldRoutes()
    await route_case(chunked, chunk=100)(CASES)
    await route_case(whole, chunk=1000)(CASES)

    assert [len(call) for call in chunked.calls] == [100, 100, 50]
    assert [case_id for call in chunked.calls for case_id in call] == [case.data.case_id for case in CASES]
    assert len(whole.calls) == 1
    assert chunked.stored == whole.stored
    assert set(chunked.stored.values()) == {"wurzen", "augustusburg"}


async def test_later_chunks_are_decided_while_the_first_is_being_written() -> None:
    repository = HeldRoutes()
    repository.gate.clear()  # the store does not finish any write yet
    call = asyncio.create_task(route_case(repository, chunk=100)(CASES))
    async with asyncio.timeout(5):
        while len(repository.calls) < 3:
            await asyncio.sleep(0.01)
    assert not repository.stored
    assert not call.done(), "the batch is not done (nor committed) before its chunks are stored"

    repository.gate.set()
    await asyncio.wait_for(call, 5)
    assert len(repository.stored) == 250


async def test_a_failed_chunk_fails_the_batch_after_the_other_chunks_were_written() -> None:
    repository = HeldRoutes(fail_on_call=2)
    with pytest.raises(ConnectionError, match="store unavailable"):
        await route_case(repository, chunk=100)(CASES)
    assert len(repository.calls) == 3
    assert sorted(repository.stored) == sorted(case.data.case_id for case in CASES[:100] + CASES[200:])
