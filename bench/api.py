"""Benchmark: the REST API's dossier list and event feed for a client, through the real views (Django's test Client:
middleware, token check, scopes, rate limit, serialisation), on PostgreSQL at a province's scale.

Run from the project root (PostgreSQL on 127.0.0.1, a database of its own, kept between runs):
    .venv/bin/python bench/api.py                   # 1,000,000 dossiers (~4 M events): load once, then time
    .venv/bin/python bench/api.py --runs 50         # later runs reuse the loaded data and only time
    .venv/bin/python bench/api.py --rows 200000 --database onecua_bench_api_small   # a quicker, smaller run
    .venv/bin/python bench/api.py --smoke           # 5,000 dossiers reloaded in onecua_bench_api_smoke, a full
                                                    # recount, no time target (CI)
The data: 40 one-stop desks (the first much busier than the last), a department to which 20 % of the received
dossiers are handed over (their competent agency), two years of dossiers up to today, 2 % refused, 2 % withdrawn,
the last weeks still open; the events each dossier would have (submit, receive, forward, approve, return,
refuse, withdraw) in time order. Both tables are loaded with INSERT … SELECT generate_series, their indexes
dropped during the load and rebuilt after. Three clients are timed: the busiest desk, the quietest desk and the
department (whose dossiers are found through their hand-over events). Each path's first page is checked against
the same rule computed in SQL; --smoke (and --recount) follow every page of the list and of the feed and compare
them with a recount in SQL. Prints p50/p95 per path and exits 1 when a check fails or, unless --smoke, a p95 is
above --max-ms (default 50).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.dev")

DESKS = 40
PROCEDURES_PER_DESK = 25
DAYS = 730
HANDED_OVER = 0.2
PAGE = 50
FEED_PAGE = 100


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


def timed(label: str, runs: int, fn) -> float:
    fn()  # warm-up (plans, caches)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append((time.perf_counter() - started) * 1000)
    p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    print(f"{label:<62} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (n={runs})")
    return p95


# ---------------------------------------------------------------- loading
def make_catalog():
    from procedures.models import Agency, AgencyKind, DeadlineUnit, Field, Procedure

    province, _ = Agency.objects.get_or_create(identifier="H98", defaults={
        "name": "Ủy ban nhân dân tỉnh Đo API", "kind": AgencyKind.PROVINCE, "is_one_stop_desk": False})
    dept, _ = Agency.objects.get_or_create(identifier="H98.90", defaults={
        "name": "Sở Đo API", "kind": AgencyKind.DEPARTMENT, "parent": province, "is_one_stop_desk": False})
    desks = [Agency.objects.get_or_create(identifier=f"H98.{i + 1:02d}", defaults={
        "name": f"Trung tâm Phục vụ hành chính công đo API số {i + 1}", "kind": AgencyKind.COMMUNE_CENTRE,
        "parent": province, "is_one_stop_desk": True})[0] for i in range(DESKS)]
    field, _ = Field.objects.get_or_create(code="BENCH-API", defaults={"name": "Lĩnh vực đo API"})
    procedures = []
    for i, desk in enumerate(desks):
        for j in range(PROCEDURES_PER_DESK):
            procedure, created = Procedure.objects.get_or_create(national_code=f"8.{i:03d}{j:03d}", defaults={
                "name": f"Thủ tục đo API {i}-{j}", "field": field, "level": "commune", "deadline_amount": 5,
                "deadline_unit": DeadlineUnit.WORKING_DAYS, "online_level": "full"})
            if created:
                procedure.agencies.add(desk)
            procedures.append(procedure)
    return dept, desks, procedures


def _default_sql(field) -> str:
    """The SQL value of a column the generator does not set: NULL, or the model's plain default."""
    from django.db import models

    if field.null:
        return "NULL"
    default = field.default
    if default is not models.NOT_PROVIDED and not callable(default):
        if isinstance(default, bool):
            return "true" if default else "false"
        if isinstance(default, (int, float)):
            return str(default)
        return "'" + str(default).replace("'", "''") + "'"
    if isinstance(field, models.DateTimeField):
        return "now()"
    if isinstance(field, (models.CharField, models.TextField)):
        return "''"
    if isinstance(field, models.BooleanField):
        return "false"
    if isinstance(field, models.JSONField):
        return "'[]'"
    raise SystemExit(f"bench/api.py: no value for {field.model.__name__}.{field.name}")


