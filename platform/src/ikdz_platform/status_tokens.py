"""Access tokens of status links (a citizen's case, a supplier's invoice): an HMAC of the id.

Nothing is stored: a repeated submission can return the same link, and a wrong token and an
unknown id look the same (404).
"""

from __future__ import annotations

import hashlib
import hmac


def access_token(secret: bytes, case_id: str) -> str:
    """The token of a status URL for ``case_id``."""
    return hmac.new(secret, f"status:{case_id}".encode(), hashlib.sha256).hexdigest()[:40]


def token_matches(secret: bytes, case_id: str, token: str) -> bool:
    return hmac.compare_digest(access_token(secret, case_id), token)
