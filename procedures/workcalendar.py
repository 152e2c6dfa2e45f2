"""Working calendars and the working-time walk (docs/time-rules.md): which days are worked, in which windows, and
how much working time lies between two instants. `procedures.worktime` builds the due-time rules on it and is
the public entry point (it re-exports `WorkCalendar`, `TZ`, `to_local`, `add_working_time` and the rest).

Pure domain code: standard library and `holidays` only, no Django, no database. Every datetime going in
must be aware; every datetime coming out is aware in Asia/Ho_Chi_Minh.

How it stays fast: a `WorkCalendar` precomputes, for each date of its year range, whether it is a working
day and how many working days come before it. Any instant then maps in O(1) to its *working position* (the
working time, in microseconds, from the start of the range up to that instant) and back. Adding N working
hours or days is an addition on positions, so no call walks day by day or consults `holidays`.

All working days share the same windows, so a working day holds `day` microseconds of working time (the sum
of the windows) and position ``k * day + offset`` is ``offset`` into working day number ``k``. Positions are
constant across gaps (lunch, nights, days off), so one position can name a whole gap; the two ends of a gap
are told apart on purpose:

* a clock start is the *latest* instant of its position (the opening after the gap: rule 1);
* a due time is the *earliest* instant of its position (the window's end before the gap: rule 3).

The underscored helpers (`_pos_of`, `_latest`, `_earliest`, `_to_us`, ...) are shared with
`procedures.worktime` only; this module never imports it.

Times are wall-clock: Asia/Ho_Chi_Minh has kept +07:00 without daylight saving since 1975.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from numbers import Rational, Real
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_WINDOWS",
    "TZ",
    "WorkCalendar",
    "add_working_time",
    "to_local",
    "working_time_between",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_WINDOWS = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

_US_PER_SECOND = 1_000_000
_US_PER_HOUR = 3600 * _US_PER_SECOND
_US_PER_DAY = 24 * _US_PER_HOUR


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


@functools.lru_cache(maxsize=16)
def _vietnam_days(first_year: int, last_year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Public holidays (with substituted days off) and make-up Saturdays from `holidays`, for the years.

    Slow to build (about 0.1 s for 27 years), hence cached; the result is immutable.
    """
    vn = holidays.country_holidays("VN", years=range(first_year, last_year + 1))
    days_off = frozenset(d for d in vn if first_year <= d.year <= last_year)
    # weekend_workdays is filled for every year the package knows, whatever `years` asked for.
    make_up = frozenset(d for d in vn.weekend_workdays if first_year <= d.year <= last_year)
    return days_off, make_up


