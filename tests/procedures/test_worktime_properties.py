"""Property-based tests of the working-time rules (docs/time-rules.md) on the Vietnam calendar, 2024–2027."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procedures.worktime import (
    TZ,
    Unit,
    WorkCalendar,
    add_working_time,
    clock_start,
    due_after_resume,
    due_at,
    remaining_at_pause,
    working_time_between,
)

CAL = WorkCalendar.vietnam()


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    """Shadows tests/conftest.py's Django-settings fixture: this pure module runs even with -p no:django."""


PROPERTY = settings(max_examples=400, deadline=None)

# Instants where the rules change: openings, closings, lunch, the usual cut-offs, and their neighbours.
_EDGES = [time(h, m) for h, m in ((0, 0), (7, 0), (11, 30), (13, 30), (15, 0), (17, 0), (23, 59))]
_EDGE_TIMES = sorted(
    {
        (datetime.combine(date(2000, 1, 1), t) + delta).time()
        for t in _EDGES
        for delta in (
            timedelta(0),
            timedelta(microseconds=-1),
            timedelta(microseconds=1),
            timedelta(minutes=-1),
        )
    }
)

_any_instant = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59, 999999),
    timezones=st.just(TZ),
)
_edge_instant = st.builds(
    lambda d, t: datetime.combine(d, t, tzinfo=TZ),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    st.sampled_from(_EDGE_TIMES),
)
instants = st.one_of(_any_instant, _edge_instant)
cutoffs = st.sampled_from([None, time(11, 30), time(15, 0)])
rules = st.one_of(
    st.tuples(st.integers(0, 80), st.just(Unit.WORKING_HOURS)),
    st.tuples(st.integers(0, 320).map(lambda quarters: quarters / 4), st.just(Unit.WORKING_HOURS)),
    st.tuples(st.integers(0, 30), st.just(Unit.WORKING_DAYS)),
    st.tuples(st.integers(0, 40), st.just(Unit.CALENDAR_DAYS)),
    st.tuples(st.just(0), st.just(Unit.SAME_DAY)),
)
# Positive working durations, up to 60 working days, at microsecond resolution.
durations = st.integers(1, 60 * 8 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))


def _in_a_window_or_at_its_end(dt: datetime) -> bool:
    return any(start <= dt <= end for start, end in CAL.windows_of(dt.date()))


# A day-by-day reference walk through CAL.windows_of, independent of the day tables.


def _reference_start(received: datetime, cutoff: time | None) -> datetime:
    day = received.date()
    if cutoff is not None and CAL.is_working_day(day) and received.time() >= cutoff:
        received = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
        day = received.date()
    while True:
        for start, end in CAL.windows_of(day):
            if received < end:
                return max(start, received)
        day += timedelta(days=1)


def _reference_walk(start: datetime, amount: timedelta) -> datetime:
    day = start.date()
    while True:
        for window_start, window_end in CAL.windows_of(day):
            if window_end <= start:
                continue
            begin = max(window_start, start)
            if amount <= window_end - begin:
                return begin + amount
            amount -= window_end - begin
        day += timedelta(days=1)


def _reference_due(received: datetime, amount: float, unit: Unit, cutoff: time | None) -> datetime:
    start = _reference_start(received, cutoff)
    if unit is Unit.SAME_DAY:
        return CAL.windows_of(start.date())[-1][1]
    if unit is Unit.CALENDAR_DAYS:
        day = start.date() + timedelta(days=amount)
        while not CAL.is_working_day(day):
            day += timedelta(days=1)
        return CAL.windows_of(day)[-1][1]
    per_unit = timedelta(hours=1) if unit is Unit.WORKING_HOURS else timedelta(seconds=CAL.seconds_per_day)
    worked = per_unit * amount
    return _reference_walk(start, worked) if worked else start


@PROPERTY
@given(instants, rules, cutoffs)
def test_due_matches_a_day_by_day_walk(received, rule, cutoff):
    amount, unit = rule
    assert due_at(CAL, received, amount, unit, cutoff=cutoff) == _reference_due(
        received, amount, unit, cutoff
    )


