"""Working calendar of a pool: Saxon public holidays, working weekdays and office hours (pure, no I/O).

Public holidays follow § 1 SächsSFG (Gesetz über Sonn- und Feiertage im Freistaat Sachsen):
Neujahr, Karfreitag, Ostermontag, 1. Mai, Christi Himmelfahrt, Pfingstmontag, Tag der Deutschen
Einheit, Reformationstag, Buß- und Bettag (the Wednesday before 23 November) and both Christmas
days. Fronleichnam is a holiday only in the Sorbian Catholic municipalities (or parts of them) of
Landkreis Bautzen named by the FronleichnamsVO; a calendar switches it on with ``corpus_christi``.
The rules of today's law are applied to every Gregorian year (1583 to 9999); years before the
law took its present form (1995) are not modelled historically.

Counting convention: ``working_days_between(a, b)`` counts the working days in ``(a, b]``
(the start day is not counted, as for deadlines under § 187 (1) BGB / § 31 VwVfG), negated when
``b < a``; ``add_working_days(day, n)`` steps ``n`` working days away from ``day``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "FRONLEICHNAM_MUNICIPALITIES",
    "SAXONY_TZ",
    "WorkingCalendar",
    "buss_und_bettag",
    "easter_sunday",
    "saxon_day",
    "saxon_public_holidays",
]

SAXONY_TZ = ZoneInfo("Europe/Berlin")
"""Office hours are wall-clock times in Saxony (CET/CEST)."""


def saxon_day(now: datetime) -> date:
    """The calendar day in Saxony at ``now``: the day deadlines and the checker's buckets count by."""
    return now.astimezone(SAXONY_TZ).date()


FIRST_YEAR = 1583  # the first full year of the Gregorian calendar
LAST_YEAR = 9999  # datetime.date's last year

EXTRA_DAY = "Zusätzlicher dienstfreier Tag"

FRONLEICHNAM_MUNICIPALITIES: dict[str, str] = {
    "14625080": "Crostwitz (ganze Gemeinde)",
    "14625350": "Nebelschütz (ganze Gemeinde)",
    "14625440": "Panschwitz-Kuckau (ganze Gemeinde)",
    "14625460": "Puschwitz (ganze Gemeinde)",
    "14625470": "Räckelwitz (ganze Gemeinde)",
    "14625490": "Radibor (ganze Gemeinde)",
    "14625500": "Ralbitz-Rosenthal (ganze Gemeinde)",
    "14625640": "Wittichenau (ganze Gemeinde)",
    "14625280": "Königswartha (alle Ortsteile außer Wartha)",
    "14625360": "Neschwitz (nur Ortsteile Neschwitz und Saritsch)",
    "14625020": "Bautzen (nur Ortsteile Bolbritz und Salzenforst)",
    "14625150": "Göda (nur Ortsteil Prischwitz)",
    "14625160": "Großdubrau (nur Ortsteil Sdier)",
    "14625240": "Hoyerswerda (nur Ortsteil Dörgenhausen)",
}
"""Municipalities (AGS) where Fronleichnam is a public holiday in all or some parts.

From the FronleichnamsVO (4 May 1993, as amended 30 May 1995; the listed former municipalities
of the districts Bautzen, Hoyerswerda and Kamenz, today all in Landkreis Bautzen), mapped onto
today's municipalities. Where only some parts are covered, the holiday applies to an office only
if it lies in such a part: confirm with the town when it is onboarded.
"""

_FRONLEICHNAM_AT_SEAT = frozenset(
    {"14625080", "14625350", "14625440", "14625460", "14625470", "14625490", "14625500", "14625640"}
    | {"14625280", "14625360"}  # the town halls of Königswartha and Neschwitz lie in covered parts
)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        msg = f"year {year} is outside the Gregorian calendar range {FIRST_YEAR}..{LAST_YEAR}"
        raise ValueError(msg)


