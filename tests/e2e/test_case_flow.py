"""End to end on the real broker and store: a case filed over HTTP is routed and taken up within
seconds, its events are valid CloudEvents any Kafka client can read, and crashes lose nothing."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any

import jsonschema
import pytest
from ikdz_contracts.events import ALL_EVENTS
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.testing.topics import TopicReader

from .cases import gewerbe_case, submit, wait_for_state
from .conftest import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.infra]


def checked_in_schema(event_type: str) -> dict[str, Any]:
    path = resources.files("ikdz_contracts").joinpath("../../schemas").joinpath(f"{event_type}.json")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_a_submitted_case_is_routed_and_decided_within_seconds(running_stack: RunningStack) -> None:
    with running_stack.client("intake") as intake:
        started = time.monotonic()
        created = submit(intake, key="e2e-flow-000001")
        status = wait_for_state(intake, created, "completed", timeout=10)
        elapsed = time.monotonic() - started

    assert elapsed < 10
    assert [entry["state"] for entry in status["history"]] == ["received", "routed", "completed"]
    decided = status["history"][2]
    assert decided["label_de"] == "Abgeschlossen"
    assert decided["pool_id"] in {"wurzen", "augustusburg"}
    assert decided["processing_town"] in {"Wurzen", "Augustusburg"}
    assert status["owner_town"] == "Wurzen"


def test_the_events_on_the_topics_are_valid_cloudevents(running_stack: RunningStack) -> None:
    with running_stack.client("intake") as intake:
        created = submit(intake, gewerbe_case(300), key="e2e-events-000001")  # another business: decided, not refused
        status = wait_for_state(intake, created, "completed")
    pool = status["history"][1]["pool_id"]
    topics = Topics(running_stack.topic_prefix)
    names = [
        topics.case_submitted,
        topics.case_routed,
        topics.case_status,
        topics.work(ServiceId.TRADE_REGISTRATION, pool),
    ]

    async def read() -> list[Any]:
        async with TopicReader(running_stack.stack.kafka_bootstrap_servers, *names) as reader:
            return await reader.wait_for(
                lambda records: sum(r.key == created["case_id"].encode() for r in records) >= 5
            )

    records = [r for r in asyncio.run(read()) if r.key == created["case_id"].encode()]
    schemas = {event.EVENT_TYPE: checked_in_schema(event.EVENT_TYPE) for event in ALL_EVENTS}
    seen_types = []
    for record in records:
        assert dict(record.headers)["content-type"] == b"application/cloudevents+json"
        event = json.loads(record.value)
        jsonschema.validate(event, schemas[event["type"]])
        assert event["specversion"] == "1.0"
        assert event["subject"] == created["case_id"]
        assert event["ownerags"] == "14729410"
        seen_types.append((record.topic, event["type"]))
    assert sorted(seen_types) == sorted(
        [
            (topics.case_submitted, "de.ikdz.case.submitted.v1"),
            (topics.work(ServiceId.TRADE_REGISTRATION, pool), "de.ikdz.case.submitted.v1"),
            (topics.case_routed, "de.ikdz.case.routed.v1"),
            (topics.case_status, "de.ikdz.case.status.v1"),  # routed
            (topics.case_status, "de.ikdz.case.status.v1"),  # decided
        ]
    )


def test_a_case_stored_by_an_intake_that_crashed_before_relaying_is_published_after_restart(
    running_stack: RunningStack,
) -> None:
    # An intake that stores but never relays stands for one killed between the two steps.
    running_stack.replace("intake", IKDZ_OUTBOX_RELAY_ENABLED="false")
    with running_stack.client("intake") as intake:
        created = submit(intake, gewerbe_case(301), key="e2e-crash-intake-01")
        time.sleep(1.0)
        assert intake.get("/" + created["status_url"].split("/", 3)[3]).json()["state"] == "received"
    running_stack.stack.service("intake").kill()
    running_stack.replace("intake")
    with running_stack.client("intake") as intake:
        wait_for_state(intake, created, "completed", timeout=15)


@pytest.mark.timeout(300)  # trade-registration decides, renders two PDFs and writes ~20 events per case
def test_a_domain_service_killed_mid_stream_processes_every_case_once_after_restart(
    running_stack: RunningStack,
) -> None:
    worker = running_stack.stack.service("trade_registration")
    with running_stack.client("intake") as intake, ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(submit, intake, gewerbe_case(100 + n), f"e2e-crash-worker-{n:03d}") for n in range(40)]
        time.sleep(0.3)
        worker.kill()  # SIGKILL while work items arrive
        created = [future.result() for future in futures]
        worker.restart(ready_timeout=60)
        statuses = [wait_for_state(intake, case, "completed", timeout=60) for case in created]

    for status in statuses:
        states = [entry["state"] for entry in status["history"]]
        assert states.count("completed") == 1, states
        assert states.count("routed") == 1, states
