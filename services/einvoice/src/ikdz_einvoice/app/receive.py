"""Use case: accept an e-invoice's bytes. The XML gate runs first (hostile or non-XML input is refused
with a reason and nothing is stored); then the original bytes are stored unchanged under their
SHA-256 and the invoice document is inserted with its ``received`` event, before the caller answers.
Validation follows asynchronously (``ProcessInvoice``, on the ``received`` event).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from ikdz_contracts.events import InvoiceReceived
from ikdz_contracts.ids import new_id
from ikdz_contracts.topics import Topics

from ikdz_einvoice.app.events import entry
from ikdz_einvoice.app.ports import Clock, InvoiceStore, Notifier
from ikdz_einvoice.domain.document import DEFAULT_MAX_BYTES, parse_document
from ikdz_einvoice.domain.extraction import read_buyer_reference
from ikdz_einvoice.domain.routing import LeitwegRoutingTable

Channel = Literal["api", "web", "import"]
GATE_IN_THREAD_FROM = 256 * 1024
"""Parse larger documents in a worker thread, so the event loop keeps serving."""


@dataclass(frozen=True)
class Receipt:
    invoice_id: str
    sha256: str
    replayed: bool
    """The same bytes were received before: this is that invoice."""


class ReceiveInvoice:
    def __init__(
        self,
        store: InvoiceStore,
        routing: LeitwegRoutingTable,
        topics: Topics,
        clock: Clock,
        relay: Notifier,
        *,
        center_ags: str,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._store = store
        self._routing = routing
        self._topics = topics
        self._clock = clock
        self._relay = relay
        self._center_ags = center_ags
        self.max_bytes = max_bytes

    async def __call__(self, data: bytes, channel: Channel) -> Receipt:
        """Raises ``DocumentRefusedError`` (with an English detail and a German message) for refused input."""
        if len(data) >= GATE_IN_THREAD_FROM:
            document = await asyncio.to_thread(parse_document, data, max_bytes=self.max_bytes)
        else:
            document = parse_document(data, max_bytes=self.max_bytes)
        known = await self._store.invoice_by_sha256(document.sha256)
        if known is not None:
            return Receipt(known["_id"], document.sha256, replayed=True)
        now = self._clock()
        await self._store.store_original(document.sha256, data, now)
        invoice_id = new_id()
        owner = self._routing.addressee(read_buyer_reference(document)) or self._center_ags
        received = InvoiceReceived(
            invoice_id=invoice_id,
            occurred_at=now,
            channel=channel,
            sha256=document.sha256,
            size=document.size,
            syntax=document.syntax.value,
        )
        invoice = {
            "_id": invoice_id,
            "sha256": document.sha256,
            "size": document.size,
            "syntax": document.syntax.value,
            "channel": channel,
            "addressee_ags": owner,
            "received_at": now,
        }
        if not await self._store.insert_invoice(
            invoice, [entry(self._topics, received, invoice_id=invoice_id, owner_ags=owner)]
        ):
            # The same bytes arrived concurrently and the other request won: answer with its invoice.
            winner = await self._store.invoice_by_sha256(document.sha256)
            assert winner is not None
            return Receipt(winner["_id"], document.sha256, replayed=True)
        self._relay.notify(invoice_id)
        return Receipt(invoice_id, document.sha256, replayed=False)
