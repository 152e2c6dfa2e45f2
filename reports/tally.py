"""Writing the summary: incremental deltas inside each dossier write, a full recount from the base tables, and
the rebuild that replaces the summary by the recount.

The incremental path goes through `reports.figures.contributions` (Python); the recount is a set of GROUP BY
queries on the base tables written independently of it. `differences()` compares the two, which is how the
tests prove the summary always equals a recount.
"""

import io
import logging
from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from dossiers.models import MAX_SUPPLEMENTS_ON_TIME, PAUSED_STATES, Channel, Dossier, State, Timeliness
from procedures.worktime import TZ
from reports.figures import (
    MEASURES,
    RATING_MEASURES,
    contributions,
    delta,
    durations,
    local_date,
    rows_by_day,
)
from reports.models import DurationTally, Level, Rebuild, Tally
from reports.processing import processing_changed
from surveys.models import Rating

log = logging.getLogger(__name__)
BATCH = 200


def _levels(day: date):
    return ((Level.DAY, day), (Level.MONTH, day.replace(day=1)), (Level.YEAR, day.replace(month=1, day=1)))


def expand_levels(by_day: dict) -> dict:
    """{(day, agency, desk, procedure): {measure: n}} → the same for the day, month and year rows."""
    rows: dict = {}
    for (day, *key), measures in by_day.items():
        for level, bucket in _levels(day):
            target = rows.setdefault((level, bucket, *key), {})
            for measure, n in measures.items():
                target[measure] = target.get(measure, 0) + n
    return rows


# ---------------------------------------------------------------- incremental (inside the writer's transaction)
def _merge(into: dict, changes: dict) -> None:
    for key, n in changes.items():
        into[key] = into.get(key, 0) + n


def apply_changes(changes) -> None:
    """Replace the contributions of each (before, after) figures pair; called inside the dossier write."""
    tally: dict = {}
    spread: dict = {}
    for before, after in changes:
        _merge(tally, delta(contributions(before), contributions(after)))
        _merge(spread, delta(durations(before), durations(after)))
    add_to_tally(expand_levels(rows_by_day({k: n for k, n in tally.items() if n})))
    add_to_durations({k: n for k, n in spread.items() if n})
    # The procedure page's cached figures (reports.processing): new versions where resolved dossiers moved.
    processing_changed({key[3] for key, n in tally.items() if n and key[4].startswith("resolved_")}
                       | {key[3] for key, n in spread.items() if n})


def apply_rating(rating) -> None:
    """A new rating: +1 on its level's measure for the day it was given (inside the rating's transaction), for the
    rated dossier's competent agency and receiving desk. Only a returned dossier is rated, and its competent
    agency no longer changes after the decision, so the rating never has to move."""
    dossier = rating.dossier
    day = local_date(rating.rated_at)
    measure = RATING_MEASURES[int(rating.overall)]
    add_to_tally(expand_levels({(day, dossier.competent_agency_id, dossier.receiving_agency_id,
                                 dossier.procedure_id): {measure: 1}}))


