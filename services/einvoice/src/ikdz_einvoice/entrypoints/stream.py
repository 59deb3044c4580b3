"""Kafka handlers of einvoice: validate received invoices, apply clerks' decisions, start approvals."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import InvoiceReceived, TaskCompleted
from ikdz_contracts.topics import Topics
from ikdz_platform.consumer import subscribe

from ikdz_einvoice.app.approve import Approvals
from ikdz_einvoice.app.process import ProcessInvoice


def register(broker: KafkaBroker, topics: Topics, group_id: str, process: ProcessInvoice, approvals: Approvals) -> None:
    @subscribe(
        broker, topics.einvoice_events, InvoiceReceived, group_id=f"{group_id}-validation", skip_other_types=True
    )
    async def on_invoice_received(event: CloudEvent[InvoiceReceived]) -> None:
        """Validate, extract, route and check a stored invoice for duplicates."""
        await process(event)

    @subscribe(broker, topics.task_completed, TaskCompleted, group_id=f"{group_id}-approvals")
    async def on_task_completed(event: CloudEvent[TaskCompleted]) -> None:
        """Apply a clerk's decision on an approval step (other services' tasks are ignored)."""
        await approvals.complete(event)
