"""A Wurzen case goes to Augustusburg because Wurzen's backlog is longer; an Augustusburg clerk signs
in and decides its task in Chromium without JavaScript; the decision reaches Kafka as
``task.completed``, and the audit log names who acted for which town under which agreement."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import httpx
import pytest
from ikdz_contracts.cloudevents import decode, encode, new_event
from ikdz_contracts.events import FourEyes, TaskCompleted, TaskOutcome, TaskRequested
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.producer import EventProducer, OutgoingMessage
from ikdz_platform.testing.topics import TopicReader
from ikdz_platform.web.browser_testing import assert_no_axe_violations
from playwright.async_api import Page

from .cases import SECURITY, gewerbe_case, submit, wait_for_state
from .conftest import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.infra, pytest.mark.browser]


def permit_check(task_id: str, case_id: str) -> bytes:
    data = TaskRequested(
        task_id=task_id,
        case_id=case_id,
        service=ServiceId.TRADE_REGISTRATION,
        owner_ags="14729410",
        pool_id="augustusburg",
        kind="gewerbe.permit_check",
        title_de="Bewachungserlaubnis prüfen",
        instructions_de="Liegt die Erlaubnis nach § 34a GewO vor?",
        four_eyes=FourEyes(excluded_actors=["wur-clerk-01"], reason="hat die Anzeige vorbereitet"),
        outcomes=[
            TaskOutcome(code="approved", label_de="Erlaubnis liegt vor"),
            TaskOutcome(code="rejected", label_de="Keine Erlaubnis"),
        ],
    )
    event = new_event(
        data, source="urn:ikdz:trade-registration", subject=case_id, ownerags="14729410", time=datetime.now(UTC)
    )
    return encode(event)


async def test_an_augustusburg_clerk_decides_a_wurzen_task_in_the_browser(
    running_stack: RunningStack, browser_page_nojs: Page
) -> None:
    def file_two_cases() -> tuple[dict[str, object], dict[str, object]]:
        with running_stack.client("intake") as intake:
            # The first case stays open (its permit check waits for a Wurzen clerk), so it counts in Wurzen's backlog.
            first = submit(intake, gewerbe_case(200, activities=SECURITY), key="e2e-clerk-000001")
            first_status = wait_for_state(intake, first, "awaiting_clerk")
            second = submit(intake, gewerbe_case(201), key="e2e-clerk-000002")
            second_status = wait_for_state(intake, second, "completed")
        assert first_status["history"][1]["pool_id"] == "wurzen"  # a tie stays at home
        assert second_status["history"][1]["pool_id"] == "augustusburg"  # Wurzen's backlog is now longer
        return first, second

    _, case = await asyncio.to_thread(file_two_cases)
    case_id = str(case["case_id"])
    topics = Topics(running_stack.topic_prefix)
    producer = EventProducer(running_stack.stack.kafka_bootstrap_servers, client_id="e2e")
    await producer.start()
    await producer.send_all(
        [OutgoingMessage(topic=topics.task_requested, key=case_id.encode(), value=permit_check("e2e-task-1", case_id))]
    )
    await producer.stop()

    page = browser_page_nojs
    routing = running_stack.url("routing")
    await page.goto(f"{routing}/dev-login?next=/arbeitskorb")
    await page.get_by_label("Lena Hofmann", exact=False).check()
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_url(f"{routing}/arbeitskorb")
    async with asyncio.timeout(20):
        while "Bewachungserlaubnis prüfen" not in await page.locator("main").inner_text():
            await asyncio.sleep(0.3)
            await page.reload()
    await assert_no_axe_violations(page)

    await page.get_by_role("button", name=re.compile(r"^Übernehmen\W+Bewachungserlaubnis prüfen$")).click()
    await page.wait_for_url(f"{routing}/aufgaben/e2e-task-1")
    assert "ZV-IKDZ-2026-01 Wurzen/Augustusburg" in await page.locator("main").inner_text()
    await assert_no_axe_violations(page)
    await page.get_by_label("Erlaubnis liegt vor").check()
    await page.get_by_label("Begründung").fill("Erlaubnis der IHK Chemnitz vom 01.10.2026 liegt vor.")
    await page.get_by_role("button", name="Entscheidung speichern").click()
    await page.wait_for_url(f"{routing}/arbeitskorb")

    async with TopicReader(running_stack.stack.kafka_bootstrap_servers, topics.task_completed) as reader:
        [record] = await reader.wait_for(lambda r: len(r) >= 1)
    completed = decode(record.value, TaskCompleted)
    assert (completed.data.outcome, completed.data.completed_by, completed.data.acting_ags) == (
        "approved",
        "aug-clerk-01",
        "14522020",
    )
    assert (completed.ownerags, completed.processingags) == ("14729410", "14522020")

    issuer = AuthSettings(dev_issuer=True).local_issuer()
    token = issuer.issue("aug-coordinator-01", "Jens Richter", ["14522020"], ["augustusburg"], ["coordinator"])
    async with httpx.AsyncClient(base_url=routing, trust_env=False) as client:
        audit = (
            await client.get(f"/api/v1/cases/{case_id}/audit", headers={"Authorization": f"Bearer {token}"})
        ).json()
    assert audit["chain_intact"], audit["problems"]
    assert (audit["owner_ags"], audit["processing_ags"]) == ("14729410", "14522020")
    assert audit["agreement_ref"] == "ZV-IKDZ-2026-01 Wurzen/Augustusburg"
    assert [(e["action"], e["actor"], e.get("acting_ags")) for e in audit["entries"][2:]] == [
        ("claimed", "aug-clerk-01", "14522020"),
        ("completed", "aug-clerk-01", "14522020"),
    ]
