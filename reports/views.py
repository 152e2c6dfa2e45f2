"""Report pages: thin views over the figures (reports.ii06a, drilldown, overview, indices, processing) and
reports.exports (files)."""

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from accounts.models import Role
from accounts.scoping import oversight_agency_ids, oversight_scope_ids
from accounts.selectors import memberships_of
from core.errors import DossierError
from reports import charts, drilldown, exports, indices, inspection, measures766, overview, processing
from reports.forms import PeriodForm
from reports.ii06a import COLUMNS, II06A_GROUPS, report_ii06a
from reports.models import Rebuild
from reports.summary import months_ago
from reports.tasks import rebuild_summary

PAGE_SIZE = 50
REBUILD_ROLES = {Role.ADMIN, Role.INSPECTOR}


def _forbidden(request):
    return render(request, "reports/forbidden.html", status=403)


@dataclass
class Scope:
    """What a report page was asked for: the filter form, its period, the agencies in scope (competent agencies)
    and their label, and the receiving desk the dossiers are limited to (None: any)."""

    form: PeriodForm
    period: dict
    agency_ids: set
    label: str

    @property
    def start(self):
        return self.period["start"]

    @property
    def end(self):
        return self.period["end"]

    @property
    def field_id(self):
        return self.period["field"] and self.period["field"].pk

    @property
    def desk_ids(self) -> set[int] | None:
        desk = self.period.get("desk")
        return {desk.pk} if desk else None

    def query(self, **extra) -> str:
        """The period as an address query (links from a report to its lists and files)."""
        p = self.period
        params = {"start": f"{p['start']:%d/%m/%Y}", "end": f"{p['end']:%d/%m/%Y}",
                  "grouping": p.get("grouping") or "agency"}
        if p.get("agency"):
            params["agency"] = p["agency"].pk
        if p.get("desk"):
            params["desk"] = p["desk"].pk
        if p.get("field"):
            params["field"] = p["field"].pk
        params.update(extra)
        return urlencode(params)

    def file(self, content: bytes, content_type: str, name: str, extension: str) -> HttpResponse:
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (f'attachment; filename="{name}-{self.start:%Y%m%d}-{self.end:%Y%m%d}.'
                                           f'{extension}"')
        response["Cache-Control"] = "private, no-store"
        return response


def report_view(template: str, *, default_months: int | None = None, invalid: dict | None = None):
    """A staff report page: only for the report roles; the filter read into a Scope, or the form with its
    errors (and `invalid` context) answered with 400."""

    def decorate(view):
        @staff_required
        @functools.wraps(view)
        def wrapped(request):
            allowed = oversight_agency_ids(user=request.user)
            if not allowed:
                return _forbidden(request)
            default_start = (months_ago(timezone.localdate(), default_months - 1) if default_months
                             else None)
            form = PeriodForm(request.GET, agency_ids=allowed, default_start=default_start)
            if form.is_bound and not form.is_valid():
                return render(request, template, {"form": form, **(invalid or {})}, status=400)
            period = form.period()
            ids = oversight_scope_ids(user=request.user, agency=period["agency"])
            label = period["agency"].name if period["agency"] else _("Toàn bộ phạm vi được xem")
            if period.get("desk"):
                label = _("%(scope)s – hồ sơ tiếp nhận tại %(desk)s") % {"scope": label, "desk": period["desk"].name}
            return view(request, Scope(form, period, ids, label))

        return wrapped

    return decorate


def _pdf_or_xlsx(request, scope: Scope, name: str, *, xlsx, pdf_template: str, pdf_context: dict):
    """The report as a file when ?format= asks for one, else None."""
    if request.GET.get("format") == "xlsx":
        return scope.file(xlsx(), exports.XLSX, name, "xlsx")
    if request.GET.get("format") == "pdf":
        return scope.file(exports.pdf(pdf_template, {"scope_label": scope.label, **pdf_context}),
                          "application/pdf", name, "pdf")
    return None


