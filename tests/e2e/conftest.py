"""The whole system as processes: five services under uvicorn on the session's Kafka and store."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ikdz_platform.stack import ServiceProcess, ServiceSpec, Stack, default_services
from ikdz_platform.testing.infra import Infra


class RunningStack:
    """A started stack with its topic prefix and helpers to crash and restart services."""

    def __init__(self, stack: Stack, topic_prefix: str) -> None:
        self.stack = stack
        self.topic_prefix = topic_prefix

    def url(self, service: str) -> str:
        return self.stack.service(service).base_url

    def client(self, service: str) -> httpx.Client:
        return httpx.Client(base_url=self.url(service), trust_env=False, timeout=10)

    def replace(self, name: str, **env: str) -> ServiceProcess:
        """Stop a service and start it again on the same port, with these extra environment variables only."""
        old = self.stack.service(name)
        old.stop()
        spec = dataclasses.replace(old.spec, port=old.port, env=env)
        new = ServiceProcess(spec, env=self.stack.env(), log_dir=self.stack.data_dir / "logs", cwd=self.stack.cwd)
        self.stack.services[name] = new
        new.start()
        new.wait_ready()
        return new


@pytest.fixture(scope="module")
def running_stack(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    prefix = f"e{secrets.token_hex(4)}"
    specs: list[ServiceSpec] = [dataclasses.replace(spec, port=0) for spec in default_services()]
    stack = Stack(
        Path(tmp_path_factory.mktemp("stack")),
        services=specs,
        kafka_bootstrap_servers=infra.kafka_bootstrap_servers,
        mongodb_uri=infra.mongodb_uri,
        extra_env={
            "IKDZ_TOPIC_PREFIX": f"{prefix}.",
            "MONGODB_DATABASE_PREFIX": f"{prefix}_",
            "IKDZ_TOPIC_PARTITIONS": "3",
            "IKDZ_LOG_JSON": "true",
            "IKDZ_OUTBOX_LEASE_SECONDS": "3",
        },
    )
    stack.start()
    try:
        yield RunningStack(stack, f"{prefix}.")
    finally:
        stack.stop()


from ikdz_platform.web.browser_testing import browser_page_nojs, chromium_browser  # noqa: E402

__all__ = ["RunningStack", "browser_page_nojs", "chromium_browser"]  # fixtures used by the browser tests
