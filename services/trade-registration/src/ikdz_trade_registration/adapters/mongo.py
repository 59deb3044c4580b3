"""The case file, the register and the documents in the service's own MongoDB-protocol database.

FerretDB v1 keeps inserts atomic but can lose one of two concurrent updates of a document, so the
case file is write-once steps (each with its outbox, see ikdz_platform.outbox), the uniqueness of an
active registration is an inserted key document (``_id`` = duplicate key), and a registration
document is updated only by the one step that changes it.

Steps go through the outbox's batch path: a step with its events (~20 KB, most of it the recipient
messages) is inserted and published, never claimed and settled, because each of those two updates
cost FerretDB v1 about twice the insert (~5 ms of CPU per step).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bson import Binary
from ikdz_platform.inbox import insert_many_once, insert_once
from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.queries import find_each
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ikdz_trade_registration.app.ports import Document, StoredDocument
from ikdz_trade_registration.domain.flow import RegisterChange
from ikdz_trade_registration.domain.registrations import Registration


class MongoSteps:
    def __init__(self, db: AsyncDatabase[Document], relay: OutboxRelay) -> None:
        self.collection: AsyncCollection[Document] = db["steps"]
        self._writer = relay.batch_writer(self.collection)

    async def create_indexes(self) -> None:
        await self.collection.create_index("case_id", name="case_id")
        await self.collection.create_index("outbox_pending", name="outbox_pending")
        await self.collection.create_index("outbox_batch", name="outbox_batch")

    async def get(self, step_id: str) -> Document | None:
        return await self.collection.find_one({"_id": step_id}, projection={"outbox": 0})

    async def record(self, step: Document, outbox: list[Document]) -> bool:
        return step["_id"] in await self._writer.insert_many([(step, outbox)])

    async def of_case(self, case_id: str) -> list[Document]:
        steps = await self.collection.find({"case_id": case_id}, projection={"outbox": 0}).to_list()
        return sorted(steps, key=lambda step: step["at"])


class MongoRegister:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._registrations: AsyncCollection[Document] = db["registrations"]
        self._keys: AsyncCollection[Document] = db["registration_keys"]

    async def create_indexes(self) -> None:
        await self._registrations.create_index("holder_key", name="holder_key")

    async def candidates(self, holder_keys: Sequence[str], registration_ids: Sequence[str]) -> list[Registration]:
        """Equality queries per key and id (``find_each``): an ``$or`` of ``$in`` made FerretDB v1 read
        the whole collection on every work item."""
        by_holder, by_id = await asyncio.gather(
            find_each(self._registrations, "holder_key", holder_keys),
            find_each(self._registrations, "_id", registration_ids),
        )
        found: dict[Any, Document] = {}
        for doc in [*by_holder, *by_id]:
            found.setdefault(doc["_id"], doc)
        return [_registration(doc) for doc in found.values()]

    async def get(self, registration_id: str) -> Registration | None:
        doc = await self._registrations.find_one({"_id": registration_id})
        return _registration(doc) if doc else None

    async def claim(self, key: str, registration_id: str) -> str:
        if await insert_once(self._keys, key, {"registration_id": registration_id}):
            return registration_id
        holder = await self._keys.find_one({"_id": key})
        if holder is None:  # released between our insert and read: try once more
            return registration_id if await insert_once(self._keys, key, {"registration_id": registration_id}) else key
        return str(holder["registration_id"])

    async def apply(self, change: RegisterChange) -> None:
        registration = change.registration
        fields = registration.model_dump(mode="json")
        if change.action == "create":
            await insert_once(self._registrations, registration.registration_id, fields)
        else:
            await self._registrations.update_one({"_id": registration.registration_id}, {"$set": fields})
        if change.release_key is not None:
            await self._keys.delete_one({"_id": change.release_key, "registration_id": registration.registration_id})
        if change.hold_key is not None and change.action != "create":
            await insert_once(self._keys, change.hold_key, {"registration_id": registration.registration_id})


def _registration(doc: Document) -> Registration:
    return Registration.model_validate({k: v for k, v in doc.items() if k != "_id"}, strict=False)


class MongoDocuments:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._documents: AsyncCollection[Document] = db["documents"]

    async def put_all(self, documents: Sequence[StoredDocument]) -> None:
        """One insert for all; a document stored before (a redelivered step) is left as it is."""
        docs = [
            {
                "_id": document.document_id,
                "case_id": document.case_id,
                "kind": document.kind,
                "title_de": document.title_de,
                "media_type": document.media_type,
                "created_at": document.created_at,
                "content": Binary(document.content),
            }
            for document in documents
        ]
        await insert_many_once(self._documents, docs)  # stored before: a redelivered step

    async def get(self, case_id: str, document_id: str) -> StoredDocument | None:
        doc = await self._documents.find_one({"_id": document_id, "case_id": case_id})
        if doc is None:
            return None
        return StoredDocument(
            document_id=document_id,
            case_id=case_id,
            kind=doc["kind"],
            title_de=doc["title_de"],
            media_type=doc["media_type"],
            created_at=doc["created_at"],
            content=bytes(doc["content"]),
        )
