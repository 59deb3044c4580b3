"""Kafka handlers of routing."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseStatus, CaseSubmitted
from ikdz_contracts.topics import Topics
from ikdz_platform.consumer import subscribe

from ikdz_routing.app.route_case import CloseCase, RouteCase


def register(broker: KafkaBroker, topics: Topics, group_id: str, route: RouteCase, close: CloseCase) -> None:
    @subscribe(broker, topics.case_submitted, CaseSubmitted, group_id=group_id)
    async def on_case_submitted(event: CloudEvent[CaseSubmitted]) -> None:
        """Route a new case to a worker pool."""
        await route(event)

    @subscribe(broker, topics.case_status, CaseStatus, group_id=f"{group_id}-backlog")
    async def on_case_status(event: CloudEvent[CaseStatus]) -> None:
        """Take closed cases out of their pool's backlog."""
        await close(event)