@report_view("reports/ii06a.html")
def ii06a(request, scope: Scope):
    report = report_ii06a(agency_ids=scope.agency_ids, start=scope.start, end=scope.end,
                          grouping=scope.period["grouping"], field_id=scope.field_id, desk_ids=scope.desk_ids)
    headers = {"groups": II06A_GROUPS, "first_header": exports.FIRST_HEADER[report.grouping]}
    file = _pdf_or_xlsx(request, scope, "bieu-II06a", xlsx=lambda: exports.ii06a_xlsx(report, scope_label=scope.label),
                        pdf_template="reports/ii06a_pdf.html", pdf_context={"report": report, **headers})
    return file or render(request, "reports/ii06a.html", {
        "form": scope.form, "report": report, "scope_label": scope.label, "query": scope.query(), **headers})


BAD_LINK = gettext_lazy("Đường dẫn không hợp lệ: hãy mở danh sách từ một ô của báo cáo.")


@report_view("reports/drill_down.html", invalid={"error": BAD_LINK})
def drill_down(request, scope: Scope):
    column, row_key = request.GET.get("col", ""), request.GET.get("row", "all")
    columns = dict(COLUMNS)
    if column not in columns or not drilldown.valid_row_key(row_key):
        return render(request, "reports/drill_down.html", {"form": scope.form, "error": BAD_LINK}, status=400)
    qs = (drilldown.cell_dossiers(user=request.user, agency_ids=scope.agency_ids, start=scope.start, end=scope.end,
                                  column=column, row_key=row_key, field_id=scope.field_id, desk_ids=scope.desk_ids)
          .select_related("procedure", "receiving_agency", "competent_agency")
          .order_by(*drilldown.cell_ordering(column)))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/drill_down.html", {
        "form": scope.form, "page": page, "column_label": columns[column], "row_label": drilldown.row_label(row_key),
        "scope_label": scope.label, "period": scope.period, "query_string": scope.query(col=column, row=row_key),
        "report_query": scope.query(),
    })


@report_view("reports/dashboard.html", default_months=12)
def dashboard(request, scope: Scope):
    board = overview.dashboard(agency_ids=scope.agency_ids, start=scope.start, end=scope.end,
                               field_id=scope.field_id, desk_ids=scope.desk_ids)
    return render(request, "reports/dashboard.html", {
        "form": scope.form, "board": board, "scope_label": scope.label, "charts": charts.dashboard_charts(board),
    })


@report_view("reports/scores.html")
def scores(request, scope: Scope):
    entry_form = None
    if inspection.may_enter(user=request.user):
        entry_form = inspection.InspectorEntryForm(
            request.POST if request.method == "POST" else None, user=request.user,
            initial={"start": scope.start, "end": scope.end, "agency": scope.period.get("agency")})
    if request.method == "POST":
        saved = _save_inspector_entry(request, entry_form)
        if saved is not None:
            return saved
    rows, total = indices.scores_766(agency_ids=scope.agency_ids, start=scope.start, end=scope.end,
                                     desk_ids=scope.desk_ids)
    file = _pdf_or_xlsx(
        request, scope, "chi-so-766",
        xlsx=lambda: exports.scores_xlsx(rows, total, start=scope.start, end=scope.end, scope_label=scope.label),
        pdf_template="reports/scores_pdf.html", pdf_context={"rows": rows, "total": total, "period": scope.period})
    return file or render(request, "reports/scores.html", {
        "form": scope.form, "rows": rows, "total": total, "scope_label": scope.label, "query": scope.query(),
        "entry_form": entry_form, "groups": indices.GROUPS, "definitions": indices.DEFINITIONS,
        "complete_fields": measures766.COMPLETE_FIELDS,
    }, status=400 if entry_form is not None and entry_form.errors else 200)


def _save_inspector_entry(request, form):
    """POST on the 766 page: an inspector's value. Refused (403, nothing saved) for anyone else; a form with errors
    is shown again (None: the page renders it)."""
    if form is None:
        return _forbidden(request)
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        inspection.inspector_entry_save(user=request.user, agency=data["agency"], start=data["start"],
                                        end=data["end"], indicator=data["indicator"], numerator=data["numerator"],
                                        denominator=data["denominator"], note=data["note"])
    except DossierError as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, _("Đã lưu chỉ số do thanh tra nhập."))
    return redirect(f"{request.path}?{request.GET.urlencode()}")


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
    """Transparency for citizens: on-time share and usual processing time per receiving agency and procedure."""
    agencies, procedures, (start, end) = processing.public_figures()
    return render(request, "reports/public.html", {"agencies": agencies, "procedures": procedures,
                                                   "start": start, "end": end})