class WorkCalendar:
    """Working days and working windows of an agency, for the years first_year..last_year inclusive.

    Precedence, from weakest to strongest:

    1. base rule: Monday to Friday are working days;
    2. ``working_days`` are added (e.g. make-up Saturdays);
    3. ``days_off`` are removed, so a date given in both is a day off.

    `WorkCalendar.vietnam` feeds the `holidays` package's days into these two sets and lets the
    administrator's exceptions override the package (see there).

    ``hours_per_day`` is what one working day is worth when a deadline is counted in working days
    (rule 4); it defaults to the total length of the windows (8 h for `DEFAULT_WINDOWS`).

    Dates outside the year range raise ValueError: the calendar does not guess holidays it was not built for.
    """

    def __init__(
        self,
        *,
        windows: Iterable[tuple[time, time]] = DEFAULT_WINDOWS,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
        first_year: int = 2014,
        last_year: int = 2040,
        hours_per_day: float | Decimal | None = None,
    ) -> None:
        windows = tuple((start, end) for start, end in windows)
        if not windows:
            raise ValueError("a work calendar needs at least one working window")
        wins = []
        cum = 0
        previous_end = -1
        for start, end in windows:
            if not isinstance(start, time) or not isinstance(end, time):
                raise TypeError(f"working windows are pairs of datetime.time, not {start!r}, {end!r}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working windows are local wall-clock times without tzinfo")
            s, e = _time_us(start), _time_us(end)
            if not s < e:
                raise ValueError(f"working window {start}–{end} must end after it starts")
            if s < previous_end:
                raise ValueError("working windows must be in order and must not overlap")
            wins.append((s, e, cum, cum + e - s))
            cum += e - s
            previous_end = e
        if not first_year <= last_year:
            raise ValueError(f"first_year {first_year} is after last_year {last_year}")

        self.windows: tuple[tuple[time, time], ...] = windows
        self.first_year = first_year
        self.last_year = last_year
        self.days_off: frozenset[date] = frozenset(days_off)
        self.working_days: frozenset[date] = frozenset(working_days)

        day_us = cum
        if hours_per_day is None:
            per_day_us = day_us
        else:
            per_day_us = _to_us(hours_per_day, _US_PER_HOUR, "hours_per_day")
            if per_day_us <= 0:
                raise ValueError("hours_per_day must be positive")
        self.hours_per_day = per_day_us / _US_PER_HOUR
        self.seconds_per_day: int = per_day_us // _US_PER_SECOND

        first_ord = date(first_year, 1, 1).toordinal()
        last_ord = date(last_year, 12, 31).toordinal()
        ndays = last_ord - first_ord + 1
        off_ords = {d.toordinal() for d in self.days_off}
        work_ords = {d.toordinal() for d in self.working_days}
        is_work = bytearray(ndays)
        before = [0] * (ndays + 1)  # before[i]: working days strictly before ordinal first_ord + i
        ords: list[int] = []
        for i in range(ndays):
            o = first_ord + i
            before[i] = len(ords)
            # date.weekday() is (ordinal + 6) % 7, Monday = 0.
            working = (o + 6) % 7 < 5 or o in work_ords
            if working and o not in off_ords:
                is_work[i] = 1
                ords.append(o)
        before[ndays] = len(ords)

        # Hot-path tables, read by the module-level functions below.
        self._win = tuple(wins)
        self._day = day_us
        self._per_day = per_day_us
        self._open = wins[0][0]
        self._close = wins[-1][1]
        self._close_td = timedelta(microseconds=self._close)
        self._first_ord = first_ord
        self._ndays = ndays
        self._is_work = bytes(is_work)
        self._before = before
        self._ords = ords
        self._nwork = len(ords)
        self._base = [datetime.fromordinal(o).replace(tzinfo=TZ) for o in ords]  # local midnights

    @classmethod
    def vietnam(
        cls,
        *,
        windows: Iterable[tuple[time, time]] = DEFAULT_WINDOWS,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        first_year: int = 2014,
        last_year: int = 2040,
        hours_per_day: float | Decimal | None = None,
    ) -> WorkCalendar:
        """Vietnam's calendar: Monday–Friday, minus the `holidays` package's public holidays (including its
        substituted days off), plus its make-up Saturdays, then the administrator's exceptions.

        The administrator's exceptions win over the package: an extra working day is worked even on a public
        holiday, an extra day off is off even on a make-up Saturday. A date in both of the administrator's
        lists is a day off.
        """
        extra_off = frozenset(extra_days_off)
        extra_work = frozenset(extra_working_days)
        pkg_off, pkg_work = _vietnam_days(first_year, last_year)
        return cls(
            windows=windows,
            days_off=(pkg_off - extra_work) | extra_off,
            working_days=pkg_work | extra_work,
            first_year=first_year,
            last_year=last_year,
            hours_per_day=hours_per_day,
        )

    def __repr__(self) -> str:
        wins = ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in self.windows)
        return f"<WorkCalendar {self.first_year}–{self.last_year} [{wins}] {self.seconds_per_day} s/day>"

    def _index(self, d: date) -> int:
        if isinstance(d, datetime):
            d = to_local(d).date()
        i = d.toordinal() - self._first_ord
        if not 0 <= i < self._ndays:
            raise ValueError(f"{d} is outside the work calendar's years {self.first_year}–{self.last_year}")
        return i

    def is_working_day(self, d: date) -> bool:
        """Whether the date (or the local date of an aware datetime) is a working day."""
        return bool(self._is_work[self._index(d)])

    def windows_of(self, d: date) -> list[tuple[datetime, datetime]]:
        """The day's working windows as aware datetimes; empty on a day off."""
        i = self._index(d)
        if not self._is_work[i]:
            return []
        base = self._base[self._before[i]]
        return [
            (base + timedelta(microseconds=s), base + timedelta(microseconds=e)) for s, e, _, _ in self._win
        ]

    def next_working_day(self, d: date, *, include_self: bool = False) -> date:
        """The first working day after `d` (or on `d` itself if include_self and it is a working day)."""
        i = self._index(d)
        k = self._before[i] if include_self else self._before[i] + self._is_work[i]
        if k >= self._nwork:
            raise ValueError(f"no working day after {d} within the work calendar's years")
        return date.fromordinal(self._ords[k])


# ---------------------------------------------------------------------------------------------- helpers


