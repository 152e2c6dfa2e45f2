"""Usual processing time and the share on time, as published to the public: on a procedure's page (setting
PROCEDURE_PAGE_CONTEXT) and on the public figures page. Read from the summary only (reports.models), never from
the dossier table, so a page costs the same few queries whatever the number of dossiers.

Usual processing time — the one definition, also behind the dashboard's 90th percentile (reports.overview):
a resolved dossier's processing time is the number of calendar days from the local day (Asia/Ho_Chi_Minh) it was
received to the local day of its result (0 when both fall on the same day): the `days` of the duration summary
(reports.models.DurationTally, written by reports.figures.durations). The summary keeps how many dossiers took
each whole number of days, so the usual time is a percentile of that histogram by nearest rank: the p-th
percentile of N dossiers is the smallest d such that at least p % of the N took d days or fewer. The median is the
50th percentile — for an even N the lower of the two middle values, and always a number of days some dossier
took.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from procedures.models import Agency, Procedure
from reports.models import DurationTally, Level, Tally
from reports.summary import months_ago, percent

# The procedure page: the current month (to date) and the 11 calendar months before it.
PROCEDURE_PAGE_MONTHS = 12


def histograms(durations: QuerySet[DurationTally], group: str) -> dict[int, dict[int, int]]:
    """{group value: {days from receipt to result: dossiers}} from the duration summary (one query)."""
    out: dict = {}
    for key, days, n in durations.values_list(group, "days").annotate(n=Sum("count")).order_by():
        if n:
            out.setdefault(key, {})[days] = n
    return out


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of a {days: dossiers} histogram: the smallest number of days d such that at
    least `share` (0.5: the median, 0.9: the 90th percentile) of the dossiers took d days or fewer; None when the
    histogram is empty. Exact (`share` is read as the decimal fraction it is written as)."""
    total = sum(histogram.values())
    if not total:
        return None
    needed = Fraction(str(share)) * total
    running = 0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= needed:
            return days
    return max(histogram)


# ---------------------------------------------------------------- the procedure page
@dataclass(frozen=True)
class ProcessingReality:
    """What the procedure page shows (templates/procedures/detail.html): days written with one decimal and a
    decimal comma, the share on time as a whole percent."""

    count: int
    median_days: str
    p90_days: str
    on_time_percent: int


def _days(days: int) -> str:
    return f"{days:.1f}".replace(".", ",")


def procedure_processing_reality(*, procedure, today: date | None = None) -> ProcessingReality | None:
    """The dossiers of `procedure` (any competent agency, any receiving desk) resolved in the current month to
    date and the 11 calendar months before it (local dates; the summary's month rows): how many, their usual
    processing time (median and 90th percentile, see the module's docstring) and the share resolved early or on
    time (rounded half up to a whole percent); None when none was resolved then. Two queries: the month rows of
    the summary and the procedure's duration histogram (index duration_by_procedure)."""
    today = today or timezone.localdate()
    first, last = months_ago(today, PROCEDURE_PAGE_MONTHS - 1), today.replace(day=1)
    counts = Tally.objects.filter(level=Level.MONTH, bucket__gte=first, bucket__lte=last,
                                  procedure_id=procedure.pk).aggregate(
        early=Sum("resolved_early"), on_time=Sum("resolved_on_time"), late=Sum("resolved_late"))
    early, on_time, late = (counts[k] or 0 for k in ("early", "on_time", "late"))
    resolved = early + on_time + late
    if not resolved:
        return None
    histogram = histograms(DurationTally.objects.filter(procedure_id=procedure.pk, month__gte=first,
                                                        month__lte=last), "procedure_id").get(procedure.pk, {})
    median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
    if median is None:  # the two summaries always agree (tests/reports); never show a count without its times
        return None
    share = (Decimal(100 * (early + on_time)) / resolved).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return ProcessingReality(count=resolved, median_days=_days(median), p90_days=_days(p90),
                             on_time_percent=int(share))


