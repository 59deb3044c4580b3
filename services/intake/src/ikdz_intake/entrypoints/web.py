"""Citizen pages (German, server-rendered, no JavaScript): the services offered and a case's status."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from ikdz_contracts.events import CaseState
from ikdz_contracts.services import ServiceId

from ikdz_intake.app.status import CaseView, FetchDocument, ViewCase
from ikdz_intake.domain.case import StatusEntry
from ikdz_intake.entrypoints.api import document_response
from ikdz_intake.errors import CaseNotFoundError

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
BERLIN = ZoneInfo("Europe/Berlin")
SERVICE_FORMS = {ServiceId.TRADE_REGISTRATION: "/gewerbe"}
"""Services whose citizen form is online; the others take cases through the REST API so far."""

SERVICE_TEXTS_DE = {
    ServiceId.TRADE_REGISTRATION: "Gewerbe anmelden, ummelden oder abmelden (§ 14 Gewerbeordnung).",
    ServiceId.EINVOICE: "Rechnungen an die Gemeinde als XRechnung einreichen.",
    ServiceId.TRAFFIC_ORDERS: "Verkehrsrechtliche Anordnung beantragen, z. B. für eine Baustelle (§ 45 StVO).",
}


def german_time(moment: datetime) -> str:
    """``25.11.2026, 10:30 Uhr`` in German local time."""
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def timeline(case: CaseView) -> list[dict[str, Any]]:
    """The status history as KERN task-list entries; the latest entry is the current step."""
    entries = []
    for index, entry in enumerate(case.history):
        latest = index == len(case.history) - 1
        entries.append(
            {
                "label": entry.label_de,
                "date": german_time(entry.occurred_at),
                "text": _explanation(entry, case.owner_town),
                "state": _step_state(entry, latest=latest),
                "status": "Aktueller Stand" if latest and not entry.state.is_final else None,
            }
        )
    return entries


def _step_state(entry: StatusEntry, *, latest: bool) -> str:
    if entry.state == CaseState.REJECTED:
        return "failed"
    if latest and not entry.state.is_final:
        return "current"
    return "done"


def _explanation(entry: StatusEntry, owner_town: str) -> str | None:
    if entry.message_de:
        return entry.message_de
    town = entry.processing_town
    if entry.state == CaseState.RECEIVED:
        return "Ihr Antrag ist sicher gespeichert."
    if town and town != owner_town:
        return f"{town} bearbeitet Ihren Antrag im Auftrag von {owner_town}. Zuständig bleibt {owner_town}."
    if town:
        return f"{town} bearbeitet Ihren Antrag."
    return None


def web_router(view: ViewCase, fetch_document: FetchDocument, pages: Jinja2Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    async def start(request: Request) -> HTMLResponse:
        services = [
            {"id": s.value, "name": s.label_de, "text": SERVICE_TEXTS_DE[s], "href": SERVICE_FORMS.get(s)}
            for s in ServiceId
        ]
        return pages.TemplateResponse(request, "start.html", {"page_title": "Online-Dienste", "services": services})

    @router.get("/vorgaenge/{case_id}", response_class=HTMLResponse)
    async def case_page(request: Request, case_id: str, token: str = "") -> HTMLResponse:
        try:
            case = await view(case_id, token)
        except CaseNotFoundError:
            return pages.TemplateResponse(
                request, "nicht_gefunden.html", {"page_title": "Vorgang nicht gefunden"}, status_code=404
            )
        context = {
            "page_title": f"Vorgang {case.file_number}",
            "town": case.owner_town,
            "case": case,
            "service_name": ServiceId(case.service).label_de,
            "submitted": german_time(case.submitted_at),
            "timeline": timeline(case),
            "processing_town": next((e.processing_town for e in reversed(case.history) if e.processing_town), None),
            "refresh_url": f"/vorgaenge/{case_id}?token={token}",
            "documents": [
                {"title": d.title_de, "url": f"/vorgaenge/{case_id}/dokumente/{d.document_id}?token={token}"}
                for d in case.documents
            ],
        }
        return pages.TemplateResponse(request, "vorgang.html", context)

    @router.get("/vorgaenge/{case_id}/dokumente/{document_id}", response_model=None)
    async def case_document(request: Request, case_id: str, document_id: str, token: str = "") -> Response:
        try:
            document = await fetch_document(case_id, token, document_id)
        except CaseNotFoundError:
            return pages.TemplateResponse(
                request, "nicht_gefunden.html", {"page_title": "Vorgang nicht gefunden"}, status_code=404
            )
        return document_response(document, document_id)

    return router
