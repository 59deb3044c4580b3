"""A login page for development and tests: choose a demo member of staff, get a signed token in the
``ikdz_staff_token`` cookie. Works without JavaScript (a form, CSRF-protected).

It exists only where a :class:`LocalIssuer` exists, i.e. with ``IKDZ_DEV_ISSUER=true`` and never
with ``IKDZ_ENVIRONMENT=prod``. Routes: ``GET /dev-login``, ``POST /dev-login``, ``POST /dev-logout``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from ikdz_platform.auth.demo_staff import DemoStaff, demo_staff
from ikdz_platform.auth.dependencies import STAFF_TOKEN_COOKIE, clear_staff_cookie, set_staff_cookie
from ikdz_platform.auth.errors import AuthError
from ikdz_platform.auth.local_issuer import LocalIssuer, refuse_in_prod
from ikdz_platform.web.csrf import CsrfProtected, render_with_csrf
from ikdz_platform.web.templating import templates

__all__ = ["dev_login_router", "safe_next"]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHOOSE_MESSAGE = "Wählen Sie aus, als wer Sie sich anmelden möchten."


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (another site, ``//host``) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def dev_login_router(
    issuer: LocalIssuer, *, staff: Sequence[DemoStaff] | None = None, ttl: int = 8 * 3600
) -> APIRouter:
    """The dev login page for ``issuer``'s demo staff (default: the pilot's, see demo_staff.yaml)."""
    refuse_in_prod()
    members = tuple(staff) if staff is not None else demo_staff()
    by_subject = {member.subject: member for member in members}
    tpl = templates(TEMPLATES_DIR)
    verifier = issuer.verifier()
    router = APIRouter(tags=["dev login"], include_in_schema=False)

    async def page(
        request: Request, *, next_path: str, selected: str | None = None, status_code: int = 200
    ) -> Response:
        signed_in = None
        cookie = request.cookies.get(STAFF_TOKEN_COOKIE)
        if cookie:
            try:
                signed_in = (await verifier.verify(cookie)).name
            except AuthError:
                signed_in = None
        error = CHOOSE_MESSAGE if status_code == 422 else None
        context: dict[str, Any] = {
            "page_title": "Anmeldung (Entwicklung)",
            "service_title": "Arbeitskorb",
            "staff_options": [(m.subject, f"{m.name} – {m.description}") for m in members],
            "selected": selected,
            "subject_error": error,
            "errors": [("subject", error)] if error else [],
            "has_errors": error is not None,
            "next": next_path,
            "signed_in": signed_in,
            "login_action": request.url_for("dev_login_submit").path,
            "logout_action": request.url_for("dev_logout").path,
        }
        return render_with_csrf(tpl, request, "dev_login.html", context, status_code=status_code)

    @router.get("/dev-login", name="dev_login_page")
    async def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the usual parameter name
        return await page(request, next_path=safe_next(next))

    @router.post("/dev-login", name="dev_login_submit")
    async def login(
        request: Request,
        _csrf: CsrfProtected,
        subject: Annotated[str | None, Form()] = None,
        next: Annotated[str | None, Form()] = None,  # noqa: A002
    ) -> Response:
        member = by_subject.get(subject or "")
        if member is None:
            return await page(request, next_path=safe_next(next), selected=subject, status_code=422)
        response = RedirectResponse(safe_next(next), status_code=303)
        set_staff_cookie(request, response, issuer.issue_for(member, ttl), max_age=ttl)
        return response

    @router.post("/dev-logout", name="dev_logout")
    async def logout(request: Request, _csrf: CsrfProtected) -> Response:
        response = RedirectResponse(request.url_for("dev_login_page").path, status_code=303)
        clear_staff_cookie(request, response)
        return response

    return router
