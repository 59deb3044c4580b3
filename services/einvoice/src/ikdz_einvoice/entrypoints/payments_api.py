"""Staff API of payment exports: run a town's export, list its exports, download the files.

Staff see only towns their token names; releasing money needs the approver or coordinator role.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from ikdz_platform.auth.principal import Role, StaffPrincipal
from ikdz_platform.problems import PROBLEM, problem
from pydantic import BaseModel

from ikdz_einvoice.app.export import ExportError, ExportPayments
from ikdz_einvoice.app.ports import InvoiceStore

AGS = Query(pattern=r"^[0-9]{8}$", description="AGS of the town whose released invoices are exported.")
MEDIA_TYPES = {".xml": "application/xml", ".csv": "text/csv; charset=utf-8", ".json": "application/json"}


class ExportOut(BaseModel):
    export_id: str | None
    owner_ags: str
    invoice_ids: list[str]
    files: list[str]
    """Download URLs of the files (pain.001 transfer, booking records as JSON and CSV)."""
    not_payable: dict[str, str] = {}
    """Released invoices left out, with the reason (e.g. no IBAN, a credit note)."""


def payments_router(
    export: ExportPayments, store: InvoiceStore, current_staff: Callable[..., Awaitable[StaffPrincipal]]
) -> APIRouter:
    """Mounted at ``/api/v1/payment-exports``."""
    router = APIRouter(prefix="/api/v1/payment-exports", tags=["payments"])
    errors: dict[int | str, dict[str, Any]] = {403: {"content": {PROBLEM: {}}}, 409: {"content": {PROBLEM: {}}}}

    def allowed(staff: StaffPrincipal, town: str) -> bool:
        return staff.acts_for_town(town) and staff.has_role(Role.APPROVER, Role.COORDINATOR)

    def urls(export_id: str, names: list[str]) -> list[str]:
        return [f"/api/v1/payment-exports/{export_id}/files/{name}" for name in names]

    @router.post("", status_code=201, response_model=ExportOut, responses=errors)
    async def run_export(
        staff: Annotated[StaffPrincipal, Depends(current_staff)], town: Annotated[str, AGS]
    ) -> ExportOut | JSONResponse:
        """Export every released, not yet exported invoice of the town (one SEPA file and booking record)."""
        if not allowed(staff, town):
            return problem(403, "Forbidden", "You do not release payments for this town.")
        try:
            result = await export(town)
        except ExportError as error:
            return problem(409, "Cannot export", str(error))
        names = (
            [] if result.export_id is None else sorted((await store.export(result.export_id) or {}).get("files", {}))
        )
        return ExportOut(
            export_id=result.export_id,
            owner_ags=town,
            invoice_ids=list(result.invoice_ids),
            files=urls(result.export_id, names) if result.export_id else [],
            not_payable=result.not_payable,
        )

    @router.get("", response_model=list[ExportOut], responses=errors)
    async def list_exports(
        staff: Annotated[StaffPrincipal, Depends(current_staff)], town: Annotated[str, AGS]
    ) -> list[ExportOut] | JSONResponse:
        """The town's exports, newest first."""
        if not allowed(staff, town):
            return problem(403, "Forbidden", "You do not release payments for this town.")
        out = []
        for item in await store.exports(town):
            full = await store.export(item["_id"]) or {"files": {}}
            out.append(
                ExportOut(
                    export_id=item["_id"],
                    owner_ags=town,
                    invoice_ids=item["invoice_ids"],
                    files=urls(item["_id"], sorted(full["files"])),
                )
            )
        return out

    @router.get("/{export_id}/files/{name}", responses={**errors, 404: {"content": {PROBLEM: {}}}})
    async def download(staff: Annotated[StaffPrincipal, Depends(current_staff)], export_id: str, name: str) -> Response:
        """One file of an export, byte for byte as built."""
        found = await store.export(export_id)
        if found is None or not allowed(staff, found["owner_ags"]) or name not in found["files"]:
            return problem(404, "Not found", "No such export file for you.")
        suffix = name[name.rfind(".") :] if "." in name else ""
        return Response(found["files"][name], media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"))

    return router
