"""Which day buckets the deadline checker reads per run and when a day is settled (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ikdz_routing.domain.day_buckets import SETTLE, Sweep, first_settled, plan_sweep


def days(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=n) for n in range((last - first).days + 1))


@pytest.mark.parametrize(
    ("swept_through", "today", "expected"),
    [
        # the first run of a day: the two unsettled days and today; the oldest of them settles
        (
            date(2026, 11, 27),
            date(2026, 11, 30),
            Sweep(days(date(2026, 11, 28), date(2026, 11, 30)), date(2026, 11, 28)),
        ),
        # later runs of the day: the unsettled days again, nothing new settles
        (date(2026, 11, 28), date(2026, 11, 30), Sweep(days(date(2026, 11, 29), date(2026, 11, 30)), None)),
        # after a pause: every missed day, settled up to two days back
        (
            date(2026, 11, 27),
            date(2026, 12, 10),
            Sweep(days(date(2026, 11, 28), date(2026, 12, 10)), date(2026, 12, 8)),
        ),
        # a clock behind the replica that swept: nothing to read
        (date(2026, 12, 1), date(2026, 11, 30), Sweep((), None)),
        (date(2026, 11, 30), date(2026, 11, 30), Sweep((), None)),
    ],
)
def test_a_run_reads_the_unsettled_days_up_to_today(swept_through: date, today: date, expected: Sweep) -> None:
    assert plan_sweep(swept_through, today) == expected


def test_a_store_never_swept_starts_with_the_unsettled_days_open() -> None:
    today = date(2026, 11, 30)
    assert plan_sweep(first_settled(today), today).days == days(date(2026, 11, 29), today)


@given(st.dates(date(2026, 1, 1), date(2027, 12, 31)), st.lists(st.integers(0, 6), min_size=1, max_size=30))
def test_every_day_is_read_until_it_is_settled_and_never_settled_early(start: date, gaps: list[int]) -> None:
    """Runs on non-decreasing days (several a day, or days apart): every day after the start is read;
    whatever is filed under a day after the marker a run leaves (a writer filing under its own today,
    its clock up to ``SETTLE`` behind, or any later day) is read by a later run; and a run never
    settles a day less than ``SETTLE`` before it."""
    swept, today = first_settled(start), start
    history: list[tuple[date, date, tuple[date, ...]]] = []  # (run day, marker after it, days read)
    for gap in gaps:
        today += timedelta(days=gap)
        plan = plan_sweep(swept, today)
        if plan.settled is not None:
            assert today - plan.settled >= SETTLE
            assert plan.settled in plan.days  # only a day this run read
            swept = plan.settled
        history.append((today, swept, plan.days))
    read = {day for _, _, run_days in history for day in run_days}
    last = history[-1][0]
    assert set(days(first_settled(start) + timedelta(days=1), last)) <= read
    for index, (run_day, marker, _) in enumerate(history[:-1]):
        assert marker <= run_day - SETTLE
        later = {day for _, _, run_days in history[index + 1 :] for day in run_days}
        assert set(days(marker + timedelta(days=1), last)) <= later
