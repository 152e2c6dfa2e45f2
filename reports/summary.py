"""Reading the summary (reports.models): the rows of a scope, period sums as differences of prefix sums (see
reports.figures), months and percentages shared by the report modules.

Agencies are competent agencies (Circular 01/2018, report II.06a; Decision 766): `agency_ids` (the user's scope)
selects the dossiers whose competent agency is one of them, and rows "per agency" are per competent agency. The
optional `desk_ids` keeps only the dossiers received at those one-stop desks (Tally.desk, Dossier.receiving_agency).
The public figures are the exception: they publish per receiving desk (reports.processing).

The report modules: reports.ii06a (report II.06a), reports.drilldown (the dossiers behind a cell),
reports.overview (the dashboard), reports.indices (Decision 766), reports.processing (usual processing time and
the public figures).
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet, Sum

from reports.figures import MEASURES
from reports.models import Level, Tally


def segments_before(day: date) -> list[tuple]:
    """The summary rows whose days are all before `day`, as (level, first bucket or None, bucket limit) ranges:
    earlier years, earlier months of its year, earlier days of its month."""
    year, month = day.replace(month=1, day=1), day.replace(day=1)
    segments = [(Level.YEAR, None, year)]
    if month > year:
        segments.append((Level.MONTH, year, month))
    if day > month:
        segments.append((Level.DAY, month, day))
    return segments


def summary_rows(agency_ids, desk_ids=None, model=Tally) -> QuerySet:
    """The summary rows of dossiers whose competent agency is in `agency_ids` and, when given, received at one of
    `desk_ids`."""
    qs = model.objects.filter(agency_id__in=agency_ids)
    if desk_ids is not None:
        qs = qs.filter(desk_id__in=desk_ids)
    return qs


def period_sums(qs: QuerySet, group: str | None, start: date, end: date) -> dict:
    """{group value: {measure: (sum before start, sum through end)}} from the summary. Each range of (level,
    bucket) is its own query, which the unique (level, bucket, agency, desk, procedure) index serves directly."""
    a, b = segments_before(start), segments_before(end + timedelta(days=1))
    totals: dict = {}
    for segment in dict.fromkeys(a + b):
        level, first, limit = segment
        rows = qs.filter(level=level, bucket__lt=limit, **({"bucket__gte": first} if first else {}))
        aggregates = {m: Sum(m) for m in MEASURES}
        if group:
            found = [(row[group], row) for row in rows.values(group).annotate(**aggregates).order_by()]
        else:
            found = [(None, rows.aggregate(**aggregates))]
        for key, row in found:
            into = totals.setdefault(key, {m: [0, 0] for m in MEASURES})
            for m in MEASURES:
                value = row[m] or 0
                if segment in a:
                    into[m][0] += value
                if segment in b:
                    into[m][1] += value
    return {key: {m: tuple(v) for m, v in sums.items()} for key, sums in totals.items()}


def months_ago(day: date, months: int) -> date:
    """The first day of the month `months` months before `day`'s month."""
    first = day.replace(day=1)
    for _i in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def month_range(start: date, end: date) -> list[date]:
    months, current = [], start.replace(day=1)
    while current <= end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