@PROPERTY
@given(instants, rules, cutoffs)
def test_due_is_never_before_the_clock_start(received, rule, cutoff):
    amount, unit = rule
    start = clock_start(CAL, received, cutoff=cutoff)
    assert start >= received
    assert due_at(CAL, received, amount, unit, cutoff=cutoff) >= start


@PROPERTY
@given(instants, rules, cutoffs)
def test_due_and_clock_start_are_in_working_windows(received, rule, cutoff):
    amount, unit = rule
    due = due_at(CAL, received, amount, unit, cutoff=cutoff)
    assert due.tzinfo is TZ
    assert _in_a_window_or_at_its_end(due)
    start = clock_start(CAL, received, cutoff=cutoff)
    # A clock start is inside a window, never at a window's end.
    assert any(begin <= start < end for begin, end in CAL.windows_of(start.date()))


@PROPERTY
@given(instants, instants, rules, cutoffs)
def test_due_is_monotone_in_the_received_time(a, b, rule, cutoff):
    amount, unit = rule
    earlier, later = sorted((a, b))
    assert due_at(CAL, earlier, amount, unit, cutoff=cutoff) <= due_at(
        CAL, later, amount, unit, cutoff=cutoff
    )


@PROPERTY
@given(instants, st.integers(1, 80), st.integers(1, 80))
def test_n_then_m_working_hours_is_n_plus_m(received, n, m):
    after_n = due_at(CAL, received, n, Unit.WORKING_HOURS)
    assert due_at(CAL, after_n, m, Unit.WORKING_HOURS) == due_at(CAL, received, n + m, Unit.WORKING_HOURS)


@PROPERTY
@given(instants, durations, durations)
def test_adding_working_time_is_additive(start, d1, d2):
    assert add_working_time(CAL, add_working_time(CAL, start, d1), d2) == add_working_time(
        CAL, start, d1 + d2
    )


@PROPERTY
@given(instants, durations)
def test_working_time_between_inverts_add_working_time(start, duration):
    end = add_working_time(CAL, start, duration)
    assert end > start
    assert working_time_between(CAL, start, end) == duration
    assert working_time_between(CAL, end, start) == -duration


@PROPERTY
@given(instants, rules, cutoffs, instants)
def test_pause_then_immediate_resume_changes_nothing(received, rule, cutoff, instant):
    amount, unit = rule
    due = due_at(CAL, received, amount, unit, cutoff=cutoff)
    assert due_after_resume(CAL, due, instant, instant) == due


@PROPERTY
@given(instants, rules, cutoffs, instants, instants)
def test_pause_moves_the_due_by_the_paused_working_time(received, rule, cutoff, a, b):
    amount, unit = rule
    due = due_at(CAL, received, amount, unit, cutoff=cutoff)
    paused, resumed = sorted((a, b))
    new_due = due_after_resume(CAL, due, paused, resumed)
    if remaining_at_pause(CAL, due, paused) <= timedelta(0):
        assert new_due == due  # already late: stays late
    else:
        assert new_due >= due
        assert working_time_between(CAL, due, new_due) == working_time_between(CAL, paused, resumed)
        assert working_time_between(CAL, resumed, new_due) == remaining_at_pause(CAL, due, paused)


@PROPERTY
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    st.sampled_from([time(11, 30), time(15, 0), time(16, 59)]),
    st.sampled_from(
        [timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1), timedelta(hours=3)]
    ),
    rules,
)
def test_cutoff_around_its_time(day, cutoff, offset, rule):
    amount, unit = rule
    received = datetime.combine(day, cutoff, tzinfo=TZ) + offset
    start = clock_start(CAL, received, cutoff=cutoff)
    assert start == _reference_start(received, cutoff)
    if CAL.is_working_day(day) and offset >= timedelta(0):
        assert start == CAL.windows_of(CAL.next_working_day(day))[0][0]
    assert due_at(CAL, received, amount, unit, cutoff=cutoff) == _reference_due(
        received, amount, unit, cutoff
    )
