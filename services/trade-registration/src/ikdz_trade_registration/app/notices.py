"""Use case: routed Gewerbeanzeigen arrive on a pool's work topic and are decided without a human where the law allows.

One work item is one step of the case file: the notice is parsed with the payload contract, the
rules and the decision table run, the register is consulted (duplicates, Um-/Abmeldung, moves), and
the step is stored with everything it causes in one insert (the documents it issues, events,
recipient messages, tasks, status; the documents are rendered on their first download, see
``app/effects.py``). Only then are the register changes applied; they are idempotent and are applied
again when the work item is redelivered, so a crash between the two writes loses nothing.

A consumer batch is worked in rounds, so that the store round trips are per round rather than per
work item: a round reads the register for all its items at once and decides each against what it
read; then one insert claims their duplicate keys, one (the outbox's batch path) stores their steps
with their events; then their register changes are applied (new
registrations with one insert; an update stays one write per registration). An item whose scope
(``domain/batches.py``: holder, registration referred to or created, case) meets that of an item
before it in the batch waits for a later round, which reads the register as the rounds before left
it: each item is decided as if the ones before it had been decided one after the other (an
Abmeldung after its business's Anmeldung finds the business; a second Anmeldung of it is a duplicate).

A redelivery is not looked up before deciding: the step insert finds it (the step id is
``<case>:received``; the batch writer skips a step recorded before, with its events). The stored step
stays authoritative: its register changes are applied again, and what deciding the item again did
besides is taken back (a duplicate key it newly claimed, unless the stored step holds that key for
the registration it created; it wrote no documents, as nothing is rendered before a download). Nothing else in its round
was decided against that new decision, as no other item there shares its scope. Until it is taken
back, a newly claimed key is visible to other replicas: an Anmeldung of the same business decided
elsewhere in those milliseconds would be refused as a duplicate. That needs a redelivered Anmeldung
decided differently than the first time (the register changed for its business meanwhile) and a
concurrent Anmeldung of the same business; looking each step up first would cost a round trip per item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseSubmitted
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, parse_payload
from ikdz_contracts.payloads.gewerbe_rules import RuleContext
from ikdz_contracts.reference.wz import WzCatalogue
from ikdz_platform.consumer import PoisonMessage
from pydantic import ValidationError

from ikdz_trade_registration.app.effects import BERLIN, SERVICE, CaseContext, Draft, StepWriter, derived_id
from ikdz_trade_registration.app.ports import Clock, Document, Register, StepStore
from ikdz_trade_registration.domain.batches import Scope, first_round, notice_scope, reference_of
from ikdz_trade_registration.domain.decision import DecisionContext, decide
from ikdz_trade_registration.domain.fees import FeeConfig
from ikdz_trade_registration.domain.flow import Plan, RegisterChange, plan_notice, rejected, unreadable
from ikdz_trade_registration.domain.registrations import (
    Registration,
    duplicate_violation,
    holder_key,
    registration_key,
)
from ikdz_trade_registration.domain.trades import Category

RECEIVED = "received"
HELD_ELSEWHERE_DE = "Für diesen Betrieb an dieser Betriebsstätte liegt bereits eine Gewerbeanmeldung vor."
"""Refusal when the duplicate key's holder could not be read (it changed hands while it was read)."""

Claim = tuple[str, str]
"""A duplicate key and the registration that claims it."""


def step_id_of_work_item(case_id: str) -> str:
    return f"{case_id}:{RECEIVED}"


def new_registration_id(case_id: str) -> str:
    """The registration a case's Anmeldung creates: the same after a redelivery or a clerk's decision."""
    return derived_id(case_id, "registration")


