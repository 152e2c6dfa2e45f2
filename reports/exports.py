"""Reports as files: Excel (openpyxl, real numbers) and PDF (WeasyPrint, the official layout)."""

from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from printing.documents import font_context, html_to_pdf
from reports.ii06a import COLUMN_KEYS, II06A_GROUPS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)

FIRST_HEADER = {"agency": _("Cơ quan, đơn vị"), "field": _("Lĩnh vực"), "procedure": _("Thủ tục hành chính")}


# Under the subtitle of every file: whom the dossiers are counted for (Circular 01/2018, report II.06a).
COUNTED_FOR = "Hồ sơ được tính cho cơ quan có thẩm quyền giải quyết; nơi tiếp nhận là bộ lọc."


def _cell(ws, row: int, column: int, value=None):
    """A cell whose text stays text: openpyxl turns any string starting with "=" into a formula, so a field or
    procedure name such as "=HYPERLINK(…)" (an admin edit, a catalog import) would run in the reader's Excel.
    Every string is written as a plain string cell, exactly as typed; numbers stay numbers."""
    cell = ws.cell(row, column, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _workbook(title: str, subtitle: str):
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    _cell(ws, 1, 1, title).font = Font(bold=True, size=13)
    _cell(ws, 2, 1, subtitle).font = Font(italic=True)
    ws["A3"] = COUNTED_FOR
    ws["A3"].font = Font(italic=True, size=9)
    return wb, ws


def _save(wb) -> bytes:
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def ii06a_xlsx(report, *, scope_label: str) -> bytes:
    with translation.override("vi"):
        return _ii06a_xlsx(report, scope_label=scope_label)


def _ii06a_xlsx(report, *, scope_label: str) -> bytes:
    wb, ws = _workbook("Biểu II.06a", f"Tình hình, kết quả giải quyết TTHC – {scope_label} – "
                                     f"từ {report.start:%d/%m/%Y} đến {report.end:%d/%m/%Y}")
    _cell(ws, 4, 1, "STT")
    _cell(ws, 4, 2, str(FIRST_HEADER[report.grouping]))
    _cell(ws, 4, 3, "Mã")
    for c in (1, 2, 3):
        ws.merge_cells(start_row=4, start_column=c, end_row=5, end_column=c)
    column = 4
    for group, subs in II06A_GROUPS:
        _cell(ws, 4, column, str(group))
        ws.merge_cells(start_row=4, start_column=column, end_row=4, end_column=column + len(subs) - 1)
        for i, (_key, sub) in enumerate(subs):
            _cell(ws, 5, column + i, str(sub))
        column += len(subs)
    last_column = column - 1
    row_no = 6
    for i, row in enumerate([*report.rows, report.total], start=1):
        is_total = row is report.total
        _cell(ws, row_no, 1, None if is_total else i)
        _cell(ws, row_no, 2, row.label)
        _cell(ws, row_no, 3, row.code)
        for j, key in enumerate(COLUMN_KEYS):
            _cell(ws, row_no, 4 + j, int(row.cells[key]))
        if is_total:
            for c in range(1, last_column + 1):
                _cell(ws, row_no, c).font = Font(bold=True)
        row_no += 1
    for r in ws.iter_rows(min_row=4, max_row=row_no - 1, max_col=last_column):
        for cell in r:
            cell.border = BOX
            if cell.row <= 5:
                cell.alignment = CENTRE
                cell.font = Font(bold=True)
    ws.column_dimensions["B"].width = 48
    for c in range(4, last_column + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.freeze_panes = "D6"
    return _save(wb)


def scores_xlsx(rows, total, *, start, end, scope_label: str) -> bytes:
    wb, ws = _workbook("Chỉ số 766", f"Chỉ số chất lượng phục vụ (Quyết định 766/QĐ-TTg) – {scope_label} – "
                                     f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}")
    header = ["Cơ quan, đơn vị", "Mã", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ (%)", "Ngưỡng đạt tối đa (%)",
              "Điểm", "Điểm tối đa", "Thời gian giải quyết trung bình (ngày)"]
    for c, text in enumerate(header, start=1):
        cell = _cell(ws, 4, c, text)
        cell.font, cell.alignment, cell.border = Font(bold=True), CENTRE, BOX
    r = 5
    for score in [*rows, total]:
        name = score.agency.name if score.agency else "Tổng cộng"
        code = score.agency.identifier if score.agency else ""
        for indicator in score.indicators:
            # Not available / not yet entered by the inspector: no figures (not 0 of 0), the reason instead.
            scored = getattr(indicator, "scored", True)
            label = indicator.label + (f" ({indicator.detail})" if indicator.detail else "")
            if not scored and getattr(indicator, "note", ""):
                label += f" – {indicator.note}"
            values = [name, code, label,
                      indicator.numerator if scored else None, indicator.denominator if scored else None,
                      float(indicator.rate) if indicator.rate is not None else None, float(indicator.threshold),
                      float(indicator.points) if indicator.points is not None else None,
                      float(indicator.max_points),
                      float(score.average_days) if score.average_days is not None else None]
            for c, value in enumerate(values, start=1):
                _cell(ws, r, c, value).border = BOX
            r += 1
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["C"].width = 40
    return _save(wb)


def pdf(template: str, context: dict) -> bytes:
    with translation.override("vi"):
        return _pdf(template, context)


def _pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, {**font_context(), "printed_at": timezone.now(), **context})
    return html_to_pdf(html)
