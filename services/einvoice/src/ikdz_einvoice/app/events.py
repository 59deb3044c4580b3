"""Building the events einvoice publishes: one place for the source and the envelope's towns."""

from __future__ import annotations

from typing import Any

from ikdz_contracts.cloudevents import CloudEvent, EventData, new_event
from ikdz_contracts.events import CaseState, CaseStatus
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.outbox import outbox_entry

from ikdz_einvoice.app.ports import Document

SOURCE = "urn:ikdz:einvoice"


def entry(
    topics: Topics,
    data: EventData,
    *,
    invoice_id: str,
    owner_ags: str,
    processing_ags: str | None = None,
    cause: CloudEvent[Any] | None = None,
    topic: str | None = None,
) -> Document:
    """The outbox entry of one event about an invoice (subject = the invoice id = the case id)."""
    event = new_event(
        data, source=SOURCE, subject=invoice_id, ownerags=owner_ags, processingags=processing_ags, cause=cause
    )
    return outbox_entry(topic or topics.of(type(data)), event)


def status(
    *,
    invoice_id: str,
    file_number: str,
    owner_ags: str,
    state: CaseState,
    message_de: str,
    at: Any,
    label_de: str | None = None,
    processing_ags: str | None = None,
    processing_town: str | None = None,
    pool_id: str | None = None,
) -> CaseStatus:
    """A ``case.status`` of an invoice's case, with a plain German explanation."""
    return CaseStatus(
        case_id=invoice_id,
        file_number=file_number,
        service=ServiceId.EINVOICE,
        owner_ags=owner_ags,
        state=state,
        label_de=label_de or state.label_de,
        message_de=message_de,
        processing_ags=processing_ags,
        processing_town=processing_town,
        pool_id=pool_id,
        occurred_at=at,
    )
