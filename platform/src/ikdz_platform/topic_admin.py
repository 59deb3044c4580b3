"""Create the Kafka topics a service needs at start-up (DESIGN.md section 2: topics are created explicitly).

``ensure_topics`` is idempotent and safe when several services (or replicas) call it at the same time
for overlapping topics: a topic another caller created first counts as success. It returns only when
every requested topic is in the cluster metadata with a leader for each partition, so a producer or
consumer started right after it does not race the topic creation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, for_code

log = structlog.get_logger(__name__)

_TOPIC_ALREADY_EXISTS = 36
_RETRY_DELAY = 0.25


class TopicAdminError(RuntimeError):
    """A topic could not be created (bad settings) or did not get leaders in time."""


def _topic_name(entry: Mapping[str, Any]) -> str:
    return str(entry.get("topic", entry.get("name", "")))


def _ready(entry: Mapping[str, Any]) -> bool:
    partitions = entry.get("partitions") or []
    return (
        entry.get("error_code", -1) == 0
        and bool(partitions)
        and all(p.get("error_code", -1) == 0 and p.get("leader", -1) >= 0 for p in partitions)
    )


async def _create_missing(
    admin: AIOKafkaAdminClient,
    names: list[str],
    *,
    partitions: int,
    replication_factor: int,
    topic_configs: Mapping[str, str] | None,
) -> list[str]:
    """Create the topics in *names* that the cluster does not list yet; return those still to retry."""
    existing = set(await admin.list_topics())
    missing = [name for name in names if name not in existing]
    if not missing:
        return []
    configs = dict(topic_configs or {})
    response = await admin.create_topics(
        [NewTopic(name, partitions, replication_factor, topic_configs=configs) for name in missing]
    )
    retry: list[str] = []
    for topic, code, *rest in response.topic_errors:
        if code == 0:
            log.info("topic_created", topic=topic, partitions=partitions, replication_factor=replication_factor)
        elif code == _TOPIC_ALREADY_EXISTS:
            log.debug("topic_exists", topic=topic)
        elif for_code(code).retriable:
            retry.append(topic)
        else:
            message = rest[0] if rest and rest[0] else for_code(code).__name__
            raise TopicAdminError(f"cannot create topic {topic}: {message} (error code {code})")
    return retry


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
    topic_configs: Mapping[str, str] | None = None,
    give_up_after: float = 60.0,
) -> None:
    """Create the missing *topics*, then wait until all of them have a leader for every partition.

    Existing topics are left as they are (their partition count is not changed). Connection and
    other retriable errors are retried until *give_up_after* seconds have passed; invalid settings
    (for example a replication factor above the number of brokers) raise :class:`TopicAdminError` at once.
    """
    names = list(dict.fromkeys(topics))
    if not names:
        return
    deadline = time.monotonic() + give_up_after
    last_problem = "no attempt"
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="ikdz-topic-admin")
        try:
            await admin.start()
            pending = names
            while pending:
                retry = await _create_missing(
                    admin,
                    pending,
                    partitions=partitions,
                    replication_factor=replication_factor,
                    topic_configs=topic_configs,
                )
                described = await admin.describe_topics(names)
                not_ready = {_topic_name(e) for e in described if not _ready(e)} | set(retry)
                not_ready |= set(names) - {_topic_name(e) for e in described}
                pending = [name for name in names if name in not_ready]
                if pending:
                    last_problem = f"no leader yet for {', '.join(pending)}"
                    if time.monotonic() > deadline:
                        break
                    await asyncio.sleep(_RETRY_DELAY)
            if not pending:
                return
        except (KafkaError, OSError, TimeoutError) as error:
            last_problem = f"{type(error).__name__}: {error}"
            log.debug("ensure_topics_retry", problem=last_problem)
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        if time.monotonic() > deadline:
            msg = f"topics not ready after {give_up_after:.0f} s on {bootstrap_servers}: {last_problem}"
            raise TopicAdminError(msg)
        await asyncio.sleep(_RETRY_DELAY)
