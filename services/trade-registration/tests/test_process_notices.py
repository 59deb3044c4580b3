"""The automated flow against fakes: work item → decision → register, documents, events, tasks; task completion."""

from __future__ import annotations

import io
from datetime import date

import pytest
from ikdz_contracts.payloads.gewerbe import (
    DeregistrationCause,
    DeregistrationReason,
    NoticeKind,
    PreviousRegistration,
    to_payload,
)
from ikdz_platform.consumer import PoisonMessage
from ikdz_trade_registration.domain.registrations import Registration
from pypdf import PdfReader

from .builders import AUGUSTUSBURG, WURZEN, activity, anmeldung, moved_to_augustusburg, person
from .service import AGREEMENT, TOPICS, Service


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", " ")


async def test_a_permit_free_anmeldung_is_registered_receipted_charged_and_reported_without_a_human() -> None:
    service = Service()

    case_id = await service.file(to_payload(anmeldung()))

    assert service.types(case_id)[:3] == [
        "gewerbe.registered.v1",
        "gewerbe.receipt.issued.v1",
        "gewerbe.fee.notice.issued.v1",
    ]
    statuses = service.statuses(case_id)
    assert [s["state"] for s in statuses] == ["completed"]
    final = statuses[-1]
    assert [d["title_de"] for d in final["documents"]] == [
        "Empfangsbestätigung zur Gewerbeanmeldung",
        "Gebührenbescheid",
    ]
    assert "Sie müssen nichts weiter tun" in final["message_de"]
    assert not service.tasks(case_id)
    recipients = {e["data"]["recipient"] for e in service.events(case_id, TOPICS.gewerbe_recipients)}
    assert {"sta", "fa", "ihk", "dguv"} <= recipients
    assert "hwk" not in recipients and "abh" not in recipients
    message = next(e for e in service.events(case_id, TOPICS.gewerbe_recipients) if e["data"]["recipient"] == "fa")
    assert "<nachrichtentyp>fa.gewerbemeldung.0100</nachrichtentyp>" in message["data"]["content"]
    assert all(e["agreementref"] == AGREEMENT and e["processingags"] == AUGUSTUSBURG for e in service.events(case_id))

    receipt, fee_notice = [
        await service.case_documents.get(case_id, d["document_id"], None) for d in final["documents"]
    ]
    for document in (receipt, fee_notice):
        text = pdf_text(document.content)
        assert "Stadt Wurzen" in text and "Augustusburg" in text and AGREEMENT in text
        assert "WUR-GEW-2026-000001" in text
    assert "40,00" in pdf_text(fee_notice.content)
    [registration] = service.register.registrations.values()
    assert (registration.owner_ags, registration.main_wz_code) == (WURZEN, "62.01.9")
    assert service.register.keys  # the business holds its duplicate key


async def test_a_redelivered_work_item_changes_nothing() -> None:
    service = Service()
    item = service.work_item(to_payload(anmeldung()))

    assert await service.process("augustusburg", item)
    assert not await service.process("augustusburg", item)

    assert len(service.steps.steps) == 1
    assert len(service.register.registrations) == 1
    assert service.steps.published == list(service.steps.steps)  # its events went to the relay once


async def test_a_second_anmeldung_of_the_same_business_is_refused_in_german_and_registers_nothing() -> None:
    service = Service()
    await service.file(to_payload(anmeldung()))

    second = await service.file(to_payload(anmeldung(activities=(activity("Webdesign", "62.01.9"),))))

    [refused] = service.statuses(second)
    assert refused["state"] == "rejected"
    assert "bereits eine Gewerbeanmeldung vor" in refused["message_de"]
    assert "Ummeldung" in refused["message_de"]
    assert service.types(second) == ["case.status.v1"]
    assert len(service.register.registrations) == 1


async def test_a_security_business_gets_its_receipt_and_a_permit_task_whose_completion_closes_the_case() -> None:
    service = Service()
    security = anmeldung(activities=(activity("Objektschutz und Veranstaltungsschutz", "80.10.0"),))

    case_id = await service.file(to_payload(security))

    [task] = service.tasks(case_id)
    assert (task["kind"], task["pool_id"], task.get("legal_deadline")) == ("gewerbe.permit_check", "augustusburg", None)
    assert "gewerbe.erlaubnis" in task["required_skills"]
    assert {o["code"] for o in task["outcomes"]} >= {"permit_present", "prohibition_review"}
    assert task["context"]["agreement_ref"] == AGREEMENT
    waiting = service.statuses(case_id)[-1]
    assert waiting["state"] == "awaiting_clerk"
    assert len(waiting["documents"]) == 2  # the receipt does not wait for the permit check
    assert "gewerbe.task.opened.v1" in service.types(case_id)

    assert await service.complete(task, "permit_present")
    assert not await service.complete(task, "permit_present")  # redelivered

    assert [s["state"] for s in service.statuses(case_id)] == ["awaiting_clerk", "completed"]
    assert service.steps.published == [f"{case_id}:received", f"{task['task_id']}:done"]
    assert service.types(case_id)[-2:] == ["gewerbe.task.closed.v1", "case.status.v1"]


