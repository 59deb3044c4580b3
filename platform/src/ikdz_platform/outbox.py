"""Transactional outbox on single-document writes (DESIGN.md section 4).

A state change and the events it causes are one document insert: the events sit in the document's
``outbox`` array with ``outbox_pending`` set. The relay claims pending documents with a lease, sends
their events with the idempotent producer, then empties the outbox. Delivery is at-least-once;
consumers deduplicate by event id. The relay selects by per-document status, never by id or time
order, so out-of-order commits are not skipped.

After its insert a document with an outbox is written only by the relay: FerretDB v1 can lose one of
two concurrent updates of a document (docs/architecture.md), so services record later changes as
new documents instead of updating this one.

High-volume writers use the batch path (:meth:`OutboxRelay.batch_writer`): many documents are
inserted with one ``insert_many`` and their events published together. Claiming and settling each
document would cost two updates per document, and on FerretDB v1 an update costs about five times an
insert. So the batch path settles per *window* instead: the batches a relay writes to one collection
within ``window_seconds`` (1 s, at most half the lease) share one small *batch record*
(``<collection>_outbox_batches``), inserted, already leased to this relay, by the first of them
(writers arriving meanwhile wait for that insert instead of making their own). The documents carry
its id in ``outbox_batch`` and ``outbox_pending: False``; the relay sends each batch's events as
soon as it is handed over, and once the window is closed (older than ``window_seconds``, or the
relay stops) and all its batches are sent, deletes the record, together with the records of the
other windows settled within ``settle_delay_seconds`` (one delete instead of one per window).

A batch record whose lease ran out (its relay died, or died before deleting it) or that was released
is taken over by the scan of any relay, which sends the events of all documents carrying its id. A
failure of any batch (its insert or its send failed, or the relay does not run) closes its window at
once and releases the record when the window's last batch is done: the trade-off for one record
insert per window instead of per batch is that a failure or a crash has up to a window's events of
that collection sent again, which idempotent consumers shrug off.

A document of the batch path stores its events as one text (:func:`packed_outbox`), compressed when
it is long: they are read back only when a batch is taken over, and FerretDB v1's insert cost grows
with every nested field and byte it converts (three entries as sub-documents cost it about 40 µs more
than as one text; a Gewerbe step's 19 KB of events, recipient messages in XML, cost it 0.9 ms as
text and 0.6 ms compressed to 3 KB).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import structlog
from ikdz_contracts.cloudevents import CONTENT_TYPE, CloudEvent, encode_text
from ikdz_contracts.ids import new_id
from prometheus_client import Counter
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from ikdz_platform.inbox import Duplicate, insert_each
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.queries import delete_each

log = structlog.get_logger(__name__)

OUTBOX_PUBLISHED = Counter("ikdz_outbox_published_total", "Events the outbox relay published", ["topic"])
OUTBOX_ERRORS = Counter("ikdz_outbox_errors_total", "Failed outbox relay passes")

Document = dict[str, Any]
T = TypeVar("T")


class Sender(Protocol):
    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None: ...


def outbox_entry(topic: str, event: CloudEvent[Any]) -> Document:
    """The stored form of one event to publish; the Kafka key is the event's subject (the case id).

    Only what differs per event is stored (the event id is inside the value, every event has the
    same content type), the value as JSON text: FerretDB v1 converts each field of an insert (binary
    data to base64), and these entries ride along with every case, route and step written.
    """
    return {"topic": topic, "key": event.subject, "value": encode_text(event)}


_ENTRY_FIELDS = {"topic", "key", "value"}


COMPRESS_FROM_BYTES = 2048
"""A packed outbox this long or longer is stored zlib-compressed (level 1: ~7 µs per KB here, and
CloudEvents JSON shrinks to a quarter or less), so the store converts and writes fewer bytes."""


def packed_outbox(entries: Sequence[Document]) -> str | bytes | list[Document]:
    """How the batch path stores a document's outbox: one line each for topic, key and value (JSON
    text, which has no line breaks) per entry, as text, or compressed (UTF-8, zlib) from
    ``COMPRESS_FROM_BYTES``; the list itself if an entry does not fit that form."""
    lines: list[Any] = []
    for entry in entries:
        if entry.keys() != _ENTRY_FIELDS:
            return list(entries)
        lines += (entry["topic"], entry["key"], entry["value"])
    if not lines or not all(isinstance(line, str) and "\n" not in line for line in lines):
        return list(entries)
    text = "\n".join(lines)
    if len(text) < COMPRESS_FROM_BYTES:
        return text
    return zlib.compress(text.encode(), 1)


def unpacked_outbox(stored: str | bytes | Sequence[Document]) -> list[Document]:
    """The outbox entries of a stored document, packed (:func:`packed_outbox`) or not."""
    if isinstance(stored, bytes):  # pymongo reads BSON binary back as bytes
        stored = zlib.decompress(stored).decode()
    if not isinstance(stored, str):
        return list(stored)
    lines = stored.split("\n")
    return [
        {"topic": topic, "key": key, "value": value}
        for topic, key, value in zip(lines[0::3], lines[1::3], lines[2::3], strict=True)
    ]


def new_document_outbox(entries: Sequence[Document]) -> Document:
    """Fields for a document inserted together with its first events."""
    return {"outbox": list(entries), "outbox_pending": bool(entries)}


_HEADERS: Mapping[str, bytes] = MappingProxyType({"content-type": CONTENT_TYPE.encode()})


def _message(entry: Mapping[str, Any]) -> OutgoingMessage:
    value = entry["value"]  # JSON text; entries of older versions stored it as binary, with this same header
    return OutgoingMessage(
        topic=entry["topic"],
        key=str(entry["key"]).encode(),
        value=value.encode() if isinstance(value, str) else bytes(value),
        headers=_HEADERS,
    )


class OutboxRelay:
    """Publishes pending outbox events of some collections; many replicas may run at once.

    Writers tell the relay which document they just wrote (:meth:`notify` with its id): the relay
    claims exactly those documents, an index lookup. The scan for pending documents, which FerretDB
    v1 can only answer by reading the whole collection, runs at start and then every
    ``poll_seconds`` as the safety net for what nobody announced: leftovers of a crashed replica, a
    failed send, an expired lease.
    """

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Document]],
        sender: Sender,
        *,
        poll_seconds: float = 5.0,
        lease_seconds: float = 30.0,
        batch_size: int = 200,
        concurrency: int = 16,
        settle_delay_seconds: float = 0.1,
        window_seconds: float = 1.0,
    ) -> None:
        self._collections = list(collections)
        self._sender = sender
        self._poll = poll_seconds
        self._lease = lease_seconds
        self._batch = batch_size
        self._concurrency = concurrency
        self._owner = new_id()
        self._wakeup = asyncio.Event()
        self._written: dict[str, set[Any]] = {}
        self._batch_records: dict[str, tuple[AsyncCollection[Document], AsyncCollection[Document]]] = {}
        self._ready: list[_Batch] = []
        self._settle_delay = settle_delay_seconds
        self._settle_due = 0.0  # when the oldest settled batch's record should be deleted at the latest
        self._settled: dict[str, tuple[AsyncCollection[Document], list[str]]] = {}  # records whose events went out
        self._failed: list[_Window] = []  # windows to release for the next scan
        # At most half the lease: every batch of a window has at least that long to be sent.
        self._window_seconds = min(window_seconds, lease_seconds / 2)
        self._windows: dict[str, _Window] = {}  # the open window per records collection
        self._opening: dict[str, asyncio.Lock] = {}  # one window opening at a time per records collection
        self._scan_requested = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def watch(self, collection: AsyncCollection[Document]) -> OutboxNotifier:
        """Also publish the outbox of ``collection``; returns what its writers call after a write."""
        if collection not in self._collections:
            self._collections.append(collection)
        return OutboxNotifier(self, collection)

    def batch_writer(self, collection: AsyncCollection[Document]) -> OutboxBatchWriter:
        """Insert documents with their events into ``collection`` in batches (see the module docstring)."""
        self.watch(collection)
        records = collection.database[f"{collection.name}_outbox_batches"]
        self._batch_records[collection.full_name] = (collection, records)
        return OutboxBatchWriter(self, collection, records)

    def notify(self, collection: AsyncCollection[Document] | None = None, doc_id: Any = None) -> None:
        """Something was written; the relay runs a pass at once instead of waiting.

        With the collection and the id of the document written, that pass claims the document by id;
        without, it scans every collection for pending documents.
        """
        if collection is None or doc_id is None:
            self._scan_requested = True
        else:
            self._written.setdefault(collection.full_name, set()).add(doc_id)
        self._wakeup.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Finish the pass under way and send what writers handed over, then close the windows and
        settle: the records of those whose batches were all sent are deleted, the others released
        (when the insert still under way is done) for the next scan of a running relay.

        A send cut off halfway would leave its window to be sent again; only a pass still running
        after ``grace_seconds`` (the broker is gone) is cancelled.
        """
        if self._task:
            self._stopping = True
            self._wakeup.set()
            done, _ = await asyncio.wait({self._task}, timeout=grace_seconds)
            if not done:
                log.warning("outbox_relay_stop_timed_out", seconds=grace_seconds)
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        for batch in self._take_ready():  # cancelled before it was sent
            self.batch_done(batch.window, sent=False)
        for window in self._windows.values():
            if not window.closed:
                self._close(window)
        self._windows.clear()
        await self._release_failed()
        await self._settle_quietly()

    async def _run(self) -> None:
        next_scan = 0.0  # the first pass scans: a previous run may have left pending documents
        while True:
            self._wakeup.clear()
            scan = self._scan_requested or time.monotonic() >= next_scan
            if scan:
                self._scan_requested = False
                next_scan = time.monotonic() + self._poll
            try:
                _, more = await self._pass(scan=scan)
            except Exception:
                OUTBOX_ERRORS.inc()
                log.exception("outbox_relay_failed")
                more = False
            if self._stopping:
                if self._ready or self._written:
                    continue  # handed over during the pass: send it before ending
                return
            if more:  # the scan filled a batch: there may be more pending documents
                self._scan_requested = True
                continue
            if self._failed:
                await self._release_failed()
            due = self._close_expired_windows()
            if self._settled and time.monotonic() >= self._settle_due:
                await self._settle_quietly()
            wait = max(0.0, min(next_scan, due) - time.monotonic())
            if self._settled:
                wait = min(wait, max(0.0, self._settle_due - time.monotonic()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=wait)

    async def run_once(self) -> int:
        """One full pass (scan included) over every collection, settled at once; returns how many events were published."""
        published, _ = await self._pass(scan=True)
        await self._delete_settled()
        return published

    async def _pass(self, *, scan: bool) -> tuple[int, bool]:
        """Relay the documents announced by id and, if *scan*, those a scan finds.

        Returns the events published and whether a scan filled its batch (more may be pending).
        """
        published = await self._send_batches(self._take_ready())
        full = False
        if scan:
            published += await self._send_batches(await self._expired_batches())
        for collection in self._collections:
            ids = self._written.pop(collection.full_name, set())
            now = time.time()
            if scan:
                found = await collection.find(
                    {"outbox_pending": True, **_lease_expired(now)}, projection={"_id": 1}, limit=self._batch
                ).to_list()
                full = full or len(found) >= self._batch
                ids.update(doc["_id"] for doc in found)
            if ids:
                published += await self._relay(collection, ids, now)
        return published, full

    def lease(self) -> Document:
        """The fields of a batch record held by this relay for ``lease_seconds`` from now."""
        return {"lease": time.time() + self._lease, "owner": self._owner}

    async def publish(self, batch: _Batch) -> None:
        """Send the events of a batch just written in this relay's next pass, which starts at once.

        A relay that does not run (``IKDZ_OUTBOX_RELAY_ENABLED=false``: another replica relays)
        fails the batch instead: its window's record is released once the window's last batch is
        done, so that the next scan of a running relay sends the events rather than waiting for the
        lease to run out.
        """
        if self._task is None:
            await self.batch_failed(batch.window)
            return
        self._ready.append(batch)
        self._wakeup.set()

    def _take_ready(self) -> list[_Batch]:
        ready, self._ready = self._ready, []
        return ready

    async def window(self, records: AsyncCollection[Document]) -> _Window:
        """The open window of ``records`` for one more batch of a writer, who then inserts its
        documents and hands the batch over (:meth:`publish`) or fails it (:meth:`batch_failed`).

        Opened (its record inserted) if there is none or it is older than ``window_seconds``;
        writers arriving meanwhile wait for that opening and join the window it opened.
        """
        name = records.full_name
        async with self._opening.setdefault(name, asyncio.Lock()):
            window = self._windows.get(name)
            if window is None or window.closed or time.monotonic() - window.opened >= self._window_seconds:
                if window is not None and not window.closed:
                    self._close(window)
                window = _Window(records, new_id(), time.monotonic())
                await records.insert_one({"_id": window.record_id, **self.lease()})
                self._windows[name] = window
            window.pending += 1  # before anything else runs: the relay closes no window with a batch to come
            return window

    def _close(self, window: _Window) -> None:
        """No more batches join ``window``; its record is deleted once they are all sent."""
        window.closed = True
        if window.pending == 0:
            self._settle_window(window)

    def _close_expired_windows(self) -> float:
        """Close the windows older than ``window_seconds``; returns when the next one expires."""
        due = float("inf")
        for name, window in list(self._windows.items()):
            expires = window.opened + self._window_seconds
            if window.closed or time.monotonic() >= expires:
                if not window.closed:
                    self._close(window)
                del self._windows[name]
            else:
                due = min(due, expires)
        return due

    def batch_done(self, window: _Window, *, sent: bool) -> None:
        """A batch of ``window`` was sent, or failed (a failure closes the window: it is released,
        not deleted, once its last batch is done, and the next scan sends all its documents' events)."""
        window.pending -= 1
        if not sent:
            window.failed = window.closed = True
        if window.closed and window.pending == 0:
            if window.failed:
                self._failed.append(window)
            else:
                self._settle_window(window)

    async def batch_failed(self, window: _Window) -> None:
        """A batch of ``window`` failed (see :meth:`batch_done`); releases the window if it was the last."""
        self.batch_done(window, sent=False)
        await self._release_failed()

    async def _release_failed(self) -> None:
        """Release the records of the failed windows whose batches are all done, for the next scan;
        one that fails to be released is taken over when its lease runs out."""
        failed, self._failed = self._failed, []
        for result in await self._each(failed, lambda window: window.release()):
            if isinstance(result, Exception):
                log.warning("outbox_window_release_failed", error=str(result))

    def _settle_window(self, window: _Window) -> None:
        """Delete the record of ``window`` (all its events went out) with the next coalesced delete."""
        if not self._settled:
            self._settle_due = time.monotonic() + self._settle_delay
        self._settled.setdefault(window.records.full_name, (window.records, []))[1].append(window.record_id)

    async def _expired_batches(self) -> list[_Batch]:
        """Batches whose relay died or failed to send: claim each record, read its documents' events."""
        batches = []
        now = time.time()
        for collection, records in self._batch_records.values():
            # The records collection holds only unfinished batches: reading it whole is cheap.
            for record in await records.find({"lease": {"$lt": now}}, projection={"_id": 1}).to_list():
                claimed = await records.find_one_and_update(
                    {"_id": record["_id"], "lease": {"$lt": now}},
                    {"$set": self.lease()},
                )
                if claimed is None:
                    continue  # another relay was quicker
                docs = await collection.find({"outbox_batch": record["_id"]}, projection={"outbox": 1}).to_list()
                entries = [entry for doc in docs for entry in unpacked_outbox(doc["outbox"])]
                batches.append(_Batch(_Window(records, record["_id"], 0.0, pending=1, closed=True), entries))
        return batches

    async def _send_batches(self, batches: list[_Batch]) -> int:
        """Send the events of whole batches at once; the record of a window whose batches are all
        sent is deleted once it is closed."""
        if not batches:
            return 0
        entries = [entry for batch in batches for entry in batch.entries]
        try:
            await self._sender.send_all([_message(entry) for entry in entries])
        except BaseException as error:
            for batch in batches:
                self.batch_done(batch.window, sent=False)
            if isinstance(error, Exception):  # cancelled: stop() releases
                # Give the windows back at once: the next scan reads their events from the store again.
                await self._release_failed()
            raise
        _count_published(entries)
        for batch in batches:
            self.batch_done(batch.window, sent=True)
        if sum(len(ids) for _, ids in self._settled.values()) >= self._batch:
            await self._delete_settled()  # many waiting: do not let the records collection grow
        return len(entries)

    async def _delete_settled(self) -> None:
        """Delete the records of the windows whose events went out: one delete per records collection.

        Deferred by up to ``settle_delay_seconds`` so that the windows of that time share one
        round trip instead of a delete each. A record not deleted yet keeps its lease; should this
        process die meanwhile, a scan takes the batch over when the lease runs out and sends its
        events again (consumers are idempotent).
        """
        settled, self._settled = self._settled, {}
        for records, ids in settled.values():
            await delete_each(records, ids)

    async def _settle_quietly(self) -> None:
        """Delete the settled records; a failure is logged: their leases run out, and a scan then
        sends their events once more."""
        try:
            await self._delete_settled()
        except Exception:
            OUTBOX_ERRORS.inc()
            log.exception("outbox_settle_failed")

    async def _relay(self, collection: AsyncCollection[Document], ids: Iterable[Any], now: float) -> int:
        """Claim, send and settle; the store round trips of a step overlap, up to ``concurrency`` at once."""
        claims = await self._each(ids, lambda doc_id: self._claim(collection, doc_id, now))
        docs = [doc for doc in claims if isinstance(doc, dict)]
        claimed = [doc for doc in docs if doc.get("outbox")]
        await self._each([doc["_id"] for doc in docs if not doc.get("outbox")], lambda i: self._settle(collection, i))
        if claimed:
            try:
                await self._sender.send_all([_message(entry) for doc in claimed for entry in doc["outbox"]])
            except Exception:
                # Give the documents back at once, so the next pass retries them.
                await self._each([doc["_id"] for doc in claimed], lambda i: self._release(collection, i))
                raise
            _count_published(entry for doc in claimed for entry in doc["outbox"])
            settled = await self._each([doc["_id"] for doc in claimed], lambda i: self._settle(collection, i))
            _raise_first(settled)
        _raise_first(claims)  # what failed to be claimed stays pending for the next scan
        return sum(len(doc["outbox"]) for doc in claimed)

    async def _each(self, items: Iterable[Any], step: Callable[[Any], Awaitable[T]]) -> list[T | BaseException]:
        """``step`` for every item, ``concurrency`` at a time; results (or errors) in the items' order."""
        limit = asyncio.Semaphore(self._concurrency)

        async def bounded(item: Any) -> T:
            async with limit:
                return await step(item)

        return await asyncio.gather(*(bounded(item) for item in items), return_exceptions=True)

    async def _claim(self, collection: AsyncCollection[Document], doc_id: Any, now: float) -> Document | None:
        """Take the document if it is pending and no live lease holds it; None if another relay has it."""
        return await collection.find_one_and_update(
            {"_id": doc_id, "outbox_pending": True, **_lease_expired(now)},
            {"$set": {"outbox_lease": now + self._lease, "outbox_owner": self._owner}},
        )  # no projection: FerretDB v1 does not implement it for findAndModify

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


def _count_published(entries: Iterable[Document]) -> None:
    """One counter update per topic, not per event (looking up a labelled child costs as much as
    building an event's record)."""
    for topic, n in collections.Counter(entry["topic"] for entry in entries).items():
        OUTBOX_PUBLISHED.labels(topic).inc(n)


def _raise_first(results: Iterable[object]) -> None:
    for result in results:
        if isinstance(result, Exception):
            raise result


def _lease_expired(now: float) -> Document:
    return {"$or": [{"outbox_lease": {"$exists": False}}, {"outbox_lease": {"$lt": now}}]}


@dataclass(eq=False)
class _Window:
    """The batches a relay writes to one collection within ``window_seconds``, and the record that
    stands for them until their events are sent (a taken-over record: a closed window of one batch)."""

    records: AsyncCollection[Document]
    record_id: str
    opened: float  # time.monotonic()
    pending: int = 0  # batches not done yet (sent or failed), inserts under way included
    closed: bool = False  # no more batches join
    failed: bool = False  # released instead of deleted when the last batch is done
    ids: collections.Counter[str] = field(default_factory=collections.Counter)
    """How many of the window's batches hold each document id (by ``repr``): a failed batch deletes
    only the documents no other batch of the window holds."""

    async def release(self) -> None:
        """Let the next scan of any relay take the window over."""
        await self.records.update_one({"_id": self.record_id}, {"$set": {"lease": 0.0}})


@dataclass(frozen=True)
class _Batch:
    """Events of one batch of documents and the window whose record stands for them until they are sent."""

    window: _Window
    entries: list[Document]


@dataclass(frozen=True)
class OutboxBatchWriter:
    """Inserts many documents with their events in one round trip; the relay publishes them."""

    relay: OutboxRelay
    collection: AsyncCollection[Document]
    records: AsyncCollection[Document]

    async def insert_each(self, items: Sequence[tuple[Document, Sequence[Document]]]) -> list[Duplicate | None]:
        """Insert each document with its outbox entries; per item None when it was inserted (its
        events will be sent), or the duplicate key that refused it (skipped with its events: a
        redelivery, or another document holds one of its unique keys).

        Any other write error is raised, and the batch is taken back (:meth:`_undo`): a caller
        that gets an error has nothing of its batch stored.
        """
        docs = [{**doc, "outbox": packed_outbox(entries), "outbox_pending": False} for doc, entries in items]
        ids = {repr(doc["_id"]) for doc in docs if "_id" in doc}
        window = await self.relay.window(self.records)  # from here on the batch counts until it is done
        for doc in docs:
            doc["outbox_batch"] = window.record_id
        window.ids.update(ids)
        try:
            refused = await insert_each(self.collection, docs)
        except BaseException as error:
            if not isinstance(error, Exception):  # cancelled: the documents stay, the window's scan sends them
                self.relay.batch_done(window, sent=False)
                raise
            await self._undo(window, docs, error)
            raise
        entries = [
            entry
            for (_, item_entries), duplicate in zip(items, refused, strict=True)
            if duplicate is None
            for entry in item_entries
        ]
        await self.relay.publish(_Batch(window, entries))
        return refused

    async def insert_many(self, items: Sequence[tuple[Document, Sequence[Document]]]) -> set[Any]:
        """Like :meth:`insert_each`; returns the ids inserted."""
        refused = await self.insert_each(items)
        return {doc["_id"] for (doc, _), duplicate in zip(items, refused, strict=True) if duplicate is None}

    async def _undo(self, window: _Window, docs: Sequence[Document], error: Exception) -> None:
        """Delete what of a failed batch was inserted, then fail the batch: its window is released
        for the next scan once the window's last batch is done.

        Only the batch's own documents are deleted: those of its ids that carry the window's id and
        that no other batch of the window holds (a write error names what was not inserted). The
        record stays until a relay's scan takes it over, so the events of a document whose insert
        lands only after this delete (a write the store still applied) are sent all the same, as
        are those of a document the delete failed to remove.
        """
        refused = (
            {e["index"] for e in error.details.get("writeErrors", [])} if isinstance(error, BulkWriteError) else set()
        )
        own = [
            doc["_id"]
            for index, doc in enumerate(docs)
            if index not in refused and "_id" in doc and window.ids[repr(doc["_id"])] <= 1
        ]
        try:
            await delete_each(self.collection, own, where={"outbox_batch": window.record_id})
        except Exception:
            log.exception("outbox_batch_undo_failed", window=window.record_id)
        await self.relay.batch_failed(window)


@dataclass(frozen=True)
class OutboxNotifier:
    """What a writer of one outbox collection calls after each write (see :meth:`OutboxRelay.notify`)."""

    relay: OutboxRelay
    collection: AsyncCollection[Document]

    def notify(self, doc_id: Any = None) -> None:
        """The document *doc_id* was written with events to publish (None: something, look for it)."""
        self.relay.notify(self.collection, doc_id)
