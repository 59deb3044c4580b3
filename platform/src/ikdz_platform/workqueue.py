"""The part every domain service shares: take cases from its pools' work topics and confirm them.

A domain service replica consumes the work topics of the pools it is started for (``POOLS``), stores
each case once (the case id is the document id, so a redelivered work item changes nothing) and, in
the same write, queues a ``case.status`` "In Bearbeitung" that names the processing pool and town.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import CaseState, CaseStatus, CaseSubmitted
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.services import ServiceId
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from ikdz_platform.consumer import PoisonMessage, subscribe, subscribe_batch
from ikdz_platform.outbox import new_document_outbox, outbox_entry
from ikdz_platform.runtime import ServiceRuntime
from ikdz_platform.settings import PlatformSettings

Document = dict[str, Any]
Clock = Callable[[], datetime]
PILOT_POOLS = ("wurzen", "augustusburg")


class WorkerSettings(PlatformSettings):
    """Settings of a domain-service replica: which pools' work topics it consumes."""

    pools: Annotated[list[str], NoDecode] = Field(
        default=list(PILOT_POOLS),
        min_length=1,
        validation_alias=AliasChoices("POOLS"),
        description="Comma-separated ids of the pools whose work topics this replica consumes.",
    )

    @field_validator("pools", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class AcceptWorkItem:
    """Store a routed case in the domain service and tell the citizen it is being processed."""

    def __init__(
        self,
        cases: AsyncCollection[Document],
        service: ServiceId,
        municipalities: MunicipalityRegistry,
        status_topic: str,
        notify: Callable[[str], None],
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._service = service
        self._municipalities = municipalities
        self._status_topic = status_topic
        self._notify = notify
        self._clock = clock

    async def __call__(self, pool_id: str, item: CloudEvent[CaseSubmitted]) -> bool:
        """Returns False when the case was accepted before (redelivery)."""
        case = item.data
        if case.service != self._service:
            msg = f"work item for {case.service} on a {self._service} work topic"
            raise PoisonMessage(msg)
        if item.processingags is None:
            msg = "work item without processingags"
            raise PoisonMessage(msg)
        town = self._municipalities.get(item.processingags)
        now = self._clock()
        status = CaseStatus(
            case_id=case.case_id,
            file_number=case.file_number,
            service=case.service,
            owner_ags=case.owner_ags,
            state=CaseState.IN_PROGRESS,
            label_de=CaseState.IN_PROGRESS.label_de,
            processing_ags=item.processingags,
            processing_town=town.display_name if town else item.processingags,
            pool_id=pool_id,
            occurred_at=now,
        )
        event = new_event(
            status,
            source=f"urn:ikdz:{self._service.value}",
            subject=case.case_id,
            ownerags=case.owner_ags,
            processingags=item.processingags,
            cause=item,
        )
        document = {
            "_id": case.case_id,
            "file_number": case.file_number,
            "owner_ags": case.owner_ags,
            "processing_ags": item.processingags,
            "pool_id": pool_id,
            "applicant": case.applicant.model_dump(mode="json"),
            "payload": case.payload,
            "submitted_at": case.submitted_at,
            "accepted_at": now,
            "state": CaseState.IN_PROGRESS.value,
            **new_document_outbox([outbox_entry(self._status_topic, event)]),
        }
        try:
            await self._cases.insert_one(document)
        except DuplicateKeyError:
            return False
        self._notify(case.case_id)
        return True


WorkItemHandler = Callable[[str, CloudEvent[CaseSubmitted]], Awaitable[object]]
"""Takes the pool id and the routed case; a service's own processing of its work items."""
WorkBatchHandler = Callable[[str, list[CloudEvent[CaseSubmitted]]], Awaitable[object]]
"""Takes the pool id and the routed cases of one batch, in the order they arrived."""


def consume_pools(
    runtime: ServiceRuntime,
    service: ServiceId,
    pools: list[str],
    municipalities: MunicipalityRegistry,
    then: WorkItemHandler | None = None,
) -> AsyncCollection[Document]:
    """Wire the work topics of ``pools`` to a case collection; returns the collection.

    ``then`` runs after the case is stored, on every delivery (also a redelivery, so a crash between
    the two steps loses nothing).
    """
    cases: AsyncCollection[Document] = runtime.db["cases"]
    outbox = runtime.outbox(cases)
    accept = AcceptWorkItem(
        cases, service, municipalities, runtime.topics.case_status, outbox.notify, lambda: datetime.now(UTC)
    )
    runtime.create_topics([runtime.topics.case_status])

    async def accept_then(pool_id: str, item: CloudEvent[CaseSubmitted]) -> None:
        await accept(pool_id, item)
        if then is not None:
            await then(pool_id, item)

    subscribe_pools(runtime, service, pools, accept_then)
    return cases


def subscribe_pools(runtime: ServiceRuntime, service: ServiceId, pools: list[str], handler: WorkItemHandler) -> None:
    """Consume the work topic of each pool with ``handler`` (topics and their dead-letter topics are created)."""
    for pool_id, topic in _work_topics(runtime, service, pools):
        _subscribe_pool(runtime, pool_id, topic, handler)


def subscribe_pools_in_batches(
    runtime: ServiceRuntime, service: ServiceId, pools: list[str], handler: WorkBatchHandler
) -> None:
    """As :func:`subscribe_pools`, a batch of work items per call (``ikdz_platform.consumer.subscribe_batch``):
    the handler may write a batch at once. It must be idempotent per work item, as a failed batch is
    run again and then item by item."""
    for pool_id, topic in _work_topics(runtime, service, pools):
        _subscribe_pool_in_batches(runtime, pool_id, topic, handler)


def _work_topics(runtime: ServiceRuntime, service: ServiceId, pools: list[str]) -> list[tuple[str, str]]:
    """Each pool with its work topic, declared with its dead-letter topic for creation at start-up."""
    topics = [(pool_id, runtime.topics.work(service, pool_id)) for pool_id in pools]
    runtime.create_topics([topic for _, topic in topics], with_dead_letters=True)
    return topics


def _subscribe_pool_in_batches(runtime: ServiceRuntime, pool_id: str, topic: str, handler: WorkBatchHandler) -> None:
    @subscribe_batch(
        runtime.broker,
        topic,
        CaseSubmitted,
        group_id=f"{runtime.group_id}-{pool_id}",
        dead_letters=runtime.dead_letters,
    )
    async def on_work_items(items: list[CloudEvent[CaseSubmitted]]) -> None:
        """Take the cases routed to this pool since the last batch."""
        await handler(pool_id, items)


def _subscribe_pool(runtime: ServiceRuntime, pool_id: str, topic: str, handler: WorkItemHandler) -> None:
    # One consumer group per service and pool, so ops can add replicas for one busy pool only.
    @subscribe(runtime.broker, topic, CaseSubmitted, group_id=f"{runtime.group_id}-{pool_id}")
    async def on_work_item(item: CloudEvent[CaseSubmitted]) -> None:
        """Take a case routed to this pool."""
        await handler(pool_id, item)
