"""Reads of the satisfaction data: who sees what, the follow-up list, and the results the reports reuse."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Avg, Count, Q, QuerySet

from accounts.models import Role
from accounts.scoping import SUBTREE_ROLES, oversight_agency_ids, staff_agency_ids
from dossiers.models import Dossier, State
from dossiers.selectors import period_bounds
from surveys.models import (
    INDEX_FIELDS,
    INDEX_LABELS,
    EvaluationIndices,
    FollowUp,
    FollowUpStatus,
    Level,
    Question,
    Rating,
)

# ---------------------------------------------------------------- scope
# Satisfaction results and follow-ups are read by whoever reads the agency's figures (oversight_agency_ids): leaders
# answer for their own agencies, inspectors and administrators read their subtree.


def leader_agency_ids(*, user) -> set[int]:
    return staff_agency_ids(user=user, roles={Role.LEADER})


def may_enter_indices(*, user, dossier: Dossier) -> bool:
    """The desk clerk of the receiving agency, or an inspector (or admin) over it."""
    return dossier.receiving_agency_id in staff_agency_ids(user=user, roles={Role.CLERK} | SUBTREE_ROLES)


def may_open_kiosk(*, user, dossier: Dossier) -> bool:
    return dossier.receiving_agency_id in staff_agency_ids(user=user, roles={Role.CLERK})


# ---------------------------------------------------------------- one dossier
def indices_of(dossier: Dossier) -> EvaluationIndices | None:
    return EvaluationIndices.objects.filter(dossier_id=dossier.pk).select_related("entered_by").first()


def active_questions() -> list[Question]:
    return list(Question.objects.filter(is_active=True).order_by("position", "id"))


def survey_state(dossier: Dossier) -> dict:
    """What the applicant did and may still do: rate (returned, not rated), answer the questionnaire (rated, not
    answered). One query."""
    row = (Dossier.objects.filter(pk=dossier.pk)
           .values("state", "rating__id", "rating__rated_at", "rating__overall", "rating__convenience",
                   "questionnaire__id").first()) or {}
    rated = row.get("rating__id") is not None
    answered = row.get("questionnaire__id") is not None
    return {
        "returned": row.get("state") == State.RETURNED,
        "rated": rated,
        "rated_at": row.get("rating__rated_at"),
        "overall_label": Level(row["rating__overall"]).label if rated else "",
        "convenience_label": Level(row["rating__convenience"]).label if rated else "",
        "answered": answered,
        "can_rate": row.get("state") == State.RETURNED and not rated,
        "can_answer": rated and not answered,
    }


# ---------------------------------------------------------------- follow-ups
def open_follow_up_count(*, agency_ids: set[int]) -> int:
    if not agency_ids:
        return 0
    return FollowUp.objects.filter(agency_id__in=agency_ids, status=FollowUpStatus.OPEN).count()


def follow_ups_for(*, user, status: str | None = FollowUpStatus.OPEN) -> QuerySet[FollowUp]:
    qs = FollowUp.objects.filter(agency_id__in=oversight_agency_ids(user=user))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("rating", "dossier__procedure", "agency", "responded_by").order_by("created_at", "id")


def follow_up_for(*, user, pk: int) -> FollowUp:
    """One follow-up in the user's scope, or FollowUp.DoesNotExist."""
    return follow_ups_for(user=user, status=None).get(pk=pk)


# ---------------------------------------------------------------- results
@dataclass(frozen=True)
class RatingComment:
    rated_at: datetime
    overall: int
    overall_label: str
    procedure_name: str
    agency_name: str
    text: str


@dataclass(frozen=True)
class IndexAverage:
    field: str
    label: str
    average: float | None  # 0–2; None when no dossier has a score for it


@dataclass(frozen=True)
class SatisfactionResults:
    start: date
    end: date
    total: int  # ratings in the period
    overall: dict[int, int]  # Level value → count, every level present (0 when none)
    convenience: dict[int, int]
    satisfaction_rate: float | None  # share (0–1) of overall ratings Hài lòng or Rất hài lòng; None with no rating
    indices: list[IndexAverage]  # the nine indices in order, over dossiers returned in the period
    indices_count: int  # dossiers returned in the period that have indices
    comments: list[RatingComment] = field(default_factory=list)

    @property
    def satisfaction_percent(self) -> float | None:
        return None if self.satisfaction_rate is None else round(100 * self.satisfaction_rate, 1)

    def level_rows(self) -> list[tuple[int, str, int, int]]:
        """(level, label, overall count, convenience count), best level first."""
        return [(lv.value, str(lv.label), self.overall[lv.value], self.convenience[lv.value]) for lv in Level]


_LONG_NUMBER = re.compile(r"\d[\d .-]{4,}\d")


def _without_personal_numbers(text: str) -> str:
    """Comments are free text: phone and ID numbers typed into them are masked before anyone reads them."""
    return _LONG_NUMBER.sub(lambda m: "*" * len(m.group()), text)


def satisfaction_results(*, agency_ids=None, procedure_id=None, start: date, end: date,
                         comment_limit: int = 10) -> SatisfactionResults:
    """Ratings whose local date (Asia/Ho_Chi_Minh) is within [start, end], of dossiers received by one of
    `agency_ids` (None: every agency) and of `procedure_id` (None: every procedure). Index averages are over
    the dossiers *returned* in the same period with the same filters. Three queries."""
    lo, hi = period_bounds(start, end)
    of_dossier = {}
    if agency_ids is not None:
        of_dossier["dossier__receiving_agency_id__in"] = list(agency_ids)
    if procedure_id is not None:
        of_dossier["dossier__procedure_id"] = procedure_id
    ratings = Rating.objects.filter(rated_at__gte=lo, rated_at__lt=hi, **of_dossier)

    counts = ratings.aggregate(
        total=Count("pk"),
        **{f"overall_{level.value}": Count("pk", filter=Q(overall=level.value)) for level in Level},
        **{f"convenience_{level.value}": Count("pk", filter=Q(convenience=level.value)) for level in Level},
    )
    overall = {level.value: counts[f"overall_{level.value}"] for level in Level}
    convenience = {level.value: counts[f"convenience_{level.value}"] for level in Level}
    total = counts["total"]
    satisfied = overall[Level.SATISFIED] + overall[Level.VERY_SATISFIED]

    indices = EvaluationIndices.objects.filter(dossier__returned_at__gte=lo, dossier__returned_at__lt=hi,
                                               **of_dossier)
    averages = indices.aggregate(count=Count("pk"), **{f"avg_{name}": Avg(name) for name in INDEX_FIELDS})
    comments = [
        RatingComment(rated_at=r.rated_at, overall=r.overall, overall_label=str(Level(r.overall).label),
                      procedure_name=r.dossier.procedure.name, agency_name=r.dossier.receiving_agency.name,
                      text=_without_personal_numbers(r.comment))
        for r in ratings.exclude(comment="").select_related("dossier__procedure", "dossier__receiving_agency")
        .order_by("-rated_at", "-id")[:comment_limit]
    ]
    return SatisfactionResults(
        start=start, end=end, total=total, overall=overall, convenience=convenience,
        satisfaction_rate=(satisfied / total) if total else None,
        indices=[IndexAverage(field=name, label=str(INDEX_LABELS[name]),
                              average=None if averages[f"avg_{name}"] is None else round(
                                  float(averages[f"avg_{name}"]), 2))
                 for name in INDEX_FIELDS],
        indices_count=averages["count"],
        comments=comments,
    )
