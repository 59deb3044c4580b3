"""The composition root's shared part: one Mongo client, one producer, one broker and one outbox
relay per service process, started and stopped by the FastAPI lifespan. Nothing here does I/O at
import or construction time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ikdz_platform.consumer import DeadLetterPolicy
from ikdz_platform.outbox import OutboxRelay
from ikdz_platform.producer import EventProducer
from ikdz_platform.settings import PlatformSettings
from ikdz_platform.topic_admin import ensure_topics

log = structlog.get_logger(__name__)

Document = dict[str, Any]


class ServiceRuntime:
    """Infrastructure handles of one service process."""

    def __init__(self, service: str, settings: PlatformSettings) -> None:
        self.service = service
        self.settings = settings
        self.topics = settings.topics
        self.mongo: AsyncMongoClient[Document] = AsyncMongoClient(
            settings.mongodb_uri.get_secret_value(), tz_aware=True, appname=f"ikdz-{service}"
        )
        self.db: AsyncDatabase[Document] = self.mongo[settings.database_name(service)]
        self.producer = EventProducer(settings.kafka_bootstrap_servers, client_id=f"ikdz-{service}")
        self.dead_letters = DeadLetterPolicy(
            self.producer,
            group_id=f"ikdz-{service}",
            max_attempts=settings.consumer_max_attempts,
            backoff_seconds=settings.consumer_retry_backoff_seconds,
        )
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=f"ikdz-{service}",
            middlewares=[self.dead_letters.middleware],
            enable_idempotence=True,
            acks="all",
            graceful_timeout=10.0,
            logger=structlog.get_logger("faststream"),
        )
        self.group_id = f"ikdz-{service}"
        self._topics_to_create: list[str] = []
        self._outbox_collections: list[AsyncCollection[Document]] = []
        self.relay: OutboxRelay | None = None

    def create_topics(self, topics: Sequence[str], *, with_dead_letters: bool = False) -> None:
        """Declare topics this service needs; they are created at start-up if missing."""
        for topic in topics:
            self._topics_to_create.append(topic)
            if with_dead_letters:
                self._topics_to_create.append(f"{topic}.dlq")

    def outbox(self, collection: AsyncCollection[Document]) -> OutboxRelay:
        """Have the relay publish the outbox of ``collection``; returns the relay to ``notify()``."""
        self._outbox_collections.append(collection)
        if self.relay is None:
            self.relay = OutboxRelay(
                self._outbox_collections,
                self.producer,
                poll_seconds=self.settings.outbox_poll_seconds,
                lease_seconds=self.settings.outbox_lease_seconds,
            )
        return self.relay

    async def ping_store(self) -> None:
        await self.db.command("ping")

    async def ping_broker(self) -> None:
        await self.producer.ping()

    async def start(self) -> None:
        await ensure_topics(
            self.settings.kafka_bootstrap_servers,
            sorted(set(self._topics_to_create)),
            partitions=self.settings.topic_partitions,
            replication_factor=self.settings.topic_replication_factor,
        )
        await self.ping_store()
        await self.producer.start()
        await self.broker.start()
        if self.relay:
            self.relay.start()
        log.info("service_started", topics=len(self._topics_to_create))

    async def stop(self) -> None:
        if self.relay:
            await self.relay.stop()
        await self.broker.stop()
        await self.producer.stop()
        await self.mongo.close()
        log.info("service_stopped")

    @asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()
