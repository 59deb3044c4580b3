"""An XRechnung for Wurzen whose department (Schulverwaltung) is worked in Augustusburg: posted over
HTTP, validated with the official rules, routed to Augustusburg's pool under the agreement, checked
by one clerk and released by a second person (four-eyes), and paid in Wurzen's payment export:
once through routing's REST task API, once uploaded and approved in Chromium without JavaScript
(axe-checked pages). A wrong Leitweg-ID check digit gives the supplier a rejection notice."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from ikdz_contracts.cloudevents import decode
from ikdz_contracts.events import EINVOICE_EVENTS
from ikdz_contracts.topics import Topics, dlq
from ikdz_einvoice.adapters.payment_config import load_payment_config
from ikdz_einvoice.domain.payments import end_to_end_id
from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.testing.topics import TopicReader
from ikdz_platform.web.browser_testing import assert_no_axe_violations
from lxml import etree
from playwright.async_api import Page

from .conftest import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.infra, pytest.mark.timeout(300)]  # a whole approval on a shared machine

INSTANCE = (
    Path(__file__).resolve().parents[2]
    / "services/einvoice/tests/data/testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml"
)
WURZEN_SCHOOLS = "14729410-SCHULE-43"
PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def invoice(leitweg_id: str, number: str) -> bytes:
    text = INSTANCE.read_text(encoding="utf-8")
    text = text.replace(
        "<cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>",
        f"<cbc:BuyerReference>{leitweg_id}</cbc:BuyerReference>",
    )
    return text.replace("<cbc:ID>123456XX</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1).encode()


def post(client: httpx.Client, data: bytes) -> dict[str, Any]:
    response = client.post("/api/v1/invoices", content=data, headers={"Content-Type": "application/xml"})
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def wait_for(client: httpx.Client, accepted: dict[str, Any], states: set[str], timeout: float = 60) -> dict[str, Any]:
    path = "/" + str(accepted["status_url"]).split("/", 3)[3]
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, Any] = client.get(path).json()
        if status["state"] in states:
            return status
        assert time.monotonic() < deadline, f"invoice still {status['state']} after {timeout}s"
        time.sleep(0.2)


def token(subject: str, name: str, towns: list[str], pools: list[str], roles: list[str]) -> dict[str, str]:
    issued = AuthSettings(dev_issuer=True).local_issuer().issue(subject, name, towns, pools, roles)
    return {"Authorization": f"Bearer {issued}"}


def wait_for_task(routing: httpx.Client, headers: dict[str, str], title: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        tasks = [t for t in routing.get("/api/v1/worklist", headers=headers).json() if t["title_de"].startswith(title)]
        if tasks:
            return tasks[0]  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"no task {title!r} in the worklist"
        time.sleep(0.2)


def decide_task(routing: httpx.Client, headers: dict[str, str], title: str) -> dict[str, Any]:
    """Wait for the task in the caller's worklist, claim it and confirm it."""
    task = wait_for_task(routing, headers, title)
    claimed = routing.post(f"/api/v1/tasks/{task['task_id']}/claim", json={}, headers=headers)
    assert claimed.status_code == 200, claimed.text
    done = routing.post(
        f"/api/v1/tasks/{task['task_id']}/complete",
        json={"outcome": "approved", "reason": "Geprüft, stimmt."},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    return task


def test_a_wurzen_invoice_is_approved_in_augustusburg_and_exported_for_payment(running_stack: RunningStack) -> None:
    clerk = token("aug-clerk-01", "Lena Hofmann", ["14522020"], ["augustusburg"], ["clerk"])
    approver = token("aug-approver-01", "Petra Lange", ["14522020"], ["augustusburg"], ["approver"])
    treasurer = token("wur-approver-01", "Thomas Krause", ["14729410"], ["wurzen"], ["approver"])
    with running_stack.client("einvoice") as einvoice, running_stack.client("routing") as routing:
        accepted = post(einvoice, invoice(WURZEN_SCHOOLS, "E2E-2026-0001"))
        status = wait_for(einvoice, accepted, {"in_approval", "rejected", "unroutable", "duplicate"})
        assert status["state"] == "in_approval", status
        assert status["file_number"].startswith("WUR-ERE-2026-")

        factual = decide_task(routing, clerk, "Rechnung sachlich prüfen")
        assert factual["pool_id"] == "augustusburg"
        decide_task(routing, clerk, "Rechnung rechnerisch prüfen")
        release = wait_for_task(routing, clerk, "Zahlung anordnen")
        own = routing.post(f"/api/v1/tasks/{release['task_id']}/claim", json={}, headers=clerk)
        assert own.status_code in {403, 409}, own.text  # four-eyes: who checked does not release
        decide_task(routing, approver, "Zahlung anordnen")
        assert wait_for(einvoice, accepted, {"released", "objected"})["state"] == "released"

        refused = einvoice.post("/api/v1/payment-exports", params={"town": "14729410"}, headers=clerk)
        assert refused.status_code == 403  # a clerk of Augustusburg does not pay Wurzen's bills
        export = einvoice.post("/api/v1/payment-exports", params={"town": "14729410"}, headers=treasurer)
        assert export.status_code == 201, export.text
        assert accepted["invoice_id"] in export.json()["invoice_ids"]
        [pain_url] = [url for url in export.json()["files"] if url.endswith(".pain.001.xml")]
        pain = etree.fromstring(einvoice.get(pain_url, headers=treasurer).content)
        reference = end_to_end_id(accepted["invoice_id"], "E2E-2026-0001")
        [transfer] = pain.xpath("//p:CdtTrfTxInf[p:PmtId/p:EndToEndId = $ref]", namespaces=PAIN, ref=reference)
        assert transfer.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=PAIN) == "DE79000000001234567890"
        wurzen = load_payment_config().for_town("14729410")
        assert pain.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=PAIN) == wurzen.debtor.iban  # Wurzen pays
        assert wait_for(einvoice, accepted, {"paid"})["state"] == "paid"
        again = einvoice.post("/api/v1/payment-exports", params={"town": "14729410"}, headers=treasurer).json()
        assert accepted["invoice_id"] not in again["invoice_ids"]  # never paid twice


