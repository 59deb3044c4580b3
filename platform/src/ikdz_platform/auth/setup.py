"""One call that gives a service staff authentication (and, in dev, the local issuer)."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from ikdz_platform.auth.dependencies import install_auth_problem_handlers
from ikdz_platform.auth.dev_login import dev_login_router
from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.auth.verifier import TokenVerifier

__all__ = ["DEV_ISSUER_PATH", "install_staff_auth"]

log = structlog.get_logger(__name__)

DEV_ISSUER_PATH = "/dev-issuer"


def install_staff_auth(
    app: FastAPI, settings: AuthSettings, *, issuer_path: str | None = DEV_ISSUER_PATH
) -> TokenVerifier:
    """Problem responses for 401/403/503, and the verifier for :func:`staff_principal`.

    With ``IKDZ_DEV_ISSUER=true`` it also mounts the dev issuer's discovery and JWKS at
    ``issuer_path`` (None: not at all, e.g. in services other than routing) and the dev login page
    at ``/dev-login``. Reads (or creates) the dev key file, so call it from the app factory, not at import.
    """
    install_auth_problem_handlers(app)
    if not settings.dev_issuer:
        return settings.verifier()
    issuer = settings.local_issuer()
    if issuer_path is not None:
        app.include_router(issuer.router(), prefix=issuer_path)
    app.include_router(dev_login_router(issuer, ttl=settings.dev_token_ttl_seconds))
    log.warning(
        "dev_issuer_enabled",
        issuer=issuer.issuer,
        kid=issuer.kid,
        key_file=str(settings.key_file),
        key_created=issuer.key_created,
    )
    return settings.verifier(local_issuer=issuer)
