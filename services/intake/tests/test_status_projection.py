"""The status projection use case against fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import CaseState, CaseStatus
from ikdz_intake.app.status import ApplyStatus, ViewCase
from ikdz_intake.domain.case import access_token
from ikdz_intake.errors import CaseNotFoundError

from .fakes import FakeCaseRepository


def status_of(
    created: dict[str, Any], state: CaseState = CaseState.IN_PROGRESS, at: datetime | None = None
) -> CloudEvent[CaseStatus]:
    data = CaseStatus(
        case_id=created["case_id"],
        file_number=created["file_number"],
        service="trade-registration",  # type: ignore[arg-type]
        owner_ags="14729410",
        state=state,
        label_de=state.label_de,
        processing_ags="14522020",
        processing_town="Augustusburg",
        pool_id="augustusburg",
        occurred_at=at or datetime.now(UTC) + timedelta(seconds=1),
    )
    return new_event(data, source="urn:ikdz:test", subject=created["case_id"], ownerags="14729410")


async def test_each_status_event_is_applied_once_and_the_view_orders_by_time() -> None:
    repo = FakeCaseRepository()
    t0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    await repo.insert(
        {
            "_id": "c1",
            "file_number": "WUR-GEW-2026-000001",
            "service": "trade-registration",
            "owner_ags": "14729410",
            "owner_town": "Wurzen",
            "submitted_at": t0,
            "idempotency_key": "case:c1",
            "status": [{"state": CaseState.RECEIVED, "label_de": "Eingegangen", "occurred_at": t0}],
        },
        [],
    )
    apply = ApplyStatus(repo)
    created = {"case_id": "c1", "file_number": "WUR-GEW-2026-000001"}
    in_progress = status_of(created, CaseState.IN_PROGRESS, t0 + timedelta(seconds=2))
    routed = status_of(created, CaseState.ROUTED, t0 + timedelta(seconds=1))

    unknown = status_of({"case_id": "unknown", "file_number": "WUR-GEW-2026-000009"})
    assert await apply([in_progress, unknown]) == {in_progress.id}
    assert await apply([in_progress]) == set()
    assert await apply([routed, in_progress]) == {routed.id}

    view = await ViewCase(repo, b"0123456789abcdef")("c1", access_token(b"0123456789abcdef", "c1"))
    assert [entry.state for entry in view.history] == [CaseState.RECEIVED, CaseState.ROUTED, CaseState.IN_PROGRESS]
    assert view.state == CaseState.IN_PROGRESS


async def test_a_wrong_token_looks_like_an_unknown_case() -> None:
    repo = FakeCaseRepository()
    view = ViewCase(repo, b"0123456789abcdef")
    with pytest.raises(CaseNotFoundError):
        await view("c1", "nope")
