"""Saxon public holidays and the working calendar: tables from the law and published dates, and
properties of working-day arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_routing.domain.calendar import (
    FRONLEICHNAM_MUNICIPALITIES,
    SAXONY_TZ,
    WorkingCalendar,
    buss_und_bettag,
    easter_sunday,
    saxon_public_holidays,
)
from pydantic import ValidationError

WEEKDAYS = WorkingCalendar()
WURZEN = "14729410"
AUGUSTUSBURG = "14522020"

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
offsets = st.integers(min_value=-400, max_value=400)
calendars = st.builds(
    WorkingCalendar,
    working_weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    extra_holidays=st.frozensets(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), max_size=20),
    corpus_christi=st.booleans(),
)


def knuth_easter(year: int) -> date:
    """Easter by Knuth's algorithm (TAOCP 1.3.2, exercise 14): independent of the one under test."""
    golden = year % 19 + 1
    century = year // 100 + 1
    skipped_leaps = 3 * century // 4 - 12
    moon_correction = (8 * century + 5) // 25 - 5
    sunday = 5 * year // 4 - skipped_leaps - 10
    epact = (11 * golden + 20 + moon_correction - skipped_leaps) % 30
    if (epact == 25 and golden > 11) or epact == 24:
        epact += 1
    full_moon = 44 - epact
    if full_moon < 21:
        full_moon += 30
    day = full_moon + 7 - (sunday + full_moon) % 7
    return date(year, 4, day - 31) if day > 31 else date(year, 3, day)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1818, date(1818, 3, 22)),  # earliest possible date
        (1943, date(1943, 4, 25)),  # latest possible date
        (2000, date(2000, 4, 23)),
        (2008, date(2008, 3, 23)),
        (2011, date(2011, 4, 24)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2030, date(2030, 4, 21)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday_matches_published_dates(year: int, expected: date) -> None:
    assert easter_sunday(year) == expected


@given(st.integers(min_value=1583, max_value=9999))
def test_easter_agrees_with_knuths_algorithm_and_is_a_sunday_in_its_window(year: int) -> None:
    easter = easter_sunday(year)
    assert easter == knuth_easter(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@pytest.mark.parametrize("year", [1582, 10000])
def test_years_outside_the_gregorian_range_are_refused(year: int) -> None:
    with pytest.raises(ValueError, match="Gregorian"):
        easter_sunday(year)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2022, date(2022, 11, 16)),  # 23 November is a Wednesday: the Wednesday before
        (2023, date(2023, 11, 22)),
        (2024, date(2024, 11, 20)),
        (2025, date(2025, 11, 19)),
        (2026, date(2026, 11, 18)),
        (2027, date(2027, 11, 17)),
        (2028, date(2028, 11, 22)),
    ],
)
def test_buss_und_bettag_is_the_wednesday_before_23_november(year: int, expected: date) -> None:
    assert buss_und_bettag(year) == expected


@given(st.integers(min_value=1583, max_value=9999))
def test_buss_und_bettag_always_falls_between_16_and_22_november_on_a_wednesday(year: int) -> None:
    day = buss_und_bettag(year)
    assert day.weekday() == 2
    assert date(year, 11, 16) <= day <= date(year, 11, 22)


def test_saxon_holidays_2026_are_the_eleven_of_the_law() -> None:
    assert saxon_public_holidays(2026) == {
        date(2026, 1, 1): "Neujahr",
        date(2026, 4, 3): "Karfreitag",
        date(2026, 4, 6): "Ostermontag",
        date(2026, 5, 1): "Tag der Arbeit",
        date(2026, 5, 14): "Christi Himmelfahrt",
        date(2026, 5, 25): "Pfingstmontag",
        date(2026, 10, 3): "Tag der Deutschen Einheit",
        date(2026, 10, 31): "Reformationstag",
        date(2026, 11, 18): "Buß- und Bettag",
        date(2026, 12, 25): "1. Weihnachtsfeiertag",
        date(2026, 12, 26): "2. Weihnachtsfeiertag",
    }


def test_saxon_holidays_2027_follow_easter_on_28_march() -> None:
    holidays = saxon_public_holidays(2027)
    assert [day for day, name in holidays.items() if name in {"Karfreitag", "Ostermontag"}] == [
        date(2027, 3, 26),
        date(2027, 3, 29),
    ]
    assert holidays[date(2027, 5, 6)] == "Christi Himmelfahrt"
    assert holidays[date(2027, 5, 17)] == "Pfingstmontag"
    assert holidays[date(2027, 11, 17)] == "Buß- und Bettag"
    assert len(holidays) == 11


