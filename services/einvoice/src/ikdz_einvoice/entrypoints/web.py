"""Supplier pages (German, server-rendered, no JavaScript): upload an XRechnung, follow its status."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from ikdz_platform.status_tokens import access_token
from ikdz_platform.web import CsrfProtected, render_with_csrf
from starlette.datastructures import UploadFile

from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.app.status import InvoiceNotFoundError, ViewInvoice
from ikdz_einvoice.domain.errors import DocumentRefusedError

BERLIN = ZoneInfo("Europe/Berlin")
FORM = "rechnung_einreichen.html"
FIELD = "rechnung"
SERVICE_TITLE = "E-Rechnung einreichen"


def web_router(receive: ReceiveInvoice, view: ViewInvoice, pages: Jinja2Templates, secret: bytes) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    limit_mb = receive.max_bytes // (1024 * 1024)

    def form(request: Request, error: str | None = None, status_code: int = 200) -> Response:
        context = {
            "page_title": "Rechnung einreichen",
            "service_title": SERVICE_TITLE,
            "limit_mb": limit_mb,
            "error": error,
            "errors": [(FIELD, error)] if error else [],
            "has_errors": error is not None,
        }
        return render_with_csrf(pages, request, FORM, context, status_code=status_code)

    @router.get("/rechnung-einreichen", response_class=HTMLResponse)
    async def upload_form(request: Request) -> Response:
        return form(request)

    @router.post("/rechnung-einreichen", response_class=HTMLResponse)
    async def upload(request: Request, _csrf: CsrfProtected) -> Response:
        upload = (await request.form()).get(FIELD)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return form(request, "Bitte wählen Sie die Rechnungsdatei (XML) aus.", 422)
        data = await upload.read(receive.max_bytes + 1)
        try:
            receipt = await receive(data, "web")
        except DocumentRefusedError as error:
            return form(request, error.message_de, 413 if len(data) > receive.max_bytes else 422)
        token = access_token(secret, receipt.invoice_id)
        return RedirectResponse(f"/rechnungen/{receipt.invoice_id}?token={token}", status_code=303)

    @router.get("/rechnungen/{invoice_id}", response_class=HTMLResponse)
    async def status_page(request: Request, invoice_id: str, token: str = "") -> Response:
        try:
            status = await view(invoice_id, token)
        except InvoiceNotFoundError:
            missing = {"page_title": "Rechnung nicht gefunden", "service_title": SERVICE_TITLE}
            return pages.TemplateResponse(request, "rechnung_status_fehlt.html", missing, status_code=404)
        context: dict[str, object] = {
            "page_title": f"Ihre Rechnung vom {status.received_at.astimezone(BERLIN):%d.%m.%Y}",
            "service_title": SERVICE_TITLE,
            "status": status,
            "received": status.received_at.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr"),
            "refresh_url": f"/rechnungen/{invoice_id}?token={token}",
        }
        return pages.TemplateResponse(request, "rechnung_status.html", context)

    return router
