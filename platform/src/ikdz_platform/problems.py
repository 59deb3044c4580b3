"""RFC 9457 problem responses with per-field errors, for integrators."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def field_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per field: a dotted path without the ``body`` prefix, the message and a code."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"] if part != "body") or "body",
            "message": item["msg"],
            "code": item["type"],
        }
        for item in error.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    async def on_validation_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return problem(422, "Invalid request", "The request has invalid or missing fields.", field_errors(error))

    app.add_exception_handler(RequestValidationError, on_validation_error)
