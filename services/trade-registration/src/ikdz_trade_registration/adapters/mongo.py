"""The case file, the register and the documents in the service's own MongoDB-protocol database.

FerretDB v1 keeps inserts atomic but can lose one of two concurrent updates of a document, so the
case file is write-once steps (each with its outbox, see ikdz_platform.outbox), the uniqueness of an
active registration is an inserted key document (``_id`` = duplicate key), and a registration
document is updated only by the one step that changes it. Writes of a batch are one round trip each
where they can be (inserts of steps, keys and new registrations); an update is one per
registration, and reads by key are ``find_each``.

Steps go through the outbox's batch path: a step with its events (~20 KB, most of it the recipient
messages) is inserted and published, never claimed and settled, because each of those two updates
cost FerretDB v1 about twice the insert (~5 ms of CPU per step).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bson import Binary
from ikdz_platform.inbox import insert_each, insert_many_once, insert_once
from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.queries import find_each
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ikdz_trade_registration.app.ports import Document, KeyClaim, StoredDocument
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

    async def stored(self, step_ids: Sequence[str]) -> list[Document]:
        return await find_each(self.collection, "_id", step_ids, projection={"outbox": 0})

    async def record_all(self, steps: Sequence[tuple[Document, list[Document]]]) -> set[str]:
        return await self._writer.insert_many(steps)

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
        """One ``$in`` query by key, one by id (``find_each``), sent at once: FerretDB v1 answers each
        from its index, but an ``$or`` of the two made it read the whole collection on every work item."""
        by_holder, by_id = await asyncio.gather(
            find_each(self._registrations, "holder_key", holder_keys),
            find_each(self._registrations, "_id", registration_ids),
        )
        found: dict[Any, Document] = {}
        for doc in [*by_holder, *by_id]:
            found.setdefault(doc["_id"], doc)
        return [_registration(doc) for doc in found.values()]

    async def claim_all(self, claims: Sequence[tuple[str, str]]) -> list[KeyClaim]:
        """One insert for all; the holders of keys held already are read by key (``find_each``)."""
        refused = await insert_each(self._keys, [_key(key, registration_id) for key, registration_id in claims])
        lost = [claim for claim, duplicate in zip(claims, refused, strict=True) if duplicate is not None]
        holders = {
            doc["_id"]: str(doc["registration_id"]) for doc in await find_each(self._keys, "_id", [k for k, _ in lost])
        }
        gone = [claim for claim in lost if claim[0] not in holders]  # released between our insert and read
        again = dict(zip(gone, await insert_each(self._keys, [_key(*claim) for claim in gone]), strict=True))
        claimed = []
        for (key, registration_id), duplicate in zip(claims, refused, strict=True):
            if duplicate is None or (key not in holders and again[key, registration_id] is None):
                claimed.append(KeyClaim(registration_id, new=True))
            else:
                claimed.append(KeyClaim(holders.get(key), new=False))
        return claimed

    async def release_all(self, claims: Sequence[tuple[str, str]]) -> None:
        await asyncio.gather(
            *(
                self._keys.delete_one({"_id": key, "registration_id": registration_id})
                for key, registration_id in claims
            )
        )

    async def apply_all(self, changes: Sequence[RegisterChange]) -> None:
        """New registrations and held keys with one insert each, every update and released key on its
        own (no two of them are of the same document), all at once."""
        created = [c.registration for c in changes if c.action == "create"]
        updated = [c.registration for c in changes if c.action != "create"]
        await asyncio.gather(
            insert_many_once(self._registrations, [_stored(registration) for registration in created]),
            *(self._registrations.update_one({"_id": r.registration_id}, {"$set": _fields(r)}) for r in updated),
            self.release_all(
                [(c.release_key, c.registration.registration_id) for c in changes if c.release_key is not None]
            ),
            insert_many_once(
                self._keys,
                [
                    _key(c.hold_key, c.registration.registration_id)
                    for c in changes
                    if c.hold_key is not None and c.action != "create"  # a new one's key was claimed before
                ],
            ),
        )


def _key(key: str, registration_id: str) -> Document:
    return {"_id": key, "registration_id": registration_id}


def _fields(registration: Registration) -> Document:
    return registration.model_dump(mode="json")


def _stored(registration: Registration) -> Document:
    return {**_fields(registration), "_id": registration.registration_id}


def _registration(doc: Document) -> Registration:
    return Registration.model_validate({k: v for k, v in doc.items() if k != "_id"}, strict=False)


class MongoDocuments:
    """Rendered documents, inserted once (``_id`` = document id): the first download's bytes stay."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._documents: AsyncCollection[Document] = db["documents"]

    async def put(self, document: StoredDocument) -> StoredDocument:
        fields = {
            "case_id": document.case_id,
            "kind": document.kind,
            "title_de": document.title_de,
            "media_type": document.media_type,
            "created_at": document.created_at,
            "content": Binary(document.content),
        }
        if await insert_once(self._documents, document.document_id, fields):
            return document
        stored = await self.get(document.case_id, document.document_id)  # a concurrent download stored it first
        if stored is None:
            msg = f"document {document.document_id} is stored for another case"
            raise RuntimeError(msg)
        return stored

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
