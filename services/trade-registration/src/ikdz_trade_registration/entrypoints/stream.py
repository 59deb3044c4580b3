"""Kafka handlers of trade-registration: routed cases from the pools' work topics, and clerks' decisions."""

from __future__ import annotations

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import TaskCompleted
from ikdz_contracts.services import ServiceId
from ikdz_platform.consumer import subscribe
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.workqueue import subscribe_pools_in_batches

from ikdz_trade_registration.app.notices import ProcessWorkItem
from ikdz_trade_registration.app.tasks import CloseTask


def register(runtime: ServiceRuntime, pools: list[str], process: ProcessWorkItem, close_task: CloseTask) -> None:
    subscribe_pools_in_batches(runtime, ServiceId.TRADE_REGISTRATION, pools, process.batch)

    @subscribe(runtime.broker, runtime.topics.task_completed, TaskCompleted, group_id=f"{runtime.group_id}-tasks")
    async def on_task_completed(event: CloudEvent[TaskCompleted]) -> None:
        """A clerk decided a task; other services' tasks are acknowledged and ignored."""
        await close_task(event)
