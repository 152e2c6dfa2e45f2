"""What surveys holds about a citizen's dossier, for privacy's registry (privacy.sections, registered in
SurveysConfig.ready()): the applicant's quick rating, in the "my data" download and in the archive package."""

from surveys.models import Rating


def ratings_by_dossier(dossiers) -> dict[int, dict]:
    """{dossier pk: the rating as the citizen gave it} for the dossiers that have one (one query)."""
    ratings = Rating.objects.filter(dossier_id__in=[d.pk for d in dossiers]).order_by()
    return {
        r.dossier_id: {"overall": str(r.get_overall_display()), "convenience": str(r.get_convenience_display()),
                       "comment": r.comment, "rated_at": r.rated_at}
        for r in ratings
    }


def rating_records(dossier) -> list[Rating]:
    """The dossier's rating row (at most one), serialised into the package's dossier.json."""
    return list(Rating.objects.filter(dossier=dossier))
