"""Kafka handlers of intake: the status projection."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseStatus
from ikdz_platform.consumer import DeadLetterPolicy, subscribe_batch

from ikdz_intake.app.status import ApplyStatus

STATUS_GATHER_MS = 100
"""How long the broker may hold a fetch of status events to fill a batch: a citizen sees a status
change up to this much later, and intake pays one fetch and one insert per 100 ms, not per event."""


def register(
    broker: KafkaBroker, topic: str, group_id: str, dead_letters: DeadLetterPolicy, apply_status: ApplyStatus
) -> None:
    # Every case has several status changes: one commit and one insert per batch instead of per change.
    # The status page is not on a latency path: batches gather for up to STATUS_GATHER_MS.
    @subscribe_batch(
        broker, topic, CaseStatus, group_id=group_id, dead_letters=dead_letters, gather_ms=STATUS_GATHER_MS
    )
    async def on_case_statuses(events: list[CloudEvent[CaseStatus]]) -> None:
        """Project status changes onto the citizens' views of their cases."""
        await apply_status(events)
