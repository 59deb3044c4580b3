"""The document API: staff read a case's documents; intake fetches one for the holder of a status token.

No ``from __future__ import annotations``: FastAPI must resolve the dependencies at runtime.
"""

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import JSONResponse
from ikdz_platform.auth.principal import StaffPrincipal
from ikdz_platform.problems import PROBLEM, problem
from pydantic import BaseModel

from ikdz_trade_registration.app.documents import CaseDocuments, DocumentNotFoundError

DOCUMENT_ID = r"^[A-Za-z0-9-]{1,64}$"
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document for this case (or not visible to the caller)", "content": {PROBLEM: {}}}
}


class DocumentOut(BaseModel):
    document_id: str
    kind: str
    title_de: str
    media_type: str
    download_url: str


def documents_router(
    documents: CaseDocuments,
    current_staff: Callable[..., Awaitable[StaffPrincipal]],
    internal_token: str,
) -> APIRouter:
    router = APIRouter(tags=["documents"])
    Staff = Annotated[StaffPrincipal, Depends(current_staff)]  # noqa: N806 - a type alias

    @router.get("/api/v1/cases/{case_id}/documents", response_model=list[DocumentOut], responses=_NOT_FOUND)
    async def list_documents(case_id: str, staff: Staff) -> list[DocumentOut] | JSONResponse:
        """The documents issued for a case; staff of the owner or the processing town only."""
        try:
            listed = await documents.listed(case_id, frozenset(staff.towns))
        except DocumentNotFoundError:
            return problem(404, "Not found", "No case with this id for your towns.")
        return [
            DocumentOut(
                document_id=d.document_id,
                kind=d.kind,
                title_de=d.title_de,
                media_type=d.media_type,
                download_url=f"/api/v1/cases/{case_id}/documents/{d.document_id}",
            )
            for d in listed
        ]

    @router.get("/api/v1/cases/{case_id}/documents/{document_id}", responses=_NOT_FOUND, response_model=None)
    async def staff_download(case_id: str, document_id: str, staff: Staff) -> Response:
        """One document as PDF; staff of the owner or the processing town only."""
        try:
            document = await documents.get(case_id, document_id, frozenset(staff.towns))
        except DocumentNotFoundError:
            return problem(404, "Not found", "No such document for your towns.")
        return _pdf(document.content, document.document_id)

    @router.get(
        "/internal/v1/cases/{case_id}/documents/{document_id}",
        responses={401: {"content": {PROBLEM: {}}}, **_NOT_FOUND},
        response_model=None,
        include_in_schema=False,
    )
    async def internal_download(
        case_id: str, document_id: str, authorization: Annotated[str, Header()] = ""
    ) -> Response:
        """For intake, which has checked the citizen's status token: the service token authenticates intake."""
        if not hmac.compare_digest(authorization.encode(), f"Bearer {internal_token}".encode()):
            return problem(401, "Unauthorized", "A valid service token is required.")
        try:
            document = await documents.get(case_id, document_id, None)
        except DocumentNotFoundError:
            return problem(404, "Not found", "No such document for this case.")
        return _pdf(document.content, document.document_id)

    return router


def _pdf(content: bytes, document_id: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{document_id}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
