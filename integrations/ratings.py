"""The monthly ratings summary for the national portal (DongBoDanhGia): one sync row per desk and month, written
through the same outbox as the dossier messages and delivered like them (integrations/delivery.py).

The ratings live in `surveys/`, an app above this one, so this app cannot read them. Instead surveys hands the
month's figures down: at start-up (`SurveysConfig.ready`) it registers a *provider* with
`register_ratings_provider`, a function (start, end) → [`MonthlyRatings`] counting the ratings given in
[start, end) per receiving desk. Without a provider there is nothing to push, and `push_month` says so.

The message (DVCQG spec §8.5, as OpenCPS sends it): `data` is a list with one item per rating subject — here one
per desk — every value a string: `NgayTongHop` "M-YYYY", `TongSoNguoiDanhGia`, the shares of "rất hài lòng",
"hài lòng" and "chưa hài lòng" as "60%" (whole percents; "chưa hài lòng" is 100 − the other two, so the three
always add up to 100) for the handling of the dossier (`PhanTramDanhGia…`: the rating's overall satisfaction) and
for the service (`PhanTramDanhGiaDichVu…`: its convenience), `DanhSachNoiDungYKien` and `MaThuTuc` empty,
`NoiDung` (the subject), `Madonvi` (the desk's electronic identifier) and `TenDonVi`.

Idempotent per desk × month (a unique constraint): pushing a month again adds no row; a row not sent yet gets
the current figures (the portal keeps the latest per desk and month), a row already sent (or being sent, refused,
skipped) is left as it is.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.dvcqg import config
from integrations.models import SyncKind, SyncRow, SyncStatus
from procedures.models import Agency
from procedures.workcalendar import TZ as VN_TZ

log = logging.getLogger(__name__)

SUBJECT = "Mức độ hài lòng về giải quyết thủ tục hành chính"
RATING_ACTION = "monthly_ratings"


@dataclass(frozen=True)
class MonthlyRatings:
    """The ratings one desk received in a month: how many, and per question the counts of "very satisfied",
    "satisfied" and "not satisfied"."""

    agency_id: int
    raters: int
    overall: tuple[int, int, int]
    service: tuple[int, int, int]


Provider = Callable[[datetime, datetime], Iterable[MonthlyRatings]]
_providers: dict[str, Provider] = {}


def register_ratings_provider(provider: Provider, *, uid: str) -> None:
    """Called by the app that holds the ratings, at start-up; registering the same uid again replaces it."""
    _providers[uid] = provider


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in Vietnam's time zone."""
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=VN_TZ)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, datetime.combine(following, time.min, tzinfo=VN_TZ)


def previous_month(today: date | None = None) -> date:
    today = today or timezone.localdate(timezone=VN_TZ)
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1, 1)


def percents(counts: tuple[int, int, int]) -> tuple[str, str, str]:
    """Whole percents of (very satisfied, satisfied, not satisfied); the last is 100 minus the others."""
    total = sum(counts)
    if total <= 0:
        return "0%", "0%", "0%"
    very = round(100 * counts[0] / total)
    satisfied = min(round(100 * counts[1] / total), 100 - very)
    return f"{very}%", f"{satisfied}%", f"{100 - very - satisfied}%"


def rating_item(figures: MonthlyRatings, agency: Agency, month: date) -> dict:
    overall, service = percents(figures.overall), percents(figures.service)
    return {
        "NgayTongHop": f"{month.month}-{month.year}",
        "TongSoNguoiDanhGia": str(figures.raters),
        "PhanTramDanhGiaRatHaiLong": overall[0],
        "PhanTramDanhGiaHaiLong": overall[1],
        "PhanTramDanhGiaChuaHaiLong": overall[2],
        "PhanTramDanhGiaDichVuRatHaiLong": service[0],
        "PhanTramDanhGiaDichVuHaiLong": service[1],
        "PhanTramDanhGiaDichVuChuaHaiLong": service[2],
        "DanhSachNoiDungYKien": "",
        "MaThuTuc": "",
        "NoiDung": SUBJECT,
        "Madonvi": agency.identifier,
        "TenDonVi": agency.name[:250],
    }


@dataclass
class PushResult:
    enabled: bool = True
    provider: bool = True
    created: int = 0
    refreshed: int = 0
    unchanged: int = 0
    row_ids: list[int] | None = None


def push_month(month: date) -> PushResult:
    """Write (or refresh) the month's ratings rows, one per desk with at least one rating, each in its own
    transaction; `row_ids` are the rows to send (integrations.tasks.push_monthly_ratings dispatches them)."""
    if not config.enabled():
        return PushResult(enabled=False)
    if not _providers:
        log.warning("DVCQG: no ratings provider registered; nothing to push for %s", month)
        return PushResult(provider=False)
    month = month.replace(day=1)
    start, end = month_bounds(month)
    figures = [f for provider in _providers.values() for f in provider(start, end) if f.raters > 0]
    agencies = Agency.objects.in_bulk([f.agency_id for f in figures])
    result = PushResult(row_ids=[])
    for item in figures:
        payload = [rating_item(item, agencies[item.agency_id], month)]
        outcome, row_id = _write(item.agency_id, month, payload)
        setattr(result, outcome, getattr(result, outcome) + 1)
        if outcome != "unchanged":
            result.row_ids.append(row_id)
    return result


def _write(agency_id: int, month: date, payload: list) -> tuple[str, int | None]:
    """One desk's row in its own transaction: ("created" | "refreshed" | "unchanged", row id)."""
    rows = SyncRow.objects.filter(kind=SyncKind.RATING, agency_id=agency_id, period=month)
    try:
        with transaction.atomic():
            row = rows.select_for_update().first()
            if row is None:
                now = timezone.now()
                row = SyncRow.objects.create(
                    kind=SyncKind.RATING, agency_id=agency_id, period=month, action=RATING_ACTION, local_state="",
                    payload=payload, status=SyncStatus.PENDING, created_at=now, next_attempt_at=now)
                outcome = "created"
            elif row.status == SyncStatus.PENDING and row.payload != payload:
                row.payload = payload
                row.save(update_fields=["payload"])
                outcome = "refreshed"
            else:
                return "unchanged", row.pk
    except IntegrityError:  # another run wrote the same desk and month at the same moment
        return "unchanged", None
    return outcome, row.pk
