"""The citizen's Gewerbeanzeige forms (GewA 1/2/3): German, KERN UX, no JavaScript needed.

One page per notice kind; every button is a submit button, so adding a person, removing one or
asking for WZ suggestions re-renders the same page from what was sent. "Weiter zur Prüfung"
checks everything (payload model and plausibility rules) and shows the answers with all values in
hidden fields; "Anzeige absenden" files the case (the hidden ``antrag_id`` is its idempotency key,
so a double click files it once) and redirects to the confirmation with file number and status link.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from ikdz_contracts.payloads.gewerbe import NoticeKind
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.reference.wz import WzCatalogue
from ikdz_platform.web import CsrfProtected, render_with_csrf
from starlette.datastructures import UploadFile

from ikdz_intake.app.gewerbe import Checked, CheckGewerbeanzeige, FileGewerbeanzeige
from ikdz_intake.app.status import ViewCase
from ikdz_intake.domain.case import access_token
from ikdz_intake.domain.gewerbe_errors import FieldProblem
from ikdz_intake.domain.gewerbe_form import (
    MAX_ACTIVITIES,
    MAX_PERSONS,
    FormData,
    FormShape,
    build_payload,
    first,
    municipality_resolver,
    remove_block,
)
from ikdz_intake.entrypoints import gewerbe_options as opt
from ikdz_intake.entrypoints.gewerbe_summary import summary_sections
from ikdz_intake.errors import CaseNotFoundError, GewerbeanzeigeInvalidError, IdempotencyConflictError

SERVICE_TITLE = "Gewerbeanzeige"
_NOT_SENT_BACK = frozenset({"csrf_token", "aktion"})
_CONTAINER_ANCHORS = {
    "filed_on": "effective_date",
    "company": "company.name",
    "company.register_entry": "company.register_entry.number",
    "persons": "persons.0.role",
    "establishment": "establishment.address.street",
    "activities": "activities.0.description",
    "previous_registration": "previous_registration.registration_id",
    "declarations.handwerkskarte": "declarations.handwerkskarte.chamber",
}
_CONTAINER_SUFFIXES = {
    "address": "street",
    "main_establishment_address": "street",
    "previous_address": "street",
    "nationalities": "0",
    "residence_title": "kind",
}


def anchor(path: str) -> str:
    """The form field a problem belongs to (a container's first field), as a dotted name."""
    if path in _CONTAINER_ANCHORS:
        return _CONTAINER_ANCHORS[path]
    parts = path.split(".")
    if parts[-1] == "municipality_ags":
        return ".".join([*parts[:-1], "city"])
    if parts[-1] in _CONTAINER_SUFFIXES:
        return f"{path}.{_CONTAINER_SUFFIXES[parts[-1]]}"
    if parts[-1].isdigit() and parts[-2] in {"persons", "activities"}:
        return f"{path}.given_names" if parts[-2] == "persons" else f"{path}.description"
    if parts[-1].isdigit() and parts[-2] == "permits":
        return f"{path}.kind"
    return path


_ANTRAG_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def antrag_id(data: FormData) -> str | None:
    """The form's own id (its idempotency key), if it is one we handed out: random, 16 to 64 characters."""
    value = first(data, "antrag_id")
    return value if _ANTRAG_ID.match(value) else None


def field_id(name: str) -> str:
    return name.replace(".", "-")


def _form_data(raw: Any) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for key, value in raw.multi_items():
        if not isinstance(value, UploadFile):
            data.setdefault(key, []).append(value)
    return data


@dataclass(frozen=True)
class Edit:
    """A structural change of the form (a block added or removed, suggestions shown): re-render it."""

    data: dict[str, list[str]]
    focus: str | None = None
    suggest_for: int | None = None
    problems: tuple[FieldProblem, ...] = ()


def apply_edit(data: dict[str, list[str]], action: str, shape: FormShape) -> Edit | None:
    """The form after an add/remove/suggest/change button, or None for "check" and "send"."""
    name, _, index_text = action.partition(":")
    index = int(index_text) if index_text.isdigit() else -1
    edit: Edit | None = None
    if name == "person_hinzufuegen" and shape.persons < MAX_PERSONS:
        edit = Edit({**data, "personen": [str(shape.persons + 1)]}, focus=f"persons.{shape.persons}.given_names")
    elif name == "taetigkeit_hinzufuegen" and shape.activities < MAX_ACTIVITIES:
        added = {**data, "taetigkeiten": [str(shape.activities + 1)]}
        edit = Edit(added, focus=f"activities.{shape.activities}.description")
    elif name == "person_entfernen" and 0 < index < shape.persons:
        edit = Edit({**remove_block(data, "persons", index, shape.persons), "personen": [str(shape.persons - 1)]})
    elif name == "taetigkeit_entfernen" and 0 < index < shape.activities:
        kept = remove_block(data, "activities", index, shape.activities)
        edit = Edit({**kept, "taetigkeiten": [str(shape.activities - 1)]})
    elif name == "wz_vorschlaege" and 0 <= index < shape.activities:
        description = f"activities.{index}.description"
        if first(data, description):
            shown = {**data, f"activities.{index}.vorschlaege": ["ja"]}
            edit = Edit(shown, focus=f"activities.{index}.wz_vorschlag", suggest_for=index)
        else:
            edit = Edit(
                data, problems=(FieldProblem(path=description, code="description_missing", message_de=DESCRIBE_FIRST),)
            )
    elif name == "aendern":
        edit = Edit(data)
    return edit


class GewerbePages:
    """Renders the start page, the form, the check page and the confirmation."""

    def __init__(
        self,
        pages: Jinja2Templates,
        municipalities: MunicipalityRegistry,
        wz: WzCatalogue,
        check: CheckGewerbeanzeige,
        today: Callable[[], date],
    ) -> None:
        self.pages = pages
        self.municipalities = municipalities
        self.wz = wz
        self.check = check
        self.today = today
        towns = sorted(municipalities, key=lambda town: town.display_name.translate(opt.FOLD))
        self.town_options = [(town.ags, town.display_name) for town in towns]

    def target(self, kind: str, gemeinde: str) -> tuple[NoticeKind, str] | None:
        if kind not in {k.value for k in NoticeKind} or gemeinde not in self.municipalities:
            return None
        return NoticeKind(kind), gemeinde

    def town_name(self, ags: str) -> str:
        town = self.municipalities.get(ags)
        return town.display_name if town is not None else ags

    def start(self, request: Request, values: Mapping[str, str], problems: list[tuple[str, str]]) -> Response:
        context = {
            "page_title": "Gewerbe anzeigen",
            "service_title": SERVICE_TITLE,
            "town_options": self.town_options,
            "kind_options": [(kind.value, f"{opt.KIND_TITLES[kind]}: {opt.KIND_HINTS[kind]}") for kind in NoticeKind],
            "values": values,
            "field_errors": dict(problems),
            "errors": problems,
            "has_errors": bool(problems),
        }
        return self.pages.TemplateResponse(request, "gewerbe_start.html", context, status_code=422 if problems else 200)

    def wz_confidence(self, description: str, code: str) -> float | None:
        return next((s.confidence for s in self.wz.suggest(description, limit=10) if s.code == code), None)

    def _suggestions(
        self, data: FormData, shape: FormShape, suggest_for: int | None
    ) -> tuple[dict[int, Any], dict[str, str]]:
        suggestions: dict[int, Any] = {}
        notes: dict[str, str] = {}
        for index in range(shape.activities):
            shown = first(data, f"activities.{index}.vorschlaege") == "ja" or index == suggest_for
            description = first(data, f"activities.{index}.description")
            if shown and description:
                suggestions[index] = self.wz.suggest(description, limit=6)
                if not suggestions[index]:
                    notes[f"activities.{index}.wz_code"] = NO_SUGGESTIONS
        return suggestions, notes

    def form(
        self,
        request: Request,
        kind: NoticeKind,
        ags: str,
        data: FormData,
        *,
        problems: Sequence[FieldProblem] = (),
        edit: Edit | None = None,
        status_code: int = 200,
    ) -> Response:
        shape = FormShape.of(data)
        suggestions, notes = self._suggestions(data, shape, edit.suggest_for if edit else None)
        field_errors: dict[str, str] = {}
        summary: list[tuple[str, str]] = []
        for problem in problems:
            name = anchor(problem.path)
            field_errors.setdefault(name, problem.message_de)
            summary.append((field_id(name), problem.message_de))
        context = {
            "page_title": opt.KIND_TITLES[kind],
            "service_title": SERVICE_TITLE,
            "town": self.town_name(ags),
            "kind": kind.value,
            "kind_hint": opt.KIND_HINTS[kind],
            "action": f"/gewerbe/{kind.value}?gemeinde={ags}",
            "values": {name: values[0] for name, values in data.items() if values},
            "multi": {name: list(values) for name, values in data.items()},
            "field_errors": field_errors,
            "errors": summary,
            "has_errors": bool(summary),
            "shape": shape,
            "max_persons": MAX_PERSONS,
            "max_activities": MAX_ACTIVITIES,
            "suggestions": suggestions,
            "notes": notes,
            "focus": edit.focus if edit else None,
            "antrag_id": antrag_id(data) or secrets.token_urlsafe(16),
            "o": opt,
        }
        return render_with_csrf(self.pages, request, "gewerbe_formular.html", context, status_code=status_code)

    def checked(self, data: FormData, kind: NoticeKind, ags: str) -> tuple[dict[str, Any], Checked]:
        payload, known = build_payload(
            data,
            kind=kind.value,
            owner_ags=ags,
            today=self.today(),
            resolve=municipality_resolver(self.municipalities, prefer=ags),
            wz_confidence=self.wz_confidence,
        )
        return payload, self.check(payload, self.today(), known)

    def check_page(self, request: Request, kind: NoticeKind, ags: str, data: FormData, checked: Checked) -> Response:
        assert checked.notice is not None
        hidden = [(name, value) for name, values in data.items() if name not in _NOT_SENT_BACK for value in values]
        context = {
            "page_title": f"{opt.KIND_TITLES[kind]}: Angaben prüfen",
            "service_title": SERVICE_TITLE,
            "town": self.town_name(ags),
            "action": f"/gewerbe/{kind.value}?gemeinde={ags}",
            "sections": summary_sections(checked.notice, self.wz, self.municipalities),
            "warnings": [problem.message_de for problem in checked.warnings],
            "hidden": hidden,
        }
        return render_with_csrf(self.pages, request, "gewerbe_pruefen.html", context)


NO_SUGGESTIONS = (
    "Zu Ihrer Beschreibung haben wir keinen passenden Wirtschaftszweig gefunden. Bitte beschreiben Sie die "
    "Tätigkeit mit anderen Worten oder geben Sie den Schlüssel selbst an."
)
DESCRIBE_FIRST = "Bitte beschreiben Sie zuerst die Tätigkeit. Dann schlagen wir passende Wirtschaftszweige vor."


def gewerbe_router(
    pages: GewerbePages, file_notice: FileGewerbeanzeige, view: ViewCase, token_secret: bytes
) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/gewerbe", response_class=HTMLResponse)
    async def start(request: Request, art: str | None = None, gemeinde: str | None = None) -> Response:
        if art is None and gemeinde is None:
            return pages.start(request, {}, [])
        problems = []
        if gemeinde not in pages.municipalities:
            problems.append(("gemeinde", "Bitte wählen Sie die Gemeinde aus, in der Ihr Betrieb liegt."))
        if art not in {kind.value for kind in NoticeKind}:
            problems.append(("art", "Bitte wählen Sie aus, ob Sie ein Gewerbe an-, um- oder abmelden."))
        if problems:
            return pages.start(request, {"gemeinde": gemeinde or "", "art": art or ""}, problems)
        return RedirectResponse(f"/gewerbe/{art}?gemeinde={gemeinde}", status_code=303)

    @router.get("/gewerbe/{kind}", response_class=HTMLResponse)
    async def form(request: Request, kind: str, gemeinde: str = "") -> Response:
        target = pages.target(kind, gemeinde)
        if target is None:
            return pages.start(request, {"art": kind, "gemeinde": gemeinde}, [])
        return pages.form(request, *target, {})

    @router.post("/gewerbe/{kind}", response_class=HTMLResponse)
    async def submit(request: Request, kind: str, _csrf: CsrfProtected, gemeinde: str = "") -> Response:
        target = pages.target(kind, gemeinde)
        if target is None:
            return pages.start(request, {"art": kind, "gemeinde": gemeinde}, [])
        data = _form_data(await request.form())
        action = first(data, "aktion") or "pruefen"
        edit = apply_edit(data, action, FormShape.of(data))
        if edit is not None:
            status = 422 if edit.problems else 200
            return pages.form(request, *target, edit.data, problems=edit.problems, edit=edit, status_code=status)
        payload, checked = pages.checked(data, *target)
        if checked.notice is None or checked.errors:
            return pages.form(request, *target, data, problems=checked.errors, status_code=422)
        if action != "absenden":
            return pages.check_page(request, *target, data, checked)
        return await send(request, target, data, payload)

    async def send(
        request: Request, target: tuple[NoticeKind, str], data: FormData, payload: dict[str, Any]
    ) -> Response:
        """File the case (``antrag_id`` makes a second click a replay) and show the confirmation."""
        key = antrag_id(data)
        try:
            accepted, _ = await file_notice(
                payload, today=pages.today(), channel="web", idempotency_key=f"web:{key}" if key else None
            )
        except GewerbeanzeigeInvalidError as error:
            return pages.form(request, *target, data, problems=error.problems, status_code=422)
        except IdempotencyConflictError:
            # Sent before, then changed (browser back): the first notice stands; a change is a new one.
            context = {"page_title": "Anzeige bereits abgeschickt", "service_title": SERVICE_TITLE}
            return pages.pages.TemplateResponse(request, "gewerbe_bereits_gesendet.html", context, status_code=409)
        token = access_token(token_secret, accepted.case_id)
        return RedirectResponse(f"/gewerbe/eingegangen/{accepted.case_id}?token={token}", status_code=303)

    @router.get("/gewerbe/eingegangen/{case_id}", response_class=HTMLResponse)
    async def received(request: Request, case_id: str, token: str = "") -> Response:
        try:
            case = await view(case_id, token)
        except CaseNotFoundError:
            return pages.pages.TemplateResponse(
                request, "nicht_gefunden.html", {"page_title": "Vorgang nicht gefunden"}, status_code=404
            )
        context = {
            "page_title": "Gewerbeanzeige eingegangen",
            "service_title": SERVICE_TITLE,
            "town": case.owner_town,
            "case": case,
            "status_path": f"/vorgaenge/{case_id}?token={token}",
        }
        return pages.pages.TemplateResponse(request, "gewerbe_eingegangen.html", context)

    return router
