"""The WZ 2008 classification as the domain needs it: a port, implemented by an adapter over ``wz-code``."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

LOW_CONFIDENCE = 0.6
"""A suggested WZ code the applicant accepted below this confidence is confirmed by a clerk."""


class WzSuggestion(BaseModel):
    """A WZ 2008 Unterklasse proposed for an activity text."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    code: str = Field(description="Unterklasse, e.g. '96.02.1'.")
    title: str
    confidence: float = Field(ge=0.0, le=1.0)


class WzCatalogue(Protocol):
    """Read access to the WZ 2008 Unterklassen (level 5 of the classification)."""

    def title(self, code: str) -> str | None:
        """The German title of a WZ 2008 Unterklasse such as ``96.02.1``, or None if there is none."""
        ...

    def suggest(self, text: str, limit: int = 5) -> list[WzSuggestion]:
        """Unterklassen for an activity in the applicant's words, best first."""
        ...
