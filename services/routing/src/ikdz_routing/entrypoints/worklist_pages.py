"""Clerks' worklist pages (German, server-rendered, usable without JavaScript): my tasks and my pools'
open tasks, a task with its decision form; every form is CSRF-protected and posts back (PRG)."""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_platform.web import CsrfProtected, render_with_csrf, templates

from ikdz_routing.app.case_deadlines import CaseNotice, CaseNotices
from ikdz_routing.app.coordination import DeadlineLights
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskNotFoundError
from ikdz_routing.app.tasks import ActOnTask, Worklists
from ikdz_routing.domain.deadlines import CaseDate, Light
from ikdz_routing.domain.tasks import Action, Actor, Command, Role, Task, TaskRuleError, TaskState

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
ActorResolver = Callable[[Request], Awaitable[Actor]]

MESSAGES_DE = {
    "forbidden": "Sie dürfen diese Aufgabe nicht bearbeiten.",
    "not_assigned": "Diese Aufgabe ist nicht Ihnen zugewiesen.",
    "four_eyes": "Vier-Augen-Prinzip: Wer den Fall vorbereitet hat, darf diese Aufgabe nicht entscheiden.",
    "invalid_state": "Die Aufgabe wurde inzwischen geändert. Bitte prüfen Sie den aktuellen Stand.",
    "invalid_outcome": "Bitte wählen Sie eine der angebotenen Entscheidungen.",
    "invalid": "Bitte geben Sie eine Begründung an.",
    "conflict": "Jemand anderes hat die Aufgabe gerade bearbeitet. Bitte prüfen Sie den aktuellen Stand.",
}
FIELD_OF = {"invalid_outcome": "outcome", "invalid": "reason"}
FORM_ACTIONS = {"uebernehmen": Action.CLAIMED, "erledigen": Action.COMPLETED, "zurueckgeben": Action.RETURNED}
CASE_DATE_DE = {CaseDate.TARGET: "Zieldatum", CaseDate.LEGAL: "Gesetzliche Frist"}


def case_notice(notice: CaseNotice | None) -> dict[str, Any] | None:
    """The German notice on a task whose case's target or legal date is near or missed."""
    if notice is None:
        return None
    missed = notice.light is Light.RED
    return {
        "kind": "danger" if missed else "warning",
        "title": "Frist des Vorgangs überschritten" if missed else "Frist des Vorgangs naht",
        "text": (
            f"Der Vorgang {notice.case_id} hätte bis zum {notice.due:%d.%m.%Y} abgeschlossen sein sollen."
            if missed
            else f"Der Vorgang {notice.case_id} ist bis zum {notice.due:%d.%m.%Y} abzuschließen."
        ),
        "dates": [f"{CASE_DATE_DE[d.kind]}: {d.day:%d.%m.%Y} – {d.light.label_de}" for d in notice.dates],
    }


class TaskRows:
    """How a task shows in a table: owner town by name, deadline with its traffic light."""

    def __init__(self, lights: DeadlineLights, municipalities: MunicipalityRegistry) -> None:
        self._lights = lights
        self._municipalities = municipalities

    def town(self, ags: str) -> str:
        found = self._municipalities.get(ags)
        return found.display_name if found else ags

    def row(self, task: Task) -> dict[str, Any]:
        d, deadline = task.definition, self._lights.of(task)
        return {
            "id": d.task_id,
            "title": d.title_de,
            "owner_town": self.town(d.owner_ags),
            "pool": task.pool_id,
            "due": deadline.due.strftime("%d.%m.%Y") if deadline.due else "–",
            "light": deadline.light.value,
            "light_label": deadline.light.label_de,
            "escalated": task.escalated,
            "state": task.state.label_de,
            "assignee": task.assignee or "–",
            "open": task.state is TaskState.OPEN,
        }


def worklist_pages(
    worklists: Worklists, act: ActOnTask, rows: TaskRows, notices: CaseNotices, resolve_actor: ActorResolver
) -> tuple[APIRouter, Jinja2Templates]:
    pages = templates(TEMPLATES_DIR)
    router = APIRouter(include_in_schema=False)
    CurrentActor = Annotated[Actor, Depends(resolve_actor)]  # noqa: N806 - a type alias

    town, row = rows.town, rows.row

    @router.get("/arbeitskorb", response_class=HTMLResponse)
    async def worklist(request: Request, actor: CurrentActor) -> Response:
        tasks = await worklists.visible(actor)
        context = {
            "page_title": "Arbeitskorb",
            "service_title": "Arbeitskorb",
            "mine": [row(t) for t in tasks if t.assignee == actor.staff_id],
            "pool_open": [row(t) for t in tasks if t.state is TaskState.OPEN],
            "staff_id": actor.staff_id,
            "coordinator": Role.COORDINATOR in actor.roles,
        }
        return render_with_csrf(pages, request, "arbeitskorb.html", context)

    async def task_page(
        request: Request, actor: Actor, task_id: str, error: str | None = None, status: int = 200
    ) -> Response:
        try:
            task = await worklists.get(task_id, actor)
        except TaskNotFoundError:
            return pages.TemplateResponse(
                request, "aufgabe_fehlt.html", {"page_title": "Aufgabe nicht gefunden"}, status_code=404
            )
        d = task.definition
        errors = [(FIELD_OF.get(error, "aktionen"), MESSAGES_DE.get(error, MESSAGES_DE["invalid"]))] if error else []
        context = {
            "page_title": d.title_de,
            "service_title": "Arbeitskorb",
            "has_errors": bool(errors),
            "errors": errors,
            "field_errors": {
                "outcome": errors[0][1] if errors and errors[0][0] == "outcome" else None,
                "reason": errors[0][1] if errors and errors[0][0] == "reason" else None,
            },
            "task": row(task),
            "case_notice": case_notice(await notices.of(task, actor)),
            "agreement_ref": task.agreement_ref,
            "definition": d,
            "owner_town": town(d.owner_ags),
            "mine": task.assignee == actor.staff_id and task.state is TaskState.CLAIMED,
            "done": task.state is TaskState.COMPLETED,
            "outcomes": [(o.code, o.label_de) for o in d.outcomes],
            "outcome_label": next((o.label_de for o in d.outcomes if o.code == task.outcome), None),
        }
        return render_with_csrf(pages, request, "aufgabe.html", context, status_code=status)

    @router.get("/aufgaben/{task_id}", response_class=HTMLResponse)
    async def show_task(request: Request, task_id: str, actor: CurrentActor) -> Response:
        return await task_page(request, actor, task_id)

    @router.post("/aufgaben/{task_id}/{verb}")
    async def act_on_task(
        request: Request,
        task_id: str,
        verb: str,
        actor: CurrentActor,
        _csrf: CsrfProtected,
        outcome: Annotated[str | None, Form()] = None,
        reason: Annotated[str | None, Form()] = None,
    ) -> Response:
        action = FORM_ACTIONS.get(verb)
        if action is None:
            return await task_page(request, actor, "", status=404)
        try:
            await act(task_id, Command(action, outcome=outcome, reason=reason), actor)
        except TaskNotFoundError:
            return await task_page(request, actor, task_id, status=404)
        except ConcurrentChangeError:
            return await task_page(request, actor, task_id, "conflict", status=409)
        except TaskRuleError as refused:
            return await task_page(request, actor, task_id, refused.code, status=422)
        target = "/arbeitskorb" if action in {Action.COMPLETED, Action.RETURNED} else f"/aufgaben/{task_id}"
        return RedirectResponse(target, status_code=303)

    return router, pages
