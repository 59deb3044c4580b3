"""Use case: a clerk decided a task of a Gewerbeanzeige (``task.completed`` from routing's worklists).

A follow-up task (permit, reliability, Handwerkskarte …) is closed; when the last open task of the
case is closed, the case is complete. A task that held back the receipt (the STOP rows) either
clears its category, and the notice is decided again without it (receipt, fee notice, recipients,
further tasks), or ends the case with a German reason. Each completion is its own step of the case
file, keyed by the task id, so a redelivered ``task.completed`` changes nothing.
"""

from __future__ import annotations

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseState, TaskCompleted
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_platform.consumer import PoisonMessage
from pydantic import ValidationError

from ikdz_trade_registration.app.effects import SERVICE, CaseContext, StepWriter
from ikdz_trade_registration.app.notices import Planner, apply_changes, berlin_day
from ikdz_trade_registration.app.ports import Clock, Document, Register, StepStore
from ikdz_trade_registration.domain.flow import rejected
from ikdz_trade_registration.domain.trades import Category

PROCEED: dict[str, frozenset[Category]] = {
    "corrected": frozenset({Category.INCOMPLETE}),
    "is_trade": frozenset({Category.NOT_A_TRADE}),
    "stehendes_gewerbe": frozenset({Category.TRAVELLING_TRADE}),
}
"""Outcomes of a blocking task that let the notice go on: the clerk cleared these categories."""

ENDS_DE: dict[str, str] = {
    "withdrawn": "Die Gewerbeanzeige wurde zurückgezogen. Es wird keine Empfangsbestätigung erteilt.",
    "rejected": (
        "Die Gewerbeanzeige wurde zurückgewiesen, weil die Angaben unvollständig blieben. Sie können die Anzeige "
        "jederzeit vollständig neu erstatten."
    ),
    "reject": (
        "Die angezeigte Tätigkeit ist kein Gewerbe im Sinne der Gewerbeordnung (z. B. ein freier Beruf). Eine "
        "Gewerbeanzeige ist nicht nötig; bitte melden Sie die Tätigkeit Ihrem Finanzamt."
    ),
    "refer_reisegewerbekarte": (
        "Für ein Reisegewerbe ist statt der Gewerbeanzeige eine Reisegewerbekarte zu beantragen (§ 55 GewO). "
        "Bitte stellen Sie dafür einen eigenen Antrag."
    ),
}
ENDED_DE = "Die Gewerbeanzeige wurde nach Prüfung nicht weiter bearbeitet."
ALL_CHECKS_DONE_DE = "Alle Prüfungen zu Ihrer Gewerbeanzeige sind abgeschlossen. Sie müssen nichts weiter tun."
RESUBMIT_DE = (
    "Die Angaben Ihrer Gewerbeanzeige konnten nicht gelesen werden. Bitte erstatten Sie die Anzeige über das "
    "Formular erneut."
)


class CloseTask:
    """Apply a clerk's decision on a task of a Gewerbeanzeige (see module docstring)."""

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

    async def __call__(self, event: CloudEvent[TaskCompleted]) -> bool:
        """Returns False for another service's task and for a redelivery."""
        done = event.data
        if done.service != SERVICE:
            return False
        step_id = f"{done.task_id}:done"
        stored = await self._steps.stored([step_id])
        if stored:
            await apply_changes(self._register, stored[0])
            return False
        history = await self._steps.of_case(done.case_id)
        opened = {task["task_id"]: task for step in history for task in step.get("tasks", [])}
        task = opened.get(done.task_id)
        if task is None:
            msg = f"task {done.task_id} of case {done.case_id} was not opened by trade-registration"
            raise PoisonMessage(msg)
        case = CaseContext.from_document(history[0])
        now = self._clock()
        closed = self._writer.task_closed_event(case, done, now, event)
        if task["blocks_receipt"]:
            step, outbox = await self._decide_again(case, history, task, done, step_id, event, closed)
        else:
            still_open = set(opened) - {s["closed_task"] for s in history if s.get("closed_task")} - {done.task_id}
            outbox = [closed]
            if not still_open:
                outbox.append(self._writer.status_event(case, CaseState.COMPLETED, ALL_CHECKS_DONE_DE, now, event))
            step = {"_id": step_id, **case.as_document(), "at": now, "tasks": [], "register_changes": []}
        step.update(trigger="task_completed", closed_task=done.task_id, task_outcome=done.outcome)
        step.setdefault("cleared", [])
        if step_id not in await self._steps.record_all([(step, outbox)]):
            return False
        await apply_changes(self._register, step)
        return True

    async def _decide_again(
        self,
        case: CaseContext,
        history: list[Document],
        task: Document,
        done: TaskCompleted,
        step_id: str,
        event: CloudEvent[TaskCompleted],
        closed: Document,
    ) -> tuple[Document, list[Document]]:
        now = self._clock()
        cleared = frozenset(Category(c) for step in history for c in step.get("cleared", []))
        app = None
        if done.outcome in PROCEED:
            cleared |= PROCEED[done.outcome] | {Category(task["category"])}
            try:
                app = parse_payload(history[0]["payload"])
            except ValidationError:
                plan = rejected(RESUBMIT_DE)
            else:
                plan = await self._planner(case, app, cleared, berlin_day(now))
        else:
            plan = rejected(ENDS_DE.get(done.outcome, ENDED_DE))
        draft = self._writer.draft(case, app, plan, step_id=step_id, cause=event, now=now, before=[closed])
        draft.step["cleared"] = sorted(c.value for c in cleared)
        return draft.step, draft.outbox
