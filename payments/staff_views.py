"""Staff pages: the payments list per desk (filters, totals per day, pagination, Excel export) and the receipt
of a paid payment. Every query goes through the scoping (payments.selectors, accounts.scoping); a user with no
agency to list gets 404."""

from io import BytesIO

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounts.decorators import staff_required
from core.http import pdf_response
from dossiers.selectors import dossiers_visible_to
from payments.forms import PaymentFilterForm
from payments.models import Payment, PaymentStatus
from payments.receipts import render_receipt
from payments.selectors import (
    no_payments,
    payment_scope_ids,
    payments_for_staff,
    totals_per_day,
    with_list_columns,
)
from procedures.formatting import vn_short_datetime

PAGE_SIZE = 50
MAX_EXPORT_ROWS = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filtered(request):
    scope = payment_scope_ids(user=request.user)
    if not scope:
        raise Http404
    form = PaymentFilterForm(request.GET or None, agency_ids=scope)
    if form.is_bound and not form.is_valid():
        return form, no_payments()
    return form, payments_for_staff(user=request.user, **form.filters())


def _query_string(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@staff_required
@require_GET
def payment_list(request):
    form, qs = _filtered(request)
    page = Paginator(with_list_columns(qs), PAGE_SIZE).get_page(request.GET.get("page"))
    totals = totals_per_day(qs)
    return render(request, "payments/staff_list.html", {
        "form": form, "page": page, "totals": totals, "query_string": _query_string(request),
        "grand_total": sum(t["amount"] or 0 for t in totals), "grand_paid": sum(t["paid"] or 0 for t in totals),
    })


@staff_required
@require_GET
def payment_export(request):
    form, qs = _filtered(request)
    rows = list(with_list_columns(qs)[:MAX_EXPORT_ROWS])
    with translation.override("vi"):
        content = payments_xlsx(rows, filters=form.filters() if not form.errors else None)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="thanh-toan-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def payment_receipt(request):
    """The receipt of a paid payment (?tt=<reference>) of a dossier the user may see."""
    payment = (Payment.objects.select_related("dossier", "dossier__receiving_agency", "dossier__procedure")
               .filter(reference=request.GET.get("tt", "")[:100], status=PaymentStatus.PAID,
                       dossier__in=dossiers_visible_to(user=request.user)).first())
    if payment is None:
        raise Http404
    return pdf_response(render_receipt(payment))


# ---------------------------------------------------------------- Excel
def _cell(ws, row: int, column: int, value=None):
    """A string stays a string cell (openpyxl would make "=…" a formula: a description is user text)."""
    cell = ws.cell(row, column, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def payments_xlsx(rows: list[Payment], *, filters: dict | None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Thanh toán"
    _cell(ws, 1, 1, _("Danh sách thanh toán trực tuyến")).font = Font(bold=True, size=13)
    if filters:
        desk = filters.get("desk")
        period = _("Từ %(start)s đến %(end)s") % {
            "start": f"{filters['start']:%d/%m/%Y}" if filters.get("start") else "…",
            "end": f"{filters['end']:%d/%m/%Y}" if filters.get("end") else "…"}
        _cell(ws, 2, 1, f"{period} – {desk.name if desk else _('Tất cả nơi tiếp nhận')}").font = Font(italic=True)
    headers = [_("STT"), _("Ngày"), _("Mã thanh toán"), _("Mã hồ sơ"), _("Nơi tiếp nhận"), _("Khoản thu"),
               _("Nội dung"), _("Số tiền (đồng)"), _("Trạng thái"), _("Mã giao dịch tại cổng"), _("Ngân hàng")]
    for column, text in enumerate(headers, 1):
        cell = _cell(ws, 4, column, str(text))
        cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center", wrap_text=True)
    for i, p in enumerate(rows, 1):
        row = 4 + i
        values = [i, vn_short_datetime(p.day_at), p.reference, p.dossier.code, p.dossier.receiving_agency.name,
                  str(p.get_purpose_display()), p.description, int(p.amount), str(p.get_status_display()),
                  p.provider_transaction_id, p.bank_code]
        for column, value in enumerate(values, 1):
            cell = _cell(ws, row, column, value)
            if column == 8:
                cell.number_format = "#,##0"
    total_row = 5 + len(rows)
    _cell(ws, total_row, 7, _("Tổng số tiền đã thanh toán")).font = Font(bold=True)
    paid = sum(int(p.amount) for p in rows if p.status == PaymentStatus.PAID)
    total = _cell(ws, total_row, 8, paid)
    total.font, total.number_format = Font(bold=True), "#,##0"
    for column, width in zip("ABCDEFGHIJK", (6, 17, 30, 24, 34, 18, 40, 16, 16, 20, 12), strict=True):
        ws.column_dimensions[column].width = width
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
