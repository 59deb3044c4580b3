"""Clerk pages of one invoice: the readable view as HTML and PDF, for the app to mount.

The router does no authorisation of its own: pass the dependency that authenticates staff
(``dependencies=``), and let the :class:`InvoiceReader` return ``None`` for invoices of towns the
caller does not work for, so they answer 404 like missing ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from fastapi import APIRouter, Request, params
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ikdz_einvoice.adapters.invoice_html import invoice_environment, render_invoice_html
from ikdz_einvoice.adapters.pdf_documents import render_invoice_pdf
from ikdz_einvoice.app.ports import InvoiceReader
from ikdz_einvoice.domain.invoice_view import build_invoice_view

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def invoice_pages_router(
    reader: InvoiceReader, *, prefix: str = "/rechnungen", dependencies: Sequence[params.Depends] = ()
) -> APIRouter:
    """``GET {prefix}/{invoice_id}`` (HTML) and ``GET {prefix}/{invoice_id}/pdf``."""
    environment = invoice_environment()
    router = APIRouter(prefix=prefix, dependencies=list(dependencies))

    def not_found(request: Request) -> HTMLResponse:
        page = environment.get_template("rechnung_fehlt.html").render(
            request=request, page_title="Rechnung nicht gefunden", service_title="E-Rechnung"
        )
        return HTMLResponse(page, status_code=404)

    @router.get("/{invoice_id}", response_class=HTMLResponse)
    async def invoice_page(request: Request, invoice_id: str) -> HTMLResponse:
        record = await reader.invoice_for_view(invoice_id)
        if record is None:
            return not_found(request)
        view = build_invoice_view(record.invoice, record.report)
        html = render_invoice_html(
            view,
            town=record.town,
            pdf_href=str(request.url_for("invoice_pdf", invoice_id=invoice_id).path),
            request=request,
            environment=environment,
        )
        return HTMLResponse(html)

    @router.get("/{invoice_id}/pdf", name="invoice_pdf", response_model=None)
    async def invoice_pdf(request: Request, invoice_id: str) -> Response:
        record = await reader.invoice_for_view(invoice_id)
        if record is None:
            return not_found(request)
        view = build_invoice_view(record.invoice, record.report)
        pdf = await run_in_threadpool(render_invoice_pdf, view)  # CPU-bound: keep the event loop free
        filename = _UNSAFE_FILENAME.sub("_", f"rechnung-{record.invoice.number}")[:80] + ".pdf"
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )

    return router
