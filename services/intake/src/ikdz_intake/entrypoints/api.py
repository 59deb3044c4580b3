"""REST API for portals and integrators: submit a case, read its status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from ikdz_platform.problems import PROBLEM, problem
from ikdz_platform.tracing import continue_trace
from pydantic import BaseModel, Field

from ikdz_intake.app.status import CaseView, DownloadedDocument, FetchDocument, ViewCase
from ikdz_intake.app.submit_case import SubmitCase
from ikdz_intake.domain.case import access_token
from ikdz_intake.domain.submission import CaseSubmission
from ikdz_intake.errors import (
    CaseNotFoundError,
    IdempotencyConflictError,
    PayloadInvalidError,
    UnknownMunicipalityError,
)

IDEMPOTENCY_KEY = Header(
    alias="Idempotency-Key",
    min_length=8,
    max_length=128,
    pattern=r"^[A-Za-z0-9._:-]+$",
    description="Client-chosen key; repeating a request with it returns the same case.",
)


class CaseCreated(BaseModel):
    case_id: str
    file_number: str
    status_url: str = Field(description="API status URL; carries the case's access token.")
    status_page_url: str = Field(description="Citizen status page; carries the case's access token.")


class StatusEntryOut(BaseModel):
    state: str
    label_de: str
    message_de: str | None
    processing_town: str | None
    pool_id: str | None
    occurred_at: str


class DocumentOut(BaseModel):
    document_id: str
    title_de: str
    media_type: str
    download_url: str = Field(description="Carries the case's access token, like the status URL.")


class CaseStatusOut(BaseModel):
    case_id: str
    file_number: str
    service: str
    owner_ags: str
    owner_town: str
    submitted_at: str
    state: str
    label_de: str
    history: list[StatusEntryOut]
    documents: list[DocumentOut] = Field(description="Documents issued for the case (receipt, fee notice …).")


_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"description": "Idempotency-Key reused with another body", "content": {PROBLEM: {}}},
    413: {"description": "Body too large", "content": {PROBLEM: {}}},
    422: {"description": "Invalid fields, one error per field", "content": {PROBLEM: {}}},
}


def api_router(
    submit: SubmitCase, view: ViewCase, fetch_document: FetchDocument, token_secret: bytes, base_url: str
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["cases"])

    @router.post("/cases", status_code=201, response_model=CaseCreated, responses=_ERRORS)
    async def submit_case(
        submission: CaseSubmission,
        response: Response,
        idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
        traceparent: Annotated[str | None, Header(description="W3C trace context to continue.")] = None,
    ) -> CaseCreated | JSONResponse:
        """File a case; answered only after the case and its event are stored."""
        trace = continue_trace(traceparent)
        response.headers["traceparent"] = trace
        try:
            accepted = await submit(submission, idempotency_key, trace)
        except UnknownMunicipalityError as error:
            return problem(
                422,
                "Invalid request",
                "The request has invalid or missing fields.",
                [{"field": "owner_ags", "message": str(error), "code": "unknown_municipality"}],
            )
        except PayloadInvalidError as error:
            return problem(
                422,
                "Invalid request",
                "The payload does not fit the contract of its service.",
                [
                    {"field": p.path, "message": p.message, "message_de": p.message_de, "code": p.code}
                    for p in error.problems
                ],
            )
        except IdempotencyConflictError as error:
            return problem(409, "Idempotency conflict", str(error))
        token = access_token(token_secret, accepted.case_id)
        response.headers["Location"] = f"{base_url}/api/v1/cases/{accepted.case_id}"
        if accepted.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return CaseCreated(
            case_id=accepted.case_id,
            file_number=accepted.file_number,
            status_url=f"{base_url}/api/v1/cases/{accepted.case_id}?token={token}",
            status_page_url=f"{base_url}/vorgaenge/{accepted.case_id}?token={token}",
        )

    @router.get("/cases/{case_id}", response_model=CaseStatusOut, responses={404: {"content": {PROBLEM: {}}}})
    async def case_status(
        case_id: str, token: Annotated[str, Query(min_length=1, max_length=128)]
    ) -> CaseStatusOut | JSONResponse:
        """A case's status history; needs the token of its status URL."""
        try:
            case = await view(case_id, token)
        except CaseNotFoundError:
            return problem(404, "Not found", "No case with this id and token.")
        return _status_out(case, f"{base_url}/api/v1/cases/{case_id}/documents", token)

    @router.get(
        "/cases/{case_id}/documents/{document_id}",
        responses={200: {"content": {"application/pdf": {}}}, 404: {"content": {PROBLEM: {}}}},
        response_class=Response,
    )
    async def case_document(
        case_id: str, document_id: str, token: Annotated[str, Query(min_length=1, max_length=128)]
    ) -> Response:
        """A document issued for the case (e.g. the receipt as PDF); needs the token of its status URL."""
        try:
            document = await fetch_document(case_id, token, document_id)
        except CaseNotFoundError:
            return problem(404, "Not found", "No such document for this case and token.")
        return document_response(document, document_id)

    return router


def document_response(document: DownloadedDocument, document_id: str) -> Response:
    """The document inline, never cached by shared caches (the URL carries a personal token)."""
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{document_id}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _status_out(case: CaseView, documents_url: str, token: str) -> CaseStatusOut:
    return CaseStatusOut(
        case_id=case.case_id,
        file_number=case.file_number,
        service=case.service,
        owner_ags=case.owner_ags,
        owner_town=case.owner_town,
        submitted_at=case.submitted_at.isoformat(),
        state=case.state.value,
        label_de=case.state.label_de,
        history=[
            StatusEntryOut(
                state=entry.state.value,
                label_de=entry.label_de,
                message_de=entry.message_de,
                processing_town=entry.processing_town,
                pool_id=entry.pool_id,
                occurred_at=entry.occurred_at.isoformat(),
            )
            for entry in case.history
        ],
        documents=[
            DocumentOut(
                document_id=d.document_id,
                title_de=d.title_de,
                media_type=d.media_type,
                download_url=f"{documents_url}/{d.document_id}?token={token}",
            )
            for d in case.documents
        ],
    )
