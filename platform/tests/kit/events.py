"""Event factories for the platform tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import CaseState, CaseStatus


def status_event(case_id: str = "case-1", message: str | None = None) -> CloudEvent[CaseStatus]:
    data = CaseStatus(
        case_id=case_id,
        file_number="WUR-GEW-2026-000001",
        service="einvoice",  # type: ignore[arg-type]
        owner_ags="14729410",
        state=CaseState.IN_PROGRESS,
        label_de="In Bearbeitung",
        message_de=message,
        occurred_at=datetime.now(UTC),
    )
    return new_event(data, source="urn:ikdz:test", subject=case_id, ownerags="14729410")


def messages_of(records: list[Any]) -> list[str | None]:
    from ikdz_contracts.cloudevents import decode  # noqa: PLC0415

    return [decode(r.value, CaseStatus).data.message_de for r in records]
