from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ikdz_platform.producer import EventProducer
from ikdz_platform.testing.infra import Infra
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


@pytest.fixture
async def db(infra: Infra, mongo_db_name: str) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(infra.mongodb_uri, tz_aware=True)
    yield client[mongo_db_name]
    await client.close()


@pytest.fixture
async def producer(infra: Infra) -> AsyncIterator[EventProducer]:
    producer = EventProducer(infra.kafka_bootstrap_servers, client_id="test")
    await producer.start()
    yield producer
    await producer.stop()
