"""Kafka handlers of intake: the status projection."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseStatus
from ikdz_platform.consumer import subscribe

from ikdz_intake.app.status import ApplyStatus


def register(broker: KafkaBroker, topic: str, group_id: str, apply_status: ApplyStatus) -> None:
    @subscribe(broker, topic, CaseStatus, group_id=group_id)
    async def on_case_status(event: CloudEvent[CaseStatus]) -> None:
        """Project a status change onto the citizen's view of the case."""
        await apply_status(event)
