"""Due times of dossiers (docs/time-rules.md): clock start, due, pauses, timeliness — the public entry point of
the working-time rules. The calendars and the working-time walk they stand on live in `procedures.workcalendar`
and are re-exported here, so ``from procedures import worktime`` then ``worktime.X`` reaches every name of
`__all__`.

Pure domain code: standard library (and, through the calendar, `holidays`) only, no Django, no database. Every
datetime going in must be aware; every datetime coming out is aware in Asia/Ho_Chi_Minh.

Deadlines are additions on working positions (see `procedures.workcalendar`): a clock start is the *latest*
instant of its position (rule 1), a due time the *earliest* (rule 3).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal

from procedures.workcalendar import (
    _US_PER_HOUR,
    DEFAULT_WINDOWS,
    TZ,
    WorkCalendar,
    _earliest,
    _latest,
    _out_of_range,
    _pos,
    _pos_of,
    _split,
    _time_us,
    _to_us,
    add_working_time,
    to_local,
    working_time_between,
)

__all__ = [
    "DEFAULT_WINDOWS",
    "TZ",
    "PendingStatus",
    "Timeliness",
    "Unit",
    "WorkCalendar",
    "add_working_time",
    "clock_start",
    "due_after_resume",
    "due_at",
    "due_from_start",
    "pending_status",
    "recompute_due",
    "remaining_at_pause",
    "timeliness",
    "to_local",
    "working_time_between",
]


class Unit(enum.StrEnum):
    """Unit of a procedure's processing time; the values are stored in the database and typed in the CLI."""

    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    SAME_DAY = "same_day"


