"""Why a staff token was refused: a machine-readable reason and an English sentence for integrators."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["AuthError", "AuthFailure"]


class AuthFailure(StrEnum):
    """Reason codes of :class:`AuthError` (stable: integrators and logs may match on them)."""

    MALFORMED = "malformed"
    """Not a compact JWS, bad base64 or JSON, oversized, or a header we do not accept (typ, crit)."""
    ALG_NOT_ALLOWED = "alg_not_allowed"
    """``alg`` is ``none``, symmetric (HS*), not configured, or does not fit the key."""
    MISSING_KID = "missing_kid"
    UNKNOWN_KID = "unknown_kid"
    """No key with this ``kid`` in the issuer's JWKS, even after a refetch."""
    BAD_SIGNATURE = "bad_signature"
    """The signature does not verify: a tampered token or another issuer's key."""
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    """``nbf`` lies in the future."""
    ISSUED_IN_FUTURE = "issued_in_future"
    """``iat`` lies in the future."""
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIM = "invalid_claim"
    JWKS_UNAVAILABLE = "jwks_unavailable"
    """The issuer's keys could not be fetched: a server-side problem, not the caller's."""


class AuthError(Exception):
    """A token was refused; ``reason`` is the code, ``detail`` the explanation."""

    def __init__(self, reason: AuthFailure, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
