"""The test's own topics on the real broker."""

from __future__ import annotations

from ikdz_contracts.topics import Topics, dlq
from ikdz_platform.testing.infra import Infra
from ikdz_platform.topic_admin import ensure_topics


async def case_status_topic(infra: Infra, topic_prefix: str, *, partitions: int, dead_letters: bool = False) -> str:
    """A ``case.status`` topic under the test's prefix (with its dead-letter topic if asked for)."""
    name = Topics(topic_prefix).case_status
    names = [name, dlq(name)] if dead_letters else [name]
    await ensure_topics(infra.kafka_bootstrap_servers, names, partitions=partitions, replication_factor=1)
    return name