class Timeliness(enum.StrEnum):
    """How a resolved dossier compares with its due time (rule 9)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class PendingStatus(enum.StrEnum):
    """Where a dossier still being processed stands against its due time (rule 9)."""

    WITHIN_TIME = "within_time"
    OVERDUE = "overdue"


# Enum members hash by their name (Enum.__hash__), not by their value, so both spellings are keys.
_HOURS, _DAYS, _CALENDAR, _SAME_DAY = range(4)
_UNIT_CODES: dict[object, int] = {}
for _member, _code in zip(Unit, (_HOURS, _DAYS, _CALENDAR, _SAME_DAY), strict=True):
    _UNIT_CODES[_member] = _code
    _UNIT_CODES[_member.value] = _code
del _member, _code


def _start_pos(cal: WorkCalendar, received_at: datetime, cutoff: time | None) -> int:
    """Working position of the clock start (rules 1–2)."""
    i, tod = _split(cal, received_at)
    if cutoff is not None:
        if cutoff.tzinfo is not None:
            raise ValueError("a cut-off is a local wall-clock time without tzinfo")
        if cal._is_work[i] and tod >= _time_us(cutoff):
            return (cal._before[i] + 1) * cal._day
    return _pos(cal, i, tod)


def _unit_code(unit: Unit | str) -> int:
    try:
        return _UNIT_CODES[unit]
    except (KeyError, TypeError):
        raise ValueError(f"unknown unit {unit!r}; expected one of {[u.value for u in Unit]}") from None


def _due_from_pos(cal: WorkCalendar, p: int, amount: int | float | Decimal, code: int) -> datetime:
    """Rules 3–6 from the working position of a clock start."""
    if code == _DAYS:
        us = _to_us(amount, cal._per_day)
    elif code == _HOURS:
        us = _to_us(amount, _US_PER_HOUR)
    elif code == _SAME_DAY:
        if isinstance(amount, bool) or amount != 0:
            raise ValueError(f"a same-day deadline takes amount 0, got {amount!r}")
        k = p // cal._day
        if k >= cal._nwork:
            raise _out_of_range(cal)
        return cal._base[k] + cal._close_td
    else:  # calendar days
        n = _to_us(amount, 1)
        if n != amount:
            raise ValueError(f"calendar days must be a whole number, got {amount!r}")
        k = p // cal._day
        if k >= cal._nwork:
            raise _out_of_range(cal)
        j = cal._ords[k] + n - cal._first_ord
        if j >= cal._ndays:
            raise _out_of_range(cal)
        k = cal._before[j]  # the first working day on or after that date
        if k >= cal._nwork:
            raise _out_of_range(cal)
        return cal._base[k] + cal._close_td
    if us == 0:
        return _latest(cal, p)
    return _earliest(cal, p + us)


# ------------------------------------------------------------------------------------------- public API


def clock_start(cal: WorkCalendar, received_at: datetime, *, cutoff: time | None = None) -> datetime:
    """When the processing clock starts for a dossier received at `received_at` (rules 1–2).

    The first working instant at or after reception (11:30 sharp → 13:30, 17:00 sharp → next opening); with
    a cut-off, a dossier received on a working day at or after the cut-off starts at the next opening.
    """
    return _latest(cal, _start_pos(cal, received_at, cutoff))


def due_at(
    cal: WorkCalendar,
    received_at: datetime,
    amount: int | float | Decimal,
    unit: Unit | str,
    *,
    cutoff: time | None = None,
) -> datetime:
    """Due time of a dossier received at `received_at` (rules 1–6).

    Working hours and days may be fractional; calendar days must be whole; same day takes amount 0.
    A zero amount of working hours or days gives the clock start itself.
    """
    code = _unit_code(unit)
    return _due_from_pos(cal, _start_pos(cal, received_at, cutoff), amount, code)


def due_from_start(
    cal: WorkCalendar, start: datetime, amount: int | float | Decimal, unit: Unit | str
) -> datetime:
    """Due time from an already computed clock start (rules 3–6; `start` is normalised as in rule 1)."""
    code = _unit_code(unit)
    return _due_from_pos(cal, _pos_of(cal, start), amount, code)


def remaining_at_pause(cal: WorkCalendar, due: datetime, paused_at: datetime) -> timedelta:
    """Working time left from `paused_at` to `due`; zero or negative when the dossier is already late."""
    return working_time_between(cal, paused_at, due)


def due_after_resume(cal: WorkCalendar, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """Due time after a pause from `paused_at` to `resumed_at` (rule 7).

    The working time left at the pause is counted again from the resume instant (moved forward as in rule 1).
    A dossier with no working time left at the pause keeps its due time, and so does any dossier whose pause
    covered no working time (e.g. paused and resumed in the same lunch break).
    """
    if resumed_at < paused_at:
        raise ValueError(f"resumed at {resumed_at} before being paused at {paused_at}")
    p_due = _pos_of(cal, due)
    p_pause = _pos_of(cal, paused_at)
    if p_due <= p_pause:
        return to_local(due)
    shift = _pos_of(cal, resumed_at) - p_pause
    if shift == 0:
        return to_local(due)
    # Same as add_working_time(cal, resumed_at, remaining): the resume's position plus what was left.
    return _earliest(cal, p_due + shift)


def recompute_due(
    cal: WorkCalendar,
    received_at: datetime,
    amount: int | float | Decimal,
    unit: Unit | str,
    *,
    cutoff: time | None = None,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
) -> datetime:
    """Due time from a dossier's stored inputs (rule 8): reception, then each pause in time order (rule 7).

    A still-open pause (end None) leaves the due time as it was at the pause's start; it must be the last
    pause. Overlapping pauses raise ValueError.
    """
    due = due_at(cal, received_at, amount, unit, cutoff=cutoff)
    previous_end: datetime | None = None
    open_pause = False
    for paused_at, resumed_at in sorted(pauses, key=lambda pause: pause[0]):
        if open_pause:
            raise ValueError("an open pause (no resume time) must be the last pause")
        if previous_end is not None and paused_at < previous_end:
            raise ValueError(f"pause starting at {paused_at} overlaps the previous one")
        if resumed_at is None:
            open_pause = True
            continue
        due = due_after_resume(cal, due, paused_at, resumed_at)
        previous_end = resumed_at
    return due


def timeliness(due: datetime, resolved_at: datetime) -> Timeliness:
    """Rule 9: late if resolved after the due time, early if on a local date before the due's date, else on
    time (so resolving earlier on the due date itself is on time)."""
    due = to_local(due)
    resolved_at = to_local(resolved_at)
    if resolved_at > due:
        return Timeliness.LATE
    if resolved_at.date() < due.date():
        return Timeliness.EARLY
    return Timeliness.ON_TIME


def pending_status(due: datetime, now: datetime) -> PendingStatus:
    """Rule 9: a dossier still being processed is overdue once `now` is past its due time."""
    if to_local(now) > to_local(due):
        return PendingStatus.OVERDUE
    return PendingStatus.WITHIN_TIME
