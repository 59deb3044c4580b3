"""einvoice's store in MongoDB (FerretDB v1 locally): write-once documents, inserts keyed by natural ids.

The original bytes live in their own collection, keyed by their SHA-256, apart from the documents
that carry an outbox: the relay reads whole documents, and an invoice may be megabytes. The size
cap of the XML gate (10 MB by default) keeps each original well under the 16 MB document limit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bson import Binary
from ikdz_platform.inbox import insert_once
from ikdz_platform.outbox import new_document_outbox
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


class MongoInvoiceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.originals: AsyncCollection[Document] = db["originals"]
        self.invoices: AsyncCollection[Document] = db["invoices"]
        self.outcomes: AsyncCollection[Document] = db["outcomes"]
        self.approvals: AsyncCollection[Document] = db["approvals"]
        self.exports_: AsyncCollection[Document] = db["exports"]
        self._duplicate_keys: AsyncCollection[Document] = db["duplicate_keys"]
        self._references: AsyncCollection[Document] = db["references"]
        self._counters: AsyncCollection[Document] = db["counters"]
        self._marks: AsyncCollection[Document] = db["export_marks"]
        # FerretDB v1 can hand one counter value to two concurrent increments: one at a time per process.
        self._sequence_lock = asyncio.Lock()

    @property
    def outbox_collections(self) -> list[AsyncCollection[Document]]:
        return [self.invoices, self.outcomes, self.approvals, self.exports_]

    async def create_indexes(self) -> None:
        await self.invoices.create_index("sha256", unique=True, name="sha256_unique")
        await self.approvals.create_index("invoice_id", name="invoice_id")
        await self.approvals.create_index("owner_ags", name="owner_ags")
        await self._references.create_index("reference", name="reference")
        for collection in self.outbox_collections:
            await collection.create_index("outbox_pending", name="outbox_pending")

    async def store_original(self, sha256: str, data: bytes, received_at: datetime) -> None:
        await insert_once(self.originals, sha256, {"data": Binary(data), "size": len(data), "received_at": received_at})

    async def original(self, sha256: str) -> bytes | None:
        found = await self.originals.find_one({"_id": sha256})
        return None if found is None else bytes(found["data"])

    async def _insert(self, collection: AsyncCollection[Document], document: Document, outbox: list[Document]) -> bool:
        try:
            await collection.insert_one({**document, **new_document_outbox(outbox)})
        except DuplicateKeyError:
            return False
        return True

    async def insert_invoice(self, invoice: Document, outbox: list[Document]) -> bool:
        return await self._insert(self.invoices, invoice, outbox)

    async def invoice(self, invoice_id: str) -> Document | None:
        return await self.invoices.find_one({"_id": invoice_id}, projection={"outbox": 0})

    async def invoice_by_sha256(self, sha256: str) -> Document | None:
        return await self.invoices.find_one({"sha256": sha256}, projection={"outbox": 0})

    async def insert_outcome(self, outcome: Document, outbox: list[Document]) -> bool:
        return await self._insert(self.outcomes, outcome, outbox)

    async def outcome(self, invoice_id: str) -> Document | None:
        return await self.outcomes.find_one({"_id": invoice_id}, projection={"outbox": 0})

    async def claim_duplicate_key(self, key: str, invoice_id: str) -> str:
        if await insert_once(self._duplicate_keys, key, {"invoice_id": invoice_id}):
            return invoice_id
        holder = await self._duplicate_keys.find_one({"_id": key})
        return str(holder["invoice_id"]) if holder else invoice_id

    async def register_reference(self, reference: str, invoice_id: str) -> None:
        await insert_once(
            self._references, f"{reference}#{invoice_id}", {"reference": reference, "invoice_id": invoice_id}
        )

    async def invoices_for_references(self, references: list[str]) -> list[str]:
        if not references:
            return []
        found = await self._references.find({"reference": {"$in": references}}).to_list()
        return sorted({str(doc["invoice_id"]) for doc in found})

    async def next_sequence(self, counter: str) -> int:
        async with self._sequence_lock:
            for _ in range(5):
                try:
                    doc = await self._counters.find_one_and_update(
                        {"_id": counter}, {"$inc": {"value": 1}}, upsert=True, return_document=ReturnDocument.AFTER
                    )
                except DuplicateKeyError:
                    continue  # two first increments raced to create the counter
                if doc is not None:
                    return int(doc["value"])
        msg = f"could not increment counter {counter}"
        raise RuntimeError(msg)

    async def approval_records(self, invoice_id: str) -> list[Document]:
        found = await self.approvals.find({"invoice_id": invoice_id}, projection={"outbox": 0}).to_list()
        return sorted(found, key=lambda record: int(record["version"]))

    async def append_approval(self, record: Document, outbox: list[Document]) -> bool:
        return await self._insert(self.approvals, record, outbox)

    async def released_invoices(self, owner_ags: str) -> list[Document]:
        found = await self.approvals.find(
            {"owner_ags": owner_ags, "released": True}, projection={"outbox": 0}
        ).to_list()
        return sorted(found, key=lambda record: record["at"])

    async def mark_exported(self, invoice_id: str, export_id: str, at: datetime) -> bool:
        return await insert_once(self._marks, invoice_id, {"export_id": export_id, "at": at})

    async def move_mark(self, invoice_id: str, from_export: str, to_export: str, at: datetime) -> bool:
        result = await self._marks.update_one(
            {"_id": invoice_id, "export_id": from_export}, {"$set": {"export_id": to_export, "at": at}}
        )
        return result.modified_count == 1

    async def export_marks(self, invoice_ids: list[str]) -> dict[str, Document]:
        if not invoice_ids:
            return {}
        found = await self._marks.find({"_id": {"$in": invoice_ids}}).to_list()
        return {str(doc["_id"]): doc for doc in found}

    async def insert_export(self, export: Document, outbox: list[Document]) -> None:
        # a list, not a sub-document: file names have dots, which FerretDB v1 refuses in field names
        files = [{"name": name, "content": Binary(content)} for name, content in export["files"].items()]
        stored = {**export, "files": files}
        await self._insert(self.exports_, stored, outbox)

    async def export(self, export_id: str) -> Document | None:
        found = await self.exports_.find_one({"_id": export_id}, projection={"outbox": 0})
        if found is not None:
            found["files"] = {file["name"]: bytes(file["content"]) for file in found["files"]}
        return found

    async def exports(self, owner_ags: str) -> list[Document]:
        found = await self.exports_.find({"owner_ags": owner_ags}, projection={"outbox": 0, "files": 0}).to_list()
        return sorted(found, key=lambda export: export["created_at"], reverse=True)