async def test_the_case_completes_only_when_its_last_task_is_decided() -> None:
    service = Service()
    car_dealer = anmeldung(
        activities=(activity("An- und Verkauf von Gebrauchtwagen", "45.11.0"),),
        persons=(person(nationalities=("TR",)),),
    )
    case_id = await service.file(to_payload(car_dealer))
    tasks = service.tasks(case_id)
    assert {t["kind"] for t in tasks} == {"gewerbe.reliability_check", "gewerbe.residence_title_check"}

    await service.complete(tasks[0], tasks[0]["outcomes"][0]["code"])
    assert service.statuses(case_id)[-1]["state"] == "awaiting_clerk"
    for task in tasks[1:]:
        await service.complete(task, task["outcomes"][0]["code"])
    assert service.statuses(case_id)[-1]["state"] == "completed"


async def test_a_possible_freelancer_waits_for_a_clerk_and_is_receipted_once_the_trade_is_confirmed() -> None:
    service = Service()
    case_id = await service.file(to_payload(anmeldung(activities=(activity("Steuerberatung", "69.20.3"),))))
    [task] = service.tasks(case_id)
    waiting = service.statuses(case_id)[-1]
    assert task["kind"] == "gewerbe.trade_status_review" and task["legal_deadline"] == "2026-11-28"
    assert waiting["state"] == "awaiting_clerk" and not waiting.get("documents")
    assert not service.register.registrations

    await service.complete(task, "is_trade")

    final = service.statuses(case_id)[-1]
    assert final["state"] == "completed" and len(final["documents"]) == 2
    assert len(service.register.registrations) == 1
    receipt = await service.case_documents.get(case_id, final["documents"][0]["document_id"], None)
    assert "Steuerberatung" in pdf_text(receipt.content)  # the clerk's step issued it for the case's notice


async def test_a_freelancer_confirmed_as_such_is_told_to_go_to_the_finanzamt() -> None:
    service = Service()
    case_id = await service.file(to_payload(anmeldung(activities=(activity("Steuerberatung", "69.20.3"),))))
    [task] = service.tasks(case_id)

    await service.complete(task, "reject")

    final = service.statuses(case_id)[-1]
    assert final["state"] == "rejected" and "Finanzamt" in final["message_de"]
    assert not service.register.registrations


async def test_an_abmeldung_closes_the_registration_and_frees_the_business_for_a_new_anmeldung() -> None:
    service = Service()
    first = await service.file(to_payload(anmeldung()))
    registration_id = service.events(first, TOPICS.gewerbe_events)[0]["data"]["registration_id"]
    closing = anmeldung(
        kind=NoticeKind.ABMELDUNG,
        effective_date=date(2026, 11, 30),
        registration_reason=None,
        deregistration_reason=DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        deregistration_cause=DeregistrationCause.ALTER,
        previous_registration=PreviousRegistration(registration_id=registration_id),
    )

    case_id = await service.file(to_payload(closing))

    deregistered = next(e["data"] for e in service.events(case_id, TOPICS.gewerbe_events))
    assert (deregistered["registration_id"], deregistered["ex_officio"]) == (registration_id, False)
    assert service.register.registrations[registration_id].deregistered_on == date(2026, 11, 30)
    assert not service.register.keys
    again = await service.file(to_payload(anmeldung()))
    assert service.statuses(again)[-1]["state"] == "completed"


async def test_a_batch_of_work_items_is_decided_in_order_each_seeing_the_register_the_ones_before_left() -> None:
    service = Service()
    closing = anmeldung(
        kind=NoticeKind.ABMELDUNG,
        effective_date=date(2026, 11, 30),
        registration_reason=None,
        deregistration_reason=DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        deregistration_cause=DeregistrationCause.ALTER,
    )
    first, duplicate, close = (service.work_item(to_payload(a)) for a in (anmeldung(), anmeldung(), closing))

    await service.process.batch("augustusburg", [first, duplicate, first, close])

    states = [service.statuses(item.data.case_id)[-1]["state"] for item in (first, duplicate, close)]
    assert states == ["completed", "rejected", "completed"]  # the Abmeldung found the business registered first
    assert service.steps.published == [f"{i.data.case_id}:received" for i in (first, duplicate, close)]
    [registration] = service.register.registrations.values()
    assert registration.deregistered_on == date(2026, 11, 30)


