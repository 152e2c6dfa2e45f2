"""Every figure of the reports, and the list of dossiers behind each one.

Figures come from the summary (reports.models.Tally) as differences of prefix sums (see reports.figures);
drill-down lists filter the base table with the same definitions, so a cell always equals its list's length.

Agencies are competent agencies (Circular 01/2018, report II.06a; Decision 766): `agency_ids` (the user's scope)
selects the dossiers whose competent agency is one of them, and rows "per agency" are per competent agency. The
optional `desk_ids` keeps only the dossiers received at those one-stop desks (Tally.desk, Dossier.receiving_agency).
The public page is the exception: it publishes per receiving desk.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import (
    MAX_SUPPLEMENTS_ON_TIME,
    PAUSED_STATES,
    PENDING_SPAN_SQL,
    RUNNING_STATES,
    Apology,
    Channel,
    Dossier,
    State,
)
from dossiers.selectors import (
    period_bounds,
    staff_agency_ids,
)
from procedures.models import Agency, Field, OnlineLevel, Procedure

from .figures import MEASURES
from .models import DurationTally, Level, Tally


# ---------------------------------------------------------------- periods and prefix sums
def segments_before(day: date) -> list[tuple]:
    """The summary rows whose days are all before `day`, as (level, first bucket or None, bucket limit) ranges:
    earlier years, earlier months of its year, earlier days of its month."""
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    segments = [(Level.YEAR, None, year)]
    if month > year:
        segments.append((Level.MONTH, year, month))
    if day > month:
        segments.append((Level.DAY, month, day))
    return segments


def summary_rows(agency_ids, desk_ids=None, model=Tally) -> QuerySet:
    """The summary rows of dossiers whose competent agency is in `agency_ids` and, when given, received at one of
    `desk_ids`."""
    qs = model.objects.filter(agency_id__in=agency_ids)
    if desk_ids is not None:
        qs = qs.filter(desk_id__in=desk_ids)
    return qs


def _period_sums(qs: QuerySet, group: str | None, start: date, end: date) -> dict:
    """{group value: {measure: (sum before start, sum through end)}} from the summary. Each range of (level,
    bucket) is its own query, which the unique (level, bucket, agency, desk, procedure) index serves directly."""
    a, b = segments_before(start), segments_before(end + timedelta(days=1))
    totals: dict = {}
    for segment in dict.fromkeys(a + b):
        level, first, limit = segment
        rows = qs.filter(level=level, bucket__lt=limit, **({"bucket__gte": first} if first else {}))
        aggregates = {m: Sum(m) for m in MEASURES}
        if group:
            found = [(row[group], row) for row in rows.values(group).annotate(**aggregates).order_by()]
        else:
            found = [(None, rows.aggregate(**aggregates))]
        for key, row in found:
            into = totals.setdefault(key, {m: [0, 0] for m in MEASURES})
            for m in MEASURES:
                value = row[m] or 0
                if segment in a:
                    into[m][0] += value
                if segment in b:
                    into[m][1] += value
    return {key: {m: tuple(v) for m, v in sums.items()} for key, sums in totals.items()}


# ---------------------------------------------------------------- report II.06a
COLUMNS = (
    ("received_total", _("Tổng số nhận giải quyết")),
    ("received_online", _("Trực tuyến")),
    ("received_offline", _("Trực tiếp và qua dịch vụ bưu chính")),
    ("carried_over", _("Từ kỳ trước chuyển qua")),
    ("resolved_total", _("Tổng số đã giải quyết")),
    ("resolved_early", _("Trước hạn")),
    ("resolved_on_time", _("Đúng hạn")),
    ("resolved_late", _("Quá hạn")),
    ("pending_total", _("Tổng số đang giải quyết")),
    ("pending_within", _("Trong hạn")),
    ("pending_overdue", _("Quá hạn")),
    ("withdrawn", _("Rút hồ sơ")),
    ("stopped", _("Dừng giải quyết")),
    ("refused", _("Từ chối tiếp nhận")),
)
# The form's two-level header (Circular 01/2018/TT-VPCP, annex II.06a), which also fixes the order of the cells.
# Files keep the form's Vietnamese headers whatever the page's language; the page translates them.
II06A_GROUPS = (
    (_("Số hồ sơ nhận giải quyết"), (("received_total", _("Tổng số")), ("received_online", _("Trực tuyến")),
                                     ("received_offline", _("Trực tiếp, dịch vụ bưu chính")),
                                     ("carried_over", _("Từ kỳ trước")))),
    (_("Số hồ sơ đã giải quyết"), (("resolved_total", _("Tổng số")), ("resolved_early", _("Trước hạn")),
                                   ("resolved_on_time", _("Đúng hạn")), ("resolved_late", _("Quá hạn")))),
    (_("Số hồ sơ đang giải quyết"), (("pending_total", _("Tổng số")), ("pending_within", _("Trong hạn")),
                                     ("pending_overdue", _("Quá hạn")))),
    (_("Hồ sơ rút, dừng, từ chối"), (("withdrawn", _("Rút hồ sơ")), ("stopped", _("Dừng giải quyết")),
                                     ("refused", _("Từ chối tiếp nhận")))),
)
COLUMN_KEYS = [key for _group, subs in II06A_GROUPS for key, _label in subs]
GROUPINGS = {"agency": _("Theo cơ quan, đơn vị"), "field": _("Theo lĩnh vực"), "procedure": _("Theo thủ tục")}


def cells_from_sums(s: dict) -> dict:
    def period(m):
        return s[m][1] - s[m][0]

    def through_end(m):
        return s[m][1]

    def before_start(m):
        return s[m][0]

    def out(pick):
        return sum(pick(m) for m in ("resolved_early", "resolved_on_time", "resolved_late", "withdrawn", "stopped"))

    def received(pick):
        return pick("received_online") + pick("received_offline")

    c = {
        "received_online": period("received_online"),
        "received_offline": period("received_offline"),
        "carried_over": received(before_start) - out(before_start),
        "resolved_early": period("resolved_early"),
        "resolved_on_time": period("resolved_on_time"),
        "resolved_late": period("resolved_late"),
        "pending_total": received(through_end) - out(through_end),
        "pending_overdue": through_end("overdue_began") - through_end("overdue_ended"),
        "withdrawn": period("withdrawn"),
        "stopped": period("stopped"),
        "refused": period("refused"),
    }
    c["received_total"] = c["received_online"] + c["received_offline"] + c["carried_over"]
    c["resolved_total"] = c["resolved_early"] + c["resolved_on_time"] + c["resolved_late"]
    c["pending_within"] = c["pending_total"] - c["pending_overdue"]
    return c


@dataclass
class ReportRow:
    key: str          # "agency:12", "field:3", "procedure:45" or "all"
    label: str
    code: str
    cells: dict

    @property
    def ordered(self) -> list[tuple[str, int]]:
        return [(key, self.cells[key]) for key in COLUMN_KEYS]


@dataclass
class Report:
    start: date
    end: date
    grouping: str
    rows: list[ReportRow]
    total: ReportRow


def _labels(grouping: str, ids) -> dict:
    if grouping == "agency":
        return {a.pk: (a.name, a.identifier) for a in Agency.objects.filter(pk__in=ids)}
    if grouping == "field":
        return {f.pk: (f.name, f.code) for f in Field.objects.filter(pk__in=ids)}
    return {p.pk: (p.name, p.national_code) for p in Procedure.objects.filter(pk__in=ids)}


def _add(cells: dict, more: dict) -> dict:
    return {k: cells.get(k, 0) + more.get(k, 0) for k in set(cells) | set(more)}


def report_ii06a(*, agency_ids: set[int], start: date, end: date, grouping: str = "agency",
                 field_id: int | None = None, desk_ids: set[int] | None = None) -> Report:
    """Rows per competent agency (or field, procedure) of the dossiers whose competent agency is in `agency_ids`,
    received at one of `desk_ids` when given."""
    qs = summary_rows(agency_ids, desk_ids)
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    group = {"agency": "agency_id", "field": "procedure_id", "procedure": "procedure_id"}[grouping]
    sums = _period_sums(qs, group, start, end)
    by_key: dict = {}
    if grouping == "field":
        field_of = dict(Procedure.objects.filter(pk__in=list(sums)).values_list("pk", "field_id"))
        for procedure_id, s in sums.items():
            by_key[field_of[procedure_id]] = _add(by_key.get(field_of[procedure_id], {}), cells_from_sums(s))
    else:
        by_key = {k: cells_from_sums(s) for k, s in sums.items()}
    labels = _labels(grouping, list(by_key))
    rows = [ReportRow(f"{grouping}:{k}", labels[k][0], labels[k][1], cells) for k, cells in by_key.items()
            if any(cells.values())]
    rows.sort(key=lambda r: r.code)
    total = {key: sum(r.cells[key] for r in rows) for key in COLUMN_KEYS}
    return Report(start, end, grouping, rows, ReportRow("all", str(_("Tổng cộng")), "", total))


# ---------------------------------------------------------------- drill-down: the dossiers behind a cell
def with_closed_at(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """`closed_at`: when a received dossier stopped pending — resolved_at, or finished_at when withdrawn or
    stopped (a resolved dossier has no finished_at); the index dossier_agency_closed has it after the receiving
    agency (lists filter on the competent agency, and on the receiving desk when one is chosen)."""
    return qs.alias(closed_at=Coalesce("resolved_at", "finished_at"))


def _open_at(moment: datetime) -> Q:
    """Received before `moment` and not yet resolved, withdrawn or stopped at `moment` (needs `closed_at`).
    On PostgreSQL the same condition as "the pending span contains `moment`", served by its GiST index
    (dossiers migration 0004); the two forms select the same rows."""
    if connection.vendor == "postgresql":
        return Q(received_at__isnull=False) & Q(RawSQL(f"({PENDING_SPAN_SQL}) @> %s::timestamptz", (moment,),
                                                       output_field=BooleanField()))
    return Q(received_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))


def cell_filter(column: str, start: date, end: date) -> Q:
    s, e = period_bounds(start, end)
    received = Q(received_at__gte=s, received_at__lt=e)
    resolved = Q(resolved_at__gte=s, resolved_at__lt=e)
    ended = Q(received_at__isnull=False, resolved_at__isnull=True, closed_at__gte=s, closed_at__lt=e)
    pending = _open_at(e)
    filters = {
        "received_online": received & Q(channel=Channel.ONLINE),
        "received_offline": received & ~Q(channel=Channel.ONLINE),
        "carried_over": _open_at(s),
        "received_total": received | _open_at(s),
        "resolved_early": resolved & Q(timeliness="early"),
        "resolved_on_time": resolved & Q(timeliness="on_time"),
        "resolved_late": resolved & ~Q(timeliness__in=["early", "on_time"]),
        "resolved_total": resolved,
        "pending_total": pending,
        "pending_overdue": pending & Q(due_at__lt=e) & ~Q(state__in=PAUSED_STATES),
        "pending_within": pending & (Q(due_at__isnull=True) | Q(due_at__gte=e) | Q(state__in=PAUSED_STATES)),
        "withdrawn": ended & Q(state=State.WITHDRAWN),
        "stopped": ended & Q(state=State.STOPPED),
        "refused": Q(state=State.REFUSED, closed_at__gte=s, closed_at__lt=e),
    }
    return filters[column]


def valid_row_key(row_key: str) -> bool:
    if row_key == "all":
        return True
    kind, _sep, value = row_key.partition(":")
    return kind in GROUPINGS and value.isascii() and value.isdigit() and len(value) <= 18  # int() refuses "²"


def row_label(row_key: str) -> str:
    if row_key == "all":
        return str(_("Tổng cộng"))
    kind, _sep, value = row_key.partition(":")
    model = {"agency": Agency, "field": Field, "procedure": Procedure}[kind]
    found = model.objects.filter(pk=int(value)).first()
    return str(found) if found else "—"


def row_filter(row_key: str) -> Q:
    if row_key == "all":
        return Q()
    kind, _sep, value = row_key.partition(":")
    pk = int(value)
    return {"agency": Q(competent_agency_id=pk), "field": Q(procedure__field_id=pk),
            "procedure": Q(procedure_id=pk)}[kind]


def cell_ordering(column: str) -> tuple[str, ...]:
    """Newest first by the time the cell is about, so the page is read from the index the filter uses."""
    if column.startswith("resolved_"):
        return ("-resolved_at", "-id")
    if column in ("withdrawn", "stopped", "refused"):
        return ("-closed_at", "-id")
    return ("-received_at", "-id")


def dossiers_counted_for(agency_ids, desk_ids=None) -> QuerySet[Dossier]:
    """The dossiers the summary rows of `summary_rows(agency_ids, desk_ids)` count: competent agency in
    `agency_ids`, received at one of `desk_ids` when given."""
    qs = Dossier.objects.filter(competent_agency_id__in=agency_ids)
    if desk_ids is not None:
        qs = qs.filter(receiving_agency_id__in=desk_ids)
    return qs


def _cell(qs: QuerySet[Dossier], *, start: date, end: date, column: str, row_key: str,
          field_id: int | None) -> QuerySet[Dossier]:
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    return with_closed_at(qs).filter(cell_filter(column, start, end) & row_filter(row_key))


def cell_dossiers(*, user, agency_ids: set[int], start: date, end: date, column: str, row_key: str = "all",
                  field_id: int | None = None, desk_ids: set[int] | None = None) -> QuerySet[Dossier]:
    """The dossiers a report cell counts: those of `agency_ids` the user belongs to or oversees (the scope applies
    to the competent agency, as in the report), received at one of `desk_ids` when given."""
    allowed = set(agency_ids) & staff_agency_ids(user=user)
    return _cell(dossiers_counted_for(allowed, desk_ids), start=start, end=end, column=column, row_key=row_key,
                 field_id=field_id)


def cell_count(*, agency_ids: set[int], start: date, end: date, column: str, row_key: str = "all",
               desk_ids: set[int] | None = None) -> int:
    """The same count without a user (tests and the benchmark check identities with it)."""
    return _cell(dossiers_counted_for(agency_ids, desk_ids), start=start, end=end, column=column,
                 row_key=row_key, field_id=None).count()


# ---------------------------------------------------------------- dashboard
def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percentile(histogram: dict[int, int], share: float) -> int | None:
    total = sum(histogram.values())
    if not total:
        return None
    needed = share * total
    running = 0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= needed:
            return days
    return max(histogram)


@dataclass
class ProcedureTime:
    procedure: Procedure
    resolved: int
    average_days: Decimal | None
    p90_days: int | None


@dataclass
class Dashboard:
    start: date
    end: date
    received: int
    online: int
    resolved: int
    early: int
    on_time: int
    late: int
    pending_overdue_now: int
    ratings: int
    satisfied: int
    apologies: int = 0           # forms 04 issued in the period
    late_apologies: int = 0      # of which later than the legal limit
    months: list = field(default_factory=list)   # [(month, {measure: n})]
    procedures: list = field(default_factory=list)

    @property
    def on_time_rate(self):
        return percent(self.early + self.on_time, self.resolved)

    @property
    def online_share(self):
        return percent(self.online, self.received)

    @property
    def satisfaction_rate(self):
        return percent(self.satisfied, self.ratings)


def months_ago(day: date, months: int) -> date:
    """The first day of the month `months` months before `day`'s month."""
    first = day.replace(day=1)
    for _i in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def month_range(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def busiest_procedures(*, agency_ids: set[int], start: date, end: date, field_id: int | None = None,
                       limit: int = 10, desk_ids: set[int] | None = None) -> list[int]:
    """The procedures with the most results in months start..end (from the month rows of the summary)."""
    qs = summary_rows(agency_ids, desk_ids).filter(level=Level.MONTH, bucket__gte=start.replace(day=1),
                                                   bucket__lte=end.replace(day=1))
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    ranked = (qs.values("procedure_id").annotate(n=Sum("resolved_early") + Sum("resolved_on_time")
                                                 + Sum("resolved_late")).order_by("-n", "procedure_id"))
    return [row["procedure_id"] for row in ranked[:limit] if row["n"]]


def _histograms(durations: QuerySet[DurationTally], group: str) -> dict[int, dict[int, int]]:
    """{group value: {days from receipt to result: dossiers}} from the duration summary."""
    histograms: dict = {}
    for key, days, n in durations.values_list(group, "days").annotate(n=Sum("count")).order_by():
        histograms.setdefault(key, {})[days] = n
    return histograms


def procedure_times(*, agency_ids: set[int], start: date, end: date, field_id: int | None = None,
                    limit: int = 10, desk_ids: set[int] | None = None) -> list[ProcedureTime]:
    """Average and 90th-percentile days from receipt to result, months start..end (inclusive), for the `limit`
    busiest procedures."""
    procedure_ids = busiest_procedures(agency_ids=agency_ids, start=start, end=end, field_id=field_id, limit=limit,
                                       desk_ids=desk_ids)
    qs = summary_rows(agency_ids, desk_ids, DurationTally).filter(
        month__gte=start.replace(day=1), month__lte=end.replace(day=1), procedure_id__in=procedure_ids)
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    ranked = sorted(_histograms(qs, "procedure_id").items(), key=lambda item: -sum(item[1].values()))[:limit]
    procedures = Procedure.objects.in_bulk([pk for pk, _h in ranked])
    out = []
    for pk, histogram in ranked:
        total = sum(histogram.values())
        average = (Decimal(sum(d * n for d, n in histogram.items())) / total).quantize(Decimal("0.1"))
        out.append(ProcedureTime(procedures[pk], total, average, percentile(histogram, 0.9)))
    return out


def pending_overdue_now(*, agency_ids: set[int], field_id: int | None = None, received_from=None,
                        received_before=None, group: str | None = None, at_most_one_supplement: bool = False,
                        desk_ids: set[int] | None = None):
    """Open dossiers whose due time has passed and whose clock runs (served by the (state, due_at) index)."""
    qs = dossiers_counted_for(agency_ids, desk_ids).filter(state__in=RUNNING_STATES, due_at__lt=timezone.now())
    if at_most_one_supplement:
        qs = qs.filter(supplement_count__lte=MAX_SUPPLEMENTS_ON_TIME)
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    if received_from is not None:
        qs = qs.filter(received_at__gte=received_from, received_at__lt=received_before)
    if group:
        return dict(qs.values_list(group).annotate(n=Count("id")).order_by())
    return qs.count()


def apologies_issued(*, agency_ids: set[int], start: date, end: date, field_id: int | None = None,
                     desk_ids: set[int] | None = None) -> tuple[int, int]:
    """Forms 04 issued in [start, end] for the dossiers counted for `agency_ids`: (all, issued late)."""
    lo, hi = period_bounds(start, end)
    qs = Apology.objects.filter(dossier__in=dossiers_counted_for(agency_ids, desk_ids), issued_at__gte=lo,
                                issued_at__lt=hi)
    if field_id:
        qs = qs.filter(dossier__procedure__field_id=field_id)
    counts = qs.aggregate(all=Count("id"), late=Count("id", filter=Q(is_late=True)))
    return counts["all"], counts["late"]


def dashboard(*, agency_ids: set[int], start: date, end: date, field_id: int | None = None,
              desk_ids: set[int] | None = None) -> Dashboard:
    """Months start..end (inclusive, whole months), for the dossiers whose competent agency is in `agency_ids`
    (received at one of `desk_ids` when given)."""
    start, last_day = start.replace(day=1), (end.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(1)
    qs = summary_rows(agency_ids, desk_ids)
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    months = {m: {} for m in month_range(start, last_day)}
    measures = ("received_online", "received_offline", "resolved_early", "resolved_on_time", "resolved_late",
                "rated_very_satisfied", "rated_satisfied", "rated_not_satisfied")
    for row in (qs.filter(level=Level.MONTH, bucket__gte=start, bucket__lte=last_day).values("bucket")
                .annotate(**{m: Sum(m) for m in measures}).order_by()):
        months[row["bucket"]] = {m: row[m] or 0 for m in measures}

    def total(m):
        return sum(values.get(m, 0) for values in months.values())

    apologies, late_apologies = apologies_issued(agency_ids=agency_ids, start=start, end=last_day,
                                                 field_id=field_id, desk_ids=desk_ids)
    return Dashboard(
        apologies=apologies, late_apologies=late_apologies,
        start=start, end=last_day,
        received=total("received_online") + total("received_offline"),
        online=total("received_online"),
        resolved=total("resolved_early") + total("resolved_on_time") + total("resolved_late"),
        early=total("resolved_early"), on_time=total("resolved_on_time"), late=total("resolved_late"),
        pending_overdue_now=pending_overdue_now(agency_ids=agency_ids, field_id=field_id, desk_ids=desk_ids),
        ratings=total("rated_very_satisfied") + total("rated_satisfied") + total("rated_not_satisfied"),
        satisfied=total("rated_very_satisfied") + total("rated_satisfied"),
        months=sorted(months.items()),
        procedures=procedure_times(agency_ids=agency_ids, start=start, end=last_day, field_id=field_id,
                                   desk_ids=desk_ids),
    )


# ---------------------------------------------------------------- Decision 766 indicators
def points_config() -> dict:
    return settings.ONECUA["INDEX_766"]


@dataclass
class Indicator:
    key: str
    label: str
    numerator: int
    denominator: int
    threshold: Decimal      # percent at which the indicator earns full points
    max_points: Decimal
    detail: str = ""        # shown instead of numerator/denominator when the rate is not a plain share

    @property
    def rate(self) -> Decimal | None:
        return percent(self.numerator, self.denominator)

    @property
    def points(self) -> Decimal | None:
        rate = self.rate
        if rate is None:
            return None
        if rate >= self.threshold:
            return self.max_points
        return (rate * self.max_points / self.threshold).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class AgencyScore:
    agency: Agency | None
    indicators: list
    average_days: Decimal | None

    @property
    def points(self) -> Decimal:
        return sum((i.points or Decimal(0)) for i in self.indicators)

    @property
    def max_points(self) -> Decimal:
        return sum(i.max_points for i in self.indicators)


def _indicator(key: str, label, numerator: int, denominator: int, detail: str = "") -> Indicator:
    config = points_config()[key]
    return Indicator(key, str(label), numerator, denominator, Decimal(str(config["threshold"])),
                     Decimal(str(config["points"])), detail)


def _score(agency, s: dict, overdue_now: int, coverage: tuple[int, int]) -> AgencyScore:
    def period(m):
        return s[m][1] - s[m][0]

    received = period("received_online") + period("received_offline")
    resolved = period("resolved_early") + period("resolved_on_time") + period("resolved_late")
    late = period("late_766") + overdue_now
    ratings = period("rated_very_satisfied") + period("rated_satisfied") + period("rated_not_satisfied")
    not_satisfied = period("rated_not_satisfied")
    # 100 % − (late rate + not-satisfied rate), expressed as parts of 10 000 so the indicator stays a ratio.
    late_part = Decimal(late) / received if received else Decimal(0)
    unhappy_part = Decimal(not_satisfied) / ratings if ratings else Decimal(0)
    handling = max(Decimal(0), 1 - late_part - unhappy_part)
    indicators = [
        _indicator("on_time", _("Tỷ lệ hồ sơ giải quyết đúng hạn"), received - late, received),
        _indicator("online_rate", _("Tỷ lệ hồ sơ trực tuyến"), period("received_online"), received),
        _indicator("online_coverage", _("Tỷ lệ thủ tục cung cấp trực tuyến"), *coverage),
        _indicator("digitisation", _("Tỷ lệ số hóa hồ sơ, kết quả"), period("digitised"), received),
        _indicator("satisfaction", _("Mức độ hài lòng trong giải quyết"),
                   int((handling * 10000).to_integral_value()) if received or ratings else 0,
                   10000 if received or ratings else 0,
                   detail=_("100%% − quá hạn %(late)s/%(received)s − không hài lòng %(unhappy)s/%(ratings)s")
                   % {"late": late, "received": received, "unhappy": not_satisfied, "ratings": ratings}),
    ]
    average = (Decimal(period("resolved_days")) / resolved).quantize(Decimal("0.1")) if resolved else None
    return AgencyScore(agency, indicators, average)


def _coverage(agency_ids) -> tuple[dict, tuple[int, int]]:
    """Procedures offered online and all procedures received, per agency and for the whole scope (2 queries)."""
    links = Procedure.agencies.through.objects.filter(agency_id__in=agency_ids, procedure__is_active=True)
    online = ~Q(procedure__online_level=OnlineLevel.NONE)
    per_agency = {row["agency_id"]: (row["online"], row["total"]) for row in links.values("agency_id").annotate(
        online=Count("procedure_id", filter=online, distinct=True), total=Count("procedure_id", distinct=True)
    ).order_by()}
    whole = links.aggregate(online=Count("procedure_id", filter=online, distinct=True),
                            total=Count("procedure_id", distinct=True))
    return per_agency, (whole["online"], whole["total"])


def scores_766(*, agency_ids: set[int], start: date, end: date,
               desk_ids: set[int] | None = None) -> tuple[list[AgencyScore], AgencyScore]:
    """Per competent agency and for the whole scope: the Decision 766 indicators this product can compute (of
    the dossiers received at one of `desk_ids`, when given)."""
    sums = _period_sums(summary_rows(agency_ids, desk_ids), "agency_id", start, end)
    # Rows left at zero when a dossier's contributions moved to another competent agency count for nothing.
    sums = {pk: s for pk, s in sums.items() if any(v != (0, 0) for v in s.values())}
    whole = {m: (sum(s[m][0] for s in sums.values()), sum(s[m][1] for s in sums.values())) for m in MEASURES}
    # Pending and already overdue now: late too. Those with > 1 supplement request are in late_766 already.
    received_from, received_before = period_bounds(start, end)
    overdue = pending_overdue_now(agency_ids=agency_ids, received_from=received_from,
                                  received_before=received_before, group="competent_agency_id",
                                  at_most_one_supplement=True, desk_ids=desk_ids)
    agencies = Agency.objects.in_bulk(list(sums))
    coverage, whole_coverage = _coverage(agency_ids)
    rows = [_score(agencies[pk], s, overdue.get(pk, 0), coverage.get(pk, (0, 0))) for pk, s in sums.items()]
    rows.sort(key=lambda r: r.agency.identifier)
    total = _score(None, whole, sum(overdue.values()), whole_coverage)
    return rows, total


# ---------------------------------------------------------------- public transparency
@dataclass
class PublicFigure:
    key: object
    resolved: int
    on_time: int
    median_days: int | None

    @property
    def on_time_rate(self):
        return percent(self.on_time, self.resolved)


def public_figures(*, months: int | None = None, today: date | None = None) -> tuple[list, list, tuple[date, date]]:
    """Per receiving agency (the one-stop desk the public deals with: the summary's `desk`, not the competent
    agency the staff reports count by) and per procedure over the last `months` whole months (setting
    PUBLIC_FIGURES_MONTHS): the share resolved on time and the usual (median) days from receipt to result.
    Counts only; no personal data."""
    months = months or settings.ONECUA["PUBLIC_FIGURES_MONTHS"]
    today = today or timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    start = months_ago(end, months - 1)
    qs = Tally.objects.filter(level=Level.MONTH, bucket__gte=start, bucket__lte=end)
    durations = DurationTally.objects.filter(month__gte=start, month__lte=end)
    results = []
    for group, model in (("desk_id", Agency), ("procedure_id", Procedure)):
        counts = {row[group]: row for row in qs.values(group).annotate(
            early=Sum("resolved_early"), on_time=Sum("resolved_on_time"), late=Sum("resolved_late")).order_by()}
        histograms = _histograms(durations, group)
        objects = model.objects.in_bulk(list(counts))
        figures = [PublicFigure(objects[key], row["early"] + row["on_time"] + row["late"],
                                row["early"] + row["on_time"], percentile(histograms.get(key, {}), 0.5))
                   for key, row in counts.items() if row["early"] + row["on_time"] + row["late"]]
        figures.sort(key=lambda f: str(f.key))
        results.append(figures)
    return results[0], results[1], (start, end)
