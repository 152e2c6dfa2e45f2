"""Building WorkCalendar objects from the database: holidays package + administrator's exceptions + hours.

One query per build for the exceptions; the calendar itself is cached per distinct input, so building it
once per request or task is cheap and every lookup after that is O(1).
"""

import functools
from datetime import time

from django.db.models import Q

from procedures.models import Agency, CalendarException, CalendarExceptionKind
from procedures.worktime import DEFAULT_WINDOWS, WorkCalendar


@functools.lru_cache(maxsize=64)
def _cached_calendar(windows, days_off: frozenset, working_days: frozenset) -> WorkCalendar:
    return WorkCalendar.vietnam(windows=windows, extra_days_off=days_off, extra_working_days=working_days)


def calendar_exceptions(*, province: Agency | None):
    """National exceptions plus the province's own; a province's row wins over a national one on the same date."""
    scope = Q(province__isnull=True) | Q(province=province) if province else Q(province__isnull=True)
    by_date: dict = {}
    for row in CalendarException.objects.filter(scope).order_by("province_id").values("date", "kind", "province_id"):
        if row["date"] not in by_date or row["province_id"] is not None:
            by_date[row["date"]] = row["kind"]
    return by_date


def build_calendar(*, agency: Agency | None = None) -> WorkCalendar:
    province = agency.province() if agency is not None else None
    windows: tuple[tuple[time, time], ...] = agency.windows if agency is not None else DEFAULT_WINDOWS
    by_date = calendar_exceptions(province=province)
    days_off = frozenset(d for d, kind in by_date.items() if kind == CalendarExceptionKind.DAY_OFF)
    working = frozenset(d for d, kind in by_date.items() if kind == CalendarExceptionKind.WORKING_DAY)
    return _cached_calendar(tuple(windows), days_off, working)
