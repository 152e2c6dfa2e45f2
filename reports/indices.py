"""Decision 766/QĐ-TTg: the service-quality indicators in its five groups, per competent agency and for the whole
scope. From the summary (reports.summary): received, on time, online, ratings, resolved; from their own tables
(reports.measures766): the catalog's completeness, payments, signed results, digitised dossiers, PAKN, process
steps finished on time (dossiers.DossierStep, per the dossier's competent agency); from the
inspector's entries (reports.inspection): what the system cannot measure. An indicator is one of

- computed: numerator ÷ denominator, scored against its threshold;
- entered by the inspector: scored only once an inspector entered it for the agency and the period;
- not available: shown with the reason, never scored.

Each carries its formula and its source in the decision; points and thresholds are ONECUA["INDEX_766"]."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dossiers.selectors import period_bounds
from procedures.models import Agency
from reports import measures766
from reports.drilldown import pending_overdue_now
from reports.figures import MEASURES
from reports.inspection import InspectorIndicator, entries_for
from reports.summary import percent, period_sums, summary_rows

COMPUTED, INSPECTOR, PENDING_INPUT, UNAVAILABLE = "computed", "inspector", "pending_input", "unavailable"

# The five groups (docs/domain.md §6): key, name as the decision's group, source line shown on the page.
GROUPS = [
    ("publicity", _("Công khai, minh bạch"), _("Quyết định 766/QĐ-TTg, nhóm Công khai, minh bạch (18 điểm)")),
    ("progress", _("Tiến độ giải quyết"), _("Quyết định 766/QĐ-TTg, nhóm Tiến độ giải quyết (20 điểm)")),
    ("online", _("Dịch vụ trực tuyến"), _("Quyết định 766/QĐ-TTg, nhóm Dịch vụ trực tuyến")),
    ("digitisation", _("Số hóa hồ sơ, kết quả"), _("Quyết định 766/QĐ-TTg, nhóm Số hóa hồ sơ")),
    ("satisfaction", _("Mức độ hài lòng"), _("Quyết định 766/QĐ-TTg, nhóm Mức độ hài lòng (18 điểm)")),
]
GROUP_SOURCES = {key: source for key, _name, source in GROUPS}

# key → (group, label, formula). The order is the page's.
DEFINITIONS = {
    "published_complete": ("publicity", _("Tỷ lệ thủ tục công khai đầy đủ thông tin"),
                           _("Thủ tục đang áp dụng có đủ mã, trình tự thực hiện, căn cứ pháp lý, tên kết quả, thời "
                             "hạn và ít nhất một thành phần hồ sơ ÷ thủ tục đang áp dụng của cơ quan")),
    "online_coverage": ("publicity", _("Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến"),
                        _("Thủ tục đang áp dụng có mức trực tuyến (toàn trình hoặc một phần) ÷ thủ tục đang áp "
                          "dụng của cơ quan")),
    "on_time": ("progress", _("Tỷ lệ hồ sơ giải quyết đúng hạn"),
                _("(Hồ sơ tiếp nhận trong kỳ − hồ sơ quá hạn, kể cả hồ sơ yêu cầu bổ sung quá một lần và hồ sơ "
                  "đang quá hạn) ÷ hồ sơ tiếp nhận trong kỳ")),
    "step_on_time": ("progress", _("Tỷ lệ bước xử lý đúng hạn"),
                     _("Bước xử lý theo quy trình nội bộ hoàn thành trong kỳ trước hạn hoặc đúng hạn của bước ÷ "
                       "bước hoàn thành trong kỳ (không kể bước được bỏ qua), theo cơ quan có thẩm quyền giải "
                       "quyết hồ sơ")),
    "online_rate": ("online", _("Tỷ lệ hồ sơ nộp trực tuyến"),
                    _("Hồ sơ tiếp nhận trong kỳ nộp qua kênh trực tuyến ÷ hồ sơ tiếp nhận trong kỳ")),
    "online_payment": ("online", _("Tỷ lệ thanh toán trực tuyến"),
                       _("Hồ sơ tiếp nhận trong kỳ đã thanh toán trực tuyến thành công ÷ hồ sơ tiếp nhận trong kỳ "
                         "có khoản phải nộp")),
    "electronic_results": ("online", _("Tỷ lệ cấp kết quả điện tử"),
                           _("Hồ sơ có kết quả trong kỳ được ký số kết quả điện tử ÷ hồ sơ có kết quả trong kỳ")),
    "digitised_dossiers": ("digitisation", _("Tỷ lệ số hóa hồ sơ"),
                           _("Hồ sơ tiếp nhận trong kỳ đã số hóa thành phần hồ sơ ÷ hồ sơ tiếp nhận trong kỳ")),
    "digitised_results": ("digitisation", _("Tỷ lệ số hóa kết quả giải quyết"),
                          _("Hồ sơ có kết quả trong kỳ có kết quả điện tử đã ký số ÷ hồ sơ có kết quả trong kỳ")),
    "data_reuse": ("digitisation", _("Tỷ lệ tái sử dụng thông tin, dữ liệu số hóa"),
                   _("Do thanh tra nhập: hồ sơ khai thác, sử dụng lại dữ liệu đã số hóa ÷ hồ sơ tiếp nhận trong kỳ")),
    "satisfaction": ("satisfaction", _("Mức độ hài lòng trong giải quyết"),
                     _("100% − (hồ sơ quá hạn ÷ hồ sơ tiếp nhận trong kỳ + đánh giá “không hài lòng” ÷ hồ sơ có "
                       "kết quả trong kỳ)")),
    "ratings": ("satisfaction", _("Tỷ lệ đánh giá hài lòng"),
                _("Đánh giá “rất hài lòng” và “hài lòng” trong kỳ ÷ đánh giá trong kỳ")),
    "pakn_on_time": ("satisfaction", _("Tỷ lệ phản ánh, kiến nghị được trả lời đúng hạn"),
                     _("Phản ánh, kiến nghị tiếp nhận trong kỳ được trả lời đúng hạn ÷ phản ánh, kiến nghị tiếp "
                       "nhận trong kỳ đã đến hạn trả lời (đã trả lời hoặc đang quá hạn)")),
}


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
    group: str = ""
    formula: str = ""
    source: str = ""
    status: str = COMPUTED
    note: str = ""          # who entered it and when; why it is not available

    @property
    def scored(self) -> bool:
        return self.status in (COMPUTED, INSPECTOR)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.numerator, self.denominator) if self.scored else None

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
    by_key: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.by_key = {i.key: i for i in self.indicators}

    def __getitem__(self, key: str) -> Indicator:
        return self.by_key[key]

    @property
    def points(self) -> Decimal:
        return sum((i.points or Decimal(0)) for i in self.indicators)

    @property
    def max_points(self) -> Decimal:
        """The points of the indicators that are scored: not available and not yet entered ones count for nothing."""
        return sum((i.max_points for i in self.indicators if i.scored), Decimal(0))

    @property
    def groups(self) -> list[tuple[str, list]]:
        return [(name, [i for i in self.indicators if i.group == key]) for key, name, _source in GROUPS]


def _indicator(key: str, numerator: int = 0, denominator: int = 0, *, detail: str = "", status: str = COMPUTED,
               note: str = "") -> Indicator:
    config = points_config().get(key, {"points": 0, "threshold": 100})
    group, label, formula = DEFINITIONS[key]
    return Indicator(key, str(label), numerator, denominator, Decimal(str(config["threshold"])),
                     Decimal(str(config["points"])), str(detail), group, str(formula), str(GROUP_SOURCES[group]),
                     status, str(note))


def _entered(entry) -> Indicator:
    if entry is None:
        return _indicator("data_reuse", status=PENDING_INPUT,
                          note=_("Chưa nhập: hệ thống không đo được chỉ số này; thanh tra nhập cho cơ quan và kỳ."))
    when = date_format(entry.entered_at, "d/m/Y H:i")
    return _indicator("data_reuse", entry.numerator, entry.denominator, status=INSPECTOR,
                      note=_("Thanh tra %(who)s nhập lúc %(when)s") % {
                          "who": entry.entered_by.get_full_name() or entry.entered_by.get_username(), "when": when})


def _score(agency, s: dict, overdue_now: int, extra: dict, entry) -> AgencyScore:
    def period(m):
        return s[m][1] - s[m][0]

    received = period("received_online") + period("received_offline")
    resolved = period("resolved_early") + period("resolved_on_time") + period("resolved_late")
    late = period("late_766") + overdue_now
    satisfied = period("rated_very_satisfied") + period("rated_satisfied")
    not_satisfied = period("rated_not_satisfied")
    ratings = satisfied + not_satisfied
    # 100 % − (late rate + not-satisfied rate), expressed as parts of 10 000 so the indicator stays a ratio. The
    # "not satisfied" rate divides by the dossiers resolved in the period (docs/domain.md §10), not by ratings.
    late_part = Decimal(late) / received if received else Decimal(0)
    unhappy_part = Decimal(not_satisfied) / resolved if resolved else Decimal(0)
    handling = max(Decimal(0), 1 - late_part - unhappy_part)
    measured = received or resolved
    get = extra.get
    indicators = [
        _indicator("published_complete", get("complete", 0), get("total", 0)),
        _indicator("online_coverage", get("online", 0), get("total", 0)),
        _indicator("on_time", received - late, received),
        _indicator("step_on_time", get("steps_in_time", 0), get("steps_finished", 0)),
        _indicator("online_rate", period("received_online"), received),
        _indicator("online_payment", get("paid", 0), get("payable", 0)),
        _indicator("electronic_results", get("signed", 0), get("resolved", 0)),
        _indicator("digitised_dossiers", get("digitised", 0), get("received", 0)),
        _indicator("digitised_results", get("signed", 0), get("resolved", 0)),
        _entered(entry),
        _indicator("satisfaction", int((handling * 10000).to_integral_value()) if measured else 0,
                   10000 if measured else 0,
                   detail=_("100%% − quá hạn %(late)s/%(received)s − không hài lòng %(unhappy)s/%(resolved)s")
                   % {"late": late, "received": received, "unhappy": not_satisfied, "resolved": resolved}),
        _indicator("ratings", satisfied, ratings),
        _indicator("pakn_on_time", get("pakn_on_time", 0), get("pakn_due", 0)),
    ]
    average = (Decimal(period("resolved_days")) / resolved).quantize(Decimal("0.1")) if resolved else None
    return AgencyScore(agency, indicators, average)


def _extra(pk, catalog: dict, dossiers: dict, feedback: dict, steps: dict) -> dict:
    out = {k: catalog.get(pk, {}).get(k, 0) for k in ("total", "complete", "online")}
    out.update(dossiers.get(pk, {}))
    out.update(steps.get(pk, {}))
    fb = feedback.get(pk, {})
    out.update(pakn_due=fb.get("due", 0), pakn_on_time=fb.get("on_time", 0))
    return out


def _whole_entry(entries: dict, pks) -> object | None:
    """The scope's inspector value: the sum of its agencies' entries, only when every agency has one."""
    found = [entries.get((pk, InspectorIndicator.DATA_REUSE)) for pk in pks]
    if not found or any(e is None for e in found):
        return None
    latest = max(found, key=lambda e: e.entered_at)
    return type("Whole", (), {"numerator": sum(e.numerator for e in found),
                              "denominator": sum(e.denominator for e in found),
                              "entered_at": latest.entered_at, "entered_by": latest.entered_by})()


def scores_766(*, agency_ids: set[int], start: date, end: date,
               desk_ids: set[int] | None = None) -> tuple[list[AgencyScore], AgencyScore]:
    """Per competent agency and for the whole scope: the Decision 766 indicators (of the dossiers received at one
    of `desk_ids`, when given; the catalog and PAKN indicators do not depend on the desk)."""
    sums = period_sums(summary_rows(agency_ids, desk_ids), "agency_id", start, end)
    # Rows left at zero when a dossier's contributions moved to another competent agency count for nothing.
    sums = {pk: s for pk, s in sums.items() if any(v != (0, 0) for v in s.values())}
    whole = {m: (sum(s[m][0] for s in sums.values()), sum(s[m][1] for s in sums.values())) for m in MEASURES}
    # Pending and already overdue now: late too. Those with > 1 supplement request are in late_766 already.
    received_from, received_before = period_bounds(start, end)
    overdue = pending_overdue_now(agency_ids=agency_ids, received_from=received_from,
                                  received_before=received_before, group="competent_agency_id",
                                  at_most_one_supplement=True, desk_ids=desk_ids)
    agencies = Agency.objects.in_bulk(list(sums))
    catalog, whole_catalog = measures766.catalog_counts(agency_ids)
    dossiers = measures766.dossier_counts(agency_ids=agency_ids, start=start, end=end, desk_ids=desk_ids)
    feedback = measures766.feedback_counts(agency_ids=agency_ids, start=start, end=end)
    steps = measures766.step_counts(agency_ids=agency_ids, start=start, end=end, desk_ids=desk_ids)
    entries = entries_for(agency_ids=list(sums), start=start, end=end)
    rows = [_score(agencies[pk], s, overdue.get(pk, 0), _extra(pk, catalog, dossiers, feedback, steps),
                   entries.get((pk, InspectorIndicator.DATA_REUSE))) for pk, s in sums.items()]
    rows.sort(key=lambda r: r.agency.identifier)
    whole_extra = {k: whole_catalog.get(k) or 0 for k in ("total", "complete", "online")}
    for key in ("received", "digitised", "payable", "paid", "resolved", "signed"):
        whole_extra[key] = sum(d.get(key, 0) for pk, d in dossiers.items() if pk in sums)
    for key in ("steps_finished", "steps_in_time"):
        whole_extra[key] = sum(d.get(key, 0) for pk, d in steps.items() if pk in sums)
    whole_extra["pakn_due"] = sum(f["due"] for f in feedback.values())
    whole_extra["pakn_on_time"] = sum(f["on_time"] for f in feedback.values())
    total = _score(None, whole, sum(overdue.values()), whole_extra, _whole_entry(entries, list(sums)))
    return rows, total
