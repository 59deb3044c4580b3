"""Which task requests routing takes into a worklist: only for the pool, owner town and service of
the routed case, since that is all the cooperation agreement lets the partner pool see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import TaskOutcome, TaskRequested
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_platform.consumer import PoisonMessage
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.tasks import AcceptTaskRequest

from .fakes import FakeClock, FakeTaskRepository

WURZEN, AUGUSTUSBURG = "14729410", "14522020"
PILOT = ActiveConfig(load_routing_config(PILOT_CONFIG, load_municipalities()))
ROUTE = {
    "_id": "case-1",
    "owner_ags": WURZEN,
    "service": "trade-registration",
    "pool_id": "augustusburg",
    "agreement_ref": "ZV W->A",
    "audit_hash": "a" * 64,
}


def in_memory_tasks() -> FakeTaskRepository:
    return FakeTaskRepository({ROUTE["_id"]: ROUTE})


def request(**changes: Any) -> CloudEvent[TaskRequested]:
    fields: dict[str, Any] = {
        "task_id": "task-1",
        "case_id": "case-1",
        "service": ServiceId.TRADE_REGISTRATION,
        "owner_ags": WURZEN,
        "pool_id": "augustusburg",
        "kind": "gewerbe.check",
        "title_de": "Prüfen",
        "instructions_de": "Bitte prüfen.",
        "outcomes": [TaskOutcome(code="ok", label_de="In Ordnung")],
    } | changes
    return new_event(
        TaskRequested(**fields),
        source="urn:ikdz:test",
        subject="case-1",
        ownerags=fields["owner_ags"],
        time=datetime.now(UTC),
    )


async def test_a_task_for_the_routed_case_lands_in_its_pool_under_the_agreement() -> None:
    tasks = in_memory_tasks()
    assert await AcceptTaskRequest(tasks, PILOT, FakeClock())(request())
    [created] = tasks.created
    assert (created.pool_id, created.owner_ags, created.agreement_ref) == ("augustusburg", WURZEN, "ZV W->A")
    assert tasks.anchors == [ROUTE["audit_hash"]]  # the task's audit chain hangs off the routing decision


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pool_id": "wurzen"}, "is not routed to pool wurzen"),
        ({"case_id": "case-unknown"}, "is not routed to pool augustusburg"),
        ({"owner_ags": AUGUSTUSBURG}, f"belongs to {WURZEN} (trade-registration), not to {AUGUSTUSBURG}"),
        ({"service": ServiceId.EINVOICE}, "not to 14729410 (einvoice)"),
    ],
)
async def test_a_task_that_does_not_match_its_routed_case_is_refused(changes: dict[str, Any], message: str) -> None:
    tasks = in_memory_tasks()
    with pytest.raises(PoisonMessage, match=message.replace("(", r"\(").replace(")", r"\)")):
        await AcceptTaskRequest(tasks, PILOT, FakeClock())(request(**changes))
    assert tasks.created == []
