"""Report pages: thin views over reports.selectors (figures) and reports.exports (files)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import memberships_of
from dossiers.views import staff_required
from procedures.models import Agency

from . import exports, selectors
from .forms import PeriodForm
from .models import Rebuild
from .tasks import rebuild_summary

PAGE_SIZE = 50
REBUILD_ROLES = {Role.ADMIN, Role.INSPECTOR}


def _forbidden(request):
    return render(request, "reports/forbidden.html", status=403)


def _scope(request, *, default_months: int | None = None):
    """(form, period dict, agency ids, scope label) for the user's report scope; form errors give period None."""
    roots = selectors.report_roots(user=request.user)
    default_start = selectors.months_ago(timezone.localdate(), default_months - 1) if default_months else None
    form = PeriodForm(request.GET, agencies=roots, default_start=default_start)
    if form.is_bound and not form.is_valid():
        return form, None, set(), ""
    period = form.period()
    ids = selectors.scope_ids(user=request.user, agency=period["agency"])
    label = period["agency"].name if period["agency"] else _("Toàn bộ phạm vi được xem")
    return form, period, ids, label


def _query(period: dict, **extra) -> str:
    params = {"start": f"{period['start']:%d/%m/%Y}", "end": f"{period['end']:%d/%m/%Y}",
              "grouping": period.get("grouping") or "agency"}
    if period.get("agency"):
        params["agency"] = period["agency"].pk
    if period.get("field"):
        params["field"] = period["field"].pk
    params.update(extra)
    return urlencode(params)


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def ii06a(request):
    if not selectors.report_roots(user=request.user):
        return _forbidden(request)
    form, period, ids, label = _scope(request)
    if period is None:
        return render(request, "reports/ii06a.html", {"form": form}, status=400)
    report = selectors.report_ii06a(agency_ids=ids, start=period["start"], end=period["end"],
                                    grouping=period["grouping"], field_id=period["field"] and period["field"].pk)
    stamp = f"{period['start']:%Y%m%d}-{period['end']:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        return _file(exports.ii06a_xlsx(report, scope_label=label), exports.XLSX, f"bieu-II06a-{stamp}.xlsx")
    if request.GET.get("format") == "pdf":
        content = exports.pdf("reports/ii06a_pdf.html", {"report": report, "scope_label": label,
                                                         "groups": exports.II06A_GROUPS,
                                                         "first_header": exports.FIRST_HEADER[report.grouping]})
        return _file(content, "application/pdf", f"bieu-II06a-{stamp}.pdf")
    return render(request, "reports/ii06a.html", {
        "form": form, "report": report, "scope_label": label, "query": _query(period),
        "groups": exports.II06A_GROUPS, "first_header": exports.FIRST_HEADER[report.grouping],
    })


@staff_required
def drill_down(request):
    if not selectors.report_roots(user=request.user):
        return _forbidden(request)
    form, period, ids, label = _scope(request)
    column, row_key = request.GET.get("col", ""), request.GET.get("row", "all")
    columns = dict(selectors.COLUMNS)
    if period is None or column not in columns or not selectors.valid_row_key(row_key):
        return render(request, "reports/drill_down.html", {
            "form": form, "error": _("Đường dẫn không hợp lệ: hãy mở danh sách từ một ô của báo cáo.")}, status=400)
    qs = (selectors.cell_dossiers(user=request.user, agency_ids=ids, start=period["start"], end=period["end"],
                                  column=column, row_key=row_key, field_id=period["field"] and period["field"].pk)
          .select_related("procedure", "receiving_agency").order_by(*selectors.cell_ordering(column)))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/drill_down.html", {
        "form": form, "page": page, "column_label": columns[column], "row_label": selectors.row_label(row_key),
        "scope_label": label, "period": period, "query_string": _query(period, col=column, row=row_key),
        "report_query": _query(period),
    })


