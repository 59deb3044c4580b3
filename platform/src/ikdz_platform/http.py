"""HTTP pieces every service has: health, readiness, Prometheus metrics, AsyncAPI, request size limit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from ikdz_contracts.asyncapi import asyncapi_document
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ReadinessCheck = Callable[[], Awaitable[None]]


def ops_router(checks: Mapping[str, ReadinessCheck], topic_prefix: str) -> APIRouter:
    """``/healthz`` (the process answers), ``/readyz`` (broker and store reachable), ``/metrics``,
    ``/asyncapi.json`` (the event contracts of all topics)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: broker and store reachable", response_model=None)
    async def readyz() -> JSONResponse:
        results = await asyncio.gather(*(_run_check(check) for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        ready = all(result == "ok" for result in results)
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": report}, 200 if ready else 503)

    @router.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", summary="AsyncAPI 3 document of all IKDZ topics")
    async def asyncapi_json() -> dict[str, Any]:
        return asyncapi_document(topic_prefix)

    return router


async def _run_check(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), timeout=3)
    except Exception as error:  # a readiness probe reports every failure, whatever its kind
        return f"failed: {type(error).__name__}: {error}"[:300]
    return "ok"


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` with 413 before the application reads them.

    Integrators get problem+json; a browser (``Accept`` naming ``text/html``, as every form post
    sends) gets a short German page, because citizens meet this limit through upload forms.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        wants_html = b"text/html" in headers.get(b"accept", b"")
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, wants_html=wants_html)
            return
        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLargeError:
            if refused:
                await self._refuse(send, wants_html=wants_html)

    async def _refuse(self, send: Send, *, wants_html: bool) -> None:
        if wants_html:
            body = _too_large_page(self.max_bytes).encode()
            media_type = b"text/html; charset=utf-8"
        else:
            body = (
                b'{"type":"about:blank","title":"Request body too large","status":413,'
                + f'"detail":"The body exceeds {self.max_bytes} bytes."}}'.encode()
            )
            media_type = b"application/problem+json"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", media_type), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _too_large_page(max_bytes: int) -> str:
    """A self-contained German page: the middleware runs before the app and its templates."""
    limit = f"{max_bytes / 1_000_000:.1f}".replace(".", ",")
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Datei zu groß</title></head><body><main>"
        "<h1>Die gesendeten Daten sind zu groß</h1>"
        f"<p>Es können höchstens {limit}&nbsp;MB auf einmal gesendet werden. Nichts wurde gespeichert.</p>"
        "<p>Bitte gehen Sie im Browser zurück und wählen Sie eine kleinere Datei.</p>"
        "</main></body></html>"
    )


class _TooLargeError(Exception):
    pass
