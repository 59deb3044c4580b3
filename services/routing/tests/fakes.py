"""In-memory stand-ins for routing's ports, for fast unit tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ikdz_routing.app.config_admin import VersionTakenError
from ikdz_routing.domain.config import RoutingConfig


class FakeConfigVersions:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    async def latest(self) -> dict[str, Any] | None:
        return copy.deepcopy(max(self.records.values(), key=lambda r: r["seq"], default=None))

    async def get(self, version: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.records.get(version))

    async def add(self, record: dict[str, Any]) -> None:
        if record["_id"] in self.records or any(r["seq"] == record["seq"] for r in self.records.values()):
            raise VersionTakenError(record["_id"])
        self.records[record["_id"]] = copy.deepcopy(record)

    async def history(self) -> list[dict[str, Any]]:
        return sorted(copy.deepcopy(list(self.records.values())), key=lambda r: r["seq"])


class FakeConfigSource:
    """A configuration 'file' whose content a test replaces; ``parse`` validates like the real one."""

    path = Path("routing.yaml")

    def __init__(self, config: RoutingConfig) -> None:
        self.config: RoutingConfig | Exception = config
        self._seen = True

    def replace(self, config: RoutingConfig | Exception) -> None:
        self.config, self._seen = config, False

    def changed(self) -> bool:
        return not self._seen

    def load(self) -> RoutingConfig:
        self._seen = True
        if isinstance(self.config, Exception):
            raise self.config
        return self.config

    def parse(self, raw: Any, *, where: str) -> RoutingConfig:  # noqa: ARG002 - the real one names it in errors
        return RoutingConfig.model_validate(raw)


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
