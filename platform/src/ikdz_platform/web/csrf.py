"""CSRF protection for server-rendered forms that work without JavaScript.

Signed double-submit token: the same random token goes into a cookie and a hidden form field,
and it carries an HMAC (secret from ``IKDZ_CSRF_SECRET``) so a token planted by another site or
subdomain without the secret is refused. The cookie is ``HttpOnly`` and ``SameSite=Strict``
(``Secure`` on https).

In a route that shows a form::

    token = issue_csrf_token(request)
    response = templates.TemplateResponse(request, "antrag.html", {"csrf_token": token})
    set_csrf_cookie(request, response, token)
    return response

(or ``render_with_csrf(templates, request, "antrag.html", {...})``), and in the template
``{{ ui.csrf_field(csrf_token) }}``. The POST route declares ``dependencies=[Depends(verify_csrf)]``
or the ``CsrfProtected`` annotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import threading
from typing import Annotated, Any

import structlog
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import HTTPException
from starlette.datastructures import UploadFile
from starlette.templating import Jinja2Templates

__all__ = [
    "CSRF_COOKIE_NAME",
    "CSRF_FIELD_NAME",
    "CSRF_SECRET_ENV",
    "CsrfError",
    "CsrfProtected",
    "add_csrf_error_page",
    "csrf_secret",
    "issue_csrf_token",
    "make_csrf_token",
    "render_with_csrf",
    "reset_csrf_secret",
    "set_csrf_cookie",
    "token_is_valid",
    "verify_csrf",
]

log = structlog.get_logger(__name__)

CSRF_SECRET_ENV = "IKDZ_CSRF_SECRET"  # noqa: S105 - the variable's name, not a secret
CSRF_COOKIE_NAME = "ikdz_csrf"
CSRF_FIELD_NAME = "csrf_token"
CSRF_FAILURE_MESSAGE = (
    "Die Sicherheitsprüfung des Formulars ist fehlgeschlagen. "
    "Bitte laden Sie die Seite neu und senden Sie das Formular erneut ab."
)

_MIN_SECRET_BYTES = 32
_NONCE_BYTES = 32
_CONTEXT = b"ikdz-csrf-v1:"
_STATE_ATTR = "ikdz_csrf_token"

_secret_lock = threading.Lock()
_secret: bytes | None = None


class CsrfError(HTTPException):
    """403 for a form POST whose CSRF token is missing or wrong (install a handler to render HTML)."""

    def __init__(self, reason: str) -> None:
        super().__init__(status_code=403, detail=CSRF_FAILURE_MESSAGE)
        self.reason = reason


def csrf_secret() -> bytes:
    """The HMAC key: ``$IKDZ_CSRF_SECRET`` (at least 32 bytes), read once per process.

    Unset in dev or test: a random per-process key and a warning (tokens die with the process, and
    replicas do not share them). Unset with ``IKDZ_ENVIRONMENT=prod``: refused.
    """
    global _secret  # noqa: PLW0603 - one key per process, created on first use, not at import
    with _secret_lock:
        if _secret is None:
            configured = os.environ.get(CSRF_SECRET_ENV, "")
            if configured:
                if len(configured.encode()) < _MIN_SECRET_BYTES:
                    raise RuntimeError(f"{CSRF_SECRET_ENV} must be at least {_MIN_SECRET_BYTES} bytes long")
                _secret = configured.encode()
            elif os.environ.get("IKDZ_ENVIRONMENT", "dev") == "prod":
                raise RuntimeError(f"{CSRF_SECRET_ENV} must be set when IKDZ_ENVIRONMENT=prod")
            else:
                log.warning(
                    "csrf_secret_generated",
                    env_var=CSRF_SECRET_ENV,
                    detail="not set: random per-process secret, form tokens are not shared between replicas or restarts",
                )
                _secret = secrets.token_bytes(_MIN_SECRET_BYTES)
        return _secret


def reset_csrf_secret() -> None:
    """Forget the cached key so the next call reads the environment again (tests)."""
    global _secret  # noqa: PLW0603
    with _secret_lock:
        _secret = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(nonce: bytes) -> bytes:
    return hmac.new(csrf_secret(), _CONTEXT + nonce, hashlib.sha256).digest()


def make_csrf_token() -> str:
    """A fresh ``<nonce>.<hmac>`` token (URL-safe base64)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return f"{_b64(nonce)}.{_b64(_signature(nonce))}"


