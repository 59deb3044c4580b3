"""WZ 2008 (Klassifikation der Wirtschaftszweige) from the ``wz-code`` package: lookup and suggestions.

Reference data both sides of a Gewerbeanzeige need: intake suggests codes in the form and checks the
code a portal sends; trade-registration classifies the activity. The data are embedded in the
package (no I/O). :class:`WzCatalogue` is the port the pure rules type against.

Suggestions score each Unterklasse title by the share of the query's words it contains (a word
matches a title word that equals, contains or is contained in it, compounds included), weighted by
how much of the title is covered, with a few synonyms the classification's titles spell
differently (``Friseur`` → ``Frisör``). This is a
deliberately simple helper for the form; the clerk confirms any code accepted with a confidence
below trade-registration's ``LOW_CONFIDENCE``.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from wz_code import WZ  # type: ignore[import-untyped]  # the package ships no py.typed


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


_WORD = re.compile(r"[a-zäöüß]{4,}")
_SYNONYMS: dict[str, str] = {
    "friseur": "frisör",
    "friseurin": "frisör",
    "gaststätte": "gastronomie",
    "kneipe": "schankwirtschaft",
    "imbiss": "imbissstube",
    "taxiunternehmen": "taxis",
    "programmierung": "programmierungstätigkeiten",
    "softwareentwicklung": "programmierungstätigkeiten",
    "webdesign": "programmierungstätigkeiten",
    "hausmeisterservice": "hausmeisterdienste",
    "gebäudereinigung": "reinigung",
    "immobilienmakler": "vermittlung grundstücken",
    "makler": "vermittlung",
    "elektriker": "elektroinstallation",
    "bäckerei": "backwaren",
}
_STOP = frozenset({"und", "oder", "sowie", "von", "mit", "ohne", "handel", "dienstleistungen", "sonstige", "sonstigen"})


def _words(text: str) -> set[str]:
    lowered = text.lower()
    for word, synonym in _SYNONYMS.items():
        lowered = lowered.replace(word, synonym)
    return {w for w in _WORD.findall(lowered) if w not in _STOP}


def _matches(query_word: str, title_words: set[str]) -> bool:
    return any(query_word == w or (len(w) >= 5 and w in query_word) or query_word in w for w in title_words)


class WzCodeCatalogue:
    """:class:`WzCatalogue` over ``wz_code.WZ(version="2008")``."""

    def __init__(self) -> None:
        wz: Any = WZ(version="2008")
        self._titles: dict[str, str] = {
            code: wz.get(code).title for code in wz.get_all_codes() if wz.get(code).level == 5
        }
        self._title_words = {code: _words(title) for code, title in self._titles.items()}

    def __len__(self) -> int:
        return len(self._titles)

    def title(self, code: str) -> str | None:
        return self._titles.get(code)

    def suggest(self, text: str, limit: int = 5) -> list[WzSuggestion]:
        query = _words(text)
        if not query:
            return []
        scored: list[tuple[float, str]] = []
        for code, title_words in self._title_words.items():
            if not title_words:
                continue
            hits = sum(1 for word in query if _matches(word, title_words))
            if hits:
                covered = sum(1 for word in title_words if _matches(word, query) or any(word in q for q in query))
                scored.append(((hits / len(query)) * (0.5 + 0.5 * covered / len(title_words)), code))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [
            WzSuggestion(code=code, title=self._titles[code], confidence=round(score, 2))
            for score, code in scored[:limit]
        ]


@functools.cache
def wz_catalogue() -> WzCodeCatalogue:
    """One catalogue per process (building it reads the embedded classification once)."""
    return WzCodeCatalogue()