def berlin_day(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


def stored_changes(step: Document) -> list[RegisterChange]:
    return [RegisterChange.model_validate(change, strict=False) for change in step.get("register_changes", [])]


async def apply_changes(register: Register, step: Document) -> None:
    """Apply a stored step's register changes (again): each change is idempotent."""
    await register.apply_all(stored_changes(step))


class Planner:
    """Decide a notice and plan the step against the register as read (and an atomic duplicate guard)."""

    def __init__(
        self,
        register: Register,
        wz: WzCatalogue,
        fees: FeeConfig,
        town_names: Mapping[str, str],
    ) -> None:
        self._register = register
        self._wz = wz
        self._fees = fees
        self._town_names = town_names
        self._onboarded = frozenset(town.ags for town in fees.towns)

    def plan(
        self,
        case: CaseContext,
        app: Gewerbeanzeige,
        cleared: frozenset[Category],
        today: date,
        registrations: Sequence[Registration],
    ) -> Plan:
        """The plan against ``registrations``: those of the notice's holder and the one it refers to."""
        context = DecisionContext(
            rules=RuleContext(today, self._wz, self._town_names), fees=self._fees, cleared=cleared
        )
        return plan_notice(
            app,
            decide(app, context),
            new_registration_id=new_registration_id(case.case_id),
            file_number=case.file_number,
            registrations=registrations,
            town_name=self._town_names.get(app.owner_ags, app.owner_ags),
            onboarded=self._onboarded,
        )

    async def claim(self, plans: Sequence[Plan]) -> list[tuple[Plan, Claim | None]]:
        """Claim the duplicate keys of the registrations the plans create, with one insert.

        A plan whose key another registration holds (an Anmeldung of the same business filed at the
        same time) becomes the refusal. Returns each plan (or its refusal) with the key it newly
        claimed, if any.
        """
        claims = [
            (position, (change.hold_key, change.registration.registration_id))
            for position, plan in enumerate(plans)
            for change in plan.changes
            if change.action == "create" and change.hold_key is not None
        ]
        result: list[tuple[Plan, Claim | None]] = [(plan, None) for plan in plans]
        if not claims:
            return result
        held = await self._register.claim_all([claim for _, claim in claims])
        lost: dict[int, str | None] = {}
        for (position, claim), outcome in zip(claims, held, strict=True):
            if outcome.holder == claim[1]:
                result[position] = (plans[position], claim if outcome.new else None)
            else:
                lost[position] = outcome.holder
        if lost:
            holders = [holder for holder in lost.values() if holder is not None]
            existing = {r.registration_id: r for r in await self._register.candidates([], holders)}
            for position, holder in lost.items():
                found = existing.get(holder) if holder is not None else None
                result[position] = (
                    rejected(duplicate_violation(found).message_de if found else HELD_ELSEWHERE_DE),
                    None,
                )
        return result

    async def __call__(self, case: CaseContext, app: Gewerbeanzeige, cleared: frozenset[Category], today: date) -> Plan:
        """One notice on its own: the register read for it, the plan, the claim."""
        reference = reference_of(app)
        registrations = await self._register.candidates([holder_key(app)], [reference] if reference else [])
        [(plan, _)] = await self.claim([self.plan(case, app, cleared, today, registrations)])
        return plan


@dataclass
class _WorkItem:
    """A work item of a batch: its case, its notice (None with ``errors`` when unreadable), and
    whether its step was recorded by this delivery."""

    event: CloudEvent[CaseSubmitted]
    case: CaseContext
    app: Gewerbeanzeige | None
    errors: list[str]
    recorded: bool = False

    @property
    def step_id(self) -> str:
        return step_id_of_work_item(self.case.case_id)

    def scope(self, register: _Read) -> Scope:
        case = frozenset({f"case:{self.case.case_id}"})
        if self.app is None:
            return case
        referred = register.by_id.get(reference_of(self.app) or "")
        return case | notice_scope(self.app, new_registration_id(self.case.case_id), referred)


class _Read:
    """The registrations a round read, by holder and by id."""

    def __init__(self, registrations: Sequence[Registration]) -> None:
        self.by_id = {r.registration_id: r for r in registrations}
        self.by_holder: defaultdict[str, list[Registration]] = defaultdict(list)
        for registration in registrations:
            self.by_holder[registration.holder_key].append(registration)

    def of(self, app: Gewerbeanzeige) -> list[Registration]:
        """Those of the notice's holder and the one it refers to (what ``Register.candidates`` gives)."""
        found = list(self.by_holder.get(holder_key(app), []))
        referred = self.by_id.get(reference_of(app) or "")
        if referred is not None and referred not in found:
            found.append(referred)
        return found


@dataclass
class _Decided:
    item: _WorkItem
    now: datetime
    plan: Plan
    draft: Draft
    claim: Claim | None = None


class ProcessWorkItem:
    """Take cases from a pool's work topic and run them as far as the law allows without a human."""

    def __init__(
        self,
        steps: StepStore,
        register: Register,
        planner: Planner,
        writer: StepWriter,
        clock: Clock,
    ) -> None:
        self._steps = steps
        self._register = register
        self._planner = planner
        self._writer = writer
        self._clock = clock

    async def __call__(self, pool_id: str, item: CloudEvent[CaseSubmitted]) -> bool:
        """Returns False when the work item was handled before (a redelivery)."""
        [recorded] = await self.batch(pool_id, [item])
        return recorded

    async def batch(self, pool_id: str, items: Sequence[CloudEvent[CaseSubmitted]]) -> list[bool]:
        """The work items of one batch, in rounds (see module docstring); per item False when it was
        handled before. A work item that is not one (poison) fails the batch before anything is written."""
        work = [_work_item(pool_id, item) for item in items]
        pending = work
        while pending:
            pending = await self._round(pending)
        return [item.recorded for item in work]

    async def _round(self, items: list[_WorkItem]) -> list[_WorkItem]:
        """Decide and store the items whose scope no earlier item meets; returns the others."""
        apps = [item.app for item in items if item.app is not None]
        references = {reference for app in apps if (reference := reference_of(app)) is not None}
        read = _Read(await self._register.candidates(sorted({holder_key(app) for app in apps}), sorted(references)))
        now_positions, later_positions = first_round([item.scope(read) for item in items])
        decided = [self._decide(items[position], read) for position in now_positions]
        for entry, (plan, claim) in zip(decided, await self._planner.claim([d.plan for d in decided]), strict=True):
            if plan is not entry.plan:  # its key was taken meanwhile: refused, nothing issued
                entry.plan, entry.draft = plan, self._draft(entry.item, plan, entry.now)
            entry.claim = claim
        inserted = await self._steps.record_all([(entry.draft.step, entry.draft.outbox) for entry in decided])
        changes: list[RegisterChange] = []
        for entry in decided:
            entry.item.recorded = entry.item.step_id in inserted
            if entry.item.recorded:
                changes.extend(entry.plan.changes)
        redelivered = [entry for entry in decided if not entry.item.recorded]
        if redelivered:
            changes += await self._take_back(redelivered)
        await self._register.apply_all(changes)
        return [items[position] for position in later_positions]

    def _decide(self, item: _WorkItem, read: _Read) -> _Decided:
        """Plan and draft (nothing stored) against the register as this round read it."""
        now = self._clock()
        today = berlin_day(now)
        if item.app is None:
            plan = unreadable(item.errors, today)
        else:
            plan = self._planner.plan(item.case, item.app, frozenset(), today, read.of(item.app))
        return _Decided(item, now, plan, self._draft(item, plan, now))

    def _draft(self, item: _WorkItem, plan: Plan, now: datetime) -> Draft:
        # No "In Bearbeitung" first: the step's own status (completed, awaiting a clerk, rejected)
        # is published at the same moment, so it would tell the citizen nothing.
        draft = self._writer.draft(item.case, item.app, plan, step_id=item.step_id, cause=item.event, now=now)
        draft.step.update(trigger="work_item", payload=item.event.data.payload, cleared=[])
        return draft

    async def _take_back(self, redelivered: list[_Decided]) -> list[RegisterChange]:
        """The stored steps of redelivered items stay: returns their register changes (to apply again)
        and takes back what deciding the items again did besides (see module docstring)."""
        stored = {step["_id"]: step for step in await self._steps.stored([e.item.step_id for e in redelivered])}
        changes = {step_id: stored_changes(step) for step_id, step in stored.items()}
        claims = [(e.item.step_id, e.claim) for e in redelivered if e.claim is not None]
        if claims:
            current = {r.registration_id: r for r in await self._register.candidates([], [c[1] for _, c in claims])}
            await self._register.release_all(
                [claim for step_id, claim in claims if not _held(claim, changes.get(step_id, []), current)]
            )
        return [change for step_changes in changes.values() for change in step_changes]


def _held(claim: Claim, changes: Sequence[RegisterChange], registrations: dict[str, Registration]) -> bool:
    """Whether a stored step holds a key claimed again: it created the registration with that key, and
    the registration is not applied yet or still holds the key (not closed or moved since)."""
    key, registration_id = claim
    created = any(
        change.action == "create" and change.hold_key == key and change.registration.registration_id == registration_id
        for change in changes
    )
    current = registrations.get(registration_id)
    return created and (current is None or (current.active and registration_key(current) == key))


def _work_item(pool_id: str, item: CloudEvent[CaseSubmitted]) -> _WorkItem:
    """The work item with its notice parsed; a payload outside the contract (only a producer that
    skipped intake sends one) or of another owner town becomes a clarification, not a dead letter."""
    submitted = item.data
    if submitted.service != SERVICE:
        msg = f"work item for {submitted.service} on a {SERVICE} work topic"
        raise PoisonMessage(msg)
    if item.processingags is None:
        msg = "work item without processingags"
        raise PoisonMessage(msg)
    case = CaseContext(
        case_id=submitted.case_id,
        file_number=submitted.file_number,
        owner_ags=submitted.owner_ags,
        processing_ags=item.processingags,
        pool_id=pool_id,
        agreement_ref=item.agreementref,
    )
    app, errors = _parse(submitted.payload)
    if app is not None and app.owner_ags != case.owner_ags:
        return _WorkItem(item, case, None, [f"owner_ags: {app.owner_ags} statt {case.owner_ags} laut Vorgang"])
    return _WorkItem(item, case, app, errors)


def _parse(payload: dict[str, Any]) -> tuple[Gewerbeanzeige | None, list[str]]:
    try:
        return parse_payload(payload), []
    except ValidationError as error:
        return None, [f"{'.'.join(str(p) for p in e['loc']) or '(Anzeige)'}: {e['msg']}" for e in error.errors()]
