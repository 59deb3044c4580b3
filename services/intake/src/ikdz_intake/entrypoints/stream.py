"""Kafka handlers of intake: the status projection."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseStatus
from ikdz_platform.consumer import DeadLetterPolicy, subscribe_batch

from ikdz_intake.app.status import ApplyStatus


def register(
    broker: KafkaBroker, topic: str, group_id: str, dead_letters: DeadLetterPolicy, apply_status: ApplyStatus
) -> None:
    # Every case has several status changes: one commit and one insert per batch instead of per change.
    @subscribe_batch(broker, topic, CaseStatus, group_id=group_id, dead_letters=dead_letters)
    async def on_case_statuses(events: list[CloudEvent[CaseStatus]]) -> None:
        """Project status changes onto the citizens' views of their cases."""
        await apply_status(events)
