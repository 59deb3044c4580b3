"""Running a service's FastAPI app in the test process against the real broker and store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from ikdz_platform.settings import PlatformSettings
from ikdz_platform.testing.infra import Infra

S = TypeVar("S", bound=PlatformSettings)


def settings_for(cls: type[S], infra: Infra, *, database: str, topic_prefix: str, **extra: Any) -> S:
    """Settings pointing at the test infrastructure, a fresh database and unique topic names."""
    return cls(
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=database,
        topic_prefix=topic_prefix,
        topic_partitions=2,
        outbox_poll_seconds=0.2,
        consumer_retry_backoff_seconds=0.01,
        log_json=False,
        **extra,
    )


@asynccontextmanager
async def running(app: FastAPI, base_url: str = "http://testserver") -> AsyncIterator[httpx.AsyncClient]:
    """Start the app's lifespan (topics, store, broker, relay) and give an HTTP client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
