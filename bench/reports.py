"""Benchmark: statistics at a province's scale — 10,000,000 dossiers (about ten years of a province handling
1.2 million a year) in PostgreSQL, then repeated timings of the year's report II.06a for the whole province,
the dashboard, one agency's drill-down list page and the busiest procedure's public page (its usual processing
time, reports.processing), next to the same II.06a done as a plain GROUP BY on the base table.

Run from the project root (PostgreSQL on 127.0.0.1, a database of its own, kept between runs):
    .venv/bin/python bench/reports.py                # load once (10 M rows, ~15-25 min on 2 cores), then time
    .venv/bin/python bench/reports.py --runs 30      # later runs reuse the loaded data and only time
    .venv/bin/python bench/reports.py --rows 1000000 --database onecua_bench_small   # a quicker, smaller run
    .venv/bin/python bench/reports.py --smoke       # 20,000 rows in a database of its own, reloaded (CI)
The data: 41 agencies (40 one-stop desks), 1,000 procedures (25 per desk), dossiers received evenly over ten
years up to yesterday, 45 % online, 1 % refused / withdrawn / stopped each, 75 % early, 15 % on time, 10 %
late, the last few weeks still open; 80 % decided by the desk that received them, 20 % (never the refused ones)
handed over to the province, which is then their competent agency (II.06a counts per competent agency, the
receiving desk is a filter). The summary is built with the same rebuild the product uses
(reports.tally.rebuild), and the II.06a figures — for the whole province, and filtered by the busiest desk — are
checked against the plain GROUP BY: they must be equal (exit 1 otherwise), as must the procedure page's figures
and the same figures computed from the base table (percentile_disc: nearest rank), and the summary must equal a
recount (`rebuild_figures --check`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.dev")

DESKS = 40
PROCEDURES_PER_DESK = 25


def ensure_database(name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(label: str, runs: int, fn) -> tuple[float, float, object]:
    fn()  # warm-up (plans, caches)
    seconds, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        seconds.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    print(f"{label:<58} p50 {p50:9.1f} ms   p95 {p95:9.1f} ms   (n={runs})")
    return p50, p95, result


# ---------------------------------------------------------------- loading
def make_catalog():
    from procedures.models import Agency, AgencyKind, DeadlineUnit, Field, Procedure

    province, _ = Agency.objects.get_or_create(identifier="H99", defaults={
        "name": "Ủy ban nhân dân tỉnh Đo Tải", "kind": AgencyKind.PROVINCE, "is_one_stop_desk": False})
    desks = []
    for i in range(DESKS):
        desk, _ = Agency.objects.get_or_create(identifier=f"H99.{i + 1:02d}", defaults={
            "name": f"Trung tâm Phục vụ hành chính công số {i + 1}", "kind": AgencyKind.COMMUNE_CENTRE,
            "parent": province, "is_one_stop_desk": True})
        desks.append(desk)
    fields = [Field.objects.get_or_create(code=f"BENCH-{k}", defaults={"name": f"Lĩnh vực đo tải {k}"})[0]
              for k in range(10)]
    procedures = []
    for i, desk in enumerate(desks):
        for j in range(PROCEDURES_PER_DESK):
            code = f"9.{i:03d}{j:03d}"
            procedure, created = Procedure.objects.get_or_create(national_code=code, defaults={
                "name": f"Thủ tục đo tải {i}-{j}", "field": fields[j % 10], "level": "commune",
                "deadline_amount": 5, "deadline_unit": DeadlineUnit.WORKING_DAYS,
                "online_level": "full" if j % 3 else "none"})
            if created:
                procedure.agencies.add(desk)
            procedures.append(procedure)
    return province, desks, procedures


HANDED_OVER = 0.2  # the share of received dossiers whose competent agency is the province, not their desk


def load(rows: int, province, desks, procedures) -> None:
    from django.db import connection

    from dossiers.models import Dossier

    table = Dossier._meta.db_table
    desk_ids = ",".join(str(d.pk) for d in desks)
    procedure_ids = ",".join(str(p.pk) for p in procedures)
    end = date.today() - timedelta(days=1)
    start = end - timedelta(days=3652)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
                       [table, "%_pkey"])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'", [table])
        checks = [name for (name,) in cursor.fetchall()]
        print(f"dropping {len(indexes)} indexes for the load")
        for name, _definition in indexes:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute(f'TRUNCATE "{table}" CASCADE')
        cursor.execute("SELECT setseed(0.42)")
        started = time.perf_counter()
        cursor.execute(f"""
            INSERT INTO "{table}" (
              code, procedure_id, receiving_agency_id, handling_agency_id, competent_agency_id, channel, state,
              version,
              applicant_is_organisation, applicant_name, applicant_id_number, applicant_address, applicant_phone,
              applicant_email, authorised_name, authorised_id_number, authorised_phone, request_text, set_count,
              deadline_amount, deadline_unit, submitted_at, received_at, clock_started_at, due_at, appointment_at,
              resolved_at, returned_at, finished_at, proposed_outcome, proposal_note, outcome, decision_reason,
              timeliness, supplement_count, desk_supplement_count, result_delivery, requested_delivery,
              postal_tracking_no, is_digitised, result_is_electronic, has_steps, created_at, updated_at)
            SELECT 'BENCH-' || n, procedure_id, agency_id,
              CASE WHEN competent_id <> agency_id AND kind = 'done' AND resolved_at > now() THEN competent_id
                   ELSE agency_id END,
              competent_id, channel,
              CASE WHEN kind = 'refused' THEN 'refused' WHEN kind IN ('withdrawn', 'stopped') THEN kind
                   WHEN resolved_at > now() THEN 'processing'
                   WHEN resolved_at > now() - interval '2 days' THEN 'resolved' ELSE 'returned' END,
              1, false, 'Người nộp đo tải', '', '', '0900000000', '', '', '', '', '', 1, 5, 'working_days',
              received_at - interval '1 hour',
              CASE WHEN kind = 'refused' THEN NULL ELSE received_at END,
              CASE WHEN kind = 'refused' THEN NULL ELSE received_at END,
              CASE WHEN kind = 'refused' THEN NULL ELSE received_at + interval '7 days' END,
              CASE WHEN kind = 'refused' THEN NULL ELSE received_at + interval '7 days' END,
              CASE WHEN kind = 'done' AND resolved_at <= now() THEN resolved_at END,
              CASE WHEN kind = 'done' AND resolved_at <= now() - interval '2 days' THEN resolved_at + interval '1 day'
                   END,
              CASE WHEN kind = 'refused' THEN received_at
                   WHEN kind IN ('withdrawn', 'stopped') THEN received_at + interval '2 days' END,
              CASE WHEN kind = 'done' AND resolved_at <= now() THEN 'approved' ELSE '' END, '',
              CASE WHEN kind = 'done' AND resolved_at <= now() THEN 'approved' ELSE '' END, '',
              CASE WHEN kind = 'done' AND resolved_at <= now() THEN timeliness ELSE '' END,
              supplements, 0, '', '', '', digitised, electronic, false, received_at, received_at
            FROM (
              SELECT n, agency_id, procedure_id, channel, kind, received_at, timeliness, supplements, digitised,
                electronic, CASE WHEN kind <> 'refused' AND r8 < {HANDED_OVER} THEN {province.pk} ELSE agency_id END
                  AS competent_id,
                CASE timeliness
                  WHEN 'early' THEN received_at + (1 + floor(r4 * 5)) * interval '1 day'
                  WHEN 'on_time' THEN received_at + interval '7 days' - interval '1 hour'
                  ELSE received_at + interval '7 days' + (1 + floor(r4 * 10)) * interval '1 day' END AS resolved_at
              FROM (
                SELECT n, r4, r8,
                  (ARRAY[{desk_ids}])[1 + a] AS agency_id,
                  (ARRAY[{procedure_ids}])[1 + a * {PROCEDURES_PER_DESK} + p] AS procedure_id,
                  CASE WHEN r1 < 0.45 THEN 2 WHEN r1 < 0.50 THEN 3 ELSE 1 END AS channel,
                  CASE WHEN r2 < 0.01 THEN 'refused' WHEN r2 < 0.02 THEN 'withdrawn' WHEN r2 < 0.03 THEN 'stopped'
                       ELSE 'done' END AS kind,
                  CASE WHEN r3 < 0.75 THEN 'early' WHEN r3 < 0.90 THEN 'on_time' ELSE 'late' END AS timeliness,
                  CASE WHEN r5 < 0.94 THEN 0 WHEN r5 < 0.99 THEN 1 ELSE 2 END AS supplements,
                  r6 < 0.6 AS digitised, r6 < 0.4 AS electronic,
                  TIMESTAMPTZ '{start:%Y-%m-%d} 07:30+07' + floor(n::float8 * 3652 / {rows}) * interval '1 day'
                    + r7 * interval '9 hours' AS received_at
                FROM (
                  SELECT n, floor(power(random(), 1.6) * {DESKS})::int AS a,
                    floor(power(random(), 2) * {PROCEDURES_PER_DESK})::int AS p,
                    random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
                    random() AS r7, random() AS r8
                  FROM generate_series(0, {rows} - 1) AS n
                ) AS draws
              ) AS picked
            ) AS timed
        """)
        print(f"inserted {rows:,} dossiers in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)
        print(f"recreated {len(indexes)} indexes in {time.perf_counter() - started:.0f} s")
        del checks  # check constraints were kept (the generated rows satisfy them)
        cursor.execute(f'VACUUM ANALYZE "{table}"')


# ---------------------------------------------------------------- the plain GROUP BY on the base table
def plain_group_by(agency_ids, start: date, end: date, desk_ids=None) -> dict:
    """Report II.06a per competent agency computed straight from dossiers, one GROUP BY, same definitions (the
    dossiers received at one of `desk_ids` only, when given)."""
    from django.db import connection

    from dossiers.selectors import period_bounds

    s, e = period_bounds(start, end)
    sql = """
      SELECT competent_agency_id,
        count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(e)s AND channel = 2),
        count(*) FILTER (WHERE received_at >= %(s)s AND received_at < %(e)s AND channel <> 2),
        count(*) FILTER (WHERE received_at < %(s)s AND (resolved_at IS NULL OR resolved_at >= %(s)s)
                         AND NOT (state IN ('withdrawn', 'stopped') AND resolved_at IS NULL AND finished_at < %(s)s)),
        count(*) FILTER (WHERE resolved_at >= %(s)s AND resolved_at < %(e)s AND timeliness = 'early'),
        count(*) FILTER (WHERE resolved_at >= %(s)s AND resolved_at < %(e)s AND timeliness = 'on_time'),
        count(*) FILTER (WHERE resolved_at >= %(s)s AND resolved_at < %(e)s
                         AND timeliness NOT IN ('early', 'on_time')),
        count(*) FILTER (WHERE received_at < %(e)s AND (resolved_at IS NULL OR resolved_at >= %(e)s)
                         AND NOT (state IN ('withdrawn', 'stopped') AND resolved_at IS NULL AND finished_at < %(e)s)),
        count(*) FILTER (WHERE received_at < %(e)s AND (resolved_at IS NULL OR resolved_at >= %(e)s)
                         AND NOT (state IN ('withdrawn', 'stopped') AND resolved_at IS NULL AND finished_at < %(e)s)
                         AND due_at < %(e)s AND state NOT IN ('supplement_requested', 'awaiting_payment')),
        count(*) FILTER (WHERE state = 'withdrawn' AND received_at IS NOT NULL AND resolved_at IS NULL
                         AND finished_at >= %(s)s AND finished_at < %(e)s),
        count(*) FILTER (WHERE state = 'stopped' AND received_at IS NOT NULL AND resolved_at IS NULL
                         AND finished_at >= %(s)s AND finished_at < %(e)s),
        count(*) FILTER (WHERE state = 'refused' AND finished_at >= %(s)s AND finished_at < %(e)s)
      FROM dossiers_dossier WHERE competent_agency_id = ANY(%(ids)s)
        AND (%(desks)s::bigint[] IS NULL OR receiving_agency_id = ANY(%(desks)s::bigint[]))
      GROUP BY competent_agency_id"""
    keys = ("received_online", "received_offline", "carried_over", "resolved_early", "resolved_on_time",
            "resolved_late", "pending_total", "pending_overdue", "withdrawn", "stopped", "refused")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"s": s, "e": e, "ids": list(agency_ids),
                             "desks": list(desk_ids) if desk_ids is not None else None})
        return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in cursor.fetchall()}


def plain_reality(procedure, today: date) -> tuple | None:
    """The procedure page's figures straight from dossiers (reports.processing's definition): those resolved from
    the first day of the month 11 months before `today`'s through `today` (local dates), calendar days from the
    local day of receipt to the local day of the result, nearest-rank median and 90th percentile, on-time share."""
    from django.db import connection

    from reports.summary import months_ago

    sql = """
      SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY days),
        percentile_disc(0.9) WITHIN GROUP (ORDER BY days),
        round(100.0 * count(*) FILTER (WHERE timeliness IN ('early', 'on_time')) / count(*))
      FROM (SELECT (resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                   - (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS days, timeliness
            FROM dossiers_dossier WHERE procedure_id = %s AND resolved_at IS NOT NULL
              AND (resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN %s AND %s) AS resolved
      HAVING count(*) > 0"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [procedure.pk, months_ago(today, 11), today])
        row = cursor.fetchone()
    return None if row is None else (row[0], f"{row[1]:.1f}".replace(".", ","), f"{row[2]:.1f}".replace(".", ","),
                                     int(row[3]))


def compare(label: str, report, plain: dict) -> int:
    """The cells of a II.06a report (rows per agency) that differ from the plain GROUP BY, printed; their count."""
    mismatches = 0
    rows = {int(row.key.split(":")[1]): row for row in report.rows}
    for agency_id in set(rows) | set(plain):
        row, base = rows.get(agency_id), plain.get(agency_id, {})
        if row is None:
            if any(base.values()):
                mismatches += 1
                print(f"  MISMATCH {label} agency {agency_id}: in the plain GROUP BY, absent from the summary")
            continue
        if not base and any(row.cells.values()):
            mismatches += 1
            print(f"  MISMATCH {label} {row.code}: in the summary, absent from the plain GROUP BY")
        for key, value in base.items():
            if row.cells[key] != value:
                mismatches += 1
                print(f"  MISMATCH {label} {row.code} {key}: summary {row.cells[key]} ≠ base {value}")
    return mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", default="onecua_bench_reports")
    parser.add_argument("--reload", action="store_true", help="generate the data again even if it is there")
    parser.add_argument("--plain-runs", type=int, default=3, help="runs of the plain GROUP BY (slow)")
    parser.add_argument("--smoke", action="store_true",
                        help="20,000 dossiers reloaded in onecua_bench_reports_smoke, 2 runs each (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.runs, args.plain_runs, args.reload = min(args.rows, 20_000), 2, 1, True
        if args.database == parser.get_default("database"):
            args.database = "onecua_bench_reports_smoke"

    ensure_database(args.database)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)

    from accounts.models import Role, StaffMembership, User
    from accounts.scoping import agency_subtree_ids
    from dossiers.models import Dossier
    from reports import ii06a, overview, processing, tally
    from reports.models import DurationTally, Tally

    province, desks, _procedures = make_catalog()
    present = Dossier.objects.count()
    if args.reload or present != args.rows:
        print(f"loading {args.rows:,} dossiers (found {present:,})")
        load(args.rows, province, desks, _procedures)
        started = time.perf_counter()
        tally.rebuild()
        print(f"summary rebuilt from the base table in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done on a live database
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier')), "
                       "pg_size_pretty(pg_total_relation_size('reports_tally') "
                       "+ pg_total_relation_size('reports_durationtally'))")
        sizes = cursor.fetchone()
    counts, durations = Tally.objects.count(), DurationTally.objects.count()
    print(f"workspace: {Dossier.objects.count():,} ({sizes[0]}); summary rows: {counts + durations:,} "
          f"({counts:,} counts + {durations:,} durations; {sizes[1]})")
    differing = tally.differences()
    print(f"summary vs recount (rebuild_figures --check): "
          f"{'equal' if not differing else f'{len(differing)} rows differ'}")

    ids = agency_subtree_ids({province.pk})
    year = date.today().year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    print(f"\nperiod: the year {year}, whole province ({len(ids)} agencies); {args.runs} timed runs each")
    _, ii06a_p95, report = timed("II.06a (summary), rows per agency", args.runs,
                                 lambda: ii06a.report_ii06a(agency_ids=ids, start=start, end=end))
    busiest = desks[0]
    _, _p95, by_desk = timed("II.06a (summary), rows per agency, one receiving desk", args.runs,
                             lambda: ii06a.report_ii06a(agency_ids=ids, start=start, end=end,
                                                        desk_ids={busiest.pk}))
    timed("II.06a (summary), rows per procedure", args.runs,
          lambda: ii06a.report_ii06a(agency_ids=ids, start=start, end=end, grouping="procedure"))
    ytd = date.today()
    timed("II.06a (summary), year to date", args.runs,
          lambda: ii06a.report_ii06a(agency_ids=ids, start=date(ytd.year, 1, 1), end=ytd))
    _, dashboard_p95, _board = timed("dashboard (12 months)", args.runs, lambda: overview.dashboard(
        agency_ids=ids, start=date(year, 1, 1), end=date(year, 12, 31)))

    user, _ = User.objects.get_or_create(username="bench.inspector", defaults={"full_name": "Thanh tra đo tải"})
    StaffMembership.objects.get_or_create(user=user, agency=province, role=Role.INSPECTOR)
    client = Client()
    client.force_login(user)
    for column in ("received_online", "resolved_late", "pending_total"):
        url = (f"/can-bo/bao-cao/ho-so/?start=01/01/{year}&end=31/12/{year}&agency={busiest.pk}"
               f"&row=agency:{busiest.pk}&col={column}&page=3")

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        _, p95, _response = timed(f"drill-down page, one agency, {column}", args.runs, page)
        if column == "received_online":
            drill_p95 = p95
    # The province's row (dossiers handed over to it) limited to one desk's: the competent agency and the desk.
    timed("drill-down page, province row, one desk, received_online", args.runs,
          lambda: client.get(f"/can-bo/bao-cao/ho-so/?start=01/01/{year}&end=31/12/{year}&desk={busiest.pk}"
                             f"&row=agency:{province.pk}&col=received_online&page=1"))
    timed("dashboard page (HTTP, with template)", max(5, args.runs // 2),
          lambda: client.get(f"/can-bo/bao-cao/tong-quan/?start=01/01/{year}&end=31/12/{year}"))
    timed("II.06a page (HTTP, with template)", max(5, args.runs // 2),
          lambda: client.get(f"/can-bo/bao-cao/?start=01/01/{year}&end=31/12/{year}"))

    # The public page of the busiest procedure (desk 1's first): its usual processing time from the summary.
    procedure, today = _procedures[0], timezone.localdate()
    _, reality_p95, reality = timed("procedure page figures (summary), busiest procedure", args.runs,
                                    lambda: processing.procedure_processing_reality(procedure=procedure, today=today))
    public = Client()
    _, page_p95, _response = timed("procedure page (HTTP, with template), busiest procedure", args.runs,
                                   lambda: public.get(reverse("procedures:detail", args=[procedure.national_code])))
    shown = reality and (reality.count, reality.median_days, reality.p90_days, reality.on_time_percent)
    plain_figures = plain_reality(procedure, today)
    reality_differs = shown != plain_figures
    print(f"procedure page figures {shown}; from the base table {plain_figures}"
          + ("  MISMATCH" if reality_differs else ""))

    _, plain_p95, plain = timed("II.06a as a plain GROUP BY on the base table", args.plain_runs,
                                lambda: plain_group_by(ids, start, end))
    mismatches = compare("whole province", report, plain)
    mismatches += compare("one desk", by_desk, plain_group_by(ids, start, end, desk_ids={busiest.pk}))
    province_row = next((r for r in report.rows if r.key == f"agency:{province.pk}"), None)
    print(f"\nII.06a rows: {len(report.rows)} agencies; the province's (dossiers handed over to it) received "
          f"{province_row.cells['received_total'] if province_row else 0:,}")
    print(f"II.06a total received {report.total.cells['received_total']:,}, resolved "
          f"{report.total.cells['resolved_total']:,}, pending at year end {report.total.cells['pending_total']:,}")
    print(f"summary vs plain GROUP BY: {'equal' if not mismatches else f'{mismatches} cells differ'}; "
          f"speed-up at p95 ×{plain_p95 / ii06a_p95:.0f}")
    print(f"targets: dashboard p95 ≤ 100 ms: {dashboard_p95:.1f}; II.06a p95 ≤ 100 ms: {ii06a_p95:.1f}; "
          f"drill-down p95 ≤ 300 ms: {drill_p95:.1f}")
    print(f"procedure page: figures p95 {reality_p95:.1f} ms, page p95 {page_p95:.1f} ms")
    return 1 if mismatches or differing or reality_differs else 0


if __name__ == "__main__":
    sys.exit(main())
