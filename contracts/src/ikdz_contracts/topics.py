"""Kafka topic names (DESIGN.md section 2). The prefix is configurable; the default is ``ikdz.``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ikdz_contracts.services import ServiceId

if TYPE_CHECKING:
    from ikdz_contracts.cloudevents import EventData

DEFAULT_PREFIX = "ikdz."
DLQ_SUFFIX = ".dlq"
POOL_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
_POOL_ID = re.compile(POOL_ID_PATTERN)


@dataclass(frozen=True)
class Topics:
    """All topic names under one prefix."""

    prefix: str = DEFAULT_PREFIX

    @property
    def case_submitted(self) -> str:
        return f"{self.prefix}case.submitted.v1"

    @property
    def case_routed(self) -> str:
        return f"{self.prefix}case.routed.v1"

    @property
    def case_status(self) -> str:
        return f"{self.prefix}case.status.v1"

    @property
    def task_requested(self) -> str:
        return f"{self.prefix}task.requested.v1"

    @property
    def task_completed(self) -> str:
        return f"{self.prefix}task.completed.v1"

    @property
    def gewerbe_events(self) -> str:
        return f"{self.prefix}gewerbe.events.v1"

    @property
    def gewerbe_recipients(self) -> str:
        """Internal: one message per recipient body of a Gewerbeanzeige (personal data)."""
        return f"{self.prefix}gewerbe.recipients.v1"

    @property
    def einvoice_events(self) -> str:
        return f"{self.prefix}einvoice.events.v1"

    @property
    def traffic_events(self) -> str:
        return f"{self.prefix}traffic.events.v1"

    def of(self, event_type: type[EventData]) -> str:
        """The topic an event model is published on, e.g. ``ikdz.case.status.v1`` for ``CaseStatus``."""
        return f"{self.prefix}{event_type.TOPIC}"

    def work(self, service: ServiceId, pool_id: str) -> str:
        """The work queue of one pool for one service: ``work.<service>.<pool>.v1``."""
        if not _POOL_ID.fullmatch(pool_id):
            msg = f"invalid pool id {pool_id!r}: lower-case letters, digits and '-' only"
            raise ValueError(msg)
        return f"{self.prefix}work.{service.value}.{pool_id}.v1"

    def shared(self) -> list[str]:
        """Topics every installation has, independent of its pools."""
        return [
            self.case_submitted,
            self.case_routed,
            self.case_status,
            self.task_requested,
            self.task_completed,
            self.gewerbe_events,
            self.gewerbe_recipients,
            self.einvoice_events,
            self.traffic_events,
        ]


def dlq(topic: str) -> str:
    """The dead-letter topic of a consumed topic."""
    return f"{topic}{DLQ_SUFFIX}"


class DlqHeader(StrEnum):
    """Kafka headers a consumer adds when it parks a record on ``<topic>.dlq``.

    The record's key, value and original headers are copied unchanged; header values are UTF-8.
    """

    REASON = "x-dlq-reason"
    ERROR_TYPE = "x-dlq-error-type"
    ORIGINAL_TOPIC = "x-dlq-original-topic"
    ORIGINAL_PARTITION = "x-dlq-original-partition"
    ORIGINAL_OFFSET = "x-dlq-original-offset"
    ATTEMPTS = "x-dlq-attempts"
    FAILED_AT = "x-dlq-failed-at"
    CONSUMER_GROUP = "x-dlq-consumer-group"

    @property
    def description(self) -> str:
        """What the header carries (used in the AsyncAPI document)."""
        return _DLQ_HEADER_DESCRIPTIONS[self]


_DLQ_HEADER_DESCRIPTIONS = {
    DlqHeader.REASON: "Human-readable reason, `<ErrorType>: <message>` on one line, at most 2,000 characters.",
    DlqHeader.ERROR_TYPE: "Class name of the exception, e.g. ValidationError.",
    DlqHeader.ORIGINAL_TOPIC: "Topic the record was consumed from.",
    DlqHeader.ORIGINAL_PARTITION: "Partition of the original record, decimal.",
    DlqHeader.ORIGINAL_OFFSET: "Offset of the original record, decimal.",
    DlqHeader.ATTEMPTS: "How many times the handler ran before the record was parked, decimal.",
    DlqHeader.FAILED_AT: "When the last attempt failed, ISO 8601 / RFC 3339 with offset, in UTC.",
    DlqHeader.CONSUMER_GROUP: "Consumer group (group_id) that gave up on the record.",
}
