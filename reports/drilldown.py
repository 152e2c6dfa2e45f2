"""The dossiers behind a figure, from the base table: the list behind each cell of report II.06a (the same
definitions as reports.figures, so a cell equals its list's length) and the dossiers overdue now."""

from datetime import date, datetime

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import staff_agency_ids
from dossiers.models import (
    MAX_SUPPLEMENTS_ON_TIME,
    PAUSED_STATES,
    PENDING_SPAN_SQL,
    RUNNING_STATES,
    Channel,
    Dossier,
    State,
)
from dossiers.selectors import period_bounds
from procedures.models import Agency, Field, Procedure
from reports.ii06a import GROUPINGS


def with_closed_at(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """`closed_at`: when a received dossier stopped pending — resolved_at, or finished_at when withdrawn or
    stopped (a resolved dossier has no finished_at); the index dossier_agency_closed has it after the receiving
    agency (lists filter on the competent agency, and on the receiving desk when one is chosen)."""
    return qs.alias(closed_at=Coalesce("resolved_at", "finished_at"))


def _open_at(moment: datetime) -> Q:
    """Received before `moment` and not yet resolved, withdrawn or stopped at `moment` (needs `closed_at`).
    On PostgreSQL the same condition as "the pending span contains `moment`", served by its GiST index
    (dossiers migration 0004); the two forms select the same rows."""
    if connection.vendor == "postgresql":
        return Q(received_at__isnull=False) & Q(RawSQL(f"({PENDING_SPAN_SQL}) @> %s::timestamptz", (moment,),
                                                       output_field=BooleanField()))
    return Q(received_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))


def cell_filter(column: str, start: date, end: date) -> Q:
    s, e = period_bounds(start, end)
    received = Q(received_at__gte=s, received_at__lt=e)
    resolved = Q(resolved_at__gte=s, resolved_at__lt=e)
    ended = Q(received_at__isnull=False, resolved_at__isnull=True, closed_at__gte=s, closed_at__lt=e)
    pending = _open_at(e)
    filters = {
        "received_online": received & Q(channel=Channel.ONLINE),
        "received_offline": received & ~Q(channel=Channel.ONLINE),
        "carried_over": _open_at(s),
        "received_total": received | _open_at(s),
        "resolved_early": resolved & Q(timeliness="early"),
        "resolved_on_time": resolved & Q(timeliness="on_time"),
        "resolved_late": resolved & ~Q(timeliness__in=["early", "on_time"]),
        "resolved_total": resolved,
        "pending_total": pending,
        "pending_overdue": pending & Q(due_at__lt=e) & ~Q(state__in=PAUSED_STATES),
        "pending_within": pending & (Q(due_at__isnull=True) | Q(due_at__gte=e) | Q(state__in=PAUSED_STATES)),
        "withdrawn": ended & Q(state=State.WITHDRAWN),
        "stopped": ended & Q(state=State.STOPPED),
        "refused": Q(state=State.REFUSED, closed_at__gte=s, closed_at__lt=e),
    }
    return filters[column]


def valid_row_key(row_key: str) -> bool:
    if row_key == "all":
        return True
    kind, _sep, value = row_key.partition(":")
    return kind in GROUPINGS and value.isascii() and value.isdigit() and len(value) <= 18  # int() refuses "²"


def row_label(row_key: str) -> str:
    if row_key == "all":
        return str(_("Tổng cộng"))
    kind, _sep, value = row_key.partition(":")
    model = {"agency": Agency, "field": Field, "procedure": Procedure}[kind]
    found = model.objects.filter(pk=int(value)).first()
    return str(found) if found else "—"


def row_filter(row_key: str) -> Q:
    if row_key == "all":
        return Q()
    kind, _sep, value = row_key.partition(":")
    pk = int(value)
    return {"agency": Q(competent_agency_id=pk), "field": Q(procedure__field_id=pk),
            "procedure": Q(procedure_id=pk)}[kind]


def cell_ordering(column: str) -> tuple[str, ...]:
    """Newest first by the time the cell is about, so the page is read from the index the filter uses."""
    if column.startswith("resolved_"):
        return ("-resolved_at", "-id")
    if column in ("withdrawn", "stopped", "refused"):
        return ("-closed_at", "-id")
    return ("-received_at", "-id")


def dossiers_counted_for(agency_ids, desk_ids=None) -> QuerySet[Dossier]:
    """The dossiers the summary rows of `summary_rows(agency_ids, desk_ids)` count: competent agency in
    `agency_ids`, received at one of `desk_ids` when given."""
    qs = Dossier.objects.filter(competent_agency_id__in=agency_ids)
    if desk_ids is not None:
        qs = qs.filter(receiving_agency_id__in=desk_ids)
    return qs


def _cell(qs: QuerySet[Dossier], *, start: date, end: date, column: str, row_key: str,
          field_id: int | None) -> QuerySet[Dossier]:
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    return with_closed_at(qs).filter(cell_filter(column, start, end) & row_filter(row_key))


def cell_dossiers(*, user, agency_ids: set[int], start: date, end: date, column: str, row_key: str = "all",
                  field_id: int | None = None, desk_ids: set[int] | None = None) -> QuerySet[Dossier]:
    """The dossiers a report cell counts: those of `agency_ids` the user belongs to or oversees (the scope applies
    to the competent agency, as in the report), received at one of `desk_ids` when given."""
    allowed = set(agency_ids) & staff_agency_ids(user=user)
    return _cell(dossiers_counted_for(allowed, desk_ids), start=start, end=end, column=column, row_key=row_key,
                 field_id=field_id)


def cell_count(*, agency_ids: set[int], start: date, end: date, column: str, row_key: str = "all",
               desk_ids: set[int] | None = None) -> int:
    """The same count without a user (tests and the benchmark check identities with it)."""
    return _cell(dossiers_counted_for(agency_ids, desk_ids), start=start, end=end, column=column,
                 row_key=row_key, field_id=None).count()


def pending_overdue_now(*, agency_ids: set[int], field_id: int | None = None, received_from=None,
                        received_before=None, group: str | None = None, at_most_one_supplement: bool = False,
                        desk_ids: set[int] | None = None):
    """Open dossiers whose due time has passed and whose clock runs (served by the (state, due_at) index)."""
    qs = dossiers_counted_for(agency_ids, desk_ids).filter(state__in=RUNNING_STATES, due_at__lt=timezone.now())
    if at_most_one_supplement:
        qs = qs.filter(supplement_count__lte=MAX_SUPPLEMENTS_ON_TIME)
    if field_id:
        qs = qs.filter(procedure__field_id=field_id)
    if received_from is not None:
        qs = qs.filter(received_at__gte=received_from, received_at__lt=received_before)
    if group:
        return dict(qs.values_list(group).annotate(n=Count("id")).order_by())
    return qs.count()
