"""Reads for API clients: which agencies a client stands for, the dossiers it may see (the staff scoping rule,
applied to the client's agencies) and the feed of dossier events.

The event feed's guarantee (README, "REST API for other systems"): following the `next` cursor from any position,
a client receives every event of its feed exactly once, in increasing id order, even while events are being
written. Two things make it hold:

* **No event appears behind the cursor.** Event ids come from one sequence, but transactions commit in any
  order: an event with a smaller id may become visible after a larger one was read. A page therefore stops at
  the *horizon*, an id below which nothing can appear any more. On PostgreSQL the horizon is read under a short
  SHARE lock on the event table: taking it waits for every transaction that is inserting events (they hold ROW
  EXCLUSIVE until they end) and its id sequence then only hands out larger ids; the lock is released at once (its
  wait is bounded by ONECUA["API_FEED_LOCK_TIMEOUT_MS"]; past it, the page is empty and the cursor unchanged).
  SQLite runs one writing transaction at a time, so ids are visible in commit order and the horizon is the
  largest id.
* **An event's membership never changes.** An event is in a client's feed when its dossier was received at one of
  the client's agencies, or when the dossier was handed to or from one of them at or before that event (the
  hand-over's own event included). Both facts are fixed once the event exists, so an event skipped as not
  yours never becomes yours later. A dossier handed to your agency later brings its hand-over and what follows
  into the feed; its earlier history is in `/api/v1/dossiers/<code>/`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet

from accounts.scoping import agency_subtree_ids
from api.models import ApiClient
from dossiers.models import NATIONAL_STATUS_CODES, Dossier, DossierEvent, State
from dossiers.selectors import period_bounds

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout
SUMMARY_DATETIMES = ("submitted_at", "received_at", "due_at", "appointment_at", "resolved_at", "returned_at",
                     "finished_at")
# The columns a dossier list reads (api.serializers.summaries): the rest of the rows is never loaded for a list.
SUMMARY_COLUMNS = ("code", "channel", "state", "version", "outcome", "timeliness", *SUMMARY_DATETIMES,
                   "procedure__national_code", "procedure__name", "receiving_agency__identifier",
                   "receiving_agency__name", "handling_agency__identifier", "handling_agency__name",
                   "competent_agency__identifier", "competent_agency__name")


def client_agency_ids(client: ApiClient) -> set[int]:
    """The client's agencies, with their whole subtree when it was granted (computed once per request)."""
    cached = getattr(client, "_api_agency_ids", None)
    if cached is None:
        cached = set(client.agencies.values_list("id", flat=True))
        if client.include_subtree and cached:
            cached = agency_subtree_ids(cached)
        client._api_agency_ids = cached
    return set(cached)


def _handed_through(agency_ids: set[int]) -> Exists:
    """EXISTS an event handing the dossier to or from one of the agencies.

    The GROUP BY … HAVING makes it a per-row probe of the event index on PostgreSQL: a plain EXISTS inside an OR is
    planned as a hash of every such event, built on each request (200,000 rows for a department at 1 M dossiers,
    some 250 ms), although a page of the newest dossiers needs only a few hundred probes (bench/api.py)."""
    return Exists(DossierEvent.objects.filter(dossier=OuterRef("pk")).filter(
        Q(to_agency_id__in=agency_ids) | Q(from_agency_id__in=agency_ids))
        .values("dossier").annotate(events=Count("id")).filter(events__gt=0))


def dossiers_visible_to_client(client: ApiClient) -> QuerySet[Dossier]:
    """Dossiers received by, handled by or once handed to or from one of the client's agencies: the rule of
    dossiers.selectors.dossiers_visible_to for staff, with the client's agencies in place of a member's
    (tests/api/test_authorization.py checks that both give the same dossiers)."""
    agencies = client_agency_ids(client)
    if not agencies:
        return Dossier.objects.none()
    return Dossier.objects.filter(
        Q(receiving_agency_id__in=agencies) | Q(handling_agency_id__in=agencies) | _handed_through(agencies))


def states_of_status(code: int) -> list[str]:
    return [state for state, number in NATIONAL_STATUS_CODES.items() if number == code]


