"""FastAPI dependencies: who is calling (401 if nobody we trust) and may they (403).

    verifier = AuthSettings().verifier()
    current_staff = staff_principal(verifier)
    Staff = Annotated[StaffPrincipal, Depends(current_staff)]
    Coordinator = Annotated[StaffPrincipal, Depends(require_roles(current_staff, Role.COORDINATOR))]

    @app.get("/api/v1/worklist")
    async def worklist(staff: Staff) -> ...: ...

The token comes from ``Authorization: Bearer <jwt>`` or, for the server-rendered clerk pages that
work without JavaScript, from the ``ikdz_staff_token`` cookie (``HttpOnly``, ``SameSite=Strict``).
A state-changing request authenticated by the cookie must also pass the form's CSRF check.
Role checks say nothing about objects: every route still filters by the principal's pools and
towns (DESIGN.md section 6).
"""

# No ``from __future__ import annotations`` here: FastAPI resolves the annotations of the inner
# dependency functions at runtime, and they name the closure's ``principal``.

import re
from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse

from ikdz_platform.auth.errors import AuthError, AuthFailure
from ikdz_platform.auth.principal import Role, StaffPrincipal
from ikdz_platform.auth.verifier import TokenVerifier
from ikdz_platform.problems import PROBLEM
from ikdz_platform.web.csrf import verify_csrf

__all__ = [
    "REALM",
    "STAFF_TOKEN_COOKIE",
    "PrincipalDependency",
    "StaffAuthHTTPError",
    "clear_staff_cookie",
    "install_auth_problem_handlers",
    "require_roles",
    "set_staff_cookie",
    "staff_principal",
]

log = structlog.get_logger(__name__)

STAFF_TOKEN_COOKIE = "ikdz_staff_token"  # noqa: S105 - a cookie name
REALM = "ikdz"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNQUOTABLE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")  # RFC 6750 error_description characters

PrincipalDependency = Callable[..., Awaitable[StaffPrincipal]]


class StaffAuthHTTPError(HTTPException):
    """401, 403 or 503 with an RFC 6750 ``WWW-Authenticate`` challenge; ``reason`` is for logs."""

    def __init__(
        self, status_code: int, title: str, detail: str, *, error: str | None = None, reason: str = ""
    ) -> None:
        challenge = f'Bearer realm="{REALM}"'
        if error is not None:
            challenge += f', error="{error}", error_description="{_UNQUOTABLE.sub("", detail)[:300]}"'
        super().__init__(status_code=status_code, detail=detail, headers={"WWW-Authenticate": challenge})
        self.title = title
        self.reason = reason or error or "missing_token"


def _unauthenticated(detail: str, *, error: str | None, reason: str) -> StaffAuthHTTPError:
    return StaffAuthHTTPError(401, "Not authenticated", detail, error=error, reason=reason)


def staff_principal(verifier: TokenVerifier, *, cookie: bool = True) -> PrincipalDependency:
    """A dependency that returns the verified :class:`StaffPrincipal` of the request.

    ``Authorization: Bearer`` wins over the cookie. Answers 401 without a token (a bare
    ``Bearer realm`` challenge, RFC 6750 section 3.1), 401 ``invalid_request`` for a malformed
    header, 401 ``invalid_token`` for a refused token (the description says why), and 503 when
    the issuer's keys cannot be fetched. The principal is also put on ``request.state.staff_principal``.
    """

    async def dependency(request: Request) -> StaffPrincipal:
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, token = header.strip().partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token or " " in token:
                raise _unauthenticated(
                    "the Authorization header must be 'Bearer <token>'", error="invalid_request", reason="bad_header"
                )
        elif cookie and request.cookies.get(STAFF_TOKEN_COOKIE):
            token = request.cookies[STAFF_TOKEN_COOKIE]
            if request.method not in SAFE_METHODS:
                await verify_csrf(request)  # the cookie rides along on any request: forms must prove their origin
        else:
            raise _unauthenticated("a staff bearer token is required", error=None, reason="missing_token")
        try:
            principal = await verifier.verify(token)
        except AuthError as error:
            log.info("staff_token_refused", reason=error.reason.value, detail=error.detail, path=request.url.path)
            if error.reason is AuthFailure.JWKS_UNAVAILABLE:
                raise StaffAuthHTTPError(
                    503, "Authentication unavailable", error.detail, reason=error.reason.value
                ) from None
            raise _unauthenticated(error.detail, error="invalid_token", reason=error.reason.value) from None
        request.state.staff_principal = principal
        return principal

    return dependency


def require_roles(principal: PrincipalDependency, *roles: Role) -> PrincipalDependency:
    """A dependency that returns the principal if it has at least one of ``roles``, else answers 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    wanted = ", ".join(role.value for role in roles)

    async def dependency(request: Request, staff: Annotated[StaffPrincipal, Depends(principal)]) -> StaffPrincipal:
        if not staff.has_role(*roles):
            log.info("staff_role_refused", subject=staff.subject, needs=wanted, path=request.url.path)
            raise StaffAuthHTTPError(
                403, "Forbidden", f"this needs one of the roles: {wanted}", error="insufficient_scope", reason="role"
            )
        return staff

    return dependency


def set_staff_cookie(request: Request, response: Response, token: str, *, max_age: int) -> None:
    """Store the token for the browser: ``HttpOnly``, ``SameSite=Strict``, ``Secure`` on https."""
    response.set_cookie(
        STAFF_TOKEN_COOKIE,
        token,
        max_age=max_age,
        path=str(request.scope.get("root_path", "")) or "/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def clear_staff_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        STAFF_TOKEN_COOKIE,
        path=str(request.scope.get("root_path", "")) or "/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def install_auth_problem_handlers(app: FastAPI) -> None:
    """Answer 401/403/503 of these dependencies as RFC 9457 problem JSON, keeping the challenge header."""

    async def handler(_request: Request, error: Exception) -> Response:
        assert isinstance(error, StaffAuthHTTPError)
        body = {"type": "about:blank", "title": error.title, "status": error.status_code, "detail": error.detail}
        return JSONResponse(body, status_code=error.status_code, media_type=PROBLEM, headers=error.headers)

    app.add_exception_handler(StaffAuthHTTPError, handler)
