"""The coordinator's page (German, server-rendered, no JavaScript): backlog and deadline traffic
lights per pool and per owner town, the cases whose own deadline is near or missed, and bulk assign,
reassign and release with a mandatory reason.

No ``from __future__ import annotations``: FastAPI must see the dependencies in the signatures."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from ikdz_platform.web import CsrfProtected, render_with_csrf

from ikdz_routing.app.coordination import Backlog, CaseLight, Coordination
from ikdz_routing.app.task_ports import ConcurrentChangeError, TaskNotFoundError
from ikdz_routing.app.tasks import ActOnTask
from ikdz_routing.domain.calendar import SAXONY_TZ
from ikdz_routing.domain.deadlines import Light
from ikdz_routing.domain.tasks import Action, Actor, Command, TaskRuleError
from ikdz_routing.entrypoints.worklist_pages import TaskRows

ActorResolver = Callable[[Request], Awaitable[Actor]]

BULK_ACTIONS = {
    "zuweisen": ("assign", Action.ASSIGNED),
    "neu-zuweisen": ("reassign", Action.ASSIGNED),
    "freigeben": ("release", Action.RELEASED),
}
BULK_LABELS = [("zuweisen", "Zuweisen"), ("neu-zuweisen", "Neu zuweisen"), ("freigeben", "Freigeben")]
RESULT_DE = {
    "forbidden": "nicht erlaubt",
    "not_assigned": "nicht zugewiesen",
    "four_eyes": "Vier-Augen-Prinzip",
    "invalid_state": "Stand passt nicht",
    "invalid": "Angaben unvollständig",
    "not_found": "nicht gefunden",
    "conflict": "gleichzeitig geändert",
}


def _day(day: date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else "–"


def case_row(case: CaseLight, town: Callable[[str], str]) -> dict[str, Any]:
    since = case.since.astimezone(SAXONY_TZ)
    return {
        "id": case.case_id,
        "file_number": case.file_number or "–",
        "owner_town": town(case.owner_ags),
        "pool": case.pool_id,
        "target": _day(case.target),
        "legal": _day(case.legal),
        "light": case.light.value,
        "light_label": case.light.label_de,
        "state": f"{'Eskaliert' if case.escalated else 'Gewarnt'} am {since:%d.%m.%Y}",
    }


def coordination_pages(
    coordination: Coordination, act: ActOnTask, rows: TaskRows, pages: Jinja2Templates, resolve_actor: ActorResolver
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    CurrentActor = Annotated[Actor, Depends(resolve_actor)]  # noqa: N806 - a type alias
    town, row = rows.town, rows.row

    async def coordination_page(
        request: Request,
        actor: Actor,
        *,
        errors: list[tuple[str, str]] | None = None,
        results: list[tuple[str, str]] | None = None,
        status: int = 200,
    ) -> Response:
        try:
            overview = await coordination.overview(actor)
        except TaskRuleError:
            return pages.TemplateResponse(
                request, "keine_berechtigung.html", {"page_title": "Keine Berechtigung"}, status_code=403
            )

        def backlog(rows: list[Backlog], name: Callable[[str], str]) -> list[dict[str, Any]]:
            return [
                {
                    "name": name(r.key),
                    "open": r.open,
                    "claimed": r.claimed,
                    "escalated": r.escalated,
                    "cases_warned": r.cases_warned,
                    "cases_escalated": r.cases_escalated,
                    "counts": [(lt.value, r.lights[lt]) for lt in Light],
                    "worst": r.worst.value,
                    "worst_label": r.worst.label_de,
                }
                for r in rows
            ]

        context = {
            "page_title": "Koordination",
            "service_title": "Arbeitskorb",
            "pools": backlog(overview.pools, lambda key: key),
            "towns": backlog(overview.towns, town),
            "cases": [case_row(case, town) for case in overview.cases],
            "tasks": [row(item.task) for item in overview.attention]
            + [row(item.task) for item in overview.tasks if item not in overview.attention],
            "actions": BULK_LABELS,
            "has_errors": bool(errors),
            "errors": errors or [],
            "field_errors": dict.fromkeys(("aufgaben", "aktion", "an", "begruendung")) | dict(errors or []),
            "results": results or [],
            "staff_id": actor.staff_id,
        }
        return render_with_csrf(pages, request, "koordination.html", context, status_code=status)

    @router.get("/koordination", response_class=HTMLResponse)
    async def coordination_view(request: Request, actor: CurrentActor) -> Response:
        return await coordination_page(request, actor)

    @router.post("/koordination")
    async def bulk_action(
        request: Request,
        actor: CurrentActor,
        _csrf: CsrfProtected,
        aktion: Annotated[str, Form()] = "",
        aufgaben: Annotated[list[str] | None, Form()] = None,
        an: Annotated[str, Form()] = "",
        begruendung: Annotated[str, Form()] = "",
    ) -> Response:
        """Assign, reassign or release the chosen tasks, with one mandatory reason; a result per task."""
        errors = []
        if not aufgaben:
            errors.append(("aufgaben", "Bitte wählen Sie mindestens eine Aufgabe."))
        if aktion not in BULK_ACTIONS:
            errors.append(("aktion", "Bitte wählen Sie eine Aktion."))
        elif aktion != "freigeben" and not an.strip():
            errors.append(("an", "Bitte geben Sie an, wem die Aufgaben zugewiesen werden."))
        if not begruendung.strip():
            errors.append(("begruendung", "Bitte geben Sie eine Begründung an."))
        if errors:
            return await coordination_page(request, actor, errors=errors, status=422)
        verb, action = BULK_ACTIONS[aktion]
        results = []
        for task_id in aufgaben or []:
            command = Command(action, reason=begruendung, target=an.strip() or None, reassign=verb == "reassign")
            try:
                await act(task_id, command, actor)
                results.append((task_id, "erledigt"))
            except TaskNotFoundError:
                results.append((task_id, RESULT_DE["not_found"]))
            except ConcurrentChangeError:
                results.append((task_id, RESULT_DE["conflict"]))
            except TaskRuleError as refused:
                results.append((task_id, RESULT_DE.get(refused.code, refused.code)))
        return await coordination_page(request, actor, results=results)

    return router
