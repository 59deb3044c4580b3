"""Work items in consumer batches, against fakes: decided in rounds, with the results of deciding them one
after the other; redeliveries found by the step insert; a failing item dead-lettered alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseSubmitted
from ikdz_contracts.payloads.gewerbe import PreviousRegistration, to_payload
from ikdz_contracts.services import ServiceId
from ikdz_platform.consumer import DeadLetterPolicy
from ikdz_platform.producer import OutgoingMessage
from ikdz_trade_registration.adapters.xgewerbe_export import export_messages
from ikdz_trade_registration.app.notices import new_registration_id
from ikdz_trade_registration.domain.batches import first_round, notice_scope
from ikdz_trade_registration.domain.recipients import RecipientMessage
from ikdz_trade_registration.domain.registrations import registration_key

from .builders import (
    AUGUSTUSBURG,
    abmeldung,
    anmeldung,
    gmbh,
    moved_to_augustusburg,
    moved_within_wurzen,
    person,
    registered,
)
from .service import Service

MAX = person(family_name="Schmidt", given_names="Max")
ANNA = person(family_name="Meier", given_names="Anna")


def refers_to(item: CloudEvent[CaseSubmitted]) -> PreviousRegistration:
    """The receipt's gewerbebetriebID of the registration the work item's Anmeldung creates."""
    return PreviousRegistration(registration_id=new_registration_id(item.data.case_id))


def outcome(service: Service) -> dict[str, Any]:
    """What the service stored and sent (event ids and envelope times aside, which are new each time)."""
    steps = service.steps.steps
    return {
        "registrations": service.register.registrations,
        "keys": service.register.keys,
        "steps": {step_id: {k: v for k, v in step.items() if k != "outbox"} for step_id, step in steps.items()},
        "events": {
            step_id: [
                (e["topic"], json.loads(e["value"])["type"], json.loads(e["value"])["data"]) for e in step["outbox"]
            ]
            for step_id, step in steps.items()
        },
        "published": sorted(service.steps.published),
        "documents": sorted(service.documents.documents),
    }


async def one_after_the_other(service: Service, items: Sequence[CloudEvent[CaseSubmitted]]) -> None:
    for item in items:
        await service.process("augustusburg", item)


def final_states(service: Service, items: Sequence[CloudEvent[CaseSubmitted]]) -> list[str]:
    return [service.statuses(item.data.case_id)[-1]["state"] for item in items]


def test_a_notice_waits_when_it_touches_what_an_earlier_one_of_the_batch_touches() -> None:
    erika, max_ = anmeldung(), anmeldung(persons=(MAX,))
    existing = registered(erika, rid="b-erika")
    by_reference = moved_within_wurzen(
        persons=(MAX,), previous_registration=PreviousRegistration(registration_id="b-erika")
    )
    scopes = [
        notice_scope(erika, "new-1", None),
        notice_scope(max_, "new-2", None),
        notice_scope(abmeldung(), "new-3", None),  # Erika's business again
        notice_scope(gmbh(), "new-4", None),
        notice_scope(by_reference, "new-5", existing),  # Max, but Erika's registration
        notice_scope(anmeldung(persons=(ANNA,)), "new-6", None),
        notice_scope(
            abmeldung(persons=(ANNA,), previous_registration=PreviousRegistration(registration_id="new-6")),
            "new-7",
            None,
        ),
    ]

    assert first_round(scopes) == ([0, 1, 3, 5], [2, 4, 6])
    assert first_round([scopes[i] for i in (2, 4, 6)]) == ([0, 2], [1])  # the Ummeldung after the Abmeldung
    assert first_round([]) == ([], [])


async def test_a_mixed_batch_ends_as_its_items_decided_one_after_the_other() -> None:
    batched, single = Service(), Service()
    seed = batched.work_item(to_payload(anmeldung(persons=(ANNA,))))  # Anna Meier's business in Wurzen
    erika = batched.work_item(to_payload(anmeldung()))
    max_ = batched.work_item(to_payload(anmeldung(persons=(MAX,))))
    items = [
        erika,
        max_,
        batched.work_item(to_payload(abmeldung())),  # Erika closes: finds the business registered just before
        batched.work_item(to_payload(anmeldung(persons=(MAX,)))),  # Max again: a duplicate
        batched.work_item(to_payload(moved_within_wurzen(persons=(MAX,), previous_registration=refers_to(max_)))),
        batched.work_item(to_payload(abmeldung(persons=(MAX,), previous_registration=refers_to(erika)))),
        batched.work_item(to_payload(anmeldung())),  # Erika starts again after her Abmeldung
        batched.work_item({"activity": "Webdesign"}),  # unreadable: a clerk clarifies
        batched.work_item(
            to_payload(moved_to_augustusburg(persons=(ANNA,))), owner=AUGUSTUSBURG, processing=AUGUSTUSBURG
        ),
        batched.work_item(to_payload(gmbh())),
        erika,  # delivered twice in one batch
    ]
    for service in (batched, single):
        await service.process("augustusburg", seed)
        service.register.reads.clear()
        service.steps.writes = 0

    recorded = await batched.process.batch("augustusburg", items)
    await one_after_the_other(single, items)

    assert recorded == [True] * 10 + [False]
    assert outcome(batched) == outcome(single)
    assert final_states(batched, items[:10]) == [
        "completed",
        "completed",
        "completed",
        "rejected",  # duplicate
        "completed",
        "rejected",  # Erika's registration is closed already
        "completed",
        "awaiting_clerk",
        "completed",
        "completed",
    ]
    # One round per link of the longest chain of items touching the same business: Max's Anmeldung, his
    # second one, his move, his Abmeldung naming Erika's registration, Erika's new start, her redelivery.
    assert len(batched.register.reads) == batched.steps.writes == 6
    assert len(single.register.reads) == single.steps.writes == len(items)


async def test_a_batch_of_different_businesses_reads_and_writes_once() -> None:
    service = Service()
    items = [service.work_item(to_payload(anmeldung(persons=(person(family_name=f"Muster{n}"),)))) for n in range(5)]

    assert await service.process.batch("augustusburg", items) == [True] * 5

    [(holders, ids)] = service.register.reads
    assert len(holders) == 5 and not ids
    assert service.steps.writes == 1
    assert final_states(service, items) == ["completed"] * 5
    assert len(service.register.keys) == 5


async def test_redelivered_items_among_new_ones_send_nothing_twice_and_finish_their_register_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batched, single = Service(), Service()
    erika = batched.work_item(to_payload(anmeldung()))
    max_ = batched.work_item(to_payload(anmeldung(persons=(MAX,))))
    first = [erika, max_]
    later = [batched.work_item(to_payload(gmbh())), batched.work_item(to_payload(abmeldung()))]

    async def crash(*_: Any) -> None:
        raise RuntimeError("process killed between the step insert and the register changes")

    monkeypatch.setattr(batched.register, "apply_all", crash)
    with pytest.raises(RuntimeError):
        await batched.process.batch("augustusburg", first)
    assert len(batched.steps.steps) == 2 and not batched.register.registrations
    monkeypatch.undo()

    recorded = await batched.process.batch("augustusburg", [erika, later[0], max_, later[1]])
    await one_after_the_other(single, first + later)

    assert recorded == [False, True, False, True]
    assert outcome(batched) == outcome(single)  # each step sent once; the Abmeldung found Erika's business
    assert batched.register.registrations[new_registration_id(erika.data.case_id)].deregistered_on == date(2026, 11, 30)


async def test_a_redelivery_decided_differently_now_gives_back_the_key_of_its_new_decision() -> None:
    service = Service()
    erika = service.work_item(to_payload(anmeldung()))
    duplicate = service.work_item(to_payload(anmeldung()))
    await one_after_the_other(service, [erika, duplicate])  # the second is refused as a duplicate
    await service.file(to_payload(abmeldung()))  # then Erika's business closes: the key is free
    before = outcome(service)
    max_ = service.work_item(to_payload(anmeldung(persons=(MAX,))))

    recorded = await service.process.batch("augustusburg", [duplicate, max_])

    assert recorded == [False, True]
    after = outcome(service)
    assert after["steps"][f"{duplicate.data.case_id}:received"]["outcome"] == "rejected"  # the stored step stays
    maxs = service.register.registrations[new_registration_id(max_.data.case_id)]
    assert after["keys"] == {registration_key(maxs): maxs.registration_id}  # Erika's key was given back
    assert after["documents"] == before["documents"] == []  # nothing rendered before a download
    assert after["published"] == sorted([*before["published"], f"{max_.data.case_id}:received"])
    again = await service.file(to_payload(anmeldung()))
    assert service.statuses(again)[-1]["state"] == "completed"  # the business can register again


async def test_a_redelivered_anmeldung_after_its_business_closed_does_not_hold_the_key_again() -> None:
    service = Service()
    erika = service.work_item(to_payload(anmeldung()))
    await service.process("augustusburg", erika)
    await service.file(to_payload(abmeldung()))
    before = outcome(service)
    assert not before["keys"]

    assert not await service.process("augustusburg", erika)

    assert outcome(service) == before


@dataclass
class Record:
    """What the dead-letter policy needs of a Kafka record."""

    value: CloudEvent[CaseSubmitted]
    offset: int
    topic: str = "t.work.trade-registration.augustusburg.v1"
    partition: int = 0
    key: bytes = b"k"
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send_all(self, messages: Sequence[OutgoingMessage]) -> None:
        self.sent.extend(messages)


class BrokenFor:
    """Exports like the service, except the recipient messages of one holder's notices."""

    def __init__(self, family_name: str) -> None:
        self.family_name = family_name

    def __call__(self, messages: Sequence[RecipientMessage]) -> list[bytes]:
        if any(p.family_name == self.family_name for m in messages for p in m.notice.persons):
            raise RuntimeError("exporter failed")
        return export_messages(messages)


