"""The year view of the working calendar for administrators: days off, make-up days, exceptions."""

import calendar as pycalendar
from dataclasses import dataclass
from datetime import date

import holidays

from procedures.worktime import WorkCalendar

MONTH_NAMES = [f"Tháng {m}" for m in range(1, 13)]


@dataclass(frozen=True)
class DayCell:
    day: date
    css: str  # working / weekend / holiday / makeup / exception-off / exception-work
    label: str


def year_view(*, year: int, cal: WorkCalendar, exceptions: dict[date, str], notes: dict[date, str]):
    names = holidays.country_holidays("VN", years=year, language="vi")
    months = []
    for month in range(1, 13):
        weeks = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row = []
            for d in week:
                if d.month != month:
                    row.append(None)
                    continue
                working = cal.is_working_day(d)
                if d in exceptions:
                    css = "exception-work" if working else "exception-off"
                    label = notes.get(d, "")
                elif d in names and not working:
                    css, label = "holiday", names[d]
                elif working and d.weekday() >= 5:
                    css, label = "makeup", "Ngày làm bù"
                elif not working:
                    css, label = "weekend", ""
                else:
                    css, label = "working", ""
                row.append(DayCell(d, css, label))
            weeks.append(row)
        months.append({"name": MONTH_NAMES[month - 1], "weeks": weeks})
    return months


def days_off_list(months) -> list[DayCell]:
    return [c for m in months for w in m["weeks"] for c in w if c and c.css in {"holiday", "exception-off", "makeup", "exception-work"}]
