"""Reads of the feedback app: the staff list through the scoping selector, the sender's lookup, the published
answers of a procedure, the figures per agency for the leaders' reports."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.scoping import staff_agency_ids
from core import versions
from feedback.models import ANSWERED_STATUSES, OPEN_STATUSES, Feedback, Status, Timeliness
from procedures.workcalendar import TZ


def feedback_visible_to(*, user) -> QuerySet[Feedback]:
    """Every staff read of feedback starts here: the feedback of the user's agencies (an inspector's or
    administrator's whole subtree), as for dossiers (accounts.scoping)."""
    return Feedback.objects.filter(agency_id__in=staff_agency_ids(user=user))


STATUS_FILTERS = {
    "cho-giao": (Status.RECEIVED,),
    "dang-xu-ly": (Status.ASSIGNED,),
    "da-tra-loi": (Status.ANSWERED,),
    "da-cong-khai": (Status.PUBLISHED,),
    "da-dong": (Status.CLOSED,),
}


def staff_list(*, user, status: str = "", overdue: bool = False, now: datetime | None = None) -> QuerySet[Feedback]:
    qs = feedback_visible_to(user=user)
    if status in STATUS_FILTERS:
        qs = qs.filter(status__in=STATUS_FILTERS[status])
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())
    return (qs.select_related("procedure", "agency", "assigned_to")
            .only("code", "kind", "status", "received_at", "due_at", "sender_name", "sender_phone", "timeliness",
                  "procedure__name", "agency__name", "assigned_to__full_name", "assigned_to__first_name",
                  "assigned_to__last_name", "assigned_to__username")
            .order_by("-received_at", "-id"))


def staff_detail(*, user, pk: int) -> Feedback:
    """Raises Feedback.DoesNotExist outside the user's scope (the page answers 404)."""
    return (feedback_visible_to(user=user).select_related("procedure", "agency", "dossier", "assigned_to",
                                                          "answered_by").get(pk=pk))


def events_of(feedback: Feedback):
    return feedback.events.select_related("actor").order_by("at", "id")


def lookup(*, code: str, phone: str) -> Feedback | None:
    """The feedback whose code AND sender's phone match; None otherwise, whichever part was wrong."""
    if not code or not phone:
        return None
    return (Feedback.objects.filter(code=code, sender_phone=phone).select_related("procedure", "agency").first())


def published_for_procedure(*, procedure_id: int, limit: int = 10) -> list[dict]:
    """The published answers of a procedure, newest first: the redacted texts only, never the sender."""
    return list(Feedback.objects.filter(procedure_id=procedure_id, status=Status.PUBLISHED)
                .order_by("-published_at", "-id")
                .values("code", "kind", "public_content", "public_answer", "received_at", "answered_at",
                        "agency__name")[:limit])


# The procedure page's answers (their HTML: feedback_tags) are kept in the shared cache per procedure, with the
# version of that procedure's published answers (a new one when an answer is published or withdrawn:
# published_changed) and the catalog's (the agencies' names, the procedure's code): one cache round trip, the
# query only after a change. The versions are read before the rows.
PUBLISHED_SECONDS = 3600  # how long a stored value lives unused


def published_version_key(procedure_id: int) -> str:
    return f"feedback:published-version:{procedure_id}"


def published_cached(*, procedure_id: int, name: str, compute):
    """`compute()` — something made of the procedure's published answers only (the list, its HTML) — from the
    cache when stored under `name` at the current versions, else computed and stored."""
    from django.core.cache import cache

    from procedures.signals import CATALOG_VERSION_KEY, catalog_version

    version_key, cache_key = published_version_key(procedure_id), f"feedback:published:{procedure_id}:{name}"
    found = cache.get_many([CATALOG_VERSION_KEY, version_key, cache_key])
    version = (found.get(CATALOG_VERSION_KEY) or catalog_version(), found.get(version_key) or versions.current(version_key))
    stored = found.get(cache_key)
    if stored is not None and stored[0] == version:
        return stored[1]
    value = compute()
    cache.set(cache_key, (version, value), PUBLISHED_SECONDS)
    return value


def published_changed(*, procedure_id: int) -> None:
    """A procedure's published answers changed: a new version at once and again once the transaction commits (a
    list read in between from the rows before the commit is never used again)."""
    versions.replace(published_version_key(procedure_id))


# ---------------------------------------------------------------- figures for the leaders' reports
FIGURE_KEYS = ("received", "answered_on_time", "answered_late", "overdue", "pending")


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time.min, tzinfo=TZ), datetime.combine(end + timedelta(days=1), time.min, tzinfo=TZ))


def figures_by_agency(*, agency_ids, start: date, end: date, now: datetime | None = None) -> list[dict]:
    """Per agency, the feedback RECEIVED in [start, end] (local days): answered on time (early or on time), answered
    late, still unanswered past the due time now (overdue), still unanswered within time (pending). The four add up
    to `received`. One query."""
    now = now or timezone.now()
    since, until = _bounds(start, end)
    answered = Q(status__in=ANSWERED_STATUSES)
    rows = (Feedback.objects.filter(agency_id__in=agency_ids, received_at__gte=since, received_at__lt=until)
            .values("agency_id", "agency__name")
            .annotate(received=Count("id"),
                      answered_on_time=Count("id", filter=answered & Q(timeliness__in=[Timeliness.EARLY,
                                                                                       Timeliness.ON_TIME])),
                      answered_late=Count("id", filter=answered & Q(timeliness=Timeliness.LATE)),
                      overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
                      pending=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__gte=now)))
            .order_by("agency__name", "agency_id"))
    return [dict(row) for row in rows]


def figures_total(rows: list[dict]) -> dict:
    return {key: sum(row[key] for row in rows) for key in FIGURE_KEYS}
