"""Recompute due times of open dossiers after the calendar or a procedure's deadline changed (rule 8).

Chunked: each chunk is read with only the fields the time rules need, computed in memory, then the rows that
move are locked, checked against the version read (someone acting meanwhile wins: the row is skipped) and
updated in one statement, with the applicants' notifications written in the same transaction.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, F, Value, When

from dossiers import steps
from dossiers.models import FIGURE_FIELDS, OPEN_STATES, ClockPause, Dossier
from dossiers.runner import calendar_of
from dossiers.signals import AppointmentMove, announce_figures, appointments_moved
from procedures import worktime
from procedures.calendars import build_calendar
from procedures.models import Agency, Procedure

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
    names: dict = {}
    # The ids first, in one query, then each chunk by primary key alone (the state is checked here): a chunk
    # then costs the same whatever the planner thinks of "open dossiers" (filtering each chunk by state made it
    # re-scan every open dossier per chunk when the table had no statistics yet).
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    open_states = set(OPEN_STATES)
    for start in range(0, len(ids), chunk):
        batch = [row[:-1] for row in Dossier.objects.filter(pk__in=ids[start:start + chunk]).order_by("pk")
                 .values_list(*FIELDS, "state") if row[-1] in open_states and row[3] is not None]  # 3: received_at
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
            changed, notified = apply_moves(moves, names)
            summary.changed += changed
            summary.notified += notified
        _recompute_steps_of(batch, calendars, pauses)
    log.info("Recomputed due times: %s checked, %s changed, %s applicants notified", summary.checked,
             summary.changed, summary.notified)
    return summary


def _recompute_steps_of(batch, calendars: dict, pauses: dict) -> None:
    """The open steps of the chunk's dossiers that have an internal process (dossiers/steps.py), each moved
    with the same calendar and pauses as its dossier."""
    with_steps = Dossier.objects.filter(pk__in=[row[0] for row in batch], has_steps=True).only(
        "pk", "has_steps", "received_at", "deadline_amount", "deadline_unit", "deadline_cutoff", "receiving_agency_id")
    for dossier in with_steps:
        steps.recompute_steps(dossier, calendar=calendars[dossier.receiving_agency_id],
                              pauses=pauses.get(dossier.pk, []))


# What the applicant's message needs, read with the lock (no model instances, no joins).
MESSAGE_FIELDS = ("code", "applicant_name", "applicant_is_organisation", "applicant_email", "applicant_phone")


def apply_moves(moves: dict, names: dict) -> tuple[int, int]:
    """Write moved due times, {pk: (version read, new due time, appointment follows it, old due time)}, and the
    appointments that followed the due time; tell those applicants. A row whose version changed since it was read
    is skipped. `names` caches procedure and agency names across calls. Returns (rows changed, notified)."""
    with transaction.atomic():
        current = {row[0]: row[1:] for row in Dossier.objects.select_for_update().filter(pk__in=list(moves))
                   .values_list("pk", "version", *FIGURE_FIELDS, *MESSAGE_FIELDS)}
        ready = {pk: move for pk, move in moves.items() if pk in current and current[pk][0] == move[0]}
        if not ready:
            return 0, 0
        figures = {pk: dict(zip(FIGURE_FIELDS, current[pk][1:1 + len(FIGURE_FIELDS)], strict=True)) for pk in ready}
        changes = []
        for pk, (_, new_due, _, _) in ready.items():
            before = figures[pk]
            changes.append((before, {**before, "due_at": new_due}))
        announce_figures(changes)
        follows = [pk for pk, (_, _, follow, _) in ready.items() if follow]
        _set_times({pk: (new_due, follow) for pk, (_, new_due, follow, _) in ready.items()})
        _load_names(names, [figures[pk] for pk in follows])
        appointments_moved.send(sender=Dossier, moves=[
            AppointmentMove(
                pk, figures[pk]["receiving_agency_id"], *current[pk][1 + len(FIGURE_FIELDS):],
                names["procedure", figures[pk]["procedure_id"]], names["agency", figures[pk]["receiving_agency_id"]],
                ready[pk][3], ready[pk][1])
            for pk in follows])
    return len(ready), len(follows)


def _load_names(names: dict, figures: list[dict]) -> None:
    """Procedure and agency names for the messages, read once per run."""
    for kind, model, field_name in (("procedure", Procedure, "procedure_id"), ("agency", Agency, "receiving_agency_id")):
        missing = {f[field_name] for f in figures} - {pk for k, pk in names if k == kind}
        if missing:
            names.update({(kind, pk): name for pk, name in model.objects.filter(pk__in=missing)
                          .values_list("pk", "name")})


def _set_times(values: dict) -> None:
    """One UPDATE for many rows: the new due time, and the appointment where it followed the due time
    (`UPDATE ... FROM (VALUES ...)` on PostgreSQL, CASE elsewhere)."""
    if connection.vendor == "postgresql":
        table = Dossier._meta.db_table
        ids = list(values)
        # `d.id = ANY(ids)` lets the planner find the rows by primary key instead of hashing the whole table.
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{table}" AS d SET "due_at" = v.t, "appointment_at" = CASE WHEN v.f THEN v.t '
                           f'ELSE d."appointment_at" END FROM unnest(%s::integer[], %s::timestamptz[], '
                           f"%s::boolean[]) AS v(id, t, f) WHERE d.id = v.id AND d.id = ANY(%s::integer[])",
                           [ids, [values[pk][0] for pk in ids], [values[pk][1] for pk in ids], ids])
        return
    follows = [When(pk=pk, then=Value(t)) for pk, (t, follow) in values.items() if follow]
    Dossier.objects.filter(pk__in=list(values)).update(
        due_at=Case(*[When(pk=pk, then=Value(t)) for pk, (t, _) in values.items()], output_field=DateTimeField()),
        appointment_at=Case(*follows, default=F("appointment_at"), output_field=DateTimeField()))


# ---------------------------------------------------------------- recomputation (rule 8)
def dossier_recompute_due(*, dossier: Dossier, calendar=None) -> bool:
    """Recompute an open dossier's due time from its stored inputs with the current calendar; True if it moved."""
    if dossier.state not in OPEN_STATES or dossier.received_at is None:
        return False
    cal = calendar or calendar_of(dossier)
    pauses = [(p.started_at, p.ended_at) for p in dossier.pauses.all()]
    if dossier.has_steps:
        steps.recompute_steps(dossier, calendar=cal, pauses=pauses)
    new_due = worktime.recompute_due(cal, dossier.received_at, dossier.deadline_amount, dossier.deadline_unit,
                                     cutoff=dossier.deadline_cutoff, pauses=pauses)
    if new_due == dossier.due_at:
        return False
    # A copy read before someone acted is skipped (its pauses may be stale); report only rows really updated.
    follows = dossier.appointment_at == dossier.due_at
    changed, _notified = apply_moves({dossier.pk: (dossier.version, new_due, follows, dossier.due_at)}, {})
    if changed:
        dossier.due_at = new_due
        if follows:
            dossier.appointment_at = new_due
    return bool(changed)
