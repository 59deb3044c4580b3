"""Reading topics in tests: collect records until what a test waits for has arrived."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaConsumer


class TopicReader:
    """Reads topics from the beginning (no consumer group) and keeps every record it saw."""

    def __init__(self, bootstrap_servers: str, *topics: str) -> None:
        self._consumer = AIOKafkaConsumer(
            *topics, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest", group_id=None
        )
        self.records: list[Any] = []

    async def __aenter__(self) -> Self:
        await self._consumer.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._consumer.stop()

    async def wait_for(self, predicate: Callable[[list[Any]], bool], timeout: float = 15.0) -> list[Any]:
        """Poll until ``predicate(records)`` holds; fail with what was seen after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate(self.records):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [(r.topic, r.value[:120]) for r in self.records]
                msg = f"condition not met within {timeout}s; saw {len(self.records)} records: {seen}"
                raise AssertionError(msg)
            batch = await self._consumer.getmany(timeout_ms=int(min(remaining, 0.5) * 1000))
            for records in batch.values():
                self.records.extend(records)
        return self.records

    async def settle(self, seconds: float = 1.0) -> list[Any]:
        """Keep reading for ``seconds`` so late duplicates would show up."""
        await asyncio.sleep(0)
        end = time.monotonic() + seconds
        while (remaining := end - time.monotonic()) > 0:
            batch = await self._consumer.getmany(timeout_ms=int(remaining * 1000))
            for records in batch.values():
                self.records.extend(records)
        return self.records
