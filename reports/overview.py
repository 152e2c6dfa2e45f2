"""The dashboard: months of a period from the summary's month rows, the processing times of the busiest
procedures (from the duration summary), the dossiers overdue now and the apology letters (forms 04) issued."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from dossiers.models import Apology
from dossiers.selectors import period_bounds
from procedures.models import Procedure
from reports.drilldown import dossiers_counted_for, pending_overdue_now
from reports.models import DurationTally, Level
from reports.processing import histograms, percentile
from reports.summary import month_range, percent, summary_rows


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
    ranked = sorted(histograms(qs, "procedure_id").items(), key=lambda item: -sum(item[1].values()))[:limit]
    procedures = Procedure.objects.in_bulk([pk for pk, _h in ranked])
    out = []
    for pk, histogram in ranked:
        total = sum(histogram.values())
        average = (Decimal(sum(d * n for d, n in histogram.items())) / total).quantize(Decimal("0.1"))
        out.append(ProcedureTime(procedures[pk], total, average, percentile(histogram, 0.9)))
    return out


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