def test_a_wrong_leitweg_check_digit_gives_a_rejection_notice(running_stack: RunningStack) -> None:
    with running_stack.client("einvoice") as einvoice:
        accepted = post(einvoice, invoice("14729410-SCHULE-44", "E2E-2026-0002"))
        status = wait_for(einvoice, accepted, {"in_approval", "rejected", "unroutable", "duplicate"})
        page = einvoice.get(str(accepted["status_page_url"]).split(str(einvoice.base_url))[-1])
    assert status["state"] == "unroutable"
    assert status["failed_rules"] == [] and status["file_number"] is None
    assert "14729410-SCHULE-44" in status["rejection_notice_de"]
    assert "Prüfziffer" in status["rejection_notice_de"]
    assert "Ablehnungsbescheid" in page.text and "Prüfziffer" in page.text


async def clerk_decides(page: Page, routing: str, person: str, title: str) -> None:
    """Sign in as ``person`` on routing's dev login, claim the task ``title`` and confirm it, without JavaScript."""
    await page.goto(f"{routing}/dev-login?next=/arbeitskorb")
    await page.get_by_label(person, exact=False).check()
    await page.get_by_role("button", name="Anmelden").click()
    await page.wait_for_url(f"{routing}/arbeitskorb")
    async with asyncio.timeout(60):
        while title not in await page.locator("main").inner_text():
            await asyncio.sleep(0.5)
            await page.reload()
    await page.get_by_role("button", name=re.compile(rf"^Übernehmen\W+{re.escape(title)}$")).click()
    await page.wait_for_url(re.compile(rf"{re.escape(routing)}/aufgaben/"))
    await assert_no_axe_violations(page)
    await page.get_by_label(re.compile(r"^Bestätigt: ")).check()
    await page.get_by_label("Begründung").fill("Lieferung und Beträge geprüft.")
    await page.get_by_role("button", name="Entscheidung speichern").click()
    await page.wait_for_url(f"{routing}/arbeitskorb")


@pytest.mark.browser
async def test_a_supplier_uploads_in_the_browser_and_two_clerks_approve_in_their_worklists(
    running_stack: RunningStack, browser_page_nojs: Page, tmp_path: Path
) -> None:
    page = browser_page_nojs
    einvoice, routing = running_stack.url("einvoice"), running_stack.url("routing")
    upload = tmp_path / "rechnung.xml"
    upload.write_bytes(invoice(WURZEN_SCHOOLS, "E2E-2026-0003"))

    await page.goto(f"{einvoice}/rechnung-einreichen")
    await assert_no_axe_violations(page)
    await page.get_by_label("Rechnungsdatei (XML)").set_input_files(str(upload))
    await page.get_by_role("button", name="Rechnung absenden").click()
    await page.wait_for_url(re.compile(rf"{re.escape(einvoice)}/rechnungen/"))
    await assert_no_axe_violations(page)
    invoice_id, token = re.findall(r"/rechnungen/([^?]+)\?token=(\w+)", page.url)[0]
    accepted = {"status_url": f"{einvoice}/api/v1/invoices/{invoice_id}?token={token}"}
    with running_stack.client("einvoice") as client:
        status = await asyncio.to_thread(wait_for, client, accepted, {"in_approval", "rejected", "unroutable"})
    assert status["state"] == "in_approval", status
    number = status["file_number"]

    await clerk_decides(page, routing, "Lena Hofmann", f"Rechnung sachlich prüfen: {number}")
    await clerk_decides(page, routing, "Lena Hofmann", f"Rechnung rechnerisch prüfen: {number}")
    await clerk_decides(page, routing, "Petra Lange", f"Zahlung anordnen: {number}")

    with running_stack.client("einvoice") as client:
        released = await asyncio.to_thread(wait_for, client, accepted, {"released", "objected"})
    assert released["state"] == "released"
    await page.goto(f"{einvoice}/rechnungen/{invoice_id}?token={token}")
    assert "Zur Zahlung angeordnet" in await page.locator("main").inner_text()


async def test_the_flows_events_match_the_contracts_and_none_was_dead_lettered(running_stack: RunningStack) -> None:
    """Runs after the flows above: every einvoice event on the shared topic is one of the contract's
    models, and the validation consumer skipped the other types instead of parking them."""
    topics = Topics(running_stack.topic_prefix)
    watched = [topics.einvoice_events, dlq(topics.einvoice_events), dlq(topics.task_completed)]
    async with TopicReader(running_stack.stack.kafka_bootstrap_servers, *watched) as reader:
        await reader.wait_for(lambda r: any(b"einvoice.exported" in x.value for x in r), timeout=30)
        records = await reader.settle(2.0)
    models = {model.EVENT_TYPE: model for model in EINVOICE_EVENTS}
    kinds = [json.loads(r.value)["type"] for r in records if r.topic == topics.einvoice_events]
    for record in (r for r in records if r.topic == topics.einvoice_events):
        decode(record.value, models[json.loads(record.value)["type"]])
    assert {"received", "validated", "routed", "approval.step", "released", "exported", "rejected"} <= {
        kind.removeprefix("de.ikdz.einvoice.").removesuffix(".v1") for kind in kinds
    }
    assert [r for r in records if r.topic != topics.einvoice_events] == []
