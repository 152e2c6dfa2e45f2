"""Leaders' report of feedback and complaints (PAKN): per agency and period, received, answered on time,
answered late, overdue and pending (feedback.selectors.figures_by_agency), on a page and as an Excel file.

Definitions (one place, feedback/selectors.py): every figure counts the feedback RECEIVED in the period; answered
on time = answered no later than its due time (early or on time), answered late = after it, overdue = still
unanswered past its due time now, pending = still unanswered within time. The four add up to "received"."""

from django.shortcuts import render
from django.utils import timezone
from openpyxl.styles import Font

from feedback.selectors import figures_by_agency, figures_total
from reports import exports
from reports.views import Scope, report_view

HEADER = ["Cơ quan, đơn vị", "Tiếp nhận", "Trả lời đúng hạn", "Trả lời quá hạn", "Quá hạn chưa trả lời",
          "Trong hạn chưa trả lời"]
KEYS = ["received", "answered_on_time", "answered_late", "overdue", "pending"]


def feedback_xlsx(rows: list[dict], total: dict, *, start, end, scope_label: str) -> bytes:
    wb, ws = exports._workbook("Phản ánh, kiến nghị", f"Phản ánh, kiến nghị – {scope_label} – từ {start:%d/%m/%Y} "
                                                     f"đến {end:%d/%m/%Y}")
    ws["A3"] = "Tính trên phản ánh, kiến nghị tiếp nhận trong kỳ, cho cơ quan xử lý."
    for c, text in enumerate(HEADER, start=1):
        cell = exports._cell(ws, 4, c, text)
        cell.font, cell.alignment, cell.border = Font(bold=True), exports.CENTRE, exports.BOX
    for r, row in enumerate([*rows, {"agency__name": "Tổng cộng", **total}], start=5):
        exports._cell(ws, r, 1, row["agency__name"]).border = exports.BOX
        for c, key in enumerate(KEYS, start=2):
            exports._cell(ws, r, c, row[key]).border = exports.BOX
    ws.column_dimensions["A"].width = 48
    return exports._save(wb)


@report_view("reports/feedback.html")
def feedback_report(request, scope: Scope):
    rows = figures_by_agency(agency_ids=scope.agency_ids, start=scope.start, end=scope.end, now=timezone.now())
    total = figures_total(rows)
    if request.GET.get("format") == "xlsx":
        return scope.file(feedback_xlsx(rows, total, start=scope.start, end=scope.end, scope_label=scope.label),
                          exports.XLSX, "phan-anh-kien-nghi", "xlsx")
    return render(request, "reports/feedback.html", {"form": scope.form, "rows": rows, "total": total,
                                                     "scope_label": scope.label, "query": scope.query()})
