"""Configuration versions: what is in force, how a new version takes effect, and its history."""

from __future__ import annotations

import pytest
from ikdz_routing.app.config_admin import ActiveConfig, ConfigAdmin
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.errors import ConfigError, ConfigVersionConflictError

from .fakes import FakeClock, FakeConfigSource, FakeConfigVersions

POOL = {"id": "wurzen", "processing_ags": "14729410", "services": ["einvoice"], "capacity_per_day": 10}


def config(version: str, **extra: object) -> RoutingConfig:
    return RoutingConfig.model_validate({"version": version, "pools": [POOL], **extra})


class Setup:
    def __init__(self, store: FakeConfigVersions | None = None) -> None:
        self.store = store or FakeConfigVersions()
        self.source = FakeConfigSource(config("v1"))
        self.active = ActiveConfig(self.source.load())
        self.activated: list[str] = []
        self.admin = ConfigAdmin(self.store, self.active, self.source, FakeClock(), self._on_activate)

    async def _on_activate(self, activated: RoutingConfig) -> None:
        self.activated.append(activated.version)


async def test_the_file_is_stored_once_at_start_and_an_upload_takes_effect_at_once() -> None:
    setup = Setup()
    await setup.admin.start()
    await setup.admin.start()  # a restart with the same file adds nothing
    assert [r["version"] for r in await setup.store.history()] == ["v1"]

    raw = config("v2", agreements=[]).model_dump(mode="json")
    await setup.admin.publish(raw, actor="alice", reason="Grimma tritt bei")
    assert setup.active.current.version == "v2"
    assert setup.activated[-1] == "v2"
    history = await setup.admin.history()
    assert history["chain_intact"]
    assert [(v["version"], v["actor"], v["reason"]) for v in history["versions"]] == [
        ("v1", "routing", "start-up"),
        ("v2", "alice", "Grimma tritt bei"),
    ]


async def test_a_version_names_one_content_for_good() -> None:
    setup = Setup()
    await setup.admin.start()
    with pytest.raises(ConfigVersionConflictError, match="version: v1 exists already"):
        await setup.admin.publish(config("v1").model_dump(mode="json"), actor="alice", reason="x")
    setup.source.replace(config("v1", deadlines={"einvoice": {"case_target_days": 5}}))
    with pytest.raises(ConfigVersionConflictError, match="already in use for another configuration"):
        await setup.admin.reload_file(actor="alice", reason="edit")
    assert setup.active.current == config("v1")


async def test_a_changed_file_is_picked_up_and_a_broken_edit_keeps_the_rules_in_force() -> None:
    setup = Setup()
    await setup.admin.start()
    setup.source.replace(ConfigError("routing.yaml: pools.0.capacity_per_day: must be greater than 0"))
    await setup.admin.poll()
    assert setup.active.current.version == "v1"
    assert setup.admin.last_file_error is not None
    assert "pools.0.capacity_per_day" in setup.admin.last_file_error
    setup.source.replace(config("v3"))
    await setup.admin.poll()
    assert setup.active.current.version == "v3"
    assert setup.admin.last_file_error is None


async def test_another_replica_adopts_a_newer_stored_version_and_a_restart_keeps_it() -> None:
    first = Setup()
    await first.admin.start()
    second = Setup(first.store)
    await second.admin.start()
    await first.admin.publish(config("v2").model_dump(mode="json"), actor="alice", reason="neu")
    assert second.active.current.version == "v1"
    await second.admin.poll()
    assert second.active.current.version == "v2"

    restarted = Setup(first.store)  # still the v1 file: the newer admin version stays in force
    await restarted.admin.start()
    assert restarted.active.current.version == "v2"
    with pytest.raises(ConfigVersionConflictError, match="version v2 stays in force"):
        await restarted.admin.reload_file(actor="ops", reason="reload")


async def test_tampering_with_the_history_is_detected() -> None:
    setup = Setup()
    await setup.admin.start()
    await setup.admin.publish(config("v2").model_dump(mode="json"), actor="alice", reason="neu")
    setup.store.records["v1"]["actor"] = "mallory"
    assert not (await setup.admin.history())["chain_intact"]


async def test_a_configuration_used_for_decisions_still_counts_as_the_same_content() -> None:
    setup = Setup()
    await setup.admin.start()
    setup.active.current.lookup()  # routing built its lookups
    await setup.admin.start()  # a restart or reload compares it with the stored version
    assert [r["version"] for r in await setup.store.history()] == ["v1"]
