"""The month's rating figures handed down to the national portal's ratings summary (integrations/ratings.py, an
app below this one: SurveysConfig.ready registers `monthly_ratings` as its provider)."""

from datetime import datetime

from django.db.models import Count, Q

from integrations.ratings import MonthlyRatings
from surveys.models import Level, Rating


def monthly_ratings(start: datetime, end: datetime) -> list[MonthlyRatings]:
    """Per receiving desk, the quick ratings given in [start, end): how many, and the counts of each level of the
    overall satisfaction and of the convenience (one grouped query)."""
    def level(field: str, value: int) -> Count:
        return Count("id", filter=Q(**{field: value}))

    rows = (Rating.objects.filter(rated_at__gte=start, rated_at__lt=end)
            .values("dossier__receiving_agency_id")
            .annotate(n=Count("id"),
                      o2=level("overall", Level.VERY_SATISFIED), o1=level("overall", Level.SATISFIED),
                      o0=level("overall", Level.NOT_SATISFIED),
                      c2=level("convenience", Level.VERY_SATISFIED), c1=level("convenience", Level.SATISFIED),
                      c0=level("convenience", Level.NOT_SATISFIED))
            .order_by("dossier__receiving_agency_id"))
    return [MonthlyRatings(agency_id=r["dossier__receiving_agency_id"], raters=r["n"],
                           overall=(r["o2"], r["o1"], r["o0"]), service=(r["c2"], r["c1"], r["c0"]))
            for r in rows]
