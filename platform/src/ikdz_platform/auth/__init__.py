"""Staff authentication and authorisation: OIDC bearer tokens (JWT) verified against the issuer's
JWKS, turned into a :class:`StaffPrincipal` with towns, pools and roles; FastAPI dependencies; a
local issuer for development and tests. See docs/auth.md.

The dev-only parts (:mod:`.local_issuer`, :mod:`.dev_login`, :mod:`.token`) refuse to run with
``IKDZ_ENVIRONMENT=prod``.
"""

from ikdz_platform.auth.demo_staff import DemoStaff, demo_staff, find_demo_staff
from ikdz_platform.auth.dependencies import (
    STAFF_TOKEN_COOKIE,
    StaffAuthHTTPError,
    clear_staff_cookie,
    install_auth_problem_handlers,
    require_roles,
    set_staff_cookie,
    staff_principal,
)
from ikdz_platform.auth.dev_login import dev_login_router
from ikdz_platform.auth.errors import AuthError, AuthFailure
from ikdz_platform.auth.local_issuer import DevIssuerRefusedError, LocalIssuer
from ikdz_platform.auth.principal import CLAIM_POOLS, CLAIM_ROLES, CLAIM_TOWNS, Role, StaffPrincipal
from ikdz_platform.auth.settings import DEV_ISSUER_URL, AuthSettings
from ikdz_platform.auth.setup import DEV_ISSUER_PATH, install_staff_auth
from ikdz_platform.auth.verifier import DEFAULT_ALGORITHMS, TokenVerifier

__all__ = [
    "CLAIM_POOLS",
    "CLAIM_ROLES",
    "CLAIM_TOWNS",
    "DEFAULT_ALGORITHMS",
    "DEV_ISSUER_PATH",
    "DEV_ISSUER_URL",
    "STAFF_TOKEN_COOKIE",
    "AuthError",
    "AuthFailure",
    "AuthSettings",
    "DemoStaff",
    "DevIssuerRefusedError",
    "LocalIssuer",
    "Role",
    "StaffAuthHTTPError",
    "StaffPrincipal",
    "TokenVerifier",
    "clear_staff_cookie",
    "demo_staff",
    "dev_login_router",
    "find_demo_staff",
    "install_auth_problem_handlers",
    "install_staff_auth",
    "require_roles",
    "set_staff_cookie",
    "staff_principal",
]