async def test_a_failing_item_of_a_batch_is_dead_lettered_alone_and_the_others_take_effect_once() -> None:
    service = Service(exporter=BrokenFor("Kaputt"))
    good = [service.work_item(to_payload(anmeldung(persons=(person(family_name=f"Muster{n}"),)))) for n in range(3)]
    broken = service.work_item(to_payload(anmeldung(persons=(person(family_name="Kaputt"),))))
    other = service.work_item(to_payload(anmeldung(persons=(MAX,))))
    poison = other.model_copy(update={"data": other.data.model_copy(update={"service": ServiceId.EINVOICE})})
    records = [Record(item, offset) for offset, item in enumerate([good[0], broken, good[1], poison, good[2]])]
    dead_letters = DeadLetters()
    policy = DeadLetterPolicy(dead_letters, group_id="g", max_attempts=2, sleep=lambda _: _no_wait())

    await policy.handle_batch(
        records, lambda record: record.value, lambda items: service.process.batch("augustusburg", items)
    )

    assert [(m.headers["x-dlq-original-offset"], m.headers["x-dlq-error-type"]) for m in dead_letters.sent] == [
        (b"1", b"RuntimeError"),
        (b"3", b"PoisonMessage"),
    ]
    assert final_states(service, good) == ["completed"] * 3
    assert sorted(service.steps.published) == sorted(f"{item.data.case_id}:received" for item in good)
    assert len(service.register.keys) == 3  # the broken notice claimed nothing: it failed before any write


async def _no_wait() -> None:
    return None


async def test_a_delivery_that_claimed_the_key_before_the_recorded_one_leaves_it_to_the_stored_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two deliveries of one work item at once (a rebalance): this one claimed the key first, the other
    recorded its step first and has not applied it yet. The key stays with the registration."""
    service = Service()
    erika = service.work_item(to_payload(anmeldung()))

    async def crash(*_: Any) -> None:
        raise RuntimeError("the other delivery has not applied its step yet")

    monkeypatch.setattr(service.register, "apply_all", crash)
    with pytest.raises(RuntimeError):
        await service.process("augustusburg", erika)
    monkeypatch.undo()
    [(key, registration_id)] = service.register.keys.items()
    del service.register.keys[key]  # as if the other delivery's claim came after this one's

    assert not await service.process("augustusburg", erika)

    assert service.register.keys == {key: registration_id}
    assert service.register.registrations[registration_id].active
    assert service.steps.published == [f"{erika.data.case_id}:received"]
