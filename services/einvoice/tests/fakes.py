"""In-memory fakes of einvoice's ports, for fast use-case and HTTP tests."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

Document = dict[str, Any]


class FakeNotifier:
    def __init__(self) -> None:
        self.notified: list[Any] = []

    def notify(self, doc_id: Any = None) -> None:
        self.notified.append(doc_id)


class FakeInvoiceStore:
    """Keeps every document in dicts; ``outboxes`` records the events each insert carried."""

    def __init__(self) -> None:
        self.originals: dict[str, bytes] = {}
        self.invoices: dict[str, Document] = {}
        self.outcomes: dict[str, Document] = {}
        self.approvals: dict[str, Document] = {}
        self.export_docs: dict[str, Document] = {}
        self.outboxes: list[Document] = []
        self._keys: dict[str, str] = {}
        self._references: list[tuple[str, str]] = []
        self._counters: dict[str, int] = {}
        self._marks: dict[str, Document] = {}

    def _insert(self, target: dict[str, Document], document: Document, outbox: list[Document]) -> bool:
        if document["_id"] in target:
            return False
        target[document["_id"]] = document
        self.outboxes.extend(outbox)
        return True

    async def store_original(self, sha256: str, data: bytes, received_at: datetime) -> None:  # noqa: ARG002
        self.originals.setdefault(sha256, data)

    async def original(self, sha256: str) -> bytes | None:
        return self.originals.get(sha256)

    async def insert_invoice(self, invoice: Document, outbox: list[Document]) -> bool:
        if any(i["sha256"] == invoice["sha256"] for i in self.invoices.values()):
            return False
        return self._insert(self.invoices, invoice, outbox)

    async def invoice(self, invoice_id: str) -> Document | None:
        return self.invoices.get(invoice_id)

    async def invoice_by_sha256(self, sha256: str) -> Document | None:
        return next((i for i in self.invoices.values() if i["sha256"] == sha256), None)

    async def insert_outcome(self, outcome: Document, outbox: list[Document]) -> bool:
        return self._insert(self.outcomes, outcome, outbox)

    async def outcome(self, invoice_id: str) -> Document | None:
        return self.outcomes.get(invoice_id)

    async def claim_duplicate_key(self, key: str, invoice_id: str) -> str:
        return self._keys.setdefault(key, invoice_id)

    async def register_reference(self, reference: str, invoice_id: str) -> None:
        self._references.append((reference, invoice_id))

    async def invoices_for_references(self, references: list[str]) -> list[str]:
        return sorted({i for r, i in self._references if r in references})

    async def next_sequence(self, counter: str) -> int:
        self._counters[counter] = self._counters.get(counter, 0) + 1
        return self._counters[counter]

    async def approval_records(self, invoice_id: str) -> list[Document]:
        return sorted((r for r in self.approvals.values() if r["invoice_id"] == invoice_id), key=lambda r: r["version"])

    async def append_approval(self, record: Document, outbox: list[Document]) -> bool:
        return self._insert(self.approvals, record, outbox)

    async def released_invoices(self, owner_ags: str) -> list[Document]:
        return [r for r in self.approvals.values() if r["owner_ags"] == owner_ags and r["released"]]

    async def mark_exported(self, invoice_id: str, export_id: str, at: datetime) -> bool:
        if invoice_id in self._marks:
            return False
        self._marks[invoice_id] = {"_id": invoice_id, "export_id": export_id, "at": at}
        return True

    async def move_mark(self, invoice_id: str, from_export: str, to_export: str, at: datetime) -> bool:
        mark = self._marks.get(invoice_id)
        if mark is None or mark["export_id"] != from_export:
            return False
        self._marks[invoice_id] = {**mark, "export_id": to_export, "at": at}
        return True

    async def export_marks(self, invoice_ids: list[str]) -> dict[str, Document]:
        return {i: self._marks[i] for i in invoice_ids if i in self._marks}

    async def insert_export(self, export: Document, outbox: list[Document]) -> None:
        self._insert(self.export_docs, export, outbox)

    async def export(self, export_id: str) -> Document | None:
        return self.export_docs.get(export_id)

    async def exports(self, owner_ags: str) -> list[Document]:
        return [e for e in self.export_docs.values() if e["owner_ags"] == owner_ags]

    def events(self, type_suffix: str) -> list[Document]:
        """Outbox entries whose CloudEvents type ends with ``type_suffix``."""
        return [e for e in self.outboxes if json.loads(e["value"])["type"].endswith(type_suffix)]
