"""The Gewerbeanzeige end to end on the real stack.

A permit-free Anmeldung filed in Wurzen is routed to Augustusburg under the agreement (Wurzen's
pool is busier), decided, receipted and charged without a human: the status page lists both PDFs,
which name Wurzen as the issuing authority and Augustusburg as the town that acted for it, and the
recipient messages are on their topic. A § 34a security business gets its receipt at once and a
permit task in a worklist; completing the task closes the case. A business of Wurzen that moves to
Augustusburg is deregistered in Wurzen ex officio, and Wurzen's own Abmeldung goes to its recipients.

The permit-free notice is filed through intake's GewA 1 form in Chromium without JavaScript (the
§ 34a case through the JSON API), and the status page is checked there, with axe.
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ikdz_contracts.testing import gewerbe_form
from ikdz_contracts.topics import Topics
from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.testing.topics import TopicReader
from ikdz_platform.web.browser_testing import assert_no_axe_violations, fill_form
from playwright.async_api import Page
from pypdf import PdfReader

from .cases import SECURITY, gewerbe_case, submit, wait_for_state
from .conftest import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.infra, pytest.mark.browser]

AGREEMENT = "ZV-IKDZ-2026-01 Wurzen/Augustusburg"


ANMELDUNG_FORM = gewerbe_form() | {"establishment.address.house_number": "77"}
"""What a citizen types into GewA 1: the contract's web designer, at Markt 77 (the API cases use 1, 2 …)."""


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", " ")


def local(url: str) -> str:
    return "/" + url.split("/", 3)[3]


async def records_of(stack: RunningStack, topic: str, case_id: str, at_least: int) -> list[dict[str, Any]]:
    async with TopicReader(stack.stack.kafka_bootstrap_servers, topic) as reader:
        await reader.wait_for(lambda rs: sum(r.key == case_id.encode() for r in rs) >= at_least)
        records = await reader.settle(1.0)
    return [json.loads(r.value) for r in records if r.key == case_id.encode()]


async def test_an_anmeldung_from_wurzen_is_worked_in_augustusburg_without_a_human_and_a_permit_case_closes_with_its_task(
    running_stack: RunningStack, browser_page_nojs: Page
) -> None:
    def file_security_case() -> dict[str, Any]:
        with running_stack.client("intake") as intake:
            security = submit(intake, gewerbe_case(1, activities=SECURITY), key="e2e-gewerbe-security")
            wait_for_state(intake, security, "awaiting_clerk")  # open: counts in Wurzen's backlog
            return security

    security = await asyncio.to_thread(file_security_case)

    page = browser_page_nojs
    page.set_default_timeout(60_000)  # the whole stack runs on this machine: pages can be slow under load
    intake_url = running_stack.url("intake")
    await page.goto(f"{intake_url}/gewerbe/anmeldung?gemeinde=14729410")
    await fill_form(page, ANMELDUNG_FORM)
    await page.get_by_role("button", name="Weiter zur Prüfung").last.click()
    await page.get_by_role("button", name="Anzeige verbindlich absenden").click()
    assert await page.locator("h1").inner_text() == "Ihre Gewerbeanzeige ist eingegangen"
    await page.locator("#vorgangslink").click()
    case_id, token = page.url.split("/vorgaenge/", 1)[1].split("?token=")
    plain = {"case_id": case_id, "status_url": f"{intake_url}/api/v1/cases/{case_id}?token={token}"}

    def decided() -> dict[str, Any]:
        with running_stack.client("intake") as intake:
            return wait_for_state(intake, plain, "completed")

    status = await asyncio.to_thread(decided)
    plain["file_number"] = status["file_number"]

    # Routed to Augustusburg, decided there by the automation: no task, no clerk.
    assert [entry["state"] for entry in status["history"]] == ["received", "routed", "completed"]
    assert status["history"][1]["pool_id"] == "augustusburg"
    assert [d["title_de"] for d in status["documents"]] == [
        "Empfangsbestätigung zur Gewerbeanmeldung",
        "Gebührenbescheid",
    ]
    with running_stack.client("intake") as intake:
        pdfs = [intake.get(local(d["download_url"])) for d in status["documents"]]
    for pdf in pdfs:
        assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
        text = pdf_text(pdf.content)
        assert "Stadt Wurzen" in text and "Augustusburg" in text and AGREEMENT in text
        assert plain["file_number"] in text

    topics = Topics(running_stack.topic_prefix)
    messages = await records_of(running_stack, topics.gewerbe_recipients, plain["case_id"], 4)
    assert {m["data"]["recipient"] for m in messages} >= {"sta", "fa", "ihk", "dguv"}
    assert {(m["ownerags"], m["processingags"], m["agreementref"]) for m in messages} == {
        ("14729410", "14522020", AGREEMENT)
    }
    gewerbe = await records_of(running_stack, topics.gewerbe_events, plain["case_id"], 3)
    assert [e["type"] for e in gewerbe] == [
        "de.ikdz.gewerbe.registered.v1",
        "de.ikdz.gewerbe.receipt.issued.v1",
        "de.ikdz.gewerbe.fee.notice.issued.v1",
    ]

    await page.reload()  # the status page the citizen was sent to, now with the decision
    main = await page.locator("main").inner_text()
    assert "Ihre Dokumente" in main and "Gebührenbescheid" in main and "Augustusburg" in main
    await assert_no_axe_violations(page)
    receipt = await page.get_by_role("link", name="Empfangsbestätigung zur Gewerbeanmeldung (PDF)").get_attribute(
        "href"
    )
    assert receipt is not None
    async with httpx.AsyncClient(base_url=running_stack.url("intake"), trust_env=False) as client:
        assert (await client.get(receipt)).content.startswith(b"%PDF")
        wrong = await client.get(receipt.replace("token=", "token=0"))
    assert wrong.status_code == 404

    # The § 34a case: receipt at once, the permit check in Wurzen's worklist; deciding it closes the case.
    issuer = AuthSettings(dev_issuer=True).local_issuer()
    token = issuer.issue("wur-clerk-01", "Anna Berger", ["14729410"], ["wurzen"], ["clerk"])
    async with httpx.AsyncClient(
        base_url=running_stack.url("routing"), trust_env=False, headers={"Authorization": f"Bearer {token}"}
    ) as routing:
        async with asyncio.timeout(20):
            while not (
                tasks := [
                    t for t in (await routing.get("/api/v1/worklist")).json() if t["case_id"] == security["case_id"]
                ]
            ):
                await asyncio.sleep(0.3)
        [task] = tasks
        assert task["kind"] == "gewerbe.permit_check"
        assert (await routing.post(f"/api/v1/tasks/{task['task_id']}/claim", json={})).status_code == 200
        done = await routing.post(
            f"/api/v1/tasks/{task['task_id']}/complete",
            json={"outcome": "permit_present", "reason": "Erlaubnis nach § 34a GewO der IHK liegt vor."},
        )
        assert done.status_code == 200, done.text

    def closed() -> dict[str, Any]:
        with running_stack.client("intake") as intake:
            return wait_for_state(intake, security, "completed")

    final = await asyncio.to_thread(closed)
    assert [e["state"] for e in final["history"]] == [
        "received",
        "routed",
        "awaiting_clerk",
        "completed",
    ]
    assert len(final["documents"]) == 2  # the receipt did not wait for the permit check