# The page's figures are kept in the shared cache per procedure and local day, with the version of that
# procedure's figures they were computed at: the summary sets a new one (tally.apply_changes, for the procedures
# whose resolved counts or durations moved; replace_summary, for all of them through the generation), so the next
# page computes afresh. The versions are read before the summary (a concurrent change is never stored as current).
PROCESSING_GENERATION_KEY = "reports:processing-generation"
PROCESSING_SECONDS = 3600  # how long computed figures live unused


def version_key(procedure_id) -> str:
    return f"reports:processing-version:{procedure_id}"


def processing_changed(procedure_ids=None) -> None:
    """New figures versions for `procedure_ids` (None: every procedure) at once and again once the writer's
    transaction commits (a page rendered in between from the rows before the commit is never read again)."""
    from core import versions

    if procedure_ids is None:
        versions.replace(PROCESSING_GENERATION_KEY)
    elif procedure_ids := sorted(set(procedure_ids)):
        versions.replace(*(version_key(pk) for pk in procedure_ids))


def procedure_page_context(*, procedure) -> dict:
    """The procedure page's figures (settings.ONECUA["PROCEDURE_PAGE_CONTEXT"]): one cache round trip when they
    are stored at the current versions, else the two summary queries (stored)."""
    from django.core.cache import cache

    from core import versions

    today = timezone.localdate()
    own_key, cache_key = version_key(procedure.pk), f"reports:processing:{procedure.pk}:{today.isoformat()}"
    found = cache.get_many([PROCESSING_GENERATION_KEY, own_key, cache_key])
    # First reader, or evicted: a fresh version (core.versions), so nothing older matches.
    version = tuple(found.get(key) or versions.current(key) for key in (PROCESSING_GENERATION_KEY, own_key))
    stored = found.get(cache_key)
    if stored is not None and stored[0] == version:
        return {"reality": stored[1]}
    reality = procedure_processing_reality(procedure=procedure, today=today)
    cache.set(cache_key, (version, reality), PROCESSING_SECONDS)
    return {"reality": reality}


# ---------------------------------------------------------------- the public figures page
@dataclass
class PublicFigure:
    key: object
    resolved: int
    on_time: int
    median_days: int | None

    @property
    def on_time_rate(self):
        return percent(self.on_time, self.resolved)


def public_figures(*, months: int | None = None, today: date | None = None) -> tuple[list, list, tuple[date, date]]:
    """Per receiving agency (the one-stop desk the public deals with: the summary's `desk`, not the competent
    agency the staff reports count by) and per procedure over the last `months` whole months (setting
    PUBLIC_FIGURES_MONTHS): the share resolved on time and the usual (median) days from receipt to result.
    Counts only; no personal data."""
    months = months or settings.ONECUA["PUBLIC_FIGURES_MONTHS"]
    today = today or timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    start = months_ago(end, months - 1)
    qs = Tally.objects.filter(level=Level.MONTH, bucket__gte=start, bucket__lte=end)
    durations = DurationTally.objects.filter(month__gte=start, month__lte=end)
    results = []
    for group, model in (("desk_id", Agency), ("procedure_id", Procedure)):
        counts = {row[group]: row for row in qs.values(group).annotate(
            early=Sum("resolved_early"), on_time=Sum("resolved_on_time"), late=Sum("resolved_late")).order_by()}
        by_key = histograms(durations, group)
        objects = model.objects.in_bulk(list(counts))
        figures = [PublicFigure(objects[key], row["early"] + row["on_time"] + row["late"],
                                row["early"] + row["on_time"], percentile(by_key.get(key, {}), 0.5))
                   for key, row in counts.items() if row["early"] + row["on_time"] + row["late"]]
        figures.sort(key=lambda f: str(f.key))
        results.append(figures)
    return results[0], results[1], (start, end)