@staff_required
def dashboard(request):
    if not selectors.report_roots(user=request.user):
        return _forbidden(request)
    form, period, ids, label = _scope(request, default_months=12)
    if period is None:
        return render(request, "reports/dashboard.html", {"form": form}, status=400)
    board = selectors.dashboard(agency_ids=ids, start=period["start"], end=period["end"],
                                field_id=period["field"] and period["field"].pk)
    return render(request, "reports/dashboard.html", {
        "form": form, "board": board, "scope_label": label, "charts": _charts(board),
    })


def _charts(board) -> dict:
    months = [f"{m:%m/%Y}" for m, _values in board.months]

    def series(measure):
        return [values.get(measure, 0) for _m, values in board.months]

    timeliness = {"type": "bar", "data": {"labels": months, "datasets": [
        {"label": _("Trước hạn"), "data": series("resolved_early"), "backgroundColor": "#2e7d32"},
        {"label": _("Đúng hạn"), "data": series("resolved_on_time"), "backgroundColor": "#1565c0"},
        {"label": _("Quá hạn"), "data": series("resolved_late"), "backgroundColor": "#c62828"},
    ]}, "options": {"scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}}}}
    channels = {"type": "line", "data": {"labels": months, "datasets": [
        {"label": _("Trực tuyến"), "data": series("received_online"), "borderColor": "#1565c0"},
        {"label": _("Trực tiếp, bưu chính"), "data": series("received_offline"), "borderColor": "#6d4c41"},
    ]}, "options": {"scales": {"y": {"beginAtZero": True}}}}
    times = {"type": "bar", "data": {"labels": [p.procedure.national_code for p in board.procedures], "datasets": [
        {"label": _("Trung bình (ngày)"), "data": [float(p.average_days or 0) for p in board.procedures],
         "backgroundColor": "#1565c0"},
        {"label": _("90% hồ sơ xong trong (ngày)"), "data": [p.p90_days or 0 for p in board.procedures],
         "backgroundColor": "#f9a825"},
    ]}, "options": {"indexAxis": "y"}}
    return {"timeliness": timeliness, "channels": channels, "times": times}


@staff_required
def scores(request):
    if not selectors.report_roots(user=request.user):
        return _forbidden(request)
    form, period, ids, label = _scope(request)
    if period is None:
        return render(request, "reports/scores.html", {"form": form}, status=400)
    rows, total = selectors.scores_766(agency_ids=ids, start=period["start"], end=period["end"])
    stamp = f"{period['start']:%Y%m%d}-{period['end']:%Y%m%d}"
    if request.GET.get("format") == "xlsx":
        return _file(exports.scores_xlsx(rows, total, start=period["start"], end=period["end"], scope_label=label),
                     exports.XLSX, f"chi-so-766-{stamp}.xlsx")
    if request.GET.get("format") == "pdf":
        content = exports.pdf("reports/scores_pdf.html", {"rows": rows, "total": total, "period": period,
                                                          "scope_label": label})
        return _file(content, "application/pdf", f"chi-so-766-{stamp}.pdf")
    return render(request, "reports/scores.html", {"form": form, "rows": rows, "total": total,
                                                   "scope_label": label, "query": _query(period)})


def _may_rebuild(user) -> bool:
    return any(m.role in REBUILD_ROLES for m in memberships_of(user=user))


@staff_required
def rebuilds(request):
    if not _may_rebuild(request.user):
        return _forbidden(request)
    return render(request, "reports/rebuilds.html", {"runs": Rebuild.objects.select_related("requested_by")[:20]})


@staff_required
@require_POST
def rebuild(request):
    if not _may_rebuild(request.user):
        return _forbidden(request)
    rebuild_summary.delay(request.user.pk)
    messages.success(request, _("Đã yêu cầu tổng hợp lại số liệu; kết quả hiện trong danh sách bên dưới khi xong."))
    return redirect("reports:rebuilds")


def public(request):
    """Transparency for citizens: on-time share and usual processing time per agency and procedure."""
    agencies, procedures, (start, end) = selectors.public_figures()
    return render(request, "reports/public.html", {"agencies": agencies, "procedures": procedures,
                                                   "start": start, "end": end,
                                                   "desks": Agency.objects.filter(is_one_stop_desk=True).count()})
