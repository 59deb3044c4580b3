"""Kafka topic names (DESIGN.md section 2). The prefix is configurable; the default is ``ikdz.``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ikdz_contracts.services import ServiceId

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
    def einvoice_events(self) -> str:
        return f"{self.prefix}einvoice.events.v1"

    @property
    def traffic_events(self) -> str:
        return f"{self.prefix}traffic.events.v1"

    def work(self, service: ServiceId, pool_id: str) -> str:
        """The work queue of one pool for one service: ``work.<service>.<pool>.v1``."""
        if not _POOL_ID.match(pool_id):
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
            self.einvoice_events,
            self.traffic_events,
        ]


def dlq(topic: str) -> str:
    """The dead-letter topic of a consumed topic."""
    return f"{topic}{DLQ_SUFFIX}"
