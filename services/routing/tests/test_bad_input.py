"""The issue's bad-input list for routing, each refused clearly, end to end through the REST API on the
real broker and store (the rules behind each are also unit-tested: test_task_rules, test_routing_config,
test_config_versions, test_task_requests):

- a task for an unknown pool: dead-lettered with the reason; a configuration naming an unknown pool
  or town: refused at load, naming file and field;
- a task completed twice: the same decision again is a no-op (200, no second event), another is 409;
- completion by someone not assigned: 403;
- an outcome not among the allowed ones: 422.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from ikdz_contracts.cloudevents import decode
from ikdz_contracts.events import TaskCompleted
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.topics import Topics, dlq
from ikdz_platform.producer import OutgoingMessage
from ikdz_platform.testing.infra import Infra
from ikdz_platform.testing.topics import TopicReader
from ikdz_routing.adapters.config_file import load_routing_config
from ikdz_routing.errors import ConfigError

from .test_routing_service import submitted
from .test_worklist_api import eventually, publish, routing, task_request  # noqa: F401 - the fixture

pytestmark = pytest.mark.infra


async def test_bad_input_is_refused_clearly(
    infra: Infra,
    topic_prefix: str,
    routing: tuple[httpx.AsyncClient, Any],  # noqa: F811 - the fixture imported above
) -> None:
    client, db = routing
    topics = Topics(topic_prefix)
    await publish(infra, OutgoingMessage(topic=topics.case_submitted, key=b"case-b1", value=submitted("case-b1")))
    await eventually(lambda: db["routes"].find_one({"_id": "case-b1"}))
    await publish(
        infra,
        OutgoingMessage(
            topic=topics.task_requested, key=b"case-b1", value=task_request("t-b0", "case-b1", "gibt-es-nicht")
        ),
        OutgoingMessage(topic=topics.task_requested, key=b"case-b1", value=task_request("t-b1", "case-b1")),
    )
    async with TopicReader(infra.kafka_bootstrap_servers, dlq(topics.task_requested)) as reader:
        [dead] = await reader.wait_for(lambda r: len(r) >= 1)
    assert b"is not routed to pool gibt-es-nicht" in dict(dead.headers)["x-dlq-reason"]

    anna, ben = {"x-test-staff": "anna"}, {"x-test-staff": "ben"}
    await eventually(lambda: db["task_changes"].find_one({"task_id": "t-b1"}))
    assert (await client.post("/api/v1/tasks/t-b1/claim", json={}, headers=anna)).status_code == 200

    decision = {"outcome": "approved", "reason": "liegt vor"}
    not_assigned = await client.post("/api/v1/tasks/t-b1/complete", json=decision, headers=ben)
    assert (not_assigned.status_code, not_assigned.json()["title"]) == (403, "not_assigned")
    bad_outcome = await client.post("/api/v1/tasks/t-b1/complete", json={**decision, "outcome": "egal"}, headers=anna)
    assert bad_outcome.status_code == 422
    assert "outcome must be one of approved, rejected" in bad_outcome.json()["detail"]

    first = await client.post("/api/v1/tasks/t-b1/complete", json=decision, headers=anna)
    again = await client.post("/api/v1/tasks/t-b1/complete", json=decision, headers=anna)
    other = await client.post("/api/v1/tasks/t-b1/complete", json={**decision, "outcome": "rejected"}, headers=anna)
    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 409)
    assert first.json() == again.json()
    async with TopicReader(infra.kafka_bootstrap_servers, topics.task_completed) as reader:
        await reader.wait_for(lambda r: len(r) >= 1)
        records = await reader.settle(1.0)
    assert [decode(r.value, TaskCompleted).data.task_id for r in records] == ["t-b1"]  # one event only


@pytest.mark.parametrize(
    ("agreement", "expected"),
    [
        ('owner_ags: "14999999", processing_ags: "14522020"', "agreements.0.owner_ags: unknown municipality 14999999"),
        (
            'owner_ags: "14729410", processing_ags: "14522020", pool_id: nirgendwo',
            "agreements.0.pool_id: unknown pool nirgendwo",
        ),
    ],
)
def test_a_configuration_pointing_nowhere_fails_at_load(tmp_path: Path, agreement: str, expected: str) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text(
        'version: "t"\npools:\n  - {id: wurzen, processing_ags: "14729410", services: [einvoice], capacity_per_day: 1}\n'
        f"agreements:\n  - {{reference: x, {agreement}, services: [einvoice], valid_from: 2026-01-01}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_routing_config(path, load_municipalities())
    assert str(raised.value) == f"{path}: {expected}"