def _upsert(table: str, key_columns: tuple, value_columns: tuple, rows: list[tuple]) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET v = v + excluded.v (PostgreSQL and SQLite), in key order (no deadlocks)."""
    if not rows:
        return
    columns = key_columns + value_columns
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    quoted = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = "{table}"."{c}" + excluded."{c}"' for c in value_columns)
    conflict = ", ".join(f'"{c}"' for c in key_columns)
    rows = sorted(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            cursor.execute(
                f'INSERT INTO "{table}" ({quoted}) VALUES {", ".join([placeholders] * len(chunk))} '
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                [value for row in chunk for value in row])


# The summary's keys, in the order of the unique constraints (agency = competent agency, desk = receiving desk).
TALLY_KEYS = ("level", "bucket", "agency_id", "desk_id", "procedure_id")
DURATION_KEYS = ("month", "agency_id", "desk_id", "procedure_id", "days")
# The same two columns on the dossier table.
KEY_FIELDS = ("competent_agency_id", "receiving_agency_id", "procedure_id")


def add_to_tally(rows: dict) -> None:
    _upsert(Tally._meta.db_table, TALLY_KEYS, MEASURES,
            [(*key, *(measures.get(m, 0) for m in MEASURES)) for key, measures in rows.items()])


def add_to_durations(rows: dict) -> None:
    _upsert(DurationTally._meta.db_table, DURATION_KEYS, ("count",),
            [(*key, n) for key, n in rows.items()])


# ---------------------------------------------------------------- recount from the base tables
def _day(field: str):
    return TruncDate(field, tzinfo=TZ)


def _grouped(qs, field: str, measure: str, out: Counter) -> None:
    for day, agency, desk, procedure, n in (qs.annotate(day=_day(field)).order_by()
                                            .values_list("day", *KEY_FIELDS).annotate(n=Count("id"))):
        out[(day, agency, desk, procedure, measure)] += n


def recount(id_range: tuple[int, int] | None = None, *, dossier_model=Dossier,
            rating_model=Rating) -> tuple[Counter, Counter]:
    """Every measure counted again with GROUP BY on the base tables: (day contributions, duration histogram),
    for all dossiers or those with lo <= id < hi (contributions add up over dossiers, so chunks can be summed).
    The models can be a migration's historical ones."""
    base = dossier_model.objects.all()
    ratings = rating_model.objects.all()
    if id_range is not None:
        base = base.filter(pk__gte=id_range[0], pk__lt=id_range[1])
        ratings = ratings.filter(dossier_id__gte=id_range[0], dossier_id__lt=id_range[1])
    out: Counter = Counter()
    received = base.filter(received_at__isnull=False)
    _grouped(received.filter(channel=Channel.ONLINE), "received_at", "received_online", out)
    _grouped(received.exclude(channel=Channel.ONLINE), "received_at", "received_offline", out)
    resolved = received.filter(resolved_at__isnull=False)
    _grouped(resolved.filter(timeliness=Timeliness.EARLY), "resolved_at", "resolved_early", out)
    _grouped(resolved.filter(timeliness=Timeliness.ON_TIME), "resolved_at", "resolved_on_time", out)
    _grouped(resolved.exclude(timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME]), "resolved_at", "resolved_late",
             out)
    ended = received.filter(resolved_at__isnull=True, finished_at__isnull=False)
    _grouped(ended.filter(state=State.WITHDRAWN), "finished_at", "withdrawn", out)
    _grouped(ended.filter(state=State.STOPPED), "finished_at", "stopped", out)
    _grouped(base.filter(state=State.REFUSED, finished_at__isnull=False), "finished_at", "refused", out)
    _grouped(received.filter(Q(supplement_count__gt=MAX_SUPPLEMENTS_ON_TIME)
                             | Q(resolved_at__isnull=False, timeliness=Timeliness.LATE)),
             "received_at", "late_766", out)
    _grouped(received.filter(is_digitised=True, result_is_electronic=True), "received_at", "digitised", out)

    closed = received.annotate(
        closed=Case(When(resolved_at__isnull=False, then=F("resolved_at")),
                    When(state__in=["withdrawn", "stopped"], then=F("finished_at"))),
    ).annotate(closed_day=_day("closed"), due_day=_day("due_at")).filter(due_at__isnull=False).exclude(state__in=PAUSED_STATES).filter(
        Q(closed__isnull=True) | Q(due_day__lt=F("closed_day")))
    _grouped(closed, "due_at", "overdue_began", out)
    _grouped(closed.filter(closed__isnull=False), "closed", "overdue_ended", out)

    spread: Counter = Counter()
    for resolved_day, received_day, agency, desk, procedure, n in (
            resolved.annotate(rd=_day("resolved_at"), cd=_day("received_at")).order_by()
            .values_list("rd", "cd", *KEY_FIELDS).annotate(n=Count("id"))):
        out[(resolved_day, agency, desk, procedure, "resolved_days")] += (resolved_day - received_day).days * n
        spread[(resolved_day.replace(day=1), agency, desk, procedure, (resolved_day - received_day).days)] += n

    for day, agency, desk, procedure, overall, n in (
            ratings.annotate(day=_day("rated_at")).order_by()
            .values_list("day", *(f"dossier__{name}" for name in KEY_FIELDS), "overall")
            .annotate(n=Count("id"))):
        out[(day, agency, desk, procedure, RATING_MEASURES[overall])] += n
    return Counter({k: n for k, n in out.items() if n}), spread


def expected_rows() -> tuple[dict, dict]:
    day_counts, spread = recount()
    return expand_levels(rows_by_day(day_counts)), dict(spread)


def stored_rows() -> tuple[dict, dict]:
    tally = {}
    width = len(TALLY_KEYS)
    for row in Tally.objects.values_list(*TALLY_KEYS, *MEASURES).iterator(chunk_size=10000):
        measures = {m: n for m, n in zip(MEASURES, row[width:], strict=True) if n}
        if measures:
            tally[tuple(row[:width])] = measures
    width = len(DURATION_KEYS)
    spread = {tuple(row[:width]): row[width] for row in DurationTally.objects.exclude(count=0).values_list(
        *DURATION_KEYS, "count").iterator(chunk_size=10000)}
    return tally, spread