def easter_sunday(year: int) -> date:
    """Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    _check_year(year)
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    moon_correction = (century + 8) // 25
    solar = (century - moon_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - solar + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_offset = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    late = (golden + 11 * epact + 22 * weekday_offset) // 451
    month, day = divmod(epact + weekday_offset - 7 * late + 114, 31)
    return date(year, month, day + 1)


def buss_und_bettag(year: int) -> date:
    """Buß- und Bettag: the last Wednesday before 23 November (16 to 22 November)."""
    _check_year(year)
    nov23 = date(year, 11, 23)
    return nov23 - timedelta(days=(nov23.weekday() - 2) % 7 or 7)


@lru_cache(maxsize=512)
def _statutory(year: int, corpus_christi: bool) -> tuple[tuple[date, str], ...]:
    easter = easter_sunday(year)
    days = [
        (date(year, 1, 1), "Neujahr"),
        (easter - timedelta(days=2), "Karfreitag"),
        (easter + timedelta(days=1), "Ostermontag"),
        (date(year, 5, 1), "Tag der Arbeit"),
        (easter + timedelta(days=39), "Christi Himmelfahrt"),
        (easter + timedelta(days=50), "Pfingstmontag"),
        (date(year, 10, 3), "Tag der Deutschen Einheit"),
        (date(year, 10, 31), "Reformationstag"),
        (buss_und_bettag(year), "Buß- und Bettag"),
        (date(year, 12, 25), "1. Weihnachtsfeiertag"),
        (date(year, 12, 26), "2. Weihnachtsfeiertag"),
    ]
    if corpus_christi:
        days.append((easter + timedelta(days=60), "Fronleichnam"))
    return tuple(sorted(days))


def saxon_public_holidays(year: int, *, corpus_christi: bool = False) -> dict[date, str]:
    """The public holidays of Saxony in ``year``, in date order, with their German names.

    ``corpus_christi`` adds Fronleichnam (Easter Sunday + 60 days) for the municipalities in
    :data:`FRONLEICHNAM_MUNICIPALITIES`.
    """
    return dict(_statutory(year, corpus_christi))


class WorkingCalendar(BaseModel):
    """When a pool works: weekdays, Saxon public holidays plus the office's own closing days, and
    a daily office window (``day_starts_at`` for ``hours_per_day`` hours, Saxon wall-clock time).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    working_weekdays: frozenset[int] = Field(
        default=frozenset({0, 1, 2, 3, 4}),
        min_length=1,
        description="ISO weekdays minus one: 0 = Monday ... 6 = Sunday.",
    )
    extra_holidays: frozenset[date] = Field(
        default=frozenset(), description="Days the office is closed besides the public holidays."
    )
    corpus_christi: bool = Field(default=False, description="Fronleichnam is a holiday at the office's seat.")
    day_starts_at: time = Field(default=time(8, 0), description="Start of the office window.")
    hours_per_day: float = Field(default=8.0, gt=0, le=24, description="Length of the office window in hours.")

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if any(not 0 <= weekday <= 6 for weekday in self.working_weekdays):
            msg = "working_weekdays must lie between 0 (Monday) and 6 (Sunday)"
            raise ValueError(msg)
        if self.day_starts_at.tzinfo is not None:
            msg = "day_starts_at is a wall-clock time in Saxony and takes no time zone"
            raise ValueError(msg)
        t = self.day_starts_at
        start = timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)
        if start + timedelta(hours=self.hours_per_day) > timedelta(days=1):
            msg = "the office window must end by midnight"
            raise ValueError(msg)
        return self

    @classmethod
    def for_town(cls, ags: str, **overrides: object) -> WorkingCalendar:
        """The default calendar of an office at the seat of town ``ags`` (Fronleichnam where it applies)."""
        values: dict[str, object] = {"corpus_christi": ags in _FRONLEICHNAM_AT_SEAT, **overrides}
        return cls.model_validate(values)

    # -- days -----------------------------------------------------------------------------------

    def holidays(self, year: int) -> dict[date, str]:
        """Public holidays and the office's extra closing days in ``year``, in date order."""
        days = saxon_public_holidays(year, corpus_christi=self.corpus_christi)
        for day in self.extra_holidays:
            if day.year == year:
                days.setdefault(day, EXTRA_DAY)
        return dict(sorted(days.items()))

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or day in _statutory_days(day.year, self.corpus_christi)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_weekdays and not self.is_holiday(day)

    def roll_forward(self, day: date) -> date:
        """``day`` if it is a working day, else the next one (a deadline ending on a free day moves on)."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative); ``day`` itself
        for ``n == 0``. ``day`` need not be a working day; the result is one whenever ``n != 0``.

        ``working_days_between(day, add_working_days(day, n)) == n`` holds for every ``n >= 0``,
        and for negative ``n`` when ``day`` is a working day.
        """
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; negative (the same count) when ``end < start``."""
        if end < start:
            return -self.working_days_between(end, start)
        span = (end - start).days
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.working_weekdays)
        count += sum(1 for offset in range(1, rest + 1) if (start.weekday() + offset) % 7 in self.working_weekdays)
        for year in range(start.year, end.year + 1):
            for holiday in self._closed_days(year):
                if start < holiday <= end and holiday.weekday() in self.working_weekdays:
                    count -= 1
        return count

    # -- hours ----------------------------------------------------------------------------------

    def office_window(self, day: date) -> tuple[datetime, datetime] | None:
        """The office hours of ``day`` in UTC, or None on a day off."""
        if not self.is_working_day(day):
            return None
        wall_start = datetime.combine(day, self.day_starts_at)
        wall_end = wall_start + timedelta(hours=self.hours_per_day)
        return (
            wall_start.replace(tzinfo=SAXONY_TZ).astimezone(UTC),
            wall_end.replace(tzinfo=SAXONY_TZ).astimezone(UTC),
        )

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Office hours between two instants (timezone-aware), in hours; negative when ``end < start``."""
        if start.tzinfo is None or end.tzinfo is None:
            msg = "working_hours_between needs timezone-aware datetimes"
            raise ValueError(msg)
        if end < start:
            return -self.working_hours_between(end, start)
        start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
        first = start_utc.astimezone(SAXONY_TZ).date()
        last = end_utc.astimezone(SAXONY_TZ).date()
        total = timedelta()
        day = first
        while day <= last:
            window = self.office_window(day)
            if window is not None:
                overlap = min(window[1], end_utc) - max(window[0], start_utc)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total / timedelta(hours=1)

    def _closed_days(self, year: int) -> set[date]:
        return set(_statutory_days(year, self.corpus_christi)) | {d for d in self.extra_holidays if d.year == year}


@lru_cache(maxsize=512)
def _statutory_days(year: int, corpus_christi: bool) -> frozenset[date]:
    return frozenset(day for day, _ in _statutory(year, corpus_christi))