def test_fronleichnam_only_where_the_regulation_applies() -> None:
    assert date(2026, 6, 4) not in saxon_public_holidays(2026)
    assert saxon_public_holidays(2026, corpus_christi=True)[date(2026, 6, 4)] == "Fronleichnam"
    assert WorkingCalendar.for_town("14625080").corpus_christi  # Crostwitz, whole municipality
    assert not WorkingCalendar.for_town("14625020").corpus_christi  # Bautzen: only two Ortsteile
    assert not WorkingCalendar.for_town(WURZEN).corpus_christi
    assert not WorkingCalendar.for_town(AUGUSTUSBURG).corpus_christi
    assert all(ags.startswith("14625") for ags in FRONLEICHNAM_MUNICIPALITIES)  # all in Landkreis Bautzen
    crostwitz = WorkingCalendar.for_town("14625080")
    assert not crostwitz.is_working_day(date(2026, 6, 4))
    assert WorkingCalendar.for_town(WURZEN).is_working_day(date(2026, 6, 4))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 17), True),  # Tuesday
        (date(2026, 11, 18), False),  # Buß- und Bettag
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 12, 24), True),  # Heiligabend is no public holiday
        (date(2026, 12, 25), False),
        (date(2027, 3, 26), False),  # Karfreitag
        (date(2027, 10, 29), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert WEEKDAYS.is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 16), 2, date(2026, 11, 19)),  # Mon + 2 skips Buß- und Bettag
        (date(2026, 11, 13), 1, date(2026, 11, 16)),  # Friday + 1 = Monday
        (date(2026, 11, 14), 1, date(2026, 11, 16)),  # from a Saturday
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # over Christmas and the weekend
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # over Easter 2027
        (date(2026, 11, 19), -2, date(2026, 11, 16)),
        (date(2026, 11, 18), 0, date(2026, 11, 18)),
        (date(2026, 1, 2), 10, date(2026, 1, 16)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert WEEKDAYS.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 16), date(2026, 11, 20), 3),  # Tue, Thu, Fri
        (date(2026, 11, 20), date(2026, 11, 16), -3),
        (date(2026, 11, 16), date(2026, 11, 16), 0),
        # 2026: 261 weekdays, eight holidays on a weekday (3 Oct, 31 Oct and 26 Dec are Saturdays)
        (date(2025, 12, 31), date(2026, 12, 31), 253),
        (date(2026, 1, 1), date(2026, 12, 31), 253),  # 1 January is not counted, and it is a holiday
        # 2027: 261 weekdays, six holidays on a weekday
        (date(2026, 12, 31), date(2027, 12, 31), 255),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert WEEKDAYS.working_days_between(start, end) == expected


def test_extra_closing_days_and_other_weekdays() -> None:
    calendar = WorkingCalendar(
        extra_holidays=frozenset({date(2026, 12, 24), date(2026, 12, 31)}), working_weekdays=frozenset({0, 1, 2, 3})
    )
    assert not calendar.is_working_day(date(2026, 12, 24))
    assert not calendar.is_working_day(date(2026, 11, 20))  # Friday is off in this office
    assert calendar.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert calendar.holidays(2026)[date(2026, 12, 31)] == "Zusätzlicher dienstfreier Tag"
    assert calendar.roll_forward(date(2026, 12, 24)) == date(2026, 12, 28)
    assert calendar.roll_forward(date(2026, 12, 28)) == date(2026, 12, 28)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SAXONY_TZ)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (berlin(date(2026, 11, 16), 8), berlin(date(2026, 11, 16), 16), 8.0),
        (berlin(date(2026, 11, 16), 6), berlin(date(2026, 11, 16), 10, 30), 2.5),
        (berlin(date(2026, 11, 16), 15), berlin(date(2026, 11, 17), 9), 2.0),
        (berlin(date(2026, 11, 17), 12), berlin(date(2026, 11, 19), 12), 8.0),  # Wednesday is a holiday
        (berlin(date(2026, 11, 20), 15), berlin(date(2026, 11, 23), 9), 2.0),  # over the weekend
        (berlin(date(2026, 11, 16), 16), berlin(date(2026, 11, 16), 8), -8.0),
        (berlin(date(2026, 3, 27), 8), berlin(date(2026, 3, 30), 16), 16.0),  # across the switch to CEST
    ],
)
def test_working_hours_between(start: datetime, end: datetime, hours: float) -> None:
    assert WEEKDAYS.working_hours_between(start, end) == pytest.approx(hours)


