"""Cases in MongoDB (or FerretDB): one document per case, carrying its outbox and applied events.

New cases go through the outbox's batch path (``OutboxRelay.batch_writer``) with group commit: the
cases submitted while one insert is in flight are inserted together with the next, and their
``case.submitted`` events are published from memory. Claiming and settling each case on its own
cost two updates of the ~4 KB document per case, and on FerretDB v1 an update costs about five
times an insert.

A case's payload is stored as one JSON text, not as nested fields: FerretDB v1's cost of an insert
grows with the number of fields, a Gewerbeanzeige has some 80, and nothing queries inside a payload
(a third less of FerretDB's CPU per case insert). Reads give the payload back as a dict; cases of
older versions, stored with the payload nested, read as they are.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from ikdz_platform.group_commit import GroupCommit
from ikdz_platform.inbox import insert_many_once, insert_once
from ikdz_platform.outbox import OutboxRelay
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError as MongoDuplicateKeyError

from ikdz_intake.app.ports import DuplicateKeyError
from ikdz_intake.domain.case import StatusEntry

Document = dict[str, Any]


class MongoCaseRepository:
    def __init__(
        self,
        db: AsyncDatabase[Document],
        relay: OutboxRelay,
        *,
        number_block: int = 20,
        known_cases: int = 100_000,
        insert_batch: int = 100,
    ) -> None:
        self.cases: AsyncCollection[Document] = db["cases"]
        self._writer = relay.batch_writer(self.cases)
        self._inserts: GroupCommit[tuple[Document, list[Document]], None] = GroupCommit(
            self._insert_batch, max_batch=insert_batch, name="intake-case-inserts"
        )
        self._statuses: AsyncCollection[Document] = db["case_statuses"]
        self._counters: AsyncCollection[Document] = db["counters"]
        self._blocks: AsyncCollection[Document] = db["sequence_blocks"]
        self._block_size = number_block
        self._reserved: dict[str, tuple[int, int]] = {}  # counter -> (next number, last of the block)
        self._sequence_lock = asyncio.Lock()
        self._known: OrderedDict[str, None] = OrderedDict()  # case ids seen stored, oldest first
        self._known_limit = known_cases

    async def create_indexes(self) -> None:
        await self.cases.create_index("idempotency_key", unique=True, name="idempotency_key_unique")
        await self.cases.create_index("file_number", unique=True, name="file_number_unique")
        await self.cases.create_index("outbox_pending", name="outbox_pending")  # cases of older versions
        await self.cases.create_index("outbox_batch", name="outbox_batch")
        await self._statuses.create_index("case_id", name="case_id")

    async def next_sequence(self, counter: str) -> int:
        """The next number of a block this process reserved; a new block every ``number_block`` numbers.

        One store round trip per block instead of per number. Numbers are unique across processes
        and restarts, but not gapless: what is left of a block when the process stops is skipped.
        """
        async with self._sequence_lock:
            number, last = self._reserved.get(counter, (1, 0))
            if number > last:
                last = await self._reserve_block(counter)
                number = last - self._block_size + 1
            self._reserved[counter] = (number + 1, last)
            return number

    async def _reserve_block(self, counter: str) -> int:
        """The last number of a block no other process holds.

        The counter's ``$inc`` proposes a block; an insert keyed by its last number claims it. FerretDB
        v1 can give two concurrent increments the same result (a lost update): then only one insert
        succeeds and the other process proposes the next block.
        """
        for _ in range(20):
            last = await self._increment(counter, self._block_size)
            if await insert_once(self._blocks, f"{counter}:{last}", {"counter": counter, "size": self._block_size}):
                return last
        msg = f"could not reserve a block of numbers for {counter}"
        raise RuntimeError(msg)

    async def _increment(self, counter: str, by: int) -> int:
        for _ in range(5):
            try:
                doc = await self._counters.find_one_and_update(
                    {"_id": counter}, {"$inc": {"value": by}}, upsert=True, return_document=ReturnDocument.AFTER
                )
            except MongoDuplicateKeyError:
                continue  # two first increments raced to create the counter; the loser increments it now
            if doc is not None:
                return int(doc["value"])
        msg = f"could not increment counter {counter}"
        raise RuntimeError(msg)

    async def insert(self, case: Document, outbox: list[Document]) -> None:
        """Stored with the cases submitted meanwhile (group commit); returns once it is stored."""
        await self._inserts.submit((stored_form(case), outbox))
        self._remember(case["_id"])

    async def _insert_batch(self, items: list[tuple[Document, list[Document]]]) -> list[DuplicateKeyError | None]:
        """One insert for the batch; a case a unique index refused fails only its own caller."""
        refused = await self._writer.insert_each(items)
        return [None if dup is None else DuplicateKeyError(dup.message, field=dup.field) for dup in refused]

    async def find_by_idempotency_key(self, key: str) -> Document | None:
        return _read(await self.cases.find_one({"idempotency_key": key}))

    async def get(self, case_id: str) -> Document | None:
        """The case with its whole status history: the entry stored with it plus the projected ones."""
        case = _read(await self.cases.find_one({"_id": case_id}, projection={"outbox": 0}))
        if case is not None:
            projected = await self._statuses.find({"case_id": case_id}, projection={"_id": 0, "case_id": 0}).to_list()
            case["status"] = [*case["status"], *projected]
        return case

    async def add_statuses(self, items: Sequence[tuple[str, StatusEntry, str]]) -> set[str]:
        """One document per status event, keyed by the event id, all in one insert: a redelivery
        inserts nothing, and the case document itself is never updated concurrently (see
        ikdz_platform.inbox)."""
        known = await self._known_cases({case_id for case_id, _, _ in items})
        docs = [
            {"_id": event_id, "case_id": case_id, **entry.model_dump(mode="python")}
            for case_id, entry, event_id in items
            if case_id in known
        ]
        return {str(doc["_id"]) for doc in await insert_many_once(self._statuses, docs)}

    async def _known_cases(self, case_ids: set[str]) -> set[str]:
        """The ids of stored cases among ``case_ids``; a case once seen stays known (cases are never
        deleted), so the four or so statuses of a case cost one lookup, none for cases filed here."""
        unseen = [case_id for case_id in case_ids if case_id not in self._known]
        found = await asyncio.gather(*(self.cases.find_one({"_id": i}, projection={"_id": 1}) for i in unseen))
        for case_id, doc in zip(unseen, found, strict=True):
            if doc is not None:
                self._remember(case_id)
        return {case_id for case_id in case_ids if case_id in self._known}

    def _remember(self, case_id: str) -> None:
        self._known[case_id] = None
        if len(self._known) > self._known_limit:
            self._known.popitem(last=False)  # the oldest: its statuses have long arrived


def stored_form(case: Document) -> Document:
    """The case as inserted: its payload as JSON text (see the module docstring), in the order given."""
    if "payload" not in case:
        return case
    return {**case, "payload": json.dumps(case["payload"], ensure_ascii=False, separators=(",", ":"))}


def _read(doc: Document | None) -> Document | None:
    """The case as the use cases see it: the payload a dict, stored as JSON text or (older cases) nested."""
    if doc is not None and isinstance(doc.get("payload"), str):
        doc["payload"] = json.loads(doc["payload"])
    return doc
