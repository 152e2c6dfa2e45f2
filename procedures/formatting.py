"""Vietnamese date and time formats used on screens and official forms."""

from datetime import date, datetime

from procedures.worktime import to_local

# Dates as people type them (dd/mm/yyyy), ISO accepted too: forms and imported spreadsheets.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
# The dates a filter or an appointment may name: a typing slip such as 31/12/9999 would otherwise overflow the
# day arithmetic (the day after, the local midnight) deep inside a report.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)


def vn_datetime(value: datetime | None) -> str:
    """'14 giờ 00 phút, ngày 03/03/2026' — the form used on receipts (form 01)."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value:%d/%m/%Y}"


def vn_short_datetime(value: datetime | None) -> str:
    """'14:00 03/03/2026' for lists."""
    if value is None:
        return ""
    local = to_local(value)
    return f"{local:%H:%M %d/%m/%Y}"