async def test_an_abmeldung_of_an_unknown_business_is_refused_in_german() -> None:
    service = Service()
    closing = anmeldung(
        kind=NoticeKind.ABMELDUNG,
        registration_reason=None,
        deregistration_reason=DeregistrationReason.VOLLSTAENDIGE_AUFGABE,
        deregistration_cause=DeregistrationCause.ALTER,
    )

    case_id = await service.file(to_payload(closing))

    final = service.statuses(case_id)[-1]
    assert final["state"] == "rejected"
    assert "kein angemeldeter Gewerbebetrieb bekannt" in final["message_de"]
    assert not service.register.applied


def assert_closed_in_wurzen_once(service: Service, case_id: str, old: Registration) -> None:
    """Wurzen's Abmeldung ex officio: one event and one message per recipient, in Wurzen's name and file."""
    closed = [e for e in service.events(case_id, TOPICS.gewerbe_events) if e["type"].endswith("deregistered.v1")]
    assert [
        (e["ownerags"], e["data"]["file_number"], e["data"]["registration_id"], e["data"]["ex_officio"]) for e in closed
    ] == [(WURZEN, old.file_number, old.registration_id, True)]
    messages = service.events(case_id, TOPICS.gewerbe_recipients)
    assert len({m["data"]["message_id"] for m in messages}) == len(messages)
    by_town = {town: [m["data"] for m in messages if m["ownerags"] == town] for town in (WURZEN, AUGUSTUSBURG)}
    assert {m["recipient"] for m in by_town[WURZEN]} == {m["recipient"] for m in by_town[AUGUSTUSBURG]} >= {"sta", "fa"}
    assert {(m["owner_ags"], m["file_number"], m["registration_id"], m["case_id"]) for m in by_town[WURZEN]} == {
        (WURZEN, old.file_number, old.registration_id, case_id)
    }
    assert {m["message_type"][-4:] for m in by_town[WURZEN]} == {"0300"}
    assert {m["message_type"][-4:] for m in by_town[AUGUSTUSBURG]} == {"0100"}
    assert all("<verlegtNach>" in m["content"] for m in by_town[WURZEN])
    assert service.register.registrations[old.registration_id].deregistered_on == date(2026, 11, 30)


async def test_a_move_from_wurzen_closes_the_registration_there_and_tells_wurzens_recipients() -> None:
    service = Service()
    await service.file(to_payload(anmeldung()))
    [old] = service.register.registrations.values()
    item = service.work_item(to_payload(moved_to_augustusburg()), owner=AUGUSTUSBURG, processing=AUGUSTUSBURG)

    assert await service.process("augustusburg", item)
    assert not await service.process("augustusburg", item)  # redelivered: nothing twice

    case_id = item.data.case_id
    assert_closed_in_wurzen_once(service, case_id, old)
    assert service.statuses(case_id)[-1]["state"] == "completed"


async def test_a_move_held_for_a_clerk_tells_wurzens_recipients_once_when_the_clerk_clears_it() -> None:
    service = Service()
    advice = (activity("Steuerberatung", "69.20.3"),)  # maybe no Gewerbe: a clerk confirms it is one
    first = await service.file(to_payload(anmeldung(activities=advice)))
    [first_task] = service.tasks(first)
    await service.complete(first_task, "is_trade")
    [old] = service.register.registrations.values()
    case_id = await service.file(
        to_payload(moved_to_augustusburg(activities=advice)),
        owner=AUGUSTUSBURG,
        processing=AUGUSTUSBURG,
    )
    [task] = service.tasks(case_id)
    assert not service.events(case_id, TOPICS.gewerbe_recipients)  # nothing before the receipt

    assert await service.complete(task, "is_trade")
    assert not await service.complete(task, "is_trade")  # redelivered

    assert_closed_in_wurzen_once(service, case_id, old)


async def test_a_payload_that_does_not_fit_the_contract_goes_to_a_clerk_instead_of_the_dead_letters() -> None:
    service = Service()

    case_id = await service.file({"activity": "Webdesign"})

    [task] = service.tasks(case_id)
    assert task["kind"] == "gewerbe.clarify_with_applicant"
    assert any("kind" in line for line in task["context"]["evidence"])
    assert service.statuses(case_id)[-1]["state"] == "awaiting_clerk"


async def test_a_task_that_trade_registration_never_opened_is_poison() -> None:
    service = Service()
    case_id = await service.file(to_payload(anmeldung()))

    with pytest.raises(PoisonMessage):
        await service.complete({"task_id": "nope", "case_id": case_id, "kind": "gewerbe.permit_check"}, "x")
