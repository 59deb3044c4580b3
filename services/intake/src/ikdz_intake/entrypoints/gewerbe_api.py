"""REST for Gewerbeanzeigen: JSON from portals, XML (oriented on XGewerbeordnung) from other systems.

``POST /api/v1/gewerbeanzeigen`` takes the payload contract as JSON (``application/json``) or the
import format as XML (``application/xml``). Both answer 201 only after the case is stored, with
problem+json errors per field otherwise (JSON: payload paths; XML: element paths plus the payload
path). A portal's plausibility errors are refused (its user can correct them); an import's are
accepted and listed in ``findings``, and trade-registration asks a clerk to clarify.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige
from ikdz_platform.problems import PROBLEM, problem
from ikdz_platform.safe_xml import XmlRefusedError, parse_untrusted_xml
from ikdz_platform.tracing import continue_trace
from pydantic import BaseModel, Field

from ikdz_intake.app.gewerbe import Channel, FileGewerbeanzeige
from ikdz_intake.domain.case import access_token
from ikdz_intake.domain.gewerbe_errors import FieldProblem
from ikdz_intake.domain.xgewo_import import NAMESPACE, XmlMappingError, XmlPaths, read_notice
from ikdz_intake.entrypoints.api import IDEMPOTENCY_KEY, CaseCreated
from ikdz_intake.errors import (
    GewerbeanzeigeInvalidError,
    IdempotencyConflictError,
    IntakeError,
    UnknownMunicipalityError,
)

JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")


class Finding(BaseModel):
    field: str = Field(description="Payload path, e.g. 'effective_date'.")
    code: str = Field(description="Rule name, e.g. 'datum.verspaetet'.")
    message_de: str


class GewerbeanzeigeCreated(CaseCreated):
    findings: list[Finding] = Field(
        default_factory=list,
        description="Plausibility findings that did not stop the submission (warnings; for XML imports also "
        "errors, which trade-registration turns into a clarification task).",
    )


_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Gewerbeanzeige"}},
        "application/xml": {
            "schema": {"type": "string"},
            "example": f'<gewerbemeldung xmlns="{NAMESPACE}" version="1.0"><satz><anmeldung>…</anmeldung></satz></gewerbemeldung>',
            "description": "Import format oriented on XGewerbeordnung (docs/gewerbe.md).",
        },
    },
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "Idempotency-Key reused with another body", "content": {PROBLEM: {}}},
    413: {"description": "Body too large", "content": {PROBLEM: {}}},
    415: {"description": "Neither JSON nor XML", "content": {PROBLEM: {}}},
    422: {"description": "Invalid fields or elements, one error per field", "content": {PROBLEM: {}}},
}


def _errors(problems: list[FieldProblem], paths: XmlPaths | None = None) -> list[dict[str, str]]:
    errors = []
    for item in problems:
        entry = {"field": item.path, "message": item.message, "message_de": item.message_de, "code": item.code}
        if paths is not None and not item.path.startswith("/"):
            entry = {**entry, "field": paths.element_path(item.path), "payload_field": item.path}
        errors.append(entry)
    return errors


def _invalid(problems: list[FieldProblem], paths: XmlPaths | None = None) -> JSONResponse:
    return problem(422, "Invalid Gewerbeanzeige", "The notice has invalid or missing fields.", _errors(problems, paths))


@dataclass(frozen=True)
class _Body:
    payload: dict[str, Any]
    channel: Channel
    paths: XmlPaths | None = None


def _read_json(body: bytes) -> _Body | JSONResponse:
    try:
        payload = json.loads(body)
    except ValueError as error:
        return problem(
            422,
            "Invalid request",
            f"The body is not JSON: {error}",
            [{"field": "body", "message": str(error), "code": "json_invalid"}],
        )
    if not isinstance(payload, dict):
        return problem(
            422,
            "Invalid request",
            "The body must be a JSON object.",
            [{"field": "body", "message": "not an object", "code": "object_type"}],
        )
    return _Body(payload, "api")


def _read_xml(body: bytes, max_bytes: int) -> _Body | JSONResponse:
    try:
        payload, paths = read_notice(parse_untrusted_xml(body, max_bytes=max_bytes))
    except XmlRefusedError as error:
        return problem(
            422, "XML refused", error.detail, [{"field": "body", "message": error.detail, "code": error.reason.value}]
        )
    except XmlMappingError as error:
        return _invalid(error.problems)
    return _Body(payload, "import", paths)


def _read_body(content_type_header: str, body: bytes, max_bytes: int) -> _Body | JSONResponse:
    """JSON is a portal's filing (channel ``api``), XML another system's (channel ``import``)."""
    content_type = content_type_header.split(";", maxsplit=1)[0].strip().lower()
    if content_type in JSON_TYPES or content_type.endswith("+json"):
        return _read_json(body)
    if content_type in XML_TYPES or content_type.endswith("+xml"):
        return _read_xml(body, max_bytes)
    return problem(
        415,
        "Unsupported media type",
        "Send application/json (the payload contract) or application/xml (the import format).",
    )


def _refusal(error: IntakeError, paths: XmlPaths | None) -> JSONResponse:
    if isinstance(error, GewerbeanzeigeInvalidError):
        return _invalid(error.problems, paths)
    if isinstance(error, UnknownMunicipalityError):
        unknown = FieldProblem(
            path="owner_ags",
            code="unknown_municipality",
            message=str(error),
            message_de="Diese Gemeinde gibt es in Sachsen nicht.",
        )
        return _invalid([unknown], paths)
    if isinstance(error, IdempotencyConflictError):
        return problem(409, "Idempotency conflict", str(error))
    raise error


def gewerbe_api_router(
    file_notice: FileGewerbeanzeige, token_secret: bytes, base_url: str, today: Callable[[], date], max_bytes: int
) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["gewerbeanzeigen"])

    @router.post(
        "/gewerbeanzeigen",
        status_code=201,
        response_model=GewerbeanzeigeCreated,
        responses=_RESPONSES,
        openapi_extra={"requestBody": _REQUEST_BODY},
    )
    async def file_gewerbeanzeige(
        request: Request,
        response: Response,
        idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
        traceparent: Annotated[str | None, Header(description="W3C trace context to continue.")] = None,
    ) -> GewerbeanzeigeCreated | JSONResponse:
        """File a Gewerbeanzeige (GewA 1/2/3) as JSON or XML; answered only after the case is stored."""
        read = _read_body(request.headers.get("content-type", ""), await request.body(), max_bytes)
        if isinstance(read, JSONResponse):
            return read
        trace = continue_trace(traceparent)
        response.headers["traceparent"] = trace
        try:
            accepted, checked = await file_notice(
                read.payload, today=today(), channel=read.channel, idempotency_key=idempotency_key, traceparent=trace
            )
        except IntakeError as error:
            return _refusal(error, read.paths)
        token = access_token(token_secret, accepted.case_id)
        response.headers["Location"] = f"{base_url}/api/v1/cases/{accepted.case_id}"
        if accepted.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        findings = [*(checked.errors if read.channel == "import" else []), *checked.warnings]
        return GewerbeanzeigeCreated(
            case_id=accepted.case_id,
            file_number=accepted.file_number,
            status_url=f"{base_url}/api/v1/cases/{accepted.case_id}?token={token}",
            status_page_url=f"{base_url}/vorgaenge/{accepted.case_id}?token={token}",
            findings=[Finding(field=item.path, code=item.code, message_de=item.message_de) for item in findings],
        )

    return router


def add_payload_schema(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the Gewerbeanzeige JSON Schema (and its parts) into the OpenAPI components the route refers to."""
    schema = Gewerbeanzeige.model_json_schema(ref_template="#/components/schemas/{model}")
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    components.update(schema.pop("$defs", {}))
    components["Gewerbeanzeige"] = schema
    return openapi