def test_working_hours_accept_any_time_zone_and_refuse_naive_datetimes() -> None:
    start = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # 08:00 in Saxony
    assert WEEKDAYS.working_hours_between(start, start + timedelta(hours=3)) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        WEEKDAYS.working_hours_between(datetime(2026, 11, 16, 8), start)  # noqa: DTZ001 - the point of the test


def test_office_window_on_a_day_off_is_none_and_follows_local_time() -> None:
    assert WEEKDAYS.office_window(date(2026, 11, 18)) is None
    summer = WEEKDAYS.office_window(date(2026, 7, 1))
    assert summer == (datetime(2026, 7, 1, 6, tzinfo=UTC), datetime(2026, 7, 1, 14, tzinfo=UTC))


@pytest.mark.parametrize(
    "values",
    [
        {"working_weekdays": frozenset()},
        {"working_weekdays": frozenset({7})},
        {"hours_per_day": 0},
        {"day_starts_at": time(20), "hours_per_day": 6},
        {"unknown": 1},
    ],
)
def test_invalid_calendars_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WorkingCalendar.model_validate(values)


@settings(max_examples=300)
@given(calendars, days, st.integers(min_value=0, max_value=400))
def test_adding_then_counting_gives_n(calendar: WorkingCalendar, start: date, n: int) -> None:
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@settings(max_examples=300)
@given(calendars, days, st.integers(min_value=-400, max_value=-1))
def test_subtracting_from_a_working_day_then_counting_gives_n(calendar: WorkingCalendar, start: date, n: int) -> None:
    start = calendar.roll_forward(start)
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@given(calendars, days, offsets.filter(bool))
def test_the_result_is_always_a_working_day(calendar: WorkingCalendar, start: date, n: int) -> None:
    assert calendar.is_working_day(calendar.add_working_days(start, n))


@given(calendars, days, offsets, offsets)
def test_adding_is_monotonic_in_n(calendar: WorkingCalendar, start: date, n: int, m: int) -> None:
    low, high = sorted((n, m))
    assert calendar.add_working_days(start, low) <= calendar.add_working_days(start, high)
    if low < high:
        assert calendar.add_working_days(start, low) < calendar.add_working_days(start, high)


@given(calendars, days, days, offsets)
def test_adding_is_monotonic_in_the_start(calendar: WorkingCalendar, a: date, b: date, n: int) -> None:
    early, late = sorted((a, b))
    assert calendar.add_working_days(early, n) <= calendar.add_working_days(late, n)


@given(calendars, days, days, days)
def test_counting_is_additive_and_antisymmetric(calendar: WorkingCalendar, a: date, b: date, c: date) -> None:
    assert calendar.working_days_between(a, b) + calendar.working_days_between(b, c) == (
        calendar.working_days_between(a, c)
    )
    assert calendar.working_days_between(a, b) == -calendar.working_days_between(b, a)


@settings(max_examples=50)
@given(calendars, days, st.integers(min_value=0, max_value=60))
def test_counting_agrees_with_walking_day_by_day(calendar: WorkingCalendar, start: date, span: int) -> None:
    walked = sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, span + 1))
    assert calendar.working_days_between(start, start + timedelta(days=span)) == walked


instants = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; timezones= makes values aware
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@settings(max_examples=100)
@given(instants, instants, instants)
def test_working_hours_are_additive_and_bounded(a: datetime, b: datetime, c: datetime) -> None:
    ab, bc, ac = (WEEKDAYS.working_hours_between(x, y) for x, y in ((a, b), (b, c), (a, c)))
    assert ab + bc == pytest.approx(ac, abs=1e-6)
    assert abs(ab) <= abs((b - a) / timedelta(hours=1)) + 1e-9


@given(days)
def test_a_whole_day_gives_the_office_hours_on_working_days_only(day: date) -> None:
    start = datetime.combine(day, time(0), tzinfo=SAXONY_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=SAXONY_TZ)
    expected = WEEKDAYS.hours_per_day if WEEKDAYS.is_working_day(day) else 0.0
    assert WEEKDAYS.working_hours_between(start, end) == pytest.approx(expected)
