"""Decision 766/QĐ-TTg: the service-quality indicators this product can compute, per competent agency and for
the whole scope, from the summary (reports.summary) and the dossiers overdue now (reports.drilldown)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from dossiers.selectors import period_bounds
from procedures.models import Agency, OnlineLevel, Procedure
from reports.drilldown import pending_overdue_now
from reports.figures import MEASURES
from reports.summary import percent, period_sums, summary_rows


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
    coverage, whole_coverage = _coverage(agency_ids)
    rows = [_score(agencies[pk], s, overdue.get(pk, 0), coverage.get(pk, (0, 0))) for pk, s in sums.items()]
    rows.sort(key=lambda r: r.agency.identifier)
    total = _score(None, whole, sum(overdue.values()), whole_coverage)
    return rows, total
