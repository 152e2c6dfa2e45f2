"""Unit tests of the working-time rules (docs/time-rules.md) on the Vietnam calendar; no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from procedures.worktime import (
    DEFAULT_WINDOWS,
    TZ,
    PendingStatus,
    Timeliness,
    Unit,
    WorkCalendar,
    add_working_time,
    clock_start,
    due_after_resume,
    due_at,
    due_from_start,
    pending_status,
    recompute_due,
    remaining_at_pause,
    timeliness,
    to_local,
    working_time_between,
)

CAL = WorkCalendar.vietnam()


@pytest.fixture(autouse=True)
def _vietnamese_by_default():
    """Shadows tests/conftest.py's Django-settings fixture: this pure module runs even with -p no:django."""


H = timedelta(hours=1)


def vn(*args: int) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh: vn(2025, 3, 10, 10) is Mon 10 Mar 2025 10:00."""
    return datetime(*args, tzinfo=TZ)


def assert_same(actual: datetime, expected: datetime) -> None:
    assert actual == expected
    assert actual.tzinfo is TZ
    assert actual.utcoffset() == timedelta(hours=7)


# ----------------------------------------------------------------------------------- DESIGN examples


def test_design_three_working_days():
    assert_same(due_at(CAL, vn(2025, 3, 10, 10), 3, Unit.WORKING_DAYS), vn(2025, 3, 13, 10))


def test_design_same_day_with_cutoff_at_the_cutoff():
    due = due_at(CAL, vn(2026, 3, 2, 11, 30), 0, Unit.SAME_DAY, cutoff=time(11, 30))
    assert_same(due, vn(2026, 3, 3, 17))


def test_design_make_up_saturday_2026():
    assert_same(due_at(CAL, vn(2026, 8, 21, 14), 1, "working_days"), vn(2026, 8, 22, 14))


# ------------------------------------------------------------------------------------------ calendar


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Tết 2025: Mon 27 Jan – Sat 1 Feb.
        (date(2025, 1, 24), True),
        (date(2025, 1, 27), False),
        (date(2025, 1, 29), False),
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), True),
        # Tết 2026: Mon 16 – Fri 20 Feb.
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        # Hùng Kings.
        (date(2025, 4, 7), False),
        (date(2026, 4, 27), False),
        # 30 Apr – 1 May 2025, Fri 2 May swapped for Sat 26 Apr.
        (date(2025, 4, 26), True),
        (date(2025, 4, 30), False),
        (date(2025, 5, 1), False),
        (date(2025, 5, 2), False),
        (date(2025, 5, 5), True),
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        # 2 Sep 2025: Mon 1 – Tue 2 Sep.
        (date(2025, 9, 1), False),
        (date(2025, 9, 2), False),
        (date(2025, 9, 3), True),
        # 2 Sep 2026: Mon 31 Aug swapped for Sat 22 Aug, Tue 1 – Wed 2 Sep.
        (date(2026, 8, 22), True),
        (date(2026, 8, 29), False),
        (date(2026, 8, 31), False),
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # Plain weekend and weekday.
        (date(2025, 3, 15), False),
        (date(2025, 3, 16), False),
        (date(2025, 3, 17), True),
    ],
)
def test_vietnam_working_days(day, working):
    assert CAL.is_working_day(day) is working


def test_is_working_day_of_an_aware_datetime_uses_the_local_date():
    # Fri 24 Jan 2025 18:00 UTC is Sat 25 Jan 01:00 in Vietnam.
    assert CAL.is_working_day(datetime(2025, 1, 24, 18, tzinfo=UTC)) is False
    assert CAL.is_working_day(datetime(2025, 1, 24, 16, tzinfo=UTC)) is True


def test_windows_of():
    assert CAL.windows_of(date(2025, 3, 10)) == [
        (vn(2025, 3, 10, 7), vn(2025, 3, 10, 11, 30)),
        (vn(2025, 3, 10, 13, 30), vn(2025, 3, 10, 17)),
    ]
    assert CAL.windows_of(date(2025, 1, 29)) == []
    assert CAL.windows_of(date(2025, 4, 26)) == [
        (vn(2025, 4, 26, 7), vn(2025, 4, 26, 11, 30)),
        (vn(2025, 4, 26, 13, 30), vn(2025, 4, 26, 17)),
    ]
    assert all(start.tzinfo is TZ for start, _ in CAL.windows_of(date(2025, 3, 10)))


def test_next_working_day():
    assert CAL.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)
    assert CAL.next_working_day(date(2025, 3, 10)) == date(2025, 3, 11)
    assert CAL.next_working_day(date(2025, 3, 10), include_self=True) == date(2025, 3, 10)
    assert CAL.next_working_day(date(2025, 3, 15), include_self=True) == date(2025, 3, 17)
    assert CAL.next_working_day(date(2025, 4, 25)) == date(2025, 4, 26)
    assert CAL.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_seconds_per_day_defaults_to_the_windows():
    assert CAL.seconds_per_day == 28800
    assert (
        WorkCalendar(windows=((time(7, 30), time(11, 30)), (time(13, 30), time(17)))).seconds_per_day == 27000
    )
    assert WorkCalendar(hours_per_day=7.5).seconds_per_day == 27000


def test_dates_outside_the_calendar_years_raise():
    with pytest.raises(ValueError, match="outside"):
        CAL.is_working_day(date(2013, 12, 31))
    with pytest.raises(ValueError, match="outside"):
        due_at(CAL, vn(2041, 1, 2, 10), 1, Unit.WORKING_DAYS)
    with pytest.raises(ValueError, match="last year"):
        due_at(CAL, vn(2040, 12, 28, 10), 20, Unit.WORKING_DAYS)


@pytest.mark.parametrize(
    "windows",
    [
        (),
        ((time(11), time(7)),),
        ((time(7), time(12)), (time(11), time(17))),
        ((time(13, 30), time(17)), (time(7), time(11, 30))),
    ],
)
def test_invalid_windows_raise(windows):
    with pytest.raises(ValueError):
        WorkCalendar(windows=windows)


# ---------------------------------------------------------------------- rule 1: clock start


@pytest.mark.parametrize(
    ("received", "start"),
    [
        (vn(2025, 3, 10, 6), vn(2025, 3, 10, 7)),  # before opening
        (vn(2025, 3, 10, 7), vn(2025, 3, 10, 7)),
        (vn(2025, 3, 10, 10, 15, 30, 5), vn(2025, 3, 10, 10, 15, 30, 5)),
        (vn(2025, 3, 10, 11, 29, 59), vn(2025, 3, 10, 11, 29, 59)),
        (vn(2025, 3, 10, 11, 30), vn(2025, 3, 10, 13, 30)),  # 11:30 sharp
        (vn(2025, 3, 10, 12, 45), vn(2025, 3, 10, 13, 30)),  # lunch break
        (vn(2025, 3, 10, 13, 30), vn(2025, 3, 10, 13, 30)),
        (vn(2025, 3, 10, 16, 59, 59, 999999), vn(2025, 3, 10, 16, 59, 59, 999999)),
        (vn(2025, 3, 10, 17), vn(2025, 3, 11, 7)),  # 17:00 sharp
        (vn(2025, 3, 10, 22), vn(2025, 3, 11, 7)),  # evening
        (vn(2025, 3, 14, 17, 30), vn(2025, 3, 17, 7)),  # Friday evening
        (vn(2025, 3, 15, 10), vn(2025, 3, 17, 7)),  # Saturday
        (vn(2025, 3, 16, 23, 59), vn(2025, 3, 17, 7)),  # Sunday night
        (vn(2025, 1, 24, 17), vn(2025, 2, 3, 7)),  # eve of Tết 2025
        (vn(2025, 1, 29, 9), vn(2025, 2, 3, 7)),  # during Tết
        (vn(2025, 4, 26, 8), vn(2025, 4, 26, 8)),  # make-up Saturday
        (vn(2025, 4, 29, 17), vn(2025, 5, 5, 7)),  # before 30 Apr – 4 May 2025
    ],
)
def test_clock_start(received, start):
    assert_same(clock_start(CAL, received), start)


def test_clock_start_converts_other_zones():
    # 03:00 UTC is 10:00 in Vietnam; 10:00 UTC is 17:00.
    assert_same(clock_start(CAL, datetime(2025, 3, 10, 3, tzinfo=UTC)), vn(2025, 3, 10, 10))
    assert_same(clock_start(CAL, datetime(2025, 3, 10, 10, tzinfo=UTC)), vn(2025, 3, 11, 7))


# ------------------------------------------------------------------------------ rule 2: cut-off


@pytest.mark.parametrize(
    ("received", "unit", "amount", "due"),
    [
        # 15:00 cut-off: 14:59 counts today, 15:00 counts from tomorrow's opening.
        (vn(2025, 3, 10, 14, 59), Unit.SAME_DAY, 0, vn(2025, 3, 10, 17)),
        (vn(2025, 3, 10, 15), Unit.SAME_DAY, 0, vn(2025, 3, 11, 17)),
        (vn(2025, 3, 10, 14, 59), Unit.WORKING_DAYS, 1, vn(2025, 3, 11, 14, 59)),
        (vn(2025, 3, 10, 15), Unit.WORKING_DAYS, 1, vn(2025, 3, 11, 17)),
        (vn(2025, 3, 10, 15), Unit.WORKING_HOURS, 2, vn(2025, 3, 11, 9)),
        # Friday at the cut-off → Monday.
        (vn(2025, 3, 14, 15, 30), Unit.SAME_DAY, 0, vn(2025, 3, 17, 17)),
        # Saturday after 15:00 is not a working day: the clock starts Monday, not Tuesday.
        (vn(2025, 3, 15, 16), Unit.SAME_DAY, 0, vn(2025, 3, 17, 17)),
        (vn(2025, 3, 15, 16), Unit.WORKING_HOURS, 1, vn(2025, 3, 17, 8)),
        # A make-up Saturday is a working day, so the cut-off applies.
        (vn(2025, 4, 26, 14), Unit.SAME_DAY, 0, vn(2025, 4, 26, 17)),
        (vn(2025, 4, 26, 15), Unit.SAME_DAY, 0, vn(2025, 4, 28, 17)),
        # At the cut-off before Tết.
        (vn(2025, 1, 24, 15), Unit.WORKING_DAYS, 1, vn(2025, 2, 3, 17)),
    ],
)
def test_cutoff_15h(received, unit, amount, due):
    assert_same(due_at(CAL, received, amount, unit, cutoff=time(15)), due)


def test_cutoff_15h_clock_start():
    assert_same(clock_start(CAL, vn(2025, 3, 10, 14, 59), cutoff=time(15)), vn(2025, 3, 10, 14, 59))
    assert_same(clock_start(CAL, vn(2025, 3, 10, 15), cutoff=time(15)), vn(2025, 3, 11, 7))
    assert_same(clock_start(CAL, vn(2025, 3, 15, 16), cutoff=time(15)), vn(2025, 3, 17, 7))
    # Before opening on a working day: rule 1 only.
    assert_same(clock_start(CAL, vn(2025, 3, 10, 6), cutoff=time(15)), vn(2025, 3, 10, 7))


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (vn(2026, 3, 2, 11, 29, 59), vn(2026, 3, 2, 17)),  # received before 11:30 → same day
        (vn(2026, 3, 2, 11, 30), vn(2026, 3, 3, 17)),
        (vn(2026, 3, 2, 13, 45), vn(2026, 3, 3, 17)),
        (vn(2026, 3, 2, 6, 30), vn(2026, 3, 2, 17)),
        (vn(2026, 2, 13, 11, 30), vn(2026, 2, 23, 17)),  # Friday before Tết 2026
    ],
)
def test_cutoff_1130_same_day(received, due):
    assert_same(due_at(CAL, received, 0, Unit.SAME_DAY, cutoff=time(11, 30)), due)


def test_cutoff_1130_clock_start_at_the_cutoff_and_just_before():
    """At 11:30:00 sharp the dossier is already "from 11:30 on": the clock starts at the next working day's
    opening. Received before 11:30 (even 11:29:59.999999) it starts at once, the same day."""
    cutoff = time(11, 30)
    assert_same(clock_start(CAL, vn(2026, 3, 2, 11, 30), cutoff=cutoff), vn(2026, 3, 3, 7))
    assert_same(clock_start(CAL, vn(2026, 3, 2, 11, 30, 0, 1), cutoff=cutoff), vn(2026, 3, 3, 7))
    assert_same(clock_start(CAL, vn(2026, 3, 2, 11, 29, 59), cutoff=cutoff), vn(2026, 3, 2, 11, 29, 59))
    assert_same(clock_start(CAL, vn(2026, 3, 2, 11, 29, 59, 999999), cutoff=cutoff),
                vn(2026, 3, 2, 11, 29, 59, 999999))
    # The same instants stored in UTC (as the database gives them back).
    assert_same(clock_start(CAL, datetime(2026, 3, 2, 4, 30, tzinfo=UTC), cutoff=cutoff), vn(2026, 3, 3, 7))
    assert_same(clock_start(CAL, datetime(2026, 3, 2, 4, 29, 59, tzinfo=UTC), cutoff=cutoff),
                vn(2026, 3, 2, 11, 29, 59))
    # On a Friday the next working day is Monday.
    assert_same(clock_start(CAL, vn(2026, 3, 6, 11, 30), cutoff=cutoff), vn(2026, 3, 9, 7))
    assert_same(due_at(CAL, vn(2026, 3, 6, 11, 29, 59), 0, Unit.SAME_DAY, cutoff=cutoff), vn(2026, 3, 6, 17))
    assert_same(due_at(CAL, vn(2026, 3, 6, 11, 30), 0, Unit.SAME_DAY, cutoff=cutoff), vn(2026, 3, 9, 17))


def test_cutoff_does_not_change_the_clock_start_without_one():
    assert_same(due_at(CAL, vn(2025, 3, 10, 15, 30), 0, Unit.SAME_DAY), vn(2025, 3, 10, 17))


# -------------------------------------------------------------------------- rule 3: working hours


@pytest.mark.parametrize(
    ("received", "hours", "due"),
    [
        (vn(2025, 3, 10, 10), 1, vn(2025, 3, 10, 11)),
        (vn(2025, 3, 10, 10), 1.5, vn(2025, 3, 10, 11, 30)),  # ends at 11:30, not 13:30
        (vn(2025, 3, 10, 10), 2, vn(2025, 3, 10, 14)),
        (vn(2025, 3, 10, 10), 0.5, vn(2025, 3, 10, 10, 30)),
        (vn(2025, 3, 10, 10), Decimal("0.25"), vn(2025, 3, 10, 10, 15)),
        (vn(2025, 3, 10, 13, 30), 3.5, vn(2025, 3, 10, 17)),  # ends at 17:00, not tomorrow 07:00
        (vn(2025, 3, 10, 7), 8, vn(2025, 3, 10, 17)),
        (vn(2025, 3, 10, 12), 4, vn(2025, 3, 11, 7, 30)),  # lunch break reception
        (vn(2025, 3, 10, 12), 3.5, vn(2025, 3, 10, 17)),
        (vn(2025, 3, 10, 16), 2, vn(2025, 3, 11, 8)),
        (vn(2025, 3, 14, 16), 2, vn(2025, 3, 17, 8)),  # over the weekend
        (vn(2025, 3, 14, 17), 8, vn(2025, 3, 17, 17)),
        (vn(2025, 3, 15, 10), 8, vn(2025, 3, 17, 17)),  # Saturday reception
        (vn(2025, 1, 24, 16), 2, vn(2025, 2, 3, 8)),  # over Tết 2025
        (vn(2026, 8, 21, 16), 2, vn(2026, 8, 22, 8)),  # onto the make-up Saturday
        (vn(2025, 3, 10, 10), 40, vn(2025, 3, 17, 10)),
    ],
)
def test_working_hours(received, hours, due):
    assert_same(due_at(CAL, received, hours, Unit.WORKING_HOURS), due)


def test_zero_working_hours_is_the_clock_start():
    assert_same(due_at(CAL, vn(2025, 3, 10, 12), 0, Unit.WORKING_HOURS), vn(2025, 3, 10, 13, 30))


def test_add_working_time():
    assert_same(add_working_time(CAL, vn(2025, 3, 10, 10), timedelta(minutes=90)), vn(2025, 3, 10, 11, 30))
    assert_same(add_working_time(CAL, vn(2025, 3, 10, 11, 30), timedelta(minutes=1)), vn(2025, 3, 10, 13, 31))
    assert_same(add_working_time(CAL, vn(2025, 3, 14, 18), timedelta(hours=8)), vn(2025, 3, 17, 17))
    assert_same(add_working_time(CAL, vn(2025, 3, 14, 18), timedelta(0)), vn(2025, 3, 17, 7))
    assert_same(
        add_working_time(CAL, vn(2025, 3, 10, 10), timedelta(microseconds=1)), vn(2025, 3, 10, 10, 0, 0, 1)
    )


# --------------------------------------------------------------------------- rule 4: working days


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (vn(2025, 1, 24, 10), 1, vn(2025, 2, 3, 10)),  # Tết 2025
        (vn(2025, 1, 20, 10), 5, vn(2025, 2, 3, 10)),
        (vn(2025, 1, 29, 9), 3, vn(2025, 2, 5, 17)),  # received during Tết: starts Mon 07:00
        (vn(2026, 2, 13, 15), 1, vn(2026, 2, 23, 15)),  # Tết 2026
        (vn(2026, 2, 12, 10), 2, vn(2026, 2, 23, 10)),
        (vn(2025, 4, 25, 10), 1, vn(2025, 4, 26, 10)),  # make-up Saturday 2025 worked
        (vn(2025, 4, 25, 10), 2, vn(2025, 4, 28, 10)),
        (vn(2025, 4, 29, 10), 1, vn(2025, 5, 5, 10)),  # 30 Apr, 1 May, 2 May (swapped) off
        (vn(2026, 4, 29, 10), 1, vn(2026, 5, 4, 10)),
        (vn(2025, 8, 29, 10), 1, vn(2025, 9, 3, 10)),  # 1–2 Sep 2025
        (vn(2026, 8, 28, 10), 1, vn(2026, 9, 3, 10)),  # 31 Aug swapped, 1–2 Sep 2026
        (vn(2025, 3, 10, 12), 1, vn(2025, 3, 11, 11, 30)),  # lunch: from 13:30, 8 h ends at 11:30
        (vn(2025, 3, 10, 10), 0.5, vn(2025, 3, 10, 16)),  # 4 h
        (vn(2025, 3, 10, 10), 20, vn(2025, 4, 8, 10)),  # Hùng Kings Mon 7 Apr 2025 skipped
    ],
)
def test_working_days(received, days, due):
    assert_same(due_at(CAL, received, days, Unit.WORKING_DAYS), due)


def test_working_days_use_hours_per_day():
    # A 7.5 h desk that counts a working day as 8 h: one working day from Mon 07:30 ends Tue 08:00.
    cal = WorkCalendar(windows=((time(7, 30), time(11, 30)), (time(13, 30), time(17))), hours_per_day=8)
    assert_same(due_at(cal, vn(2025, 3, 10, 7, 30), 1, Unit.WORKING_DAYS), vn(2025, 3, 11, 8))


# ---------------------------------------------------------------------------- rule 5: same day


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (vn(2025, 3, 10, 6), vn(2025, 3, 10, 17)),
        (vn(2025, 3, 10, 16, 59), vn(2025, 3, 10, 17)),
        (vn(2025, 3, 10, 17), vn(2025, 3, 11, 17)),
        (vn(2025, 3, 15, 9), vn(2025, 3, 17, 17)),
        (vn(2025, 4, 26, 9), vn(2025, 4, 26, 17)),
    ],
)
def test_same_day(received, due):
    assert_same(due_at(CAL, received, 0, Unit.SAME_DAY), due)


@pytest.mark.parametrize("amount", [1, 0.5, None, "0"])
def test_same_day_accepts_only_zero(amount):
    with pytest.raises((ValueError, TypeError)):
        due_at(CAL, vn(2025, 3, 10, 10), amount, Unit.SAME_DAY)


# ------------------------------------------------------------------------- rule 6: calendar days


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        (vn(2025, 3, 10, 10), 3, vn(2025, 3, 13, 17)),
        (vn(2025, 3, 10, 10), 0, vn(2025, 3, 10, 17)),
        (vn(2025, 3, 10, 10), 5, vn(2025, 3, 17, 17)),  # Saturday → Monday
        (vn(2025, 3, 10, 10), 6, vn(2025, 3, 17, 17)),  # Sunday → Monday
        (vn(2025, 3, 14, 18), 3, vn(2025, 3, 20, 17)),  # clock starts Monday
        (vn(2025, 1, 24, 10), 5, vn(2025, 2, 3, 17)),  # ends in Tết 2025
        (vn(2026, 2, 12, 10), 5, vn(2026, 2, 23, 17)),  # ends in Tết 2026
        (vn(2025, 4, 21, 10), 5, vn(2025, 4, 26, 17)),  # ends on the make-up Saturday
        (vn(2025, 4, 21, 10), 11, vn(2025, 5, 5, 17)),  # ends on swapped Fri 2 May
        (vn(2026, 8, 1, 10), 30, vn(2026, 9, 3, 17)),  # Sat: starts Mon 3 Aug, ends Wed 2 Sep
    ],
)
def test_calendar_days(received, days, due):
    assert_same(due_at(CAL, received, days, Unit.CALENDAR_DAYS), due)


def test_calendar_days_must_be_whole():
    assert_same(due_at(CAL, vn(2025, 3, 10, 10), Decimal("3"), "calendar_days"), vn(2025, 3, 13, 17))
    with pytest.raises(ValueError, match="whole"):
        due_at(CAL, vn(2025, 3, 10, 10), 1.5, Unit.CALENDAR_DAYS)


def test_due_from_start():
    start = clock_start(CAL, vn(2025, 3, 10, 15), cutoff=time(15))
    assert_same(start, vn(2025, 3, 11, 7))
    assert_same(due_from_start(CAL, start, 2, Unit.WORKING_HOURS), vn(2025, 3, 11, 9))
    assert_same(due_from_start(CAL, start, 1, Unit.WORKING_DAYS), vn(2025, 3, 11, 17))
    assert_same(due_from_start(CAL, start, 0, Unit.SAME_DAY), vn(2025, 3, 11, 17))
    assert_same(due_from_start(CAL, start, 3, Unit.CALENDAR_DAYS), vn(2025, 3, 14, 17))
    # An un-normalised start is moved forward first.
    assert_same(due_from_start(CAL, vn(2025, 3, 15, 9), 0, Unit.SAME_DAY), vn(2025, 3, 17, 17))


# ------------------------------------------------------------------------ calendar exceptions


def test_extra_day_off_moves_the_due():
    cal = WorkCalendar.vietnam(extra_days_off=[date(2025, 3, 12)])
    assert cal.is_working_day(date(2025, 3, 12)) is False
    assert_same(due_at(cal, vn(2025, 3, 10, 10), 3, Unit.WORKING_DAYS), vn(2025, 3, 14, 10))
    # The shared calendar is unchanged.
    assert_same(due_at(CAL, vn(2025, 3, 10, 10), 3, Unit.WORKING_DAYS), vn(2025, 3, 13, 10))


def test_extra_working_day_moves_the_due():
    cal = WorkCalendar.vietnam(extra_working_days=[date(2025, 3, 15)])
    assert cal.is_working_day(date(2025, 3, 15)) is True
    assert_same(due_at(cal, vn(2025, 3, 10, 10), 5, Unit.WORKING_DAYS), vn(2025, 3, 15, 10))
    assert_same(due_at(CAL, vn(2025, 3, 10, 10), 5, Unit.WORKING_DAYS), vn(2025, 3, 17, 10))


def test_administrator_exceptions_win_over_the_package():
    cal = WorkCalendar.vietnam(extra_working_days=[date(2025, 9, 2)], extra_days_off=[date(2026, 8, 22)])
    assert cal.is_working_day(date(2025, 9, 2)) is True  # a public holiday worked
    assert cal.is_working_day(date(2026, 8, 22)) is False  # a make-up Saturday cancelled
    assert_same(due_at(cal, vn(2026, 8, 21, 14), 1, Unit.WORKING_DAYS), vn(2026, 8, 24, 14))


def test_a_date_in_both_lists_is_a_day_off():
    day = date(2025, 3, 15)
    assert WorkCalendar.vietnam(extra_days_off=[day], extra_working_days=[day]).is_working_day(day) is False
    plain = WorkCalendar(days_off=[day, date(2025, 3, 12)], working_days=[day, date(2025, 3, 16)])
    assert plain.is_working_day(day) is False
    assert plain.is_working_day(date(2025, 3, 12)) is False
    assert plain.is_working_day(date(2025, 3, 16)) is True


def test_plain_calendar_has_no_public_holidays():
    plain = WorkCalendar()
    assert plain.is_working_day(date(2025, 1, 29)) is True
    assert plain.is_working_day(date(2025, 4, 26)) is False


def test_custom_windows():
    cal = WorkCalendar(windows=((time(7, 30), time(11, 30)), (time(13, 30), time(17))))
    assert_same(clock_start(cal, vn(2025, 3, 10, 7)), vn(2025, 3, 10, 7, 30))
    assert_same(due_at(cal, vn(2025, 3, 10, 10), 1, Unit.WORKING_DAYS), vn(2025, 3, 11, 10))
    assert DEFAULT_WINDOWS == ((time(7), time(11, 30)), (time(13, 30), time(17)))


# ------------------------------------------------------------------------- working time between


def test_working_time_between():
    assert working_time_between(CAL, vn(2025, 3, 14, 16), vn(2025, 3, 17, 8)) == 2 * H  # over a weekend
    assert working_time_between(CAL, vn(2025, 3, 17, 8), vn(2025, 3, 14, 16)) == -2 * H
    assert working_time_between(CAL, vn(2025, 3, 14, 10), vn(2025, 3, 17, 10)) == 8 * H
    assert working_time_between(CAL, vn(2025, 3, 14, 10), vn(2025, 3, 14, 10)) == timedelta(0)
    assert working_time_between(CAL, vn(2025, 3, 10, 11, 30), vn(2025, 3, 10, 13, 30)) == timedelta(0)
    assert working_time_between(CAL, vn(2025, 3, 10, 11), vn(2025, 3, 10, 14)) == H
    assert working_time_between(CAL, vn(2025, 1, 24, 10), vn(2025, 2, 3, 10)) == 8 * H  # over Tết
    assert working_time_between(CAL, vn(2025, 3, 10, 10), datetime(2025, 3, 10, 4, tzinfo=UTC)) == H


# ------------------------------------------------------------------------------- rule 7: pauses


def test_pause_across_tet_moves_the_due_by_the_paused_working_time():
    due = due_at(CAL, vn(2025, 1, 20, 10), 5, Unit.WORKING_DAYS)
    assert_same(due, vn(2025, 2, 3, 10))
    paused, resumed = vn(2025, 1, 23, 10), vn(2025, 2, 4, 10)
    assert remaining_at_pause(CAL, due, paused) == 16 * H
    new_due = due_after_resume(CAL, due, paused, resumed)
    assert_same(new_due, vn(2025, 2, 6, 10))
    assert working_time_between(CAL, due, new_due) == working_time_between(CAL, paused, resumed) == 24 * H


def test_resume_in_the_lunch_break_counts_from_1330():
    # 16 h left, resumed Tue 12:00 → from 13:30: 3.5 h Tue, 8 h Wed, 4.5 h Thu, ending at 11:30 sharp.
    due = vn(2025, 2, 3, 10)
    assert_same(due_after_resume(CAL, due, vn(2025, 1, 23, 10), vn(2025, 2, 4, 12)), vn(2025, 2, 6, 11, 30))


def test_resume_on_a_day_off_counts_from_the_next_opening():
    due = vn(2025, 3, 12, 10)
    # Paused Mon 10:00 with 16 h left, resumed Saturday → from Mon 17 Mar 07:00: due Tue 18 Mar 17:00.
    assert_same(due_after_resume(CAL, due, vn(2025, 3, 10, 10), vn(2025, 3, 15, 9)), vn(2025, 3, 18, 17))


def test_already_late_pause_stays_late():
    due = vn(2025, 3, 10, 17)
    paused = vn(2025, 3, 11, 9)
    assert remaining_at_pause(CAL, due, paused) == -2 * H
    assert_same(due_after_resume(CAL, due, paused, vn(2025, 3, 20, 9)), due)
    # Paused after closing on the due day: nothing left either.
    assert remaining_at_pause(CAL, due, vn(2025, 3, 10, 18)) == timedelta(0)
    assert_same(due_after_resume(CAL, due, vn(2025, 3, 10, 18), vn(2025, 3, 20, 9)), due)


@pytest.mark.parametrize(
    ("due", "instant"),
    [
        (vn(2025, 3, 10, 17), vn(2025, 3, 10, 12)),  # due 17:00, paused in the lunch break
        (vn(2025, 3, 10, 17), vn(2025, 3, 10, 16, 59)),
        (vn(2025, 3, 10, 11, 30), vn(2025, 3, 10, 11, 30)),
        (vn(2025, 3, 10, 11, 30), vn(2025, 3, 10, 9)),
        (vn(2025, 3, 17, 7), vn(2025, 3, 14, 12)),  # a due at an opening is kept as it is
        (vn(2025, 3, 13, 10), vn(2025, 3, 15, 10)),  # paused on a Saturday
    ],
)
def test_pause_then_immediate_resume_changes_nothing(due, instant):
    assert_same(due_after_resume(CAL, due, instant, instant), due)


def test_pause_covering_no_working_time_changes_nothing():
    due = vn(2025, 3, 13, 10)
    assert_same(due_after_resume(CAL, due, vn(2025, 3, 10, 11, 45), vn(2025, 3, 10, 13, 15)), due)
    assert_same(due_after_resume(CAL, due, vn(2025, 3, 7, 17, 30), vn(2025, 3, 10, 6)), due)


def test_resume_before_pause_raises():
    with pytest.raises(ValueError, match="before"):
        due_after_resume(CAL, vn(2025, 3, 13, 10), vn(2025, 3, 11, 10), vn(2025, 3, 10, 10))


# ---------------------------------------------------------------------------- rule 8: recompute


def test_recompute_due_with_pauses():
    received = vn(2025, 1, 20, 10)
    assert_same(recompute_due(CAL, received, 5, "working_days"), vn(2025, 2, 3, 10))
    closed = (vn(2025, 1, 23, 10), vn(2025, 2, 4, 10))
    assert_same(recompute_due(CAL, received, 5, "working_days", pauses=[closed]), vn(2025, 2, 6, 10))
    # An open pause leaves the due as it was when the pause began.
    assert_same(
        recompute_due(CAL, received, 5, "working_days", pauses=[(closed[0], None)]), vn(2025, 2, 3, 10)
    )
    # Two pauses of one working hour each, given out of order: due two working hours later (past lunch).
    pauses = [(vn(2025, 2, 3, 8), vn(2025, 2, 3, 9)), (vn(2025, 1, 21, 8), vn(2025, 1, 21, 9))]
    assert_same(recompute_due(CAL, received, 5, "working_days", pauses=pauses), vn(2025, 2, 3, 14))
    # A pause after the due time changes nothing; then a pause still open.
    pauses.append((vn(2025, 2, 3, 15), vn(2025, 2, 4, 9)))
    pauses.append((vn(2025, 2, 5, 8), None))
    assert_same(recompute_due(CAL, received, 5, "working_days", pauses=pauses), vn(2025, 2, 3, 14))


def test_recompute_due_with_cutoff_and_the_current_calendar():
    received = vn(2025, 3, 10, 15)
    assert_same(recompute_due(CAL, received, 0, Unit.SAME_DAY, cutoff=time(15)), vn(2025, 3, 11, 17))
    cal = WorkCalendar.vietnam(extra_days_off=[date(2025, 3, 11)])
    assert_same(recompute_due(cal, received, 0, Unit.SAME_DAY, cutoff=time(15)), vn(2025, 3, 12, 17))


def test_recompute_due_rejects_bad_pauses():
    received = vn(2025, 3, 10, 10)
    with pytest.raises(ValueError, match="overlaps"):
        recompute_due(
            CAL,
            received,
            5,
            Unit.WORKING_DAYS,
            pauses=[(vn(2025, 3, 11, 8), vn(2025, 3, 11, 10)), (vn(2025, 3, 11, 9), vn(2025, 3, 11, 11))],
        )
    with pytest.raises(ValueError, match="open pause"):
        recompute_due(
            CAL,
            received,
            5,
            Unit.WORKING_DAYS,
            pauses=[(vn(2025, 3, 11, 8), None), (vn(2025, 3, 12, 8), vn(2025, 3, 12, 9))],
        )


# --------------------------------------------------------------------------- rule 9: timeliness


@pytest.mark.parametrize(
    ("resolved", "expected"),
    [
        (vn(2025, 3, 13, 10), Timeliness.ON_TIME),  # exactly at the due time
        (vn(2025, 3, 13, 7), Timeliness.ON_TIME),  # same date, earlier
        (vn(2025, 3, 13, 0, 0), Timeliness.ON_TIME),
        (vn(2025, 3, 12, 23, 59, 59), Timeliness.EARLY),  # previous date
        (vn(2025, 3, 3, 9), Timeliness.EARLY),
        (vn(2025, 3, 13, 10, 0, 0, 1), Timeliness.LATE),
        (vn(2025, 3, 14, 8), Timeliness.LATE),
        # 17:30 UTC on the 12th is 00:30 on the 13th in Vietnam: the local date counts.
        (datetime(2025, 3, 12, 17, 30, tzinfo=UTC), Timeliness.ON_TIME),
        (datetime(2025, 3, 12, 16, 59, tzinfo=UTC), Timeliness.EARLY),
    ],
)
def test_timeliness(resolved, expected):
    assert timeliness(vn(2025, 3, 13, 10), resolved) is expected


def test_pending_status():
    due = vn(2025, 3, 13, 10)
    assert pending_status(due, vn(2025, 3, 13, 10)) is PendingStatus.WITHIN_TIME
    assert pending_status(due, vn(2025, 3, 12, 10)) is PendingStatus.WITHIN_TIME
    assert pending_status(due, vn(2025, 3, 13, 10, 0, 1)) is PendingStatus.OVERDUE
    assert pending_status(due, datetime(2025, 3, 13, 3, 1, tzinfo=UTC)) is PendingStatus.OVERDUE


def test_enum_values():
    assert [u.value for u in Unit] == ["working_hours", "working_days", "calendar_days", "same_day"]
    assert [t.value for t in Timeliness] == ["early", "on_time", "late"]
    assert [s.value for s in PendingStatus] == ["within_time", "overdue"]
    assert Unit("same_day") is Unit.SAME_DAY
    assert Unit.WORKING_DAYS == "working_days"


# ------------------------------------------------------------------------------------ bad input


def test_to_local():
    assert_same(to_local(datetime(2025, 3, 10, 3, tzinfo=UTC)), vn(2025, 3, 10, 10))
    local = vn(2025, 3, 10, 10)
    assert to_local(local) is local
    with pytest.raises(ValueError, match="naive"):
        to_local(datetime(2025, 3, 10, 10))


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: due_at(CAL, naive, 1, Unit.WORKING_DAYS),
        lambda naive: clock_start(CAL, naive),
        lambda naive: add_working_time(CAL, naive, H),
        lambda naive: working_time_between(CAL, vn(2025, 3, 10, 10), naive),
        lambda naive: due_after_resume(CAL, vn(2025, 3, 13, 10), naive, naive),
        lambda naive: timeliness(vn(2025, 3, 13, 10), naive),
        lambda naive: pending_status(naive, vn(2025, 3, 13, 10)),
    ],
)
def test_naive_datetimes_raise(call):
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2025, 3, 10, 10))


@pytest.mark.parametrize("unit", list(Unit))
def test_negative_amounts_raise(unit):
    with pytest.raises(ValueError):
        due_at(CAL, vn(2025, 3, 10, 10), -1, unit)


def test_other_bad_amounts_and_units():
    with pytest.raises(ValueError, match="negative"):
        add_working_time(CAL, vn(2025, 3, 10, 10), -H)
    with pytest.raises(ValueError, match="negative"):
        due_at(CAL, vn(2025, 3, 10, 10), Decimal("-0.5"), Unit.WORKING_HOURS)
    with pytest.raises(ValueError, match="finite"):
        due_at(CAL, vn(2025, 3, 10, 10), float("nan"), Unit.WORKING_HOURS)
    with pytest.raises(TypeError):
        due_at(CAL, vn(2025, 3, 10, 10), "3", Unit.WORKING_DAYS)
    with pytest.raises(TypeError):
        due_at(CAL, vn(2025, 3, 10, 10), True, Unit.WORKING_DAYS)
    with pytest.raises(ValueError, match="unknown unit"):
        due_at(CAL, vn(2025, 3, 10, 10), 3, "fortnights")
