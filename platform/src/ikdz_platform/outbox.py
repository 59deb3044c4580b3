"""Transactional outbox on single-document writes (DESIGN.md section 4).

A state change and the events it causes are one document insert: the events sit in the document's
``outbox`` array with ``outbox_pending`` set. The relay claims pending documents with a lease, sends
their events with the idempotent producer, then empties the outbox. Delivery is at-least-once;
consumers deduplicate by event id. The relay selects by per-document status, never by id or time
order, so out-of-order commits are not skipped.

After its insert a document with an outbox is written only by the relay: FerretDB v1 can lose one of
two concurrent updates of a document (docs/architecture.md), so services record later changes as
new documents instead of updating this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import structlog
from ikdz_contracts.cloudevents import CONTENT_TYPE, CloudEvent, encode
from ikdz_contracts.ids import new_id
from prometheus_client import Counter
from pymongo.asynchronous.collection import AsyncCollection

from ikdz_platform.producer import OutgoingMessage

log = structlog.get_logger(__name__)

OUTBOX_PUBLISHED = Counter("ikdz_outbox_published_total", "Events the outbox relay published", ["topic"])
OUTBOX_ERRORS = Counter("ikdz_outbox_errors_total", "Failed outbox relay passes")

Document = dict[str, Any]


class Sender(Protocol):
    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None: ...


def outbox_entry(topic: str, event: CloudEvent[Any]) -> Document:
    """The stored form of one event to publish; the Kafka key is the event's subject (the case id)."""
    return {
        "id": event.id,
        "topic": topic,
        "key": event.subject,
        "value": encode(event),
        "headers": {"content-type": CONTENT_TYPE.encode()},
    }


def new_document_outbox(entries: Sequence[Document]) -> Document:
    """Fields for a document inserted together with its first events."""
    return {"outbox": list(entries), "outbox_pending": bool(entries)}


def _message(entry: Mapping[str, Any]) -> OutgoingMessage:
    return OutgoingMessage(
        topic=entry["topic"],
        key=str(entry["key"]).encode(),
        value=bytes(entry["value"]),
        headers={k: bytes(v) for k, v in entry["headers"].items()},
    )


class OutboxRelay:
    """Publishes pending outbox events of some collections; many replicas may run at once."""

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Document]],
        sender: Sender,
        *,
        poll_seconds: float = 0.5,
        lease_seconds: float = 30.0,
        batch_size: int = 200,
    ) -> None:
        self._collections = list(collections)
        self._sender = sender
        self._poll = poll_seconds
        self._lease = lease_seconds
        self._batch = batch_size
        self._owner = new_id()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def watch(self, collection: AsyncCollection[Document]) -> None:
        """Also publish the outbox of ``collection``."""
        if collection not in self._collections:
            self._collections.append(collection)

    def notify(self) -> None:
        """Tell the relay that something was written; it runs a pass at once instead of waiting."""
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            try:
                sent = await self.run_once()
            except Exception:
                OUTBOX_ERRORS.inc()
                log.exception("outbox_relay_failed")
                sent = 0
            if sent:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll)

    async def run_once(self) -> int:
        """One pass over every collection; returns how many events were published."""
        total = 0
        for collection in self._collections:
            total += await self._relay_collection(collection)
        return total

    async def _relay_collection(self, collection: AsyncCollection[Document]) -> int:
        now = time.time()
        expired = {"$or": [{"outbox_lease": {"$exists": False}}, {"outbox_lease": {"$lt": now}}]}
        candidates = await collection.find(
            {"outbox_pending": True, **expired}, projection={"_id": 1}, limit=self._batch
        ).to_list()
        claimed: list[Document] = []
        for candidate in candidates:
            doc = await collection.find_one_and_update(
                {"_id": candidate["_id"], "outbox_pending": True, **expired},
                {"$set": {"outbox_lease": now + self._lease, "outbox_owner": self._owner}},
            )  # no projection: FerretDB v1 does not implement it for findAndModify
            if doc is not None and doc.get("outbox"):
                claimed.append(doc)
            elif doc is not None:
                await self._settle(collection, doc["_id"])
        if not claimed:
            return 0
        try:
            await self._sender.send_all([_message(entry) for doc in claimed for entry in doc["outbox"]])
        except Exception:
            for doc in claimed:  # give the documents back at once, so the next pass retries them
                await self._release(collection, doc["_id"])
            raise
        for doc in claimed:
            for entry in doc["outbox"]:
                OUTBOX_PUBLISHED.labels(entry["topic"]).inc()
            await self._settle(collection, doc["_id"])
        return sum(len(doc["outbox"]) for doc in claimed)

    async def _settle(self, collection: AsyncCollection[Document], doc_id: Any) -> None:
        """Everything in the outbox was sent (or it was empty)."""
        await collection.update_one(
            {"_id": doc_id},
            {"$set": {"outbox": [], "outbox_pending": False}, "$unset": {"outbox_lease": "", "outbox_owner": ""}},
        )

    async def _release(self, collection: AsyncCollection[Document], doc_id: Any) -> None:
        await collection.update_one(
            {"_id": doc_id, "outbox_owner": self._owner},
            {"$unset": {"outbox_lease": "", "outbox_owner": ""}},
        )
