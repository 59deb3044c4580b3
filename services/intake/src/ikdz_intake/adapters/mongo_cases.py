"""Cases in MongoDB (or FerretDB): one document per case, carrying its outbox and applied events."""

from __future__ import annotations

import asyncio
from typing import Any

from ikdz_platform.inbox import insert_once
from ikdz_platform.outbox import new_document_outbox
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError as MongoDuplicateKeyError

from ikdz_intake.app.ports import DuplicateKeyError
from ikdz_intake.domain.case import StatusEntry

Document = dict[str, Any]


class MongoCaseRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.cases: AsyncCollection[Document] = db["cases"]
        self._statuses: AsyncCollection[Document] = db["case_statuses"]
        self._counters: AsyncCollection[Document] = db["counters"]
        # FerretDB v1 can hand the same value to concurrent increments; taking numbers one at a time
        # per process avoids that within a replica (the unique index still guards across replicas).
        self._sequence_lock = asyncio.Lock()

    async def create_indexes(self) -> None:
        await self.cases.create_index("idempotency_key", unique=True, name="idempotency_key_unique")
        await self.cases.create_index("file_number", unique=True, name="file_number_unique")
        await self.cases.create_index("outbox_pending", name="outbox_pending")
        await self._statuses.create_index("case_id", name="case_id")

    async def next_sequence(self, counter: str) -> int:
        async with self._sequence_lock:
            return await self._increment(counter)

    async def _increment(self, counter: str) -> int:
        for _ in range(5):
            try:
                doc = await self._counters.find_one_and_update(
                    {"_id": counter}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER
                )
            except MongoDuplicateKeyError:
                continue  # two first increments raced to create the counter; the loser increments it now
            if doc is not None:
                return int(doc["value"])
        msg = f"could not increment counter {counter}"
        raise RuntimeError(msg)

    async def insert(self, case: Document, outbox: list[Document]) -> None:
        try:
            await self.cases.insert_one({**case, **new_document_outbox(outbox)})
        except MongoDuplicateKeyError as error:
            raise DuplicateKeyError(str(error), field=_collided_field(error)) from None

    async def find_by_idempotency_key(self, key: str) -> Document | None:
        return await self.cases.find_one({"idempotency_key": key})

    async def get(self, case_id: str) -> Document | None:
        """The case with its whole status history: the entry stored with it plus the projected ones."""
        case = await self.cases.find_one({"_id": case_id}, projection={"outbox": 0})
        if case is not None:
            projected = await self._statuses.find({"case_id": case_id}, projection={"_id": 0, "case_id": 0}).to_list()
            case["status"] = [*case["status"], *projected]
        return case

    async def add_status(self, case_id: str, entry: StatusEntry, event_id: str) -> bool:
        """One document per status event, keyed by the event id: a redelivery inserts nothing, and the
        case document itself is never updated concurrently (see ikdz_platform.inbox)."""
        if not await self.cases.count_documents({"_id": case_id}, limit=1):
            return False
        return await insert_once(self._statuses, event_id, {"case_id": case_id, **entry.model_dump(mode="python")})


def _collided_field(error: MongoDuplicateKeyError) -> str | None:
    """The field whose unique index fired, from MongoDB's ``keyPattern``; FerretDB v1 does not say."""
    pattern = (error.details or {}).get("keyPattern")
    if isinstance(pattern, dict) and len(pattern) == 1:
        return str(next(iter(pattern)))
    return None
