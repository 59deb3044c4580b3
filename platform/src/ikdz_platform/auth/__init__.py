"""Staff authentication and authorisation: OIDC bearer tokens (JWT) verified against the issuer's
JWKS, turned into a :class:`StaffPrincipal` with towns, pools and roles; a local issuer for
development and tests. See docs/auth.md.

The local issuer refuses to run with ``IKDZ_ENVIRONMENT=prod``.
"""

from ikdz_platform.auth.demo_staff import DemoStaff, demo_staff, find_demo_staff
from ikdz_platform.auth.errors import AuthError, AuthFailure
from ikdz_platform.auth.local_issuer import DevIssuerRefusedError, LocalIssuer
from ikdz_platform.auth.principal import CLAIM_POOLS, CLAIM_ROLES, CLAIM_TOWNS, Role, StaffPrincipal
from ikdz_platform.auth.verifier import DEFAULT_ALGORITHMS, TokenVerifier

__all__ = [
    "CLAIM_POOLS",
    "CLAIM_ROLES",
    "CLAIM_TOWNS",
    "DEFAULT_ALGORITHMS",
    "AuthError",
    "AuthFailure",
    "DemoStaff",
    "DevIssuerRefusedError",
    "LocalIssuer",
    "Role",
    "StaffPrincipal",
    "TokenVerifier",
    "demo_staff",
    "find_demo_staff",
]