def insert_select(model, values: dict[str, str], source: str) -> str:
    """INSERT INTO model's table (every column but the id) SELECT the given expressions, defaults for the rest."""
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(values) - {f.column for f in columns}
    assert not unknown, unknown
    names = ", ".join(f'"{f.column}"' for f in columns)
    exprs = ",\n  ".join(values.get(f.column) or _default_sql(f) for f in columns)
    return f'INSERT INTO "{model._meta.db_table}" ({names})\nSELECT {exprs}\n{source}'


def _drop_indexes(cursor, table: str) -> list[str]:
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
                   [table, "%_pkey"])
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _name, definition in indexes]


def load(rows: int, dept, desks, procedures) -> None:
    from django.db import connection

    from dossiers.models import Dossier, DossierEvent

    dossiers, events = Dossier._meta.db_table, DossierEvent._meta.db_table
    desk_ids = ",".join(str(d.pk) for d in desks)
    procedure_ids = ",".join(str(p.pk) for p in procedures)
    with connection.cursor() as cursor:
        definitions = _drop_indexes(cursor, dossiers) + _drop_indexes(cursor, events)
        cursor.execute(f'TRUNCATE "{dossiers}" CASCADE')
        cursor.execute("SELECT setseed(0.2026)")
        started = time.perf_counter()
        draws = f"""
            FROM (
              SELECT n, agency_id, procedure_id, kind, submitted_at, received_at,
                CASE WHEN handed THEN {dept.pk} ELSE agency_id END AS competent_id,
                CASE WHEN received_at + decided * interval '1 day' < now() THEN received_at + decided * interval '1 day'
                     END AS resolved_at
              FROM (
                SELECT n, (ARRAY[{desk_ids}])[1 + a] AS agency_id,
                  (ARRAY[{procedure_ids}])[1 + a * {PROCEDURES_PER_DESK} + p] AS procedure_id,
                  CASE WHEN r1 < 0.02 THEN 'refused' WHEN r1 < 0.04 THEN 'withdrawn' ELSE 'flow' END AS kind,
                  r1 >= 0.02 AND r2 < {HANDED_OVER} AS handed, 1 + floor(r3 * 10) AS decided, submitted_at,
                  CASE WHEN r1 < 0.02 THEN NULL ELSE submitted_at + interval '1 hour' END AS received_at
                FROM (
                  SELECT n, floor(power(random(), 1.6) * {DESKS})::int AS a,
                    floor(random() * {PROCEDURES_PER_DESK})::int AS p, random() AS r1, random() AS r2,
                    random() AS r3,
                    date_trunc('day', now() - interval '{DAYS} days') + interval '30 minutes'
                      + floor(n::float8 * {DAYS} / {rows}) * interval '1 day' + random() * interval '9 hours'
                      AS submitted_at
                  FROM generate_series(0, {rows} - 1) AS n
                ) AS raw
              ) AS picked
            ) AS shaped"""
        state = """CASE WHEN kind = 'refused' THEN 'refused' WHEN kind = 'withdrawn' THEN 'withdrawn'
                        WHEN resolved_at IS NULL AND competent_id <> agency_id THEN 'processing'
                        WHEN resolved_at IS NULL THEN 'received'
                        WHEN resolved_at > now() - interval '2 days' THEN 'resolved' ELSE 'returned' END"""
        done = "kind = 'flow' AND resolved_at IS NOT NULL"
        cursor.execute(insert_select(Dossier, {
            "code": "'API-' || n", "procedure_id": "procedure_id", "receiving_agency_id": "agency_id",
            "handling_agency_id": f"CASE WHEN ({state}) = 'processing' THEN competent_id ELSE agency_id END",
            "competent_agency_id": "competent_id", "channel": "2", "state": state, "version": "1",
            "applicant_name": "'Người nộp đo API'", "applicant_id_number": "'079200000000'",
            "applicant_phone": "'0900000000'", "deadline_amount": "5", "deadline_unit": "'working_days'",
            "submitted_at": "submitted_at", "received_at": "received_at", "clock_started_at": "received_at",
            "due_at": "received_at + interval '7 days'", "appointment_at": "received_at + interval '7 days'",
            "resolved_at": f"CASE WHEN {done} THEN resolved_at END",
            "returned_at": f"CASE WHEN {done} AND resolved_at <= now() - interval '2 days' "
                           "THEN resolved_at + interval '1 day' END",
            "finished_at": "CASE WHEN kind = 'refused' THEN submitted_at + interval '1 hour' "
                           "WHEN kind = 'withdrawn' THEN received_at + interval '1 day' END",
            "outcome": f"CASE WHEN {done} THEN 'approved' ELSE '' END",
            "timeliness": f"CASE WHEN {done} THEN 'early' ELSE '' END",
            "created_at": "submitted_at", "updated_at": "submitted_at"}, draws))
        print(f"inserted {rows:,} dossiers in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        steps = f"""
            FROM (
              SELECT id AS dossier_id, 'submit' AS action, '' AS from_state, 'submitted' AS to_state,
                NULL::bigint AS from_agency, NULL::bigint AS to_agency, submitted_at AS at FROM "{dossiers}"
              UNION ALL SELECT id, 'refuse', 'submitted', 'refused', NULL, NULL, finished_at FROM "{dossiers}"
                WHERE state = 'refused'
              UNION ALL SELECT id, 'receive', 'submitted', 'received', NULL, NULL, received_at FROM "{dossiers}"
                WHERE received_at IS NOT NULL
              UNION ALL SELECT id, 'forward', 'received', 'processing', receiving_agency_id, competent_agency_id,
                received_at + interval '1 hour' FROM "{dossiers}" WHERE competent_agency_id <> receiving_agency_id
              UNION ALL SELECT id, 'withdraw', 'received', 'withdrawn', NULL, NULL, finished_at FROM "{dossiers}"
                WHERE state = 'withdrawn'
              UNION ALL SELECT id, 'approve', 'processing', 'resolved', NULL, NULL, resolved_at FROM "{dossiers}"
                WHERE resolved_at IS NOT NULL
              UNION ALL SELECT id, 'return_result', 'resolved', 'returned', NULL, NULL, returned_at
                FROM "{dossiers}" WHERE returned_at IS NOT NULL
              ORDER BY at, dossier_id
            ) AS steps"""
        cursor.execute(insert_select(DossierEvent, {
            "dossier_id": "dossier_id", "action": "action", "actor_label": "'Đo API'", "from_state": "from_state",
            "to_state": "to_state", "from_agency_id": "from_agency", "to_agency_id": "to_agency", "at": "at"},
            steps))
        cursor.execute(f'SELECT count(*) FROM "{events}"')
        print(f"inserted {cursor.fetchone()[0]:,} events in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        for definition in definitions:
            cursor.execute(definition)
        print(f"recreated {len(definitions)} indexes in {time.perf_counter() - started:.0f} s")
        cursor.execute(f'VACUUM ANALYZE "{dossiers}"')
        cursor.execute(f'VACUUM ANALYZE "{events}"')
        cursor.execute("ANALYZE")  # the catalog's tables too, as autovacuum would have done


# ---------------------------------------------------------------- clients and the expected answers in SQL
def connect(name: str, agencies):
    import base64

    from django.test import Client
    from oauth2_provider.models import Application

    from api.models import ApiClient

    application = Application.objects.filter(name=name).first()
    secret = f"bench-{name}-0123456789abcdef"
    if application is None:
        application = Application.objects.create(
            name=name, client_type=Application.CLIENT_CONFIDENTIAL, client_secret=secret,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS)
        client = ApiClient.objects.create(application=application, scopes="catalog:read dossiers:read")
        client.agencies.set(agencies)
    basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
    response = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return Client(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")


def visible_sql(agency_ids) -> tuple[str, list]:
    ids = list(agency_ids)
    return ("""SELECT d.id FROM dossiers_dossier d WHERE d.receiving_agency_id = ANY(%s)
               OR d.handling_agency_id = ANY(%s) OR EXISTS (SELECT 1 FROM dossiers_dossierevent h
               WHERE h.dossier_id = d.id AND (h.to_agency_id = ANY(%s) OR h.from_agency_id = ANY(%s)))""",
            [ids, ids, ids, ids])


def feed_sql(agency_ids) -> tuple[str, list]:
    ids = list(agency_ids)
    return ("""SELECT e.id FROM dossiers_dossierevent e JOIN dossiers_dossier d ON d.id = e.dossier_id
               WHERE d.receiving_agency_id = ANY(%s) OR EXISTS (SELECT 1 FROM dossiers_dossierevent h
               WHERE h.dossier_id = e.dossier_id AND h.id <= e.id
               AND (h.to_agency_id = ANY(%s) OR h.from_agency_id = ANY(%s)))""", [ids, ids, ids])


def sql_ids(query: tuple[str, list], suffix: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({query[0]}) AS q {suffix}", query[1])
        return [row[0] for row in cursor.fetchall()]


def get(client, url: str, params=None) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code, response.content[:500])
    return response.json()


def all_pages(client, url: str, key: str, *, feed: bool) -> list:
    found = []
    while url:
        body = get(client, url)
        found += [row[key] for row in body["results"]]
        url = None if feed and body["caught_up"] else body["next"]  # the feed always has a next page
    return found


def check(problems: list[str], label: str, got: list, expected: list) -> None:
    if got != expected:
        at = next((i for i, (g, e) in enumerate(zip(got, expected, strict=False)) if g != e),
                  min(len(got), len(expected)))
        problems.append(f"{label}: the API gave {len(got)} rows, the recount {len(expected)}; first difference at "
                        f"position {at}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", default="onecua_bench_api")
    parser.add_argument("--reload", action="store_true", help="generate the data again even if it is there")
    parser.add_argument("--recount", action="store_true", help="follow every page and compare with SQL")
    parser.add_argument("--max-ms", type=float, default=50.0, help="p95 target per path")
    parser.add_argument("--smoke", action="store_true",
                        help="5,000 dossiers reloaded in onecua_bench_api_smoke, a full recount, no target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.rows, args.runs, args.reload, args.recount, args.max_ms = min(args.rows, 5000), 3, True, True, float(
            "inf")
        if args.database == parser.get_default("database"):
            args.database = "onecua_bench_api_smoke"

    ensure_database(args.database)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ["CELERY_BROKER_URL"] = ""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    settings.ONECUA["API_REQUESTS_PER_MINUTE"] = 10**9
    call_command("migrate", verbosity=0)
    from api.views import encode_position
    from dossiers.models import Dossier, DossierEvent

    dept, desks, procedures = make_catalog()
    present = Dossier.objects.count()
    if args.reload or present != args.rows:
        print(f"loading {args.rows:,} dossiers (found {present:,})")
        load(args.rows, dept, desks, procedures)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier')), "
                       "pg_size_pretty(pg_total_relation_size('dossiers_dossierevent'))")
        sizes = cursor.fetchone()
    print(f"database: {Dossier.objects.count():,} dossiers ({sizes[0]}), {DossierEvent.objects.count():,} events "
          f"({sizes[1]}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    clients = {"busiest desk": ([desks[0].pk], connect("bench-busiest-desk", [desks[0]])),
               "quietest desk": ([desks[-1].pk], connect("bench-quietest-desk", [desks[-1]])),
               "department (handed over)": ([dept.pk], connect("bench-department", [dept]))}
    problems: list[str] = []
    p95s = []
    for label, (agency_ids, client) in clients.items():
        visible, feed = visible_sql(agency_ids), feed_sql(agency_ids)
        total = len(sql_ids(visible, ""))
        print(f"\n{label}: {total:,} dossiers visible")
        first = get(client, "/api/v1/dossiers/", {"page_size": PAGE})
        check(problems, f"{label}, list first page", [r["code"] for r in first["results"]],
              list(Dossier.objects.filter(pk__in=sql_ids(visible, f"ORDER BY id DESC LIMIT {PAGE}"))
                   .order_by("-id").values_list("code", flat=True)))
        p95s.append(timed(f"{label}: dossier list, first page ({PAGE})", args.runs,
                          lambda c=client: get(c, "/api/v1/dossiers/", {"page_size": PAGE})))
        deep = first
        for _ in range(20):
            deep = get(client, deep["next"]) if deep["next"] else deep
        p95s.append(timed(f"{label}: dossier list, page 21 (cursor)", args.runs,
                          lambda c=client, u=deep["next"] or deep["previous"]: get(c, u)))
        p95s.append(timed(f"{label}: dossier list, state=processing", args.runs,
                          lambda c=client: get(c, "/api/v1/dossiers/", {"state": "processing", "page_size": PAGE})))
        month_ago = (timezone.localdate() - timedelta(days=30)).isoformat()
        p95s.append(timed(f"{label}: dossier list, submitted in the last 30 days", args.runs,
                          lambda c=client, d=month_ago: get(c, "/api/v1/dossiers/", {"submitted_from": d,
                                                                                      "page_size": PAGE})))
        code = first["results"][0]["code"]
        p95s.append(timed(f"{label}: one dossier with its timeline", args.runs,
                          lambda c=client, u=f"/api/v1/dossiers/{code}/": get(c, u)))
        start = get(client, "/api/v1/events/", {"page_size": FEED_PAGE})
        # A page looks through at most API_FEED_SCAN_EVENTS events of the whole feed, from the first event after the
        # position (api.selectors.event_feed): here the first event of all.
        scan = settings.ONECUA["API_FEED_SCAN_EVENTS"]
        check(problems, f"{label}, feed first page", [e["id"] for e in start["results"]],
              sql_ids(feed, f"WHERE id <= (SELECT min(id) FROM dossiers_dossierevent) - 1 + {scan} "
                            f"ORDER BY id LIMIT {FEED_PAGE}"))
        p95s.append(timed(f"{label}: event feed from the start ({FEED_PAGE})", args.runs,
                          lambda c=client: get(c, "/api/v1/events/", {"page_size": FEED_PAGE})))
        recent = sql_ids(feed, f"ORDER BY id DESC LIMIT {FEED_PAGE // 2}")
        tail = f"/api/v1/events/?page_size={FEED_PAGE}&cursor={encode_position(recent[-1] - 1 if recent else 0)}"
        p95s.append(timed(f"{label}: event feed, a poller caught up (last {len(recent)})", args.runs,
                          lambda c=client, u=tail: get(c, u)))
        if args.recount:
            started = time.perf_counter()
            listed = all_pages(client, "/api/v1/dossiers/?page_size=200", "code", feed=False)
            expected = list(Dossier.objects.filter(pk__in=sql_ids(visible, "")).order_by("-id")
                            .values_list("code", flat=True))
            check(problems, f"{label}, every page of the list", listed, expected)
            events = all_pages(client, "/api/v1/events/?page_size=200", "id", feed=True)
            check(problems, f"{label}, every page of the feed", events, sql_ids(feed, "ORDER BY id"))
            print(f"recount: {len(listed):,} dossiers and {len(events):,} events through every page equal the SQL "
                  f"recount ({time.perf_counter() - started:.0f} s)" if not problems else "recount: MISMATCH")
    for problem in problems:
        print("MISMATCH:", problem, file=sys.stderr)
    worst = max(p95s)
    target = "no time target (smoke)" if args.max_ms == float("inf") else f"target p95 ≤ {args.max_ms:.0f} ms"
    print(f"\nworst p95 {worst:.1f} ms; {target}; load average now {os.getloadavg()[0]:.1f}")
    ok = not problems and worst <= args.max_ms
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
