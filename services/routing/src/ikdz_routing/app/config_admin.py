"""The configuration in force, its versions and how a new one takes effect without a restart.

Every activated configuration is stored as a version (write-once, hash-chained: the audit of who
changed the rules, when and why). The most recently activated version is in force in every replica:
an admin's upload, a changed file or an admin's reload activate a version; each replica polls the
store and adopts a newer one. A version string names one content for good: reusing it for other
content is refused, so a decision's ``policy_version`` always identifies the rules it used.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import structlog

from ikdz_routing.app.ports import Clock
from ikdz_routing.domain.audit import GENESIS, broken_links, chained
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.errors import ConfigError, ConfigVersionConflictError

log = structlog.get_logger(__name__)
RETRIES = 5


class VersionTakenError(Exception):
    """The version's id or sequence number is already stored."""


class ConfigVersions(Protocol):
    async def latest(self) -> dict[str, Any] | None: ...

    async def get(self, version: str) -> dict[str, Any] | None: ...

    async def add(self, record: dict[str, Any]) -> None:
        """Insert a version; ``VersionTakenError`` if its id or ``seq`` exists."""
        ...

    async def history(self) -> list[dict[str, Any]]:
        """All versions, oldest first."""
        ...


class ConfigSource(Protocol):
    """The configuration file, and the validation an upload goes through."""

    path: Path

    def changed(self) -> bool: ...

    def load(self) -> RoutingConfig: ...

    def parse(self, raw: Any, *, where: str) -> RoutingConfig: ...


class ActiveConfig:
    """The configuration the use cases read at each decision (never cached by them)."""

    def __init__(self, config: RoutingConfig) -> None:
        self.current = config
        self.seq = 0


def _same(a: RoutingConfig, b: RoutingConfig) -> bool:
    """Same content (sets compare as sets; cached lookups, which model equality would compare, do not count)."""
    return a.model_dump() == b.model_dump()


class ConfigAdmin:
    def __init__(
        self,
        versions: ConfigVersions,
        active: ActiveConfig,
        source: ConfigSource,
        clock: Clock,
        on_activate: Callable[[RoutingConfig], Awaitable[None]],
    ) -> None:
        self._versions = versions
        self.active = active
        self._source = source
        self._clock = clock
        self._on_activate = on_activate
        self.last_file_error: str | None = None

    async def start(self) -> None:
        """Register the file's configuration (checked at start-up) and adopt the newest version."""
        await self._register(
            self.active.current, source=f"file:{self._source.path}", actor="routing", reason="start-up"
        )
        await self.poll_store()

    async def publish(self, raw: Any, *, actor: str, reason: str) -> RoutingConfig:
        """Validate an admin's configuration fully, store it as a new version and put it in force."""
        config = self._source.parse(raw, where="configuration")
        stored = await self._versions.get(config.version)
        if stored is not None:
            msg = f"configuration: version: {config.version} exists already; give the new configuration a new version"
            raise ConfigVersionConflictError(msg)
        await self._register(config, source="admin-api", actor=actor, reason=reason)
        return config

    async def reload_file(self, *, actor: str, reason: str) -> RoutingConfig:
        """Re-read the configuration file and put it in force (``ConfigError`` if it is invalid)."""
        config = self._source.load()
        self.last_file_error = None
        if not await self._register(config, source=f"file:{self._source.path}", actor=actor, reason=reason):
            msg = (
                f"{self._source.path}: version: {config.version} was in force before; version"
                f" {self.active.current.version} stays in force. Give the file a new version to activate it"
            )
            raise ConfigVersionConflictError(msg)
        return config

    async def poll(self) -> None:
        """Periodic: re-read the file if it changed; adopt a version another replica activated."""
        if self._source.changed():
            try:
                await self.reload_file(actor="routing", reason="configuration file changed")
            except ConfigError as error:
                self.last_file_error = str(error)
                log.error("routing_config_rejected", error=str(error))
        await self.poll_store()

    async def poll_store(self) -> None:
        latest = await self._versions.latest()
        if latest is not None and latest["seq"] > self.active.seq:
            await self._activate(RoutingConfig.model_validate(latest["config"]), latest["seq"])

    async def history(self) -> dict[str, Any]:
        records = await self._versions.history()
        problems = broken_links(GENESIS, records)
        return {
            "active_version": self.active.current.version,
            "versions": [{k: v for k, v in r.items() if k not in {"_id", "config"}} for r in records],
            "chain_intact": not problems,
            "problems": problems,
        }

    async def _register(self, config: RoutingConfig, *, source: str, actor: str, reason: str) -> bool:
        """Store ``config`` as the newest version and put it in force, unless this exact version is
        stored already; then it is in force only if it is the newest. Returns whether it is in force."""
        for _ in range(RETRIES):
            stored = await self._versions.get(config.version)
            if stored is not None:
                if not _same(RoutingConfig.model_validate(stored["config"]), config):
                    msg = (
                        f"{source}: version: {config.version} is already in use for another configuration;"
                        " change the version with the content"
                    )
                    raise ConfigVersionConflictError(msg)
                if stored["seq"] != (await self._versions.latest() or {}).get("seq"):
                    return False
                await self._activate(config, stored["seq"])
                return True
            latest = await self._versions.latest()
            record: dict[str, Any] = {
                "version": config.version,
                "seq": (latest["seq"] + 1) if latest else 1,
                "source": source,
                "actor": actor,
                "reason": reason,
                "at": self._clock().isoformat(),
                "config": config.model_dump(mode="json"),
            }
            try:
                await self._versions.add(
                    {"_id": config.version, **chained(latest["hash"] if latest else GENESIS, record)}
                )
            except VersionTakenError:
                continue  # another replica activated a version at the same moment: chain after it
            log.info("routing_config_activated", version=config.version, seq=record["seq"], source=source, actor=actor)
            await self._activate(config, record["seq"])
            return True
        msg = f"{source}: could not store version {config.version}: too many concurrent changes"
        raise ConfigError(msg)

    async def _activate(self, config: RoutingConfig, seq: int) -> None:
        await self._on_activate(config)  # topics of new pools exist before the first case goes there
        self.active.current, self.active.seq = config, seq
