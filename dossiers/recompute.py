"""Recompute due times of open dossiers after the calendar or a procedure's deadline changed (rule 8).

Chunked: each chunk is read with only the fields the time rules need, computed in memory, then the rows that
move are locked, checked against the version read (someone acting meanwhile wins: the row is skipped) and
updated in one statement, with the applicants' notifications written in the same transaction.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Value, When

from procedures import worktime
from procedures.calendars import build_calendar
from procedures.models import Agency

from . import notifications
from .models import FIGURE_FIELDS, OPEN_STATES, ClockPause, Dossier
from .services import announce_figures

log = logging.getLogger(__name__)
CHUNK = 2000
FIELDS = ("pk", "version", "receiving_agency_id", "received_at", "deadline_amount", "deadline_unit",
          "deadline_cutoff", "due_at", "appointment_at")


@dataclass
class RecomputeSummary:
    checked: int = 0
    changed: int = 0
    notified: int = field(default=0, compare=False)  # dossiers whose applicant is told of a new appointment


def recompute_open_dossiers(*, procedure_id: int | None = None, chunk: int = CHUNK) -> RecomputeSummary:
    qs = Dossier.objects.filter(state__in=OPEN_STATES, received_at__isnull=False)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    summary = RecomputeSummary()
    calendars: dict[int, object] = {}
    last_pk = 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk).order_by("pk").values_list(*FIELDS)[:chunk])
        if not batch:
            break
        last_pk = batch[-1][0]
        summary.checked += len(batch)
        pauses = defaultdict(list)
        for dossier_id, started, ended in (ClockPause.objects.filter(dossier_id__in=[row[0] for row in batch])
                                           .order_by("started_at").values_list("dossier_id", "started_at",
                                                                               "ended_at")):
            pauses[dossier_id].append((started, ended))
        moves = {}
        for pk, version, agency_id, received_at, amount, unit, cutoff, due_at, appointment_at in batch:
            if agency_id not in calendars:
                calendars[agency_id] = build_calendar(agency=Agency.objects.get(pk=agency_id))
            new_due = worktime.recompute_due(calendars[agency_id], received_at, amount, unit, cutoff=cutoff,
                                             pauses=pauses.get(pk, []))
            if new_due != due_at:
                # An appointment equal to the due time follows it; one set by an apology is a promise: kept.
                moves[pk] = (version, new_due, appointment_at == due_at, due_at)
        if moves:
            changed, notified = _apply(moves)
            summary.changed += changed
            summary.notified += notified
    log.info("Recomputed due times: %s checked, %s changed, %s applicants notified", summary.checked,
             summary.changed, summary.notified)
    return summary


def _apply(moves: dict) -> tuple[int, int]:
    """Write the moved due times (and appointments that followed the due time) of one chunk; notify."""
    with transaction.atomic():
        current = {row[0]: row[1:] for row in Dossier.objects.select_for_update().filter(pk__in=list(moves))
                   .values_list("pk", "version", *FIGURE_FIELDS)}
        ready = {pk: move for pk, move in moves.items() if pk in current and current[pk][0] == move[0]}
        if not ready:
            return 0, 0
        changes = []
        for pk, (_, new_due, _, _) in ready.items():
            before = dict(zip(FIGURE_FIELDS, current[pk][1:], strict=True))
            changes.append((before, {**before, "due_at": new_due}))
        announce_figures(changes)
        follows = [pk for pk, (_, _, follow, _) in ready.items() if follow]
        new_dues = {pk: new_due for pk, (_, new_due, _, _) in ready.items()}
        _set_times(new_dues, "due_at")
        if follows:
            _set_times({pk: new_dues[pk] for pk in follows}, "appointment_at")
        rows = []
        for dossier in Dossier.objects.filter(pk__in=follows).select_related("procedure", "receiving_agency"):
            rows += notifications.appointment_moved_rows(dossier, old_appointment=ready[dossier.pk][3])
        notifications.save_new(rows)
    return len(ready), len(follows)


def _set_times(values: dict, column: str) -> None:
    """One UPDATE for many rows: `UPDATE ... FROM (VALUES ...)` on PostgreSQL, a CASE elsewhere."""
    if connection.vendor == "postgresql":
        table = Dossier._meta.db_table
        rows = ", ".join(["(%s, %s::timestamptz)"] * len(values))
        params = [p for item in values.items() for p in item]
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" AS d SET "{column}" = v.t FROM (VALUES {rows}) AS v(id, t) '
                           f"WHERE d.id = v.id", params)
        return
    case = Case(*[When(pk=pk, then=Value(t)) for pk, t in values.items()], output_field=DateTimeField())
    Dossier.objects.filter(pk__in=list(values)).update(**{column: case})
