"""The outbox relay overlaps its store round trips, but only so many at once (unit test on a fake collection)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ikdz_platform.outbox import OutboxRelay, new_document_outbox, outbox_entry
from ikdz_platform.producer import OutgoingMessage

from .events import status_event


class SlowCollection:
    """Answers like a store that takes 20 ms per round trip; records how many were in flight at once."""

    full_name = "test.cases"

    def __init__(self, docs: dict[str, dict[str, Any]]) -> None:
        self.docs = docs
        self.in_flight = 0
        self.most_in_flight = 0
        self.settled: list[str] = []

    async def _round_trip(self) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0.02)
        self.in_flight -= 1

    def find(self, _filter: Any, **_options: Any) -> Any:
        collection = self

        class Cursor:
            async def to_list(self) -> list[dict[str, Any]]:
                await collection._round_trip()
                return []  # the scan finds nothing: only announced documents are relayed

        return Cursor()

    async def find_one_and_update(self, query: dict[str, Any], _update: dict[str, Any]) -> dict[str, Any] | None:
        await self._round_trip()
        doc = self.docs.get(query["_id"])
        return dict(doc) if doc is not None and doc["outbox_pending"] else None

    async def update_one(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        await self._round_trip()
        if "$set" in update and update["$set"].get("outbox_pending") is False:
            self.docs[query["_id"]]["outbox_pending"] = False
            self.settled.append(query["_id"])


class Recorder:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.sent.extend(messages)


async def test_claims_and_settles_overlap_up_to_the_limit() -> None:
    ids = [f"c{n}" for n in range(12)]
    cases = SlowCollection(
        {i: {"_id": i, **new_document_outbox([outbox_entry("t.case.status.v1", status_event(i, i))])} for i in ids}
    )
    sender = Recorder()
    relay = OutboxRelay([], sender, poll_seconds=30, concurrency=4)
    outbox = relay.watch(cases)  # type: ignore[arg-type]
    relay.start()
    try:
        for i in ids:
            outbox.notify(i)
        async with asyncio.timeout(5):
            while len(cases.settled) < len(ids):
                await asyncio.sleep(0.01)
    finally:
        await relay.stop()
    assert sorted(m.key.decode() for m in sender.sent) == sorted(ids)
    assert sorted(cases.settled) == sorted(ids)
    assert cases.most_in_flight == 4, "round trips overlap, but never more than the limit"
