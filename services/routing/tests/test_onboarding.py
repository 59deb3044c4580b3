"""Onboarding is configuration only, on the real broker and store: an admin adds a pool and an
agreement through the admin API; the next case routes under it, cases routed before stay; a changed
file takes effect without a restart; invalid configurations and non-admins are refused."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from ikdz_contracts.cloudevents import decode
from ikdz_contracts.events import CaseRouted
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_routing.adapters.config_file import PILOT_CONFIG
from ikdz_routing.bootstrap import create_app
from ikdz_routing.settings import RoutingSettings
from pymongo import AsyncMongoClient

from .test_routing_service import submitted
from .test_worklist_api import as_header_staff, eventually, publish

pytestmark = pytest.mark.infra
ADMIN = {"x-test-staff": "wanda"}  # Wurzen's admin
CLERK = {"x-test-staff": "anna"}
GRIMMA = "14729160"


@pytest.fixture
async def routing(
    infra: Infra, mongo_db_name: str, topic_prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Any, Path]]:
    config_file = tmp_path / "routing.yaml"
    shutil.copy(PILOT_CONFIG, config_file)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    # Equal backlogs in both pilot towns: a Wurzen case stays at home on the tie.
    await db["routes"].insert_many(
        [{"_id": f"old-{pool}-{i}", "pool_id": pool} for pool in ("wurzen", "augustusburg") for i in range(3)]
    )
    settings = settings_for(
        RoutingSettings,
        infra,
        database=mongo_db_name,
        topic_prefix=topic_prefix,
        dev_issuer=True,
        config_file=config_file,
        config_poll_seconds=0.2,
    )
    async with running(create_app(settings, resolve_actor=as_header_staff)) as client:
        yield client, db, config_file
    await mongo.close()


def with_grimma(current: dict[str, Any], version: str) -> dict[str, Any]:
    grimma_pool = {"id": "grimma", "processing_ags": GRIMMA, "services": ["trade-registration"], "capacity_per_day": 40}
    agreement = {
        "reference": "ZV-IKDZ-2026-07 Wurzen/Grimma",
        "owner_ags": "14729410",
        "processing_ags": GRIMMA,
        "pool_id": "grimma",
        "services": ["trade-registration"],
        "valid_from": "2026-01-01",
    }
    return {
        **current,
        "version": version,
        "pools": [*current["pools"], grimma_pool],
        "agreements": [*current["agreements"], agreement],
    }


async def test_an_agreement_added_through_the_admin_api_routes_the_next_case(
    infra: Infra, topic_prefix: str, routing: tuple[httpx.AsyncClient, Any, Path]
) -> None:
    client, db, config_file = routing
    topics = Topics(topic_prefix)
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-o1", value=submitted("case-o1")))
    before = await eventually(lambda: db["routes"].find_one({"_id": "case-o1"}))
    assert before["pool_id"] == "wurzen"

    assert (await client.get("/api/v1/admin/config", headers=CLERK)).status_code == 403
    assert (await client.get("/api/v1/admin/config")).status_code == 401
    current = (await client.get("/api/v1/admin/config", headers=ADMIN)).json()
    assert current["version"] == "pilot-2026-12"

    unknown_town = with_grimma(current["config"], "bad")
    unknown_town["agreements"][-1]["owner_ags"] = "14999999"
    refused = await client.put("/api/v1/admin/config", json={"config": unknown_town, "reason": "x"}, headers=ADMIN)
    assert refused.status_code == 422
    assert "agreements.2.owner_ags: unknown municipality 14999999" in refused.json()["detail"]
    unknown_pool = with_grimma(current["config"], "bad")
    unknown_pool["agreements"][-1]["pool_id"] = "grimma-nord"
    refused = await client.put("/api/v1/admin/config", json={"config": unknown_pool, "reason": "x"}, headers=ADMIN)
    assert "agreements.2.pool_id: unknown pool grimma-nord" in refused.json()["detail"]
    onboard = {"config": with_grimma(current["config"], "pilot-2026-12-grimma"), "reason": "Grimma tritt bei"}
    assert (await client.put("/api/v1/admin/config", json=onboard, headers=CLERK)).status_code == 403
    accepted = await client.put("/api/v1/admin/config", json=onboard, headers=ADMIN)
    assert accepted.status_code == 201, accepted.text
    again = await client.put("/api/v1/admin/config", json=onboard, headers=ADMIN)
    assert again.status_code == 409

    # Grimma's empty pool has the shortest wait: the next Wurzen case goes there, under the agreement.
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-o2", value=submitted("case-o2")))
    grimma_work = topics.work(ServiceId.TRADE_REGISTRATION, "grimma")
    async with TopicReader(infra.kafka_bootstrap_servers, topics.case_routed, grimma_work) as reader:
        # Both events of case-o2: the reader may also see case-o1's case.routed, and the work item first.
        records = await reader.wait_for(
            lambda r: {(x.topic, x.key) for x in r} >= {(topics.case_routed, b"case-o2"), (grimma_work, b"case-o2")}
        )
    routed = [decode(r.value, CaseRouted).data for r in records if r.topic == topics.case_routed]
    assert [(r.case_id, r.pool_id, r.agreement_ref) for r in routed if r.case_id == "case-o2"] == [
        ("case-o2", "grimma", "ZV-IKDZ-2026-07 Wurzen/Grimma")
    ]
    assert routed[-1].decision.policy_version.endswith("@pilot-2026-12-grimma")
    assert (await db["routes"].find_one({"_id": "case-o1"}))["pool_id"] == "wurzen"  # routed before: stays

    history = (await client.get("/api/v1/admin/config/versions", headers=ADMIN)).json()
    assert history["chain_intact"]
    assert [(v["version"], v["actor"]) for v in history["versions"]] == [
        ("pilot-2026-12", "routing"),
        ("pilot-2026-12-grimma", "wanda"),
    ]

    # An operator edits the file: it takes effect without a restart; a broken edit is reported, not applied.
    edited = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    config_file.write_text(yaml.safe_dump({**edited, "version": "file-2026-12"}), encoding="utf-8")

    async def version_in_force() -> str | None:
        body = (await client.get("/api/v1/admin/config", headers=ADMIN)).json()
        return body["version"] if body["version"] == "file-2026-12" else None

    await eventually(version_in_force)
    config_file.write_text("version: broken\npools: []\nagreements: [{owner_ags: 1}]\n", encoding="utf-8")
    reload = await client.post("/api/v1/admin/config:reload", json={"reason": "test"}, headers=ADMIN)
    assert reload.status_code == 422
    assert str(config_file) in reload.json()["detail"]
    assert (await client.get("/api/v1/admin/config", headers=ADMIN)).json()["version"] == "file-2026-12"