def differences() -> list[tuple]:
    """Rows where the summary and a fresh recount disagree: [(key, stored, expected)]; empty when exact."""
    expected_tally, expected_spread = expected_rows()
    tally, spread = stored_rows()
    diffs = [(k, tally.get(k), expected_tally.get(k)) for k in set(tally) | set(expected_tally)
             if tally.get(k) != expected_tally.get(k)]
    diffs += [(k, spread.get(k), expected_spread.get(k)) for k in set(spread) | set(expected_spread)
              if spread.get(k) != expected_spread.get(k)]
    return sorted(diffs, key=repr)


class _Collector:
    """Where a rebuild puts the recounted rows: on PostgreSQL COPY into temporary tables summed by one INSERT …
    SELECT … GROUP BY at the end (chunks may share rows); elsewhere the upsert."""

    def __init__(self):
        self.copy = connection.vendor == "postgresql"
        if self.copy:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE rebuild_tally ON COMMIT DROP AS SELECT "
                               f"{', '.join(TALLY_KEYS + MEASURES)} FROM \"{Tally._meta.db_table}\" WITH NO DATA")
                cursor.execute(f"CREATE TEMPORARY TABLE rebuild_durations ON COMMIT DROP AS SELECT "
                               f"{', '.join(DURATION_KEYS)}, count FROM \"{DurationTally._meta.db_table}\" "
                               "WITH NO DATA")

    def _copy(self, table: str, columns: tuple, rows) -> None:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(str(value) for value in row))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    def add(self, tally: dict, spread: dict) -> None:
        if not self.copy:
            add_to_tally(tally)
            add_to_durations(spread)
            return
        self._copy("rebuild_tally", (*TALLY_KEYS, *MEASURES),
                   ((*key, *(measures.get(m, 0) for m in MEASURES)) for key, measures in tally.items()))
        self._copy("rebuild_durations", DURATION_KEYS + ("count",), ((*key, n) for key, n in spread.items()))

    def finish(self) -> None:
        if not self.copy:
            return
        keys, sums = ", ".join(TALLY_KEYS), ", ".join(f"SUM({m})" for m in MEASURES)
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{Tally._meta.db_table}" ({keys}, {", ".join(MEASURES)}) '
                           f"SELECT {keys}, {sums} FROM rebuild_tally GROUP BY {keys}")
            keys = ", ".join(DURATION_KEYS)
            cursor.execute(f'INSERT INTO "{DurationTally._meta.db_table}" ({keys}, count) '
                           f"SELECT {keys}, SUM(count) FROM rebuild_durations GROUP BY {keys}")


def replace_summary(*, dossier_model=Dossier, rating_model=Rating, chunk: int = 500_000) -> None:
    """The summary deleted and replaced by a recount, inside the caller's transaction (the rebuild's, or a
    migration's with its historical dossier and rating models)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{Tally._meta.db_table}", "{DurationTally._meta.db_table}" '
                               "IN EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute(f'DELETE FROM "{Tally._meta.db_table}"')
            cursor.execute(f'DELETE FROM "{DurationTally._meta.db_table}"')
        collector = _Collector()
        bounds = dossier_model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
        if bounds["lo"] is not None:
            for lo in range(bounds["lo"], bounds["hi"] + 1, chunk):
                day_counts, spread = recount((lo, lo + chunk), dossier_model=dossier_model,
                                             rating_model=rating_model)
                collector.add(expand_levels(rows_by_day(day_counts)), spread)
        collector.finish()
        processing_changed()  # every procedure's cached page figures (reports.processing)
        if connection.vendor == "postgresql":
            # Rows of one (level, bucket) range together on disk: report queries read few pages.
            with connection.cursor() as cursor:
                cursor.execute(f'CLUSTER "{Tally._meta.db_table}" USING tally_one_row_per_bucket')


def rebuild(*, requested_by=None, chunk: int = 500_000) -> Rebuild:
    """Replace the summary by a recount, in one transaction; writers wait meanwhile (their deltas apply after).
    The recount runs over id ranges of `chunk` dossiers whose partial sums are added up, so memory stays flat."""
    run = Rebuild.objects.create(requested_by=requested_by, requested_at=timezone.now())
    with transaction.atomic():
        replace_summary(chunk=chunk)
        run.dossiers = Dossier.objects.count()
        run.rows = Tally.objects.count() + DurationTally.objects.count()
        run.finished_at = timezone.now()
        run.save()
    log.info("Summary rebuilt: %s dossiers, %s rows", run.dossiers, run.rows)
    return run
