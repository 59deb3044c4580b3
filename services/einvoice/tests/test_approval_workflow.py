"""The approval state machine: every step, four-eyes, objections, straight-through, redeliveries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ikdz_contracts.events import ApprovalStep
from ikdz_einvoice.domain.approval import (
    Approval,
    ApprovalError,
    ApprovalFacts,
    CompleteStep,
    Objected,
    Phase,
    Released,
    Start,
    Started,
    StepDecided,
    TaskNeeded,
    decide,
    evolve,
    replay,
    straight_through_rule,
    task_id_for,
)
from ikdz_einvoice.domain.approval_rules import ReleaseLevel, StraightThrough, TownApprovalRules

WURZEN = "14729410"
LEVELS = (
    ReleaseLevel(up_to=Decimal(5000), skill="anordnung", label_de="Sachgebietsleitung"),
    ReleaseLevel(up_to=None, skill="anordnung-amtsleitung", label_de="Amtsleitung"),
)
RULES = TownApprovalRules(
    ags=WURZEN,
    release_levels=LEVELS,
    straight_through=StraightThrough(
        max_amount=Decimal(500), known_suppliers=frozenset({"VAT:DE123456789"}), order_reference_pattern="B-[0-9]{4}"
    ),
)
NO_AUTOMATION = TownApprovalRules(ags=WURZEN, release_levels=LEVELS)


def facts(**changes: object) -> ApprovalFacts:
    base = ApprovalFacts(
        invoice_id="inv-1",
        file_number="WUR-ERE-2026-000001",
        owner_ags=WURZEN,
        pool_id="augustusburg",
        amount=Decimal("1190.00"),
        currency="EUR",
        seller_key="VAT:DE999999999",
        order_reference=None,
    )
    return base.model_copy(update=changes)


def run(
    state: Approval | None, command: Start | CompleteStep, rules: TownApprovalRules = RULES
) -> tuple[Approval | None, list]:  # type: ignore[type-arg]
    events = decide(state, command, rules, "v1")
    for event in events:
        state = evolve(state, event)
    return state, events


def complete(state: Approval, actor: str, *, approved: bool = True) -> CompleteStep:
    assert state.open_task is not None
    return CompleteStep(
        task_id=state.open_task, approved=approved, actor=actor, acting_ags="14522020", reason="geprüft"
    )


def test_three_human_steps_then_release_by_a_second_person() -> None:
    state, events = run(None, Start(facts=facts()))
    assert [type(e) for e in events] == [Started, TaskNeeded]
    assert events[1].step is ApprovalStep.FACTUAL and events[1].excluded_actors == ()

    state, events = run(state, complete(state, "clerk-a"))
    assert [type(e) for e in events] == [StepDecided, TaskNeeded]
    assert events[1].step is ApprovalStep.ARITHMETIC

    state, events = run(state, complete(state, "clerk-a"))
    needed = events[1]
    assert needed.step is ApprovalStep.RELEASE
    assert needed.excluded_actors == ("clerk-a",)
    assert (needed.required_skills, needed.authority_de) == (("anordnung",), "Sachgebietsleitung")

    state, events = run(state, complete(state, "clerk-b"))
    assert [type(e) for e in events] == [StepDecided, Released]
    assert events[1] == Released(automated=False, rule="four-eyes release@v1")
    assert state is not None and state.phase is Phase.RELEASED and state.decided_by == ("clerk-a", "clerk-a", "clerk-b")


def test_release_excludes_everyone_who_checked_before() -> None:
    state, _ = run(None, Start(facts=facts()))
    state, _ = run(state, complete(state, "clerk-a"))
    state, events = run(state, complete(state, "clerk-c"))
    assert events[1].excluded_actors == ("clerk-a", "clerk-c")


@pytest.mark.parametrize("preparer", ["clerk-a", "clerk-c"])
def test_a_preparer_cannot_release(preparer: str) -> None:
    state, _ = run(None, Start(facts=facts()))
    state, _ = run(state, complete(state, "clerk-a"))
    state, _ = run(state, complete(state, "clerk-c"))
    with pytest.raises(ApprovalError, match="four-eyes"):
        decide(state, complete(state, preparer), RULES, "v1")


@pytest.mark.parametrize("objecting_step", [0, 1, 2])
def test_an_objection_at_any_step_ends_the_approval(objecting_step: int) -> None:
    state, _ = run(None, Start(facts=facts()))
    for index, actor in enumerate(["clerk-a", "clerk-b", "clerk-c"]):
        state, events = run(state, complete(state, actor, approved=index != objecting_step))
        if index == objecting_step:
            break
    assert isinstance(events[-1], Objected)
    assert state is not None and state.phase is Phase.OBJECTED and state.step is None


@pytest.mark.parametrize(
    ("amount", "skill"),
    [(Decimal("0.01"), "anordnung"), (Decimal(5000), "anordnung"), (Decimal("5000.01"), "anordnung-amtsleitung")],
)
def test_the_release_level_follows_the_amount(amount: Decimal, skill: str) -> None:
    state, _ = run(None, Start(facts=facts(amount=amount)))
    state, _ = run(state, complete(state, "clerk-a"))
    _, events = run(state, complete(state, "clerk-a"))
    assert events[1].required_skills == (skill,)


def test_straight_through_release_is_automated_and_names_its_rule() -> None:
    known = facts(seller_key="VAT:DE123456789", order_reference="B-0042", amount=Decimal("499.99"))
    state, events = run(None, Start(facts=known))
    assert [type(e) for e in events] == [Started, StepDecided, StepDecided, StepDecided, Released]
    assert all(e.automated for e in events[1:])
    assert events[-1].rule.startswith("straight-through@v1")
    assert state is not None and state.phase is Phase.RELEASED and state.automated


@pytest.mark.parametrize(
    "changes",
    [
        {"seller_key": "VAT:DE999999999"},  # unknown supplier
        {"order_reference": None},  # no order reference
        {"order_reference": "X-0042"},  # not the town's format
        {"order_reference": "B-0042-extra"},  # must match in full
        {"amount": Decimal("500.01")},  # above the threshold
        {"amount": Decimal("-10")},  # nothing to pay
        {"currency": "USD"},  # not the town's currency
        {"credit_note": True},  # credit notes are never released unseen
    ],
)
def test_straight_through_needs_every_condition(changes: dict[str, object]) -> None:
    candidate = facts(seller_key="VAT:DE123456789", order_reference="B-0042", amount=Decimal(100)).model_copy(
        update=changes
    )
    assert straight_through_rule(candidate, RULES, "v1") is None
    _, events = run(None, Start(facts=candidate))
    assert isinstance(events[-1], TaskNeeded)


def test_towns_without_the_rule_never_release_straight_through() -> None:
    known = facts(seller_key="VAT:DE123456789", order_reference="B-0042", amount=Decimal(1))
    _, events = run(None, Start(facts=known), NO_AUTOMATION)
    assert isinstance(events[-1], TaskNeeded)


def test_redelivered_commands_change_nothing() -> None:
    state, _ = run(None, Start(facts=facts()))
    assert decide(state, Start(facts=facts()), RULES, "v1") == []
    first = complete(state, "clerk-a")
    state, _ = run(state, first)
    assert decide(state, first, RULES, "v1") == []  # the factual task again: already applied


def test_a_task_for_an_approval_that_never_started_is_refused() -> None:
    command = CompleteStep(task_id="x", approved=True, actor="a", acting_ags=WURZEN, reason="r")
    with pytest.raises(ApprovalError):
        decide(None, command, RULES, "v1")


def test_task_ids_are_stable_per_invoice_and_step() -> None:
    assert task_id_for("inv-1", ApprovalStep.FACTUAL) == "inv-1-sachlich-richtig"
    assert len({task_id_for("inv-1", step) for step in ApprovalStep}) == 3


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), max_size=6))
def test_replaying_the_events_gives_the_same_state(decisions: list[tuple[str, bool]]) -> None:
    state, history = run(None, Start(facts=facts()))
    for actor, approved in decisions:
        if state is None or state.phase is not Phase.AWAITING:
            break
        try:
            state, events = run(state, complete(state, actor, approved=approved))
        except ApprovalError:
            continue  # four-eyes refusal: nothing happened
        history += events
        assert state is not None
        assert not (state.phase is Phase.RELEASED and not state.automated and len(set(state.decided_by)) < 2)
    assert replay(history) == state
