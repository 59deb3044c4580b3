"""REST API: suppliers and the ZRL post raw XML; a status link answers how far an invoice is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from ikdz_platform.problems import PROBLEM, problem
from ikdz_platform.status_tokens import access_token
from pydantic import BaseModel, Field

from ikdz_einvoice.app.receive import ReceiveInvoice
from ikdz_einvoice.app.status import InvoiceNotFoundError, InvoiceStatus, ViewInvoice
from ikdz_einvoice.domain.errors import DocumentRefusedError, RefusalReason

XML_TYPES = ("application/xml", "text/xml")


class InvoiceAccepted(BaseModel):
    invoice_id: str
    sha256: str = Field(description="SHA-256 of the stored original bytes.")
    status: str = Field(description="'received': stored; validation follows.")
    status_url: str = Field(description="API status URL; carries the invoice's access token.")
    status_page_url: str = Field(description="Status page for the supplier; carries the access token.")


class InvoiceStatusOut(BaseModel):
    invoice_id: str
    state: str = Field(description="received, rejected, unroutable, duplicate, in_approval, released, objected, paid")
    label_de: str
    received_at: str
    sha256: str
    size: int
    channel: str
    file_number: str | None
    owner_ags: str | None
    failed_rules: list[str]
    rejection_notice_de: str | None = Field(description="Plain German notice for the supplier when rejected.")
    duplicate_of: str | None
    corrects: list[str]


_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"description": "Larger than the size cap", "content": {PROBLEM: {}}},
    415: {"description": "Not sent as application/xml", "content": {PROBLEM: {}}},
    422: {
        "description": "Not an XML e-invoice (PDF, not XML, DOCTYPE/entities, other document)",
        "content": {PROBLEM: {}},
    },
}


def refusal_problem(error: DocumentRefusedError) -> JSONResponse:
    status = 413 if error.reason is RefusalReason.TOO_LARGE else 422
    return problem(
        status,
        "Invoice refused",
        error.detail,
        [{"field": "body", "message": error.message_de, "code": error.reason.value}],
    )


def status_links(base_url: str, secret: bytes, invoice_id: str) -> tuple[str, str]:
    token = access_token(secret, invoice_id)
    return (
        f"{base_url}/api/v1/invoices/{invoice_id}?token={token}",
        f"{base_url}/rechnungen/{invoice_id}?token={token}",
    )


def api_router(receive: ReceiveInvoice, view: ViewInvoice, secret: bytes, base_url: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["invoices"])

    @router.post(
        "/invoices",
        status_code=202,
        response_model=InvoiceAccepted,
        responses=_ERRORS,
        openapi_extra={
            "requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}} for t in XML_TYPES}}
        },
    )
    async def post_invoice(request: Request, response: Response) -> InvoiceAccepted | JSONResponse:
        """Submit an XRechnung (UBL Invoice/CreditNote or CII) as raw XML; answered once the original is stored."""
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in XML_TYPES:
            return problem(
                415, "Unsupported media type", "Send the invoice as raw XML with Content-Type application/xml."
            )
        try:
            receipt = await receive(await request.body(), "api")
        except DocumentRefusedError as error:
            return refusal_problem(error)
        status_url, page_url = status_links(base_url, secret, receipt.invoice_id)
        response.headers["Location"] = status_url
        if receipt.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return InvoiceAccepted(
            invoice_id=receipt.invoice_id,
            sha256=receipt.sha256,
            status="received",
            status_url=status_url,
            status_page_url=page_url,
        )

    @router.get("/invoices/{invoice_id}", response_model=InvoiceStatusOut, responses={404: {"content": {PROBLEM: {}}}})
    async def invoice_status(
        invoice_id: str, token: Annotated[str, Query(min_length=1, max_length=128)]
    ) -> InvoiceStatusOut | JSONResponse:
        """How far an invoice is, with the rejection notice if it was rejected; needs the status URL's token."""
        try:
            status = await view(invoice_id, token)
        except InvoiceNotFoundError:
            return problem(404, "Not found", "No invoice with this id and token.")
        return status_out(status)

    return router


def status_out(status: InvoiceStatus) -> InvoiceStatusOut:
    return InvoiceStatusOut(
        invoice_id=status.invoice_id,
        state=status.state,
        label_de=status.label_de,
        received_at=status.received_at.isoformat(),
        sha256=status.sha256,
        size=status.size,
        channel=status.channel,
        file_number=status.file_number,
        owner_ags=status.owner_ags,
        failed_rules=list(status.failed_rules),
        rejection_notice_de=status.notice_de,
        duplicate_of=status.duplicate_of,
        corrects=list(status.corrects),
    )
