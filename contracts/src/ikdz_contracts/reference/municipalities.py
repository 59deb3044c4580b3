"""All 418 Saxon municipalities (Gemeinden) with AGS, names, Kreis, population and a short code.

The data come from ``data/sachsen-gemeinden.csv`` in this package (sources and licence in
``data/sachsen-gemeinden.PROVENANCE.md``); :func:`load_municipalities` reads it once per process.

Short codes are the first part of a file number (``WUR-GEW-2026-000123``). They are three upper-case
ASCII letters derived from the display name, unique across Saxony and deterministic:

1. Fold the display name to ASCII letters (``ä``→``a``, ``ö``→``o``, ``ü``→``u``, ``ß``→``s``, other
   accents dropped; spaces, hyphens and dots removed) and upper-case it.
2. Walk the towns in AGS order. A town takes the first of its candidate codes that no earlier town
   took. Candidates keep the first letter and pick later letters in name order: the first three
   letters, then the first two plus the next letter (``BAD``, ``BAE``, ``BAL``, …), then the first
   letter plus later pairs; only if no three-letter code is free, four letters in the same order.

Codes are printed on issued file numbers, so they must not change once issued: a territorial
reform (new AGS, merged towns) must keep existing codes (see docs/contracts.md).
"""

from __future__ import annotations

import csv
import functools
import io
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from importlib import resources
from itertools import combinations

from pydantic import BaseModel, ConfigDict, Field

from ikdz_contracts.cloudevents import AGS_PATTERN

DATA_PACKAGE = "ikdz_contracts.reference"
DATA_FILE = "data/sachsen-gemeinden.csv"
KREIS_AGS_PATTERN = r"^[0-9]{5}$"
SHORT_CODE_PATTERN = r"^[A-Z]{3,4}$"

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U", "ß": "s", "ẞ": "S"})


class Municipality(BaseModel):
    """One Gemeinde as listed in the Destatis Gemeindeverzeichnis."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ags: str = Field(pattern=AGS_PATTERN, description="8-digit Amtlicher Gemeindeschlüssel.")
    name: str = Field(min_length=1, description="Official name, verbatim, e.g. 'Chemnitz, Stadt'.")
    display_name: str = Field(min_length=1, description="Short name for people, e.g. 'Chemnitz'.")
    kreis_ags: str = Field(pattern=KREIS_AGS_PATTERN, description="5-digit Kreisschlüssel.")
    kreis_name: str = Field(min_length=1)
    population: int = Field(ge=0)
    population_date: date
    plz: str = Field(pattern=r"^[0-9]{5}$", description="PLZ of the seat of administration.")
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    short_code: str = Field(pattern=SHORT_CODE_PATTERN, description="Unique code used in file numbers.")


def display_name(official_name: str) -> str:
    """The name people use: text before the first ``, ``, and before `` / `` for bilingual names.

    >>> display_name("Bautzen / Budyšin, Stadt, Hochschulstadt / Wysokošulske město")
    'Bautzen'
    """
    return official_name.split(", ", 1)[0].split(" / ", 1)[0].strip()


def ascii_letters(name: str) -> str:
    """The upper-case ASCII letters of a name, umlauts folded to their base letter (``ß`` → ``S``)."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_FOLD))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalpha()).upper()


def _candidates(letters: str) -> Iterator[str]:
    for size in (3, 4):
        for rest in combinations(range(1, len(letters)), size - 1):
            yield letters[0] + "".join(letters[i] for i in rest)


def assign_short_codes(towns: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Short codes for ``(ags, display_name)`` pairs, assigned in AGS order (see module docstring)."""
    taken: set[str] = set()
    codes: dict[str, str] = {}
    for ags, name in sorted(towns):
        letters = ascii_letters(name)
        code = next((c for c in _candidates(letters) if c not in taken), None)
        if code is None:
            msg = f"no free short code for {ags} {name!r}"
            raise ValueError(msg)
        taken.add(code)
        codes[ags] = code
    return codes


class MunicipalityRegistry:
    """Read-only lookup of municipalities by AGS, Kreis and short code; iterates in AGS order."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        by_ags: dict[str, Municipality] = {}
        by_code: dict[str, Municipality] = {}
        for town in sorted(municipalities, key=lambda m: m.ags):
            if town.ags in by_ags:
                msg = f"duplicate AGS {town.ags}"
                raise ValueError(msg)
            if town.short_code in by_code:
                msg = f"duplicate short code {town.short_code} ({by_code[town.short_code].ags}, {town.ags})"
                raise ValueError(msg)
            by_ags[town.ags] = town
            by_code[town.short_code] = town
        self._by_ags = by_ags
        self._by_code = by_code

    def get(self, ags: str) -> Municipality | None:
        """The municipality with this 8-digit AGS, or None."""
        return self._by_ags.get(ags)

    def by_short_code(self, code: str) -> Municipality | None:
        """The municipality whose file numbers start with ``code``, or None."""
        return self._by_code.get(code)

    def by_kreis(self, kreis_ags: str) -> list[Municipality]:
        """All municipalities of one Kreis (5-digit Kreisschlüssel), in AGS order."""
        return [town for town in self._by_ags.values() if town.kreis_ags == kreis_ags]

    def __contains__(self, ags: object) -> bool:
        return ags in self._by_ags

    def __len__(self) -> int:
        return len(self._by_ags)

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self._by_ags.values())


def parse_municipalities(csv_text: str) -> MunicipalityRegistry:
    """Build a registry from CSV text in the format of ``sachsen-gemeinden.csv``."""
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    codes = assign_short_codes((row["ags"], display_name(row["name"])) for row in rows)
    return MunicipalityRegistry(
        Municipality(
            ags=row["ags"],
            name=row["name"],
            display_name=display_name(row["name"]),
            kreis_ags=row["kreis_ags"],
            kreis_name=row["kreis_name"],
            population=int(row["population"]),
            population_date=date.fromisoformat(row["population_date"]),
            plz=row["plz"],
            lat=float(row["lat"]),
            lng=float(row["lng"]),
            short_code=codes[row["ags"]],
        )
        for row in rows
    )


@functools.cache
def load_municipalities() -> MunicipalityRegistry:
    """All Saxon municipalities from the packaged CSV, read once per process."""
    text = resources.files(DATA_PACKAGE).joinpath(*DATA_FILE.split("/")).read_text(encoding="utf-8")
    return parse_municipalities(text)