def token_is_valid(token: str | None) -> bool:
    """True if ``token`` is well-formed and signed with the current key."""
    if not token or token.count(".") != 1 or len(token) > 256:
        return False
    nonce_text, signature_text = token.split(".")
    try:
        nonce, signature = _unb64(nonce_text), _unb64(signature_text)
    except (binascii.Error, ValueError):
        return False
    return len(nonce) == _NONCE_BYTES and hmac.compare_digest(signature, _signature(nonce))


def issue_csrf_token(request: Request) -> str:
    """The token for the form on this page: the caller's valid cookie token, else a new one.

    Reusing the cookie's token keeps several open tabs working. Call :func:`set_csrf_cookie`
    on the response you return.
    """
    cached = getattr(request.state, _STATE_ATTR, None)
    if isinstance(cached, str):
        return cached
    cookie = request.cookies.get(CSRF_COOKIE_NAME)
    token = cookie if cookie is not None and token_is_valid(cookie) else make_csrf_token()
    setattr(request.state, _STATE_ATTR, token)
    return token


def set_csrf_cookie(request: Request, response: Response, token: str | None = None) -> None:
    """Set the CSRF cookie: session cookie, ``HttpOnly``, ``SameSite=Strict``, ``Secure`` on https."""
    response.set_cookie(
        CSRF_COOKIE_NAME,
        token if token is not None else issue_csrf_token(request),
        path=str(request.scope.get("root_path", "")) or "/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def render_with_csrf(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """Render ``name`` with ``csrf_token`` in the context and the CSRF cookie set."""
    token = issue_csrf_token(request)
    response = templates.TemplateResponse(
        request, name, {**(context or {}), "csrf_token": token}, status_code=status_code
    )
    set_csrf_cookie(request, response, token)
    return response


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency: the form field must equal the cookie and carry a valid signature.

    Raises:
        CsrfError: 403 with a German message.
    """
    cookie = request.cookies.get(CSRF_COOKIE_NAME)
    if not cookie:
        raise CsrfError("cookie_missing")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise CsrfError("not_a_form")
    form = await request.form()  # Starlette caches it; the route's Form() parameters reuse it
    submitted = form.get(CSRF_FIELD_NAME)
    if submitted is None or isinstance(submitted, UploadFile):
        raise CsrfError("field_missing")
    if not hmac.compare_digest(submitted.encode(), cookie.encode()):
        raise CsrfError("mismatch")
    if not token_is_valid(submitted):
        raise CsrfError("bad_signature")


CsrfProtected = Annotated[None, Depends(verify_csrf)]
"""Parameter annotation for a POST route: ``_csrf: CsrfProtected``."""


def add_csrf_error_page(app: FastAPI, templates: Jinja2Templates, template_name: str = "csrf_error.html") -> None:
    """Answer a :class:`CsrfError` with a German HTML page (status 403) instead of JSON."""

    async def _handler(request: Request, exc: Exception) -> Response:
        detail = exc.detail if isinstance(exc, CsrfError) else CSRF_FAILURE_MESSAGE
        log.info("csrf_rejected", reason=getattr(exc, "reason", "unknown"), path=request.url.path)
        return templates.TemplateResponse(
            request,
            template_name,
            {"page_title": "Sicherheitsprüfung fehlgeschlagen", "message": detail},
            status_code=403,
        )

    app.add_exception_handler(CsrfError, _handler)
