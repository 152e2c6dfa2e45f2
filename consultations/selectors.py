"""Reads of the consultations app. Every staff read starts from `consultations_visible_to`, built on
accounts.scoping: a consultation is seen by the consulted agency and by the asking agency (an inspector's or
administrator's whole subtree, as for dossiers). Seeing a consultation does not widen
dossiers.selectors.dossiers_visible_to: the consulted agency reads the dossier's summary and shared files
through the consultation's page only."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.scoping import agency_subtree_ids, staff_agency_ids
from consultations.models import Consultation, ConsultationEvent, ConsultationFile, Status, Timeliness
from procedures.models import Agency


def consultations_visible_to(*, user) -> QuerySet[Consultation]:
    agencies = staff_agency_ids(user=user)
    if not agencies:
        return Consultation.objects.none()
    return Consultation.objects.filter(Q(consulted_agency_id__in=agencies) | Q(asking_agency_id__in=agencies))


def late_filter(now: datetime) -> Q:
    """Answered after the reply-by time, or still unanswered past it."""
    return Q(status=Status.ANSWERED, timeliness=Timeliness.LATE) | Q(status=Status.OPEN, reply_by__lt=now)


FILTERS = {
    "cho-tra-loi": lambda user, now: Q(status=Status.OPEN),
    "da-tra-loi": lambda user, now: Q(status=Status.ANSWERED),
    "tre-han": lambda user, now: late_filter(now),
    "nhan-duoc": lambda user, now: Q(consulted_agency_id__in=staff_agency_ids(user=user)),
    "gui-di": lambda user, now: Q(asking_agency_id__in=staff_agency_ids(user=user)),
}


def queue(*, user, key: str = "", now: datetime | None = None) -> QuerySet[Consultation]:
    """The "Xin ý kiến" queue: one query per page whatever its length (related rows joined)."""
    now = now or timezone.now()
    qs = consultations_visible_to(user=user)
    if key in FILTERS:
        qs = qs.filter(FILTERS[key](user, now))
    return (qs.select_related("dossier", "dossier__procedure", "asking_agency", "consulted_agency")
            .only("status", "asked_at", "reply_by", "answered_at", "timeliness", "question",
                  "dossier__code", "dossier__state", "dossier__procedure__name", "asking_agency__name", "consulted_agency__name")
            .order_by("status", "reply_by", "id"))


def detail(*, user, pk: int) -> Consultation:
    """Raises Consultation.DoesNotExist outside the user's scope (the page answers 404)."""
    return (consultations_visible_to(user=user)
            .select_related("dossier", "dossier__procedure", "dossier__competent_agency", "dossier__handling_agency",
                            "asking_agency", "consulted_agency", "asked_by", "answered_by")
            .get(pk=pk))


def visible_file(*, user, pk: int) -> ConsultationFile:
    """A consultation's file through the same scope, or ConsultationFile.DoesNotExist."""
    return (ConsultationFile.objects.select_related("consultation", "attachment")
            .get(pk=pk, consultation__in=consultations_visible_to(user=user)))


def files_of(consultation: Consultation) -> list[ConsultationFile]:
    return list(consultation.files.order_by("role", "id"))


def events_of(consultation: Consultation) -> QuerySet[ConsultationEvent]:
    return consultation.events.select_related("actor").order_by("at", "id")


def of_dossier(*, dossier) -> QuerySet[Consultation]:
    """The dossier's consultations, for its page (whoever reads that page may read them)."""
    return (Consultation.objects.filter(dossier=dossier).select_related("consulted_agency", "asked_by")
            .order_by("asked_at", "id"))


def dossier_events(*, dossier) -> QuerySet[ConsultationEvent]:
    """The consultation rows of a dossier's history (form 06, the dossier page)."""
    return (ConsultationEvent.objects.filter(dossier=dossier)
            .select_related("consultation__consulted_agency", "consultation__asking_agency", "actor")
            .order_by("at", "id"))


def consultable_agencies(*, dossier) -> QuerySet[Agency]:
    """The agencies of the dossier's province other than the one handling it."""
    if dossier.handling_agency_id is None:
        return Agency.objects.none()
    root = dossier.handling_agency
    while root.parent_id is not None:
        root = root.parent
    return (Agency.objects.filter(pk__in=agency_subtree_ids({root.pk})).exclude(pk=dossier.handling_agency_id)
            .order_by("name", "pk"))


def control_sheet_rows(dossier) -> list[dict]:
    """Form 06's consultation rows (for a provider hook in printing/documents.py `control_sheet_rows`, which has
    none yet): one per ask and per answer, with the agencies, the reply-by time and the answer's timeliness."""
    rows = []
    for e in dossier_events(dossier=dossier).filter(action__in=["ask", "answer"]):
        c = e.consultation
        rows.append({"at": e.at, "consultation_event": e,
                     "from_agency": c.asking_agency if e.action == "ask" else c.consulted_agency,
                     "to_agency": c.consulted_agency if e.action == "ask" else c.asking_agency,
                     "result": c.get_timeliness_display() if e.action == "answer" else "",
                     "note": e.action_label})
    return rows
