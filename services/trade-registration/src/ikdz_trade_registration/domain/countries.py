"""Nationalities: which ones allow self-employment without an Aufenthaltstitel (EU, EEA, Switzerland).

Codes are ISO 3166-1 alpha-2 (Greece is ``GR``, not the EU's ``EL``). Stateless persons and unknown
nationalities are written ``XX`` (ISO's user-assigned code for "unknown"); they are not in the
list, so they lead to the residence-title task, as any nationality not listed does.
"""

from __future__ import annotations

EU_MEMBER_STATES: frozenset[str] = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
EEA_NON_EU: frozenset[str] = frozenset({"IS", "LI", "NO"})
SWITZERLAND: frozenset[str] = frozenset({"CH"})

FREE_MOVEMENT: frozenset[str] = EU_MEMBER_STATES | EEA_NON_EU | SWITZERLAND
"""Nationals of these states may take up self-employment without a residence title (FreizügG/EU, FZA)."""


def has_free_movement(nationalities: tuple[str, ...]) -> bool:
    """True if at least one nationality is of the EU, the EEA or Switzerland."""
    return any(code in FREE_MOVEMENT for code in nationalities)
