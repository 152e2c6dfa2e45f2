"""Report II.06a (Circular 01/2018/TT-VPCP, annex II.06a): rows per competent agency, field or procedure of the
dossiers whose competent agency is in the scope, from the summary (reports.summary). Each cell's dossiers are
listed by reports.drilldown with the same definitions, so a cell always equals its list's length."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, Field, Procedure
from reports.summary import period_sums, summary_rows

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
    sums = period_sums(qs, group, start, end)
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
