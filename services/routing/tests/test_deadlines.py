"""Deadlines in the owner town's working days, traffic lights and the checker's steps (pure rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from ikdz_routing.domain.calendar import WorkingCalendar
from ikdz_routing.domain.deadlines import (
    CaseDate,
    DateLight,
    Flags,
    Light,
    Step,
    case_date_lights,
    case_steps,
    deadline_after,
    due_steps,
    effective_due,
    light,
    next_case_check,
    next_check,
    warn_from,
    worst,
)

SAXONY = WorkingCalendar()
CROSTWITZ = WorkingCalendar.for_town("14625080")  # Fronleichnam is a holiday there


@pytest.mark.parametrize(
    ("start", "days", "calendar", "expected"),
    [
        (date(2026, 11, 23), 1, SAXONY, date(2026, 11, 24)),  # Monday + 1
        (date(2026, 11, 20), 1, SAXONY, date(2026, 11, 23)),  # Friday + 1: over the weekend
        (date(2026, 11, 21), 1, SAXONY, date(2026, 11, 23)),  # filed on a Saturday
        (date(2026, 11, 17), 1, SAXONY, date(2026, 11, 19)),  # Buß- und Bettag 18 Nov 2026 is skipped
        (date(2026, 12, 23), 1, SAXONY, date(2026, 12, 24)),  # Heiligabend is a working day by law
        (date(2026, 12, 24), 1, SAXONY, date(2026, 12, 28)),  # both Christmas days and a Sunday
        (date(2026, 12, 30), 2, SAXONY, date(2027, 1, 4)),  # over the year boundary and Neujahr
        (date(2027, 12, 30), 1, SAXONY, date(2027, 12, 31)),
        (date(2027, 12, 31), 1, SAXONY, date(2028, 1, 3)),  # Neujahr 2028 is a Saturday
        (date(2026, 3, 31), 3, SAXONY, date(2026, 4, 7)),  # Karfreitag and Ostermontag
        (date(2026, 6, 3), 1, SAXONY, date(2026, 6, 4)),  # Fronleichnam: a working day in Wurzen
        (date(2026, 6, 3), 1, CROSTWITZ, date(2026, 6, 5)),  # ... but not in Crostwitz
        (date(2026, 10, 30), 1, SAXONY, date(2026, 11, 2)),  # Reformationstag 31 Oct 2026 is a Saturday
        (date(2025, 10, 30), 1, SAXONY, date(2025, 11, 3)),  # Reformationstag 31 Oct 2025 is a Friday
        (date(2026, 11, 25), 10, SAXONY, date(2026, 12, 9)),
    ],
)
def test_a_deadline_ends_on_the_nth_working_day_of_the_owner_town(
    start: date, days: int, calendar: WorkingCalendar, expected: date
) -> None:
    assert deadline_after(start, days, calendar) == expected


def test_a_deadline_is_at_least_one_working_day() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        deadline_after(date(2026, 1, 5), 0, SAXONY)


@given(st.dates(date(1995, 1, 1), date(2100, 12, 31)), st.integers(1, 60))
def test_a_deadline_is_a_working_day_exactly_n_working_days_on(start: date, days: int) -> None:
    due = deadline_after(start, days, SAXONY)
    assert SAXONY.is_working_day(due)
    assert SAXONY.working_days_between(start, due) == days
    assert due > start


@pytest.mark.parametrize(
    ("target", "legal", "expected"),
    [
        (None, None, None),
        (date(2026, 12, 9), None, date(2026, 12, 9)),
        (None, date(2026, 12, 26), date(2026, 12, 28)),  # a legal deadline on a holiday moves on (§ 193 BGB)
        (date(2026, 12, 9), date(2026, 12, 4), date(2026, 12, 4)),  # the earlier one counts
        (date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 4)),  # Neujahr, then Saturday: both roll to Monday
    ],
)
def test_the_effective_due_day(target: date | None, legal: date | None, expected: date | None) -> None:
    assert effective_due(target, legal, SAXONY) == expected


@pytest.mark.parametrize(
    ("today", "due", "warn_days", "expected"),
    [
        (date(2026, 12, 1), None, 1, Light.GREEN),
        (date(2026, 12, 1), date(2026, 12, 4), 1, Light.GREEN),  # three working days left
        (date(2026, 12, 3), date(2026, 12, 4), 1, Light.YELLOW),  # one left
        (date(2026, 12, 4), date(2026, 12, 4), 1, Light.YELLOW),  # the due day itself
        (date(2026, 12, 5), date(2026, 12, 4), 1, Light.RED),  # passed, even on a Saturday
        (date(2026, 12, 4), date(2026, 12, 7), 1, Light.YELLOW),  # Friday before a Monday deadline
        (date(2026, 12, 23), date(2026, 12, 28), 1, Light.GREEN),  # 24th and 28th: two working days
        (date(2026, 12, 24), date(2026, 12, 28), 1, Light.YELLOW),  # over Christmas: one working day
        (date(2026, 12, 31), date(2027, 1, 4), 1, Light.YELLOW),  # over the year boundary
        (date(2026, 12, 31), date(2027, 1, 5), 1, Light.GREEN),
        (date(2026, 12, 1), date(2026, 12, 4), 0, Light.GREEN),
        (date(2026, 12, 4), date(2026, 12, 4), 0, Light.YELLOW),  # warn 0: only on the due day
        (date(2026, 12, 1), date(2026, 12, 4), 3, Light.YELLOW),
    ],
)
def test_traffic_lights(today: date, due: date | None, warn_days: int, expected: Light) -> None:
    assert light(due, today, SAXONY, warn_days) is expected


def test_lights_have_german_labels_that_do_not_rely_on_colour() -> None:
    assert [light.label_de for light in Light] == [
        "Grün: im Plan",
        "Gelb: Frist naht",
        "Rot: Frist überschritten",
    ]


@pytest.mark.parametrize(
    ("light_now", "flags", "reroute", "expected"),
    [
        (Light.GREEN, Flags(open=True), True, []),
        (Light.YELLOW, Flags(open=True), True, [Step.WARN]),
        (Light.YELLOW, Flags(open=True, warned=True), True, []),  # once
        (Light.RED, Flags(open=True), False, [Step.ESCALATE]),
        (Light.RED, Flags(open=True), True, [Step.ESCALATE, Step.REROUTE]),
        (Light.RED, Flags(open=False), True, [Step.ESCALATE]),  # claimed work stays with its clerk
        (Light.RED, Flags(open=True, escalated=True), True, [Step.REROUTE]),
        (Light.RED, Flags(open=True, escalated=True, rerouted=True), True, []),  # never back and forth
        (Light.RED, Flags(open=True, warned=False), False, [Step.ESCALATE]),  # missed without a warning
    ],
)
def test_what_the_checker_does(light_now: Light, flags: Flags, reroute: bool, expected: list[Step]) -> None:
    assert due_steps(light_now, flags, reroute_allowed=reroute) == expected


@given(st.dates(date(2020, 1, 1), date(2040, 12, 31)), st.integers(0, 40), st.integers(0, 5))
def test_lights_only_get_worse_as_days_pass(due: date, days_before: int, warn_days: int) -> None:
    order = [Light.GREEN, Light.YELLOW, Light.RED]
    seen = [order.index(light(due, due - timedelta(days=d), SAXONY, warn_days)) for d in range(days_before, -3, -1)]
    assert seen == sorted(seen)
    assert light(due, due + timedelta(days=1), SAXONY, warn_days) is Light.RED


@pytest.mark.parametrize(
    ("light_now", "warned", "escalated", "expected"),
    [
        (Light.GREEN, False, False, []),
        (Light.YELLOW, False, False, [Step.WARN]),
        (Light.YELLOW, True, False, []),
        (Light.RED, False, False, [Step.ESCALATE]),  # missed without a warning first: escalated, not warned late
        (Light.RED, True, False, [Step.ESCALATE]),
        (Light.RED, True, True, []),
    ],
)
def test_what_the_checker_does_for_a_case_never_moves_it(
    light_now: Light, warned: bool, escalated: bool, expected: list[Step]
) -> None:
    assert case_steps(light_now, warned=warned, escalated=escalated) == expected


G, Y, R = Light.GREEN, Light.YELLOW, Light.RED


@pytest.mark.parametrize(
    ("tasks", "cases", "expected"),
    [
        ([], [], G),  # nothing open
        ([G, G], [], G),
        ([G, Y], [], Y),
        ([Y, R, G], [], R),
        ([G, G], [Y], Y),  # a case near its (legal) date turns an all-green row yellow
        ([G, G], [R], R),  # a case past its target date turns it red, however well its tasks do
        ([], [R], R),  # a pool whose only open work is a missed case
        ([Y], [Y], Y),
        ([R], [Y], R),
        ([G], [G], G),
    ],
)
def test_the_light_of_a_backlog_row_is_the_worst_of_its_tasks_and_open_cases(
    tasks: list[Light], cases: list[Light], expected: Light
) -> None:
    assert worst([*tasks, *cases]) is expected


@pytest.mark.parametrize(
    ("due", "warn_days", "expected"),
    [
        (date(2026, 12, 4), 1, date(2026, 12, 3)),  # Friday: from Thursday
        (date(2026, 12, 7), 1, date(2026, 12, 4)),  # Monday: from Friday (the weekend counts no day)
        (date(2026, 12, 4), 0, date(2026, 12, 4)),  # only on the due day
        (date(2026, 12, 28), 1, date(2026, 12, 24)),  # over Christmas
        (date(2026, 12, 9), 3, date(2026, 12, 4)),
    ],
)
def test_the_first_yellow_day(due: date, warn_days: int, expected: date) -> None:
    assert warn_from(due, SAXONY, warn_days) == expected
    assert light(due, expected, SAXONY, warn_days) is Light.YELLOW
    assert light(due, expected - timedelta(days=1), SAXONY, warn_days) is Light.GREEN


@pytest.mark.parametrize(
    ("due", "since", "warned", "escalated", "expected"),
    [
        (None, date(2026, 12, 1), False, False, None),  # no deadline: never
        (date(2026, 12, 7), date(2026, 11, 30), False, False, date(2026, 12, 4)),  # the warning day
        (date(2026, 12, 7), date(2026, 12, 5), False, False, date(2026, 12, 5)),  # yellow already: at once
        (date(2026, 12, 7), date(2026, 12, 5), True, False, date(2026, 12, 8)),  # warned: the first red day
        (date(2026, 12, 4), date(2026, 12, 5), False, False, date(2026, 12, 5)),  # missed: at once
        (date(2026, 12, 4), date(2026, 12, 9), True, False, date(2026, 12, 9)),
        (date(2026, 12, 4), date(2026, 12, 1), True, True, None),  # escalated: nothing more
    ],
)
def test_the_day_of_a_cases_next_step(
    due: date | None, since: date, warned: bool, escalated: bool, expected: date | None
) -> None:
    assert next_case_check(due, since, SAXONY, 1, warned=warned, escalated=escalated) == expected


def assert_first_step_on(found: date | None, since: date, due: date, has_step: Callable[[date], bool]) -> None:
    """No step is due from ``since`` until ``found``, and one is on ``found`` (None: none within 30
    days after ``due``)."""
    horizon = found or due + timedelta(days=30)
    day = since
    while day < horizon:
        assert not has_step(day), day
        day += timedelta(days=1)
    if found is not None:
        assert has_step(found)


@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.integers(-10, 40),
    st.integers(0, 5),
    st.booleans(),
    st.booleans(),
)
def test_no_case_step_falls_before_the_day_it_is_filed_under(
    due: date, days_before: int, warn_days: int, warned: bool, escalated: bool
) -> None:
    """The checker reads a case only on the day ``next_case_check`` names: no step may be due on a
    day before it (from ``since`` on), and on that day one is."""
    due = SAXONY.roll_forward(due)  # an effective due day
    since = due - timedelta(days=days_before)
    assume(not escalated or since > due)  # escalated means missed: the days before are gone
    found = next_case_check(due, since, SAXONY, warn_days, warned=warned, escalated=escalated)

    def has_step(day: date) -> bool:
        return bool(case_steps(light(due, day, SAXONY, warn_days), warned=warned, escalated=escalated))

    assert_first_step_on(found, since, due, has_step)


WARNED, ESCALATED = Flags(open=True, warned=True), Flags(open=True, warned=True, escalated=True)


@pytest.mark.parametrize(
    ("flags", "reroute", "since", "expected"),
    [
        (Flags(open=True), True, date(2026, 11, 30), date(2026, 12, 4)),  # due Monday 7.12.: warned Friday
        (Flags(open=False), False, date(2026, 12, 5), date(2026, 12, 5)),  # yellow already: at once
        (WARNED, True, date(2026, 12, 5), date(2026, 12, 8)),  # warned: the first red day
        (Flags(open=True), False, date(2026, 12, 9), date(2026, 12, 9)),  # missed unwarned: at once
        (ESCALATED, True, date(2026, 12, 9), date(2026, 12, 9)),  # escalated, unclaimed: re-route
        (ESCALATED, False, date(2026, 12, 9), None),  # ... where the pool does not re-route the service
        (Flags(open=False, warned=True, escalated=True), True, date(2026, 12, 9), None),  # claimed: stays
        (Flags(open=True, warned=True, escalated=True, rerouted=True), True, date(2026, 12, 9), None),  # once
    ],
)
def test_the_day_of_a_tasks_next_step(flags: Flags, reroute: bool, since: date, expected: date | None) -> None:
    assert next_check(date(2026, 12, 7), since, SAXONY, 1, flags, reroute_allowed=reroute) == expected
    assert next_check(None, since, SAXONY, 1, flags, reroute_allowed=reroute) is None  # no deadline: never


@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.integers(-10, 40),
    st.integers(0, 5),
    st.builds(Flags, st.booleans(), st.booleans(), st.booleans(), st.booleans()),
    st.booleans(),
)
def test_no_task_step_falls_before_the_day_it_is_filed_under(
    due: date, days_before: int, warn_days: int, flags: Flags, reroute: bool
) -> None:
    """The checker reads a task only on the day ``next_check`` names: while its flags stay, no step
    is due on a day before it (from ``since`` on), one is on that day, and None means never."""
    due = SAXONY.roll_forward(due)
    since = due - timedelta(days=days_before)
    assume(not flags.escalated or since > due)  # escalated means missed: the days before are gone
    assume(flags.escalated or not flags.rerouted)  # a task is re-routed after its escalation
    found = next_check(due, since, SAXONY, warn_days, flags, reroute_allowed=reroute)

    def has_step(day: date) -> bool:
        return bool(due_steps(light(due, day, SAXONY, warn_days), flags, reroute_allowed=reroute))

    assert_first_step_on(found, since, due, has_step)
    if not flags.open or not reroute:
        case = next_case_check(due, since, SAXONY, warn_days, warned=flags.warned, escalated=flags.escalated)
        assert found == case  # a case is a task that is never re-routed


@pytest.mark.parametrize(
    ("target", "legal", "today", "expected"),
    [
        (None, None, date(2026, 12, 1), []),
        (date(2026, 12, 7), None, date(2026, 12, 1), [DateLight(CaseDate.TARGET, date(2026, 12, 7), G)]),
        (
            date(2026, 12, 4),  # past its target, near its legal date (Saturday, so Monday)
            date(2026, 12, 5),
            date(2026, 12, 5),
            [DateLight(CaseDate.TARGET, date(2026, 12, 4), R), DateLight(CaseDate.LEGAL, date(2026, 12, 7), Y)],
        ),
        (
            date(2026, 12, 18),
            date(2026, 12, 4),  # the legal date is earlier
            date(2026, 12, 3),
            [DateLight(CaseDate.TARGET, date(2026, 12, 18), G), DateLight(CaseDate.LEGAL, date(2026, 12, 4), Y)],
        ),
    ],
)
def test_each_case_deadline_has_its_own_light_the_worst_is_the_effective_one(
    target: date | None, legal: date | None, today: date, expected: list[DateLight]
) -> None:
    found = case_date_lights(target, legal, today, SAXONY, 1)
    assert found == expected
    assert worst(d.light for d in found) is light(effective_due(target, legal, SAXONY), today, SAXONY, 1)