def to_local(dt: datetime) -> datetime:
    """The same instant in Asia/Ho_Chi_Minh; ValueError for a naive datetime."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected an aware datetime, got {type(dt).__name__}: {dt!r}")
    tz = dt.tzinfo
    if tz is TZ:
        return dt
    if tz is None or dt.utcoffset() is None:
        raise ValueError(
            f"naive datetime {dt!r}: working-time rules need an aware datetime (Asia/Ho_Chi_Minh)"
        )
    return dt.astimezone(TZ)


def _split(cal: WorkCalendar, dt: datetime) -> tuple[int, int]:
    """(index of the local date in the calendar's day table, local time of day in microseconds)."""
    if dt.__class__ is not datetime or dt.tzinfo is not TZ:
        dt = to_local(dt)
    i = dt.toordinal() - cal._first_ord
    if not 0 <= i < cal._ndays:
        raise ValueError(f"{dt} is outside the work calendar's years {cal.first_year}–{cal.last_year}")
    return i, ((dt.hour * 60 + dt.minute) * 60 + dt.second) * _US_PER_SECOND + dt.microsecond


def _pos(cal: WorkCalendar, i: int, tod: int) -> int:
    """Working position of the instant at time of day `tod` on day table entry `i`."""
    k = cal._before[i]
    if cal._is_work[i]:
        if tod >= cal._close:
            return (k + 1) * cal._day
        for s, e, cum, _ in cal._win:
            if tod < s:
                return k * cal._day + cum
            if tod < e:
                return k * cal._day + cum + tod - s
    return k * cal._day


def _pos_of(cal: WorkCalendar, dt: datetime) -> int:
    i, tod = _split(cal, dt)
    return _pos(cal, i, tod)


def _out_of_range(cal: WorkCalendar) -> ValueError:
    return ValueError(f"due time falls after the work calendar's last year {cal.last_year}")


def _latest(cal: WorkCalendar, p: int) -> datetime:
    """The last instant with working position `p`: a clock start (opening after a gap)."""
    k, off = divmod(p, cal._day)
    if k >= cal._nwork:
        raise _out_of_range(cal)
    for s, _, cum, cum_end in cal._win:
        if off < cum_end:
            return cal._base[k] + timedelta(microseconds=s + off - cum)
    raise AssertionError("unreachable: off < day")  # pragma: no cover


def _earliest(cal: WorkCalendar, p: int) -> datetime:
    """The first instant with working position `p`: a due time (a window's end before a gap)."""
    k, off = divmod(p, cal._day)
    if off == 0 and k:
        k -= 1
        off = cal._day
    if k >= cal._nwork:
        raise _out_of_range(cal)
    for s, _, cum, cum_end in cal._win:
        if off <= cum_end:
            return cal._base[k] + timedelta(microseconds=s + off - cum)
    raise AssertionError("unreachable: off <= day")  # pragma: no cover


def _to_us(amount: object, unit_us: int, what: str = "amount") -> int:
    """`amount` × `unit_us` as whole microseconds (rounded half to even); ValueError if negative."""
    if type(amount) is int:  # the common case first
        us = amount * unit_us
    elif isinstance(amount, bool) or not isinstance(amount, Real | Decimal):
        raise TypeError(f"{what} must be a number, not {amount!r}")
    elif isinstance(amount, float):
        if not math.isfinite(amount):
            raise ValueError(f"{what} must be a finite number, not {amount!r}")
        us = round(amount * unit_us)
    elif isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValueError(f"{what} must be a finite number, not {amount!r}")
        us = int((amount * unit_us).to_integral_value())
    elif isinstance(amount, Rational):
        us = round(Fraction(amount) * unit_us)
    else:
        return _to_us(float(amount), unit_us, what)
    if us < 0:
        raise ValueError(f"{what} must not be negative, got {amount!r}")
    return us


# ------------------------------------------------------------------------------------ working-time walk


def add_working_time(cal: WorkCalendar, start: datetime, amount: timedelta) -> datetime:
    """`amount` of working time after `start` (itself first moved forward as in rule 1), rule 3.

    Running out exactly at a window's end gives that end (11:30, 17:00), not the next opening. A zero
    amount gives the normalised start.
    """
    us = (amount.days * 86_400 + amount.seconds) * _US_PER_SECOND + amount.microseconds
    if us < 0:
        raise ValueError(f"working time to add must not be negative, got {amount!r}")
    p = _pos_of(cal, start)
    return _earliest(cal, p + us) if us else _latest(cal, p)


def working_time_between(cal: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time in [a, b); negative when b is before a."""
    return timedelta(microseconds=_pos_of(cal, b) - _pos_of(cal, a))