def client_dossiers(client: ApiClient, *, agency_id: int | None = None, states=(), procedure_code: str = "",
                    submitted_from=None, submitted_to=None) -> QuerySet:
    """The dossier list: the client's dossiers, filtered (an agency: received at or handled by it), as rows of the
    values a summary shows (api.serializers.summaries)."""
    qs = dossiers_visible_to_client(client)
    if agency_id is not None:
        qs = qs.filter(Q(receiving_agency_id=agency_id) | Q(handling_agency_id=agency_id))
    if states:
        qs = qs.filter(state__in=list(states))
    if procedure_code:
        qs = qs.filter(procedure__national_code=procedure_code)
    if submitted_from or submitted_to:
        lo, hi = period_bounds(submitted_from or submitted_to, submitted_to or submitted_from)
        if submitted_from:
            qs = qs.filter(submitted_at__gte=lo)
        if submitted_to:
            qs = qs.filter(submitted_at__lt=hi)
    return qs.values("id", *SUMMARY_COLUMNS)


def client_dossier(client: ApiClient, *, code: str) -> Dossier:
    """One dossier the client may see, or Dossier.DoesNotExist (answered 404, revealing nothing)."""
    return (dossiers_visible_to_client(client)
            .select_related("procedure", "receiving_agency", "handling_agency", "competent_agency")
            .get(code=code))


EVENT_COLUMNS = ("id", "action", "from_state", "to_state", "note", "at", "step_timeliness")


def dossier_timeline(dossier: Dossier) -> QuerySet:
    return _event_rows(dossier.events.order_by("at", "id"))


def _event_rows(qs: QuerySet[DossierEvent]) -> QuerySet:
    """Events as rows of the values the API shows (api.serializers.events_of)."""
    return qs.values(*EVENT_COLUMNS, dossier_code=F("dossier__code"),
                     from_agency_identifier=F("from_agency__identifier"),
                     to_agency_identifier=F("to_agency__identifier"))


# ---------------------------------------------------------------- the event feed
def feed_horizon() -> int | None:
    """The largest event id at or below which no event can still appear (module docstring); None when the
    horizon could not be read within the lock timeout."""
    table = connection.ops.quote_name(DossierEvent._meta.db_table)
    if connection.vendor != "postgresql":
        return DossierEvent.objects.aggregate(top=Max("id"))["top"] or 0
    timeout = f"{int(settings.ONECUA['API_FEED_LOCK_TIMEOUT_MS'])}ms"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [timeout])
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            cursor.execute(f"SELECT max(id) FROM {table}")
            return cursor.fetchone()[0] or 0
    except OperationalError as exc:
        cause = exc.__cause__
        if LOCK_NOT_AVAILABLE in (getattr(cause, "sqlstate", None), getattr(cause, "pgcode", None)):
            return None
        raise


@dataclass(frozen=True)
class FeedPage:
    events: list
    after: int  # the position to continue from: the last event returned, or the end of what was looked through
    caught_up: bool  # the position reached the horizon: nothing more until new events are written


def event_feed(client: ApiClient, *, after: int, limit: int) -> FeedPage:
    """Events of the client's feed with an id above `after`, in id order, at most `limit` (module docstring).

    One page looks through at most ONECUA["API_FEED_SCAN_EVENTS"] events of the whole feed, so that a client whose
    agencies hold few of them (a quiet desk: 1 in 60 events) still gets an answer in bounded time; it may then get
    fewer than `limit` events, or none, with `caught_up` false: the next page goes on from there."""
    horizon = feed_horizon()
    if horizon is None:  # writers did not finish in time: nothing new this time, the position is kept
        return FeedPage([], after, False)
    agencies = client_agency_ids(client)
    # The scan starts at the first event after the position (ids need not start at 1: a sequence is never reset).
    first = DossierEvent.objects.filter(id__gt=after, id__lte=horizon).order_by("id").values_list("id", flat=True).first()
    end = horizon if first is None else min(horizon, first - 1 + settings.ONECUA["API_FEED_SCAN_EVENTS"])
    if end <= after or not agencies:
        return FeedPage([], max(after, horizon), True)
    handed_before = DossierEvent.objects.filter(dossier_id=OuterRef("dossier_id"), id__lte=OuterRef("id")).filter(
        Q(to_agency_id__in=agencies) | Q(from_agency_id__in=agencies))
    qs = (DossierEvent.objects.filter(id__gt=after, id__lte=end)
          .filter(Q(dossier__receiving_agency_id__in=agencies) | Exists(handed_before))
          .order_by("id"))
    events = list(_event_rows(qs)[:limit])
    position = events[-1]["id"] if len(events) == limit else end
    return FeedPage(events, position, position >= horizon)


def national_status_of(state: str) -> int:
    return NATIONAL_STATUS_CODES[State(state)]
