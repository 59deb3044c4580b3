"""Use cases against fakes: process a received invoice, run its approval, export it for payment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent, decode, new_event
from ikdz_contracts.events import CaseSubmitted, InvoiceReceived, TaskCompleted, TaskRequested
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_einvoice.adapters.config_files import load_approval_rules, load_leitweg_routing
from ikdz_einvoice.adapters.payment_config import load_payment_config
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.app.approve import Approvals
from ikdz_einvoice.app.export import ABANDONED_AFTER, ExportPayments
from ikdz_einvoice.app.process import ProcessInvoice
from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.app.validate_invoice import ValidateInvoice

from .fakes import FakeInvoiceStore, FakeNotifier
from .support import UBL_STANDARD

pytestmark = pytest.mark.rules
TOPICS = Topics("t.")
TOWNS = load_municipalities()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def invoice(leitweg_id: str = "14729410-SCHULE-43", number: str = "R-2026-1", extra: str = "") -> bytes:
    text = UBL_STANDARD.read_text(encoding="utf-8")
    text = text.replace(
        "<cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>",
        f"<cbc:BuyerReference>{leitweg_id}</cbc:BuyerReference>",
    )
    return (text.replace("<cbc:ID>123456XX</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1) + extra).encode()


def of_type(entries: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    return [json.loads(e["value"]) for e in entries if json.loads(e["value"])["type"].endswith(suffix)]


@pytest.fixture
def world(validator: XRechnungValidator) -> dict[str, Any]:
    store, clock = FakeInvoiceStore(), Clock()
    routing = load_leitweg_routing()
    receive = ReceiveInvoice(store, routing, TOPICS, clock, FakeNotifier(), center_ags="14000000")
    process = ProcessInvoice(store, ValidateInvoice(validator, routing), TOWNS, TOPICS, clock, FakeNotifier())
    approvals = Approvals(
        store, load_approval_rules(), TOWNS, TOPICS, clock, FakeNotifier(), view_url=lambda i: f"/v/{i}"
    )
    export = ExportPayments(store, load_payment_config(), TOPICS, clock, FakeNotifier())
    return {
        "store": store,
        "clock": clock,
        "receive": receive,
        "process": process,
        "approvals": approvals,
        "export": export,
    }


async def receive_and_process(world: dict[str, Any], data: bytes) -> tuple[str, CloudEvent[InvoiceReceived]]:
    receipt = await world["receive"](data, "api")
    store: FakeInvoiceStore = world["store"]
    [raw] = [e for e in store.outboxes if e["key"] == receipt.invoice_id and "einvoice.received" in e["value"]]
    event = decode(raw["value"], InvoiceReceived)
    assert await world["process"](event)
    return receipt.invoice_id, event


async def test_an_accepted_invoice_files_a_case_for_the_department_pool(world: dict[str, Any]) -> None:
    invoice_id, event = await receive_and_process(world, invoice())
    store: FakeInvoiceStore = world["store"]

    outcome = store.outcomes[invoice_id]
    assert (outcome["status"], outcome["file_number"], outcome["owner_ags"]) == (
        "accepted",
        "WUR-ERE-2026-000001",
        "14729410",
    )
    [submitted] = of_type(store.outboxes, "case.submitted.v1")
    assert submitted["data"]["requested_pool_id"] == "augustusburg"
    assert submitted["ownerags"] == "14729410"
    facts = submitted["data"]["payload"]["approval"]
    assert (facts["amount"], facts["pool_id"], facts["file_number"]) == ("336.9", "augustusburg", "WUR-ERE-2026-000001")
    assert [e["data"]["department"] for e in of_type(store.outboxes, "einvoice.routed.v1")] == ["Schulverwaltung"]
    assert not await world["process"](event)  # redelivered: processed once


async def test_same_seller_number_and_kind_again_is_a_duplicate(world: dict[str, Any]) -> None:
    first, _ = await receive_and_process(world, invoice())
    second, _ = await receive_and_process(world, invoice(extra="\n"))  # other bytes, same invoice

    store: FakeInvoiceStore = world["store"]
    assert store.outcomes[second]["status"] == "duplicate"
    assert store.outcomes[second]["duplicate_of"] == first
    assert len(of_type(store.outboxes, "case.submitted.v1")) == 1


async def test_a_wrong_check_digit_gets_a_rejection_notice_and_no_case(world: dict[str, Any]) -> None:
    invoice_id, _ = await receive_and_process(world, invoice("14729410-SCHULE-44"))
    store: FakeInvoiceStore = world["store"]

    outcome = store.outcomes[invoice_id]
    assert outcome["status"] == "unroutable"
    assert "Prüfziffer" in outcome["notice_de"] and "Wurzen" in outcome["notice_de"]
    [rejected] = of_type(store.outboxes, "einvoice.rejected.v1")
    assert (rejected["data"]["kind"], rejected["ownerags"]) == ("unroutable", "14729410")
    assert of_type(store.outboxes, "case.submitted.v1") == []


async def test_an_invoice_the_rules_reject_lists_the_failed_rules(world: dict[str, Any]) -> None:
    data = invoice().replace(b"<cbc:BuyerReference>14729410-SCHULE-43</cbc:BuyerReference>", b"")
    invoice_id, _ = await receive_and_process(world, data)
    store: FakeInvoiceStore = world["store"]

    assert store.outcomes[invoice_id]["status"] == "rejected"
    [rejected] = of_type(store.outboxes, "einvoice.rejected.v1")
    assert "BR-DE-15" in rejected["data"]["failed_rules"]
    assert "BR-DE-15" in store.outcomes[invoice_id]["notice_de"]
    assert rejected["ownerags"] == "14000000"  # addressed to nobody: the center


def work_item(submitted: dict[str, Any]) -> CloudEvent[CaseSubmitted]:
    data = CaseSubmitted.model_validate(submitted["data"])
    return new_event(
        data, source="urn:ikdz:routing", subject=data.case_id, ownerags=data.owner_ags, processingags="14522020"
    )


def completion(task: dict[str, Any], actor: str, outcome: str = "approved") -> CloudEvent[TaskCompleted]:
    data = TaskCompleted(
        task_id=task["data"]["task_id"],
        case_id=task["data"]["case_id"],
        service=ServiceId.EINVOICE,
        kind=task["data"]["kind"],
        outcome=outcome,
        reason="geprüft",
        completed_by=actor,
        acting_ags="14522020",
        completed_at=datetime(2026, 11, 25, 10, tzinfo=UTC),
    )
    return new_event(data, source="urn:ikdz:routing", subject=data.case_id, ownerags="14729410")


async def approve(world: dict[str, Any]) -> str:
    invoice_id, _ = await receive_and_process(world, invoice())
    store: FakeInvoiceStore = world["store"]
    approvals: Approvals = world["approvals"]
    [submitted] = of_type(store.outboxes, "case.submitted.v1")
    assert await approvals.start("augustusburg", work_item(submitted))
    assert not await approvals.start("augustusburg", work_item(submitted))  # redelivered work item
    for actor in ("clerk-a", "clerk-a", "approver-b"):
        task = of_type(store.outboxes, "task.requested.v1")[-1]
        assert task["data"]["pool_id"] == "augustusburg"
        assert await approvals.complete(completion(task, actor))
    return invoice_id


async def test_two_checks_and_a_four_eyes_release(world: dict[str, Any]) -> None:
    invoice_id = await approve(world)
    store: FakeInvoiceStore = world["store"]

    tasks = [TaskRequested.model_validate(t["data"]) for t in of_type(store.outboxes, "task.requested.v1")]
    assert [t.kind for t in tasks] == [
        "einvoice.sachlich_richtig",
        "einvoice.rechnerisch_richtig",
        "einvoice.anordnung",
    ]
    assert tasks[0].four_eyes is None
    assert tasks[2].four_eyes is not None and tasks[2].four_eyes.excluded_actors == ["clerk-a"]
    assert tasks[2].required_skills == ["anordnung"]
    assert tasks[0].context["Rechnung ansehen"] == f"/v/{invoice_id}"
    [released] = of_type(store.outboxes, "einvoice.released.v1")
    assert released["data"]["automated"] is False
    assert [s["data"]["label_de"] for s in of_type(store.outboxes, "case.status.v1")][-1] == "Zur Zahlung angeordnet"


async def test_the_export_pays_each_released_invoice_once(world: dict[str, Any]) -> None:
    invoice_id = await approve(world)
    export: ExportPayments = world["export"]
    store: FakeInvoiceStore = world["store"]

    first = await export("14729410")
    second = await export("14729410")

    assert first.invoice_ids == (invoice_id,) and second.export_id is None
    files = store.export_docs[first.export_id]["files"]  # type: ignore[index]
    assert sorted(name.split(".", 1)[1] for name in files) == ["buchungen.csv", "buchungen.json", "pain.001.xml"]
    assert b"DE79000000001234567890" in files[f"{first.export_id}.pain.001.xml"]
    assert [s["data"]["state"] for s in of_type(store.outboxes, "case.status.v1")][-1] == "completed"


async def test_a_claim_of_a_run_that_died_is_taken_over_later(world: dict[str, Any]) -> None:
    invoice_id = await approve(world)
    store: FakeInvoiceStore = world["store"]
    clock: Clock = world["clock"]
    await store.mark_exported(invoice_id, "run-that-died", clock.now)

    assert (await world["export"]("14729410")).export_id is None  # maybe still running
    clock.now += ABANDONED_AFTER + timedelta(seconds=1)
    taken_over = await world["export"]("14729410")

    assert taken_over.invoice_ids == (invoice_id,)
    assert (await store.export_marks([invoice_id]))[invoice_id]["export_id"] == taken_over.export_id
