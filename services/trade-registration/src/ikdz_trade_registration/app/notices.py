"""Use case: a routed Gewerbeanzeige arrives on a pool's work topic and is decided without a human where the law allows.

One work item is one step of the case file: the notice is parsed with the payload contract, the
rules and the decision table run, the register is consulted (duplicates, Um-/Abmeldung, moves), and
the step is stored with everything it causes in one insert (documents, events, recipient messages,
tasks, status). Only then are the register changes applied; they are idempotent and are applied
again when the work item is redelivered, so a crash between the two writes loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseSubmitted
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, parse_payload
from ikdz_contracts.payloads.gewerbe_rules import RuleContext
from ikdz_contracts.reference.wz import WzCatalogue
from ikdz_platform.consumer import PoisonMessage
from pydantic import ValidationError

from ikdz_trade_registration.app.effects import BERLIN, SERVICE, CaseContext, StepWriter, derived_id
from ikdz_trade_registration.app.ports import Clock, Document, Register, StepStore
from ikdz_trade_registration.domain.decision import DecisionContext, decide
from ikdz_trade_registration.domain.fees import FeeConfig
from ikdz_trade_registration.domain.flow import Plan, RegisterChange, plan_notice, rejected, unreadable
from ikdz_trade_registration.domain.registrations import duplicate_violation, holder_key
from ikdz_trade_registration.domain.trades import Category

RECEIVED = "received"


def step_id_of_work_item(case_id: str) -> str:
    return f"{case_id}:{RECEIVED}"


def berlin_day(moment: datetime) -> date:
    return moment.astimezone(BERLIN).date()


async def apply_changes(register: Register, step: Document) -> None:
    """Apply a stored step's register changes (again): each change is idempotent."""
    for change in step.get("register_changes", []):
        await register.apply(RegisterChange.model_validate(change, strict=False))


class Planner:
    """Decide a notice and plan the step, with the register as it stands (and an atomic duplicate guard)."""

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

    async def __call__(self, case: CaseContext, app: Gewerbeanzeige, cleared: frozenset[Category], today: date) -> Plan:
        context = DecisionContext(
            rules=RuleContext(today, self._wz, self._town_names), fees=self._fees, cleared=cleared
        )
        decision = decide(app, context)
        reference = app.previous_registration.registration_id if app.previous_registration else None
        registrations = await self._register.candidates([holder_key(app)], [reference] if reference else [])
        plan = plan_notice(
            app,
            decision,
            new_registration_id=derived_id(case.case_id, "registration"),
            file_number=case.file_number,
            registrations=registrations,
            town_name=self._town_names.get(app.owner_ags, app.owner_ags),
            onboarded=self._onboarded,
        )
        for change in plan.changes:
            if change.action == "create" and change.hold_key is not None:
                mine = change.registration.registration_id
                holder = await self._register.claim(change.hold_key, mine)
                if holder != mine:  # filed at the same time as another Anmeldung of the same business
                    existing = await self._register.get(holder)
                    return rejected(
                        duplicate_violation(existing).message_de
                        if existing
                        else "Für diesen Betrieb an dieser Betriebsstätte liegt bereits eine Gewerbeanmeldung vor."
                    )
        return plan


class ProcessWorkItem:
    """Take a case from a pool's work topic and run it as far as the law allows without a human."""

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

    async def batch(self, pool_id: str, items: Sequence[CloudEvent[CaseSubmitted]]) -> None:
        """The work items of one batch, one after the other: each sees the register as the ones
        before it left it (an Abmeldung right after its business's Anmeldung finds the business)."""
        for item in items:
            await self(pool_id, item)

    async def __call__(self, pool_id: str, item: CloudEvent[CaseSubmitted]) -> bool:
        """Returns False when the work item was handled before (a redelivery)."""
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
        step_id = step_id_of_work_item(case.case_id)
        stored = await self._steps.get(step_id)
        if stored is not None:
            await apply_changes(self._register, stored)
            return False
        now = self._clock()
        app, plan = await self._decide(case, submitted.payload, berlin_day(now))
        # No "In Bearbeitung" first: the step's own status (completed, awaiting a clerk, rejected)
        # is published at the same moment, so it would tell the citizen nothing.
        step, outbox = await self._writer.write(case, app, plan, step_id=step_id, cause=item, now=now)
        step.update(trigger="work_item", payload=submitted.payload, cleared=[])
        if not await self._steps.record(step, outbox):
            return False
        await apply_changes(self._register, step)
        return True

    async def _decide(
        self, case: CaseContext, payload: dict[str, Any], today: date
    ) -> tuple[Gewerbeanzeige | None, Plan]:
        try:
            app = parse_payload(payload)
        except ValidationError as error:
            errors = [f"{'.'.join(str(p) for p in e['loc']) or '(Anzeige)'}: {e['msg']}" for e in error.errors()]
            return None, unreadable(errors, today)
        if app.owner_ags != case.owner_ags:
            return None, unreadable([f"owner_ags: {app.owner_ags} statt {case.owner_ags} laut Vorgang"], today)
        return app, await self._planner(case, app, frozenset(), today)
