"""Leaders' report of consultations between agencies (lấy ý kiến): per agency and period, the opinions it asked
of others and the opinions others asked of it — asked, answered on time, answered late, overdue (unanswered past
the reply-by time now) and pending (unanswered within time). Both the asking and the consulted agency's leaders
see them: the agencies in the reader's scope (accounts.scoping through reports.views.report_view) on either side.

Definitions: every figure counts the consultations ASKED in the period (asked_at); answered on time = early or on
time against the reply-by time (consultations.Consultation.timeliness), late = after it. The four add up to
"asked". Two queries (one per side)."""

from datetime import date, datetime

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from consultations.models import Consultation, Status, Timeliness
from dossiers.selectors import period_bounds
from reports.views import Scope, report_view

KEYS = ("asked", "answered_on_time", "answered_late", "overdue", "pending")


def _counts(now: datetime) -> dict:
    return {
        "asked": Count("id"),
        "answered_on_time": Count("id", filter=Q(status=Status.ANSWERED,
                                                 timeliness__in=(Timeliness.EARLY, Timeliness.ON_TIME))),
        "answered_late": Count("id", filter=Q(status=Status.ANSWERED, timeliness=Timeliness.LATE)),
        "overdue": Count("id", filter=Q(status=Status.OPEN, reply_by__lt=now)),
        "pending": Count("id", filter=Q(status=Status.OPEN, reply_by__gte=now)),
    }


def consultation_figures(*, agency_ids, start: date, end: date, now: datetime | None = None) -> dict[str, list]:
    """{"asking": rows, "consulted": rows}: per agency of `agency_ids` on that side, the KEYS counts and its
    name (agency_id, agency_name), ordered by name."""
    now = now or timezone.now()
    lo, hi = period_bounds(start, end)
    period = Consultation.objects.filter(asked_at__gte=lo, asked_at__lt=hi)
    out = {}
    for side in ("asking", "consulted"):
        field = f"{side}_agency"
        rows = (period.filter(**{f"{field}_id__in": agency_ids})
                .values(f"{field}_id", f"{field}__name").annotate(**_counts(now)).order_by(f"{field}__name"))
        out[side] = [{"agency_id": r[f"{field}_id"], "agency_name": r[f"{field}__name"],
                      **{k: r[k] for k in KEYS}} for r in rows]
    return out


def totals(rows: list[dict]) -> dict:
    return {k: sum(r[k] for r in rows) for k in KEYS}


@report_view("reports/consultations.html")
def consultations_report(request, scope: Scope):
    figures = consultation_figures(agency_ids=scope.agency_ids, start=scope.start, end=scope.end)
    sides = [(side, figures[side], totals(figures[side])) for side in ("asking", "consulted")]
    return render(request, "reports/consultations.html", {"form": scope.form, "sides": sides, "shown": True,
                                                          "scope_label": scope.label})