def moved_to_augustusburg(old: dict[str, Any]) -> dict[str, Any]:
    """The business of the case ``old`` (filed in Wurzen) files its Anmeldung in Augustusburg after moving there."""
    augustusburg = "14522020"
    body = json.loads(json.dumps(old))
    payload = body["payload"]
    payload["previous_address"] = payload["establishment"]["address"]
    payload["establishment"]["address"] = {
        "street": "Marienberger Straße",
        "house_number": "3",
        "postal_code": "09573",
        "city": "Augustusburg",
        "municipality_ags": augustusburg,
    }
    payload.update(owner_ags=augustusburg, registration_reason="verlegung_aus_anderem_meldebezirk")
    body["owner_ags"] = augustusburg
    return body


async def test_a_business_moving_from_wurzen_to_augustusburg_is_deregistered_in_wurzen_which_tells_its_recipients(
    running_stack: RunningStack,
) -> None:
    started = datetime.now(UTC).date() - timedelta(days=7)
    in_wurzen = gewerbe_case(40, effective_date=started.isoformat())

    def file_both() -> tuple[dict[str, Any], dict[str, Any]]:
        with running_stack.client("intake") as intake:
            old = wait_for_state(intake, submit(intake, in_wurzen, key="e2e-gewerbe-move-1"), "completed")
            moved = submit(intake, moved_to_augustusburg(in_wurzen), key="e2e-gewerbe-move-2")
            return old, wait_for_state(intake, moved, "completed")

    old, moved = await asyncio.to_thread(file_both)

    topics = Topics(running_stack.topic_prefix)
    messages = await records_of(running_stack, topics.gewerbe_recipients, moved["case_id"], 8)
    by_town = {town: [m["data"] for m in messages if m["ownerags"] == town] for town in ("14729410", "14522020")}
    assert {m["recipient"] for m in by_town["14729410"]} == {m["recipient"] for m in by_town["14522020"]}
    assert {(m["message_type"][-4:], m["file_number"]) for m in by_town["14729410"]} == {("0300", old["file_number"])}
    assert all("<behoerdenkennung>MELDID:14729410</behoerdenkennung>" in m["content"] for m in by_town["14729410"])
    events = await records_of(running_stack, topics.gewerbe_events, moved["case_id"], 4)
    [closed] = [e for e in events if e["type"] == "de.ikdz.gewerbe.deregistered.v1"]
    assert (closed["ownerags"], closed["data"]["file_number"], closed["data"]["ex_officio"]) == (
        "14729410",
        old["file_number"],
        True,
    )
