"""Benchmark: recompute the due times of 100,000 open dossiers after a new day off (rule 8), with the applicant
notifications that follow (outbox rows; their send tasks are published to a broker no worker reads).

Run from the project root against PostgreSQL:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onecua_dev .venv/bin/python bench/recompute.py [--count N]
A throw-away test database (test_<name>) is created and dropped; the database in DATABASE_URL is not touched.
Every run recounts: each open dossier's stored due time (all of them, or 5,000 spread over the table) must equal
the time rules applied afresh to its reception under the new calendar. Exits 1 when the recomputation takes
longer than --max-seconds (default 30), when a second run still moves anything, or when the recount disagrees.
--smoke: 500 dossiers, no time target (CI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--broker", default=BENCH_REDIS_URL, help="broker for the send tasks ('' = eager)")
    parser.add_argument("--smoke", action="store_true", help="500 dossiers and the recount, no time target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.max_seconds = min(args.count, 500), float("inf")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from onecua.celery import app

    if args.broker:
        import redis

        redis.Redis.from_url(args.broker).flushdb()
        app.conf.update(broker_url=args.broker, task_always_eager=False)
    print(f"database: {connection.vendor}, broker: {args.broker or 'eager'}")
    old = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args)
    finally:
        teardown_databases(old, verbosity=0)
        if args.broker:
            import redis

            redis.Redis.from_url(args.broker).flushdb()


def run(args) -> int:
    from django.conf import settings

    from dossiers.models import Dossier, State
    from dossiers.recompute import recompute_open_dossiers
    from notifications.models import Notification
    from procedures import worktime
    from procedures.calendars import build_calendar
    from procedures.models import CalendarException, CalendarExceptionKind
    from tests.factories import AgencyFactory, ProcedureFactory

    settings.ONECUA_SMS_BACKEND = "core.backends.LocmemSMSBackend"
    desk = AgencyFactory(identifier="H61.22.10", name="Trung tâm phường Một")
    procedure = ProcedureFactory(name="Thủ tục thử", deadline_amount=5, deadline_unit="working_days")
    cal = build_calendar(agency=desk)
    # Receptions spread over working hours of the ten working days before Mon 2 Mar 2026; the new day off is
    # Wed 4 Mar 2026, so most (not all) due times move.
    first = datetime(2026, 2, 16, 8, 0, tzinfo=worktime.TZ)
    began = time.perf_counter()
    rows = []
    for i in range(args.count):
        received = worktime.add_working_time(cal, first, timedelta(minutes=(i * 7) % (10 * 8 * 60)))
        due = worktime.due_at(cal, received, procedure.deadline_amount, procedure.deadline_unit)
        rows.append(Dossier(
            code=f"BENCH-{i:06d}", procedure=procedure, receiving_agency=desk, handling_agency=desk,
            competent_agency=desk, channel=2,
            state=State.PROCESSING if i % 2 else State.RECEIVED, applicant_name=f"Người nộp {i}",
            applicant_id_number=f"{i:012d}", applicant_phone=f"09{i:08d}",
            applicant_email=f"nguoi{i}@example.vn" if i % 4 == 0 else "",
            deadline_amount=procedure.deadline_amount, deadline_unit=procedure.deadline_unit,
            submitted_at=received, received_at=received, clock_started_at=received, due_at=due, appointment_at=due))
    Dossier.objects.bulk_create(rows, batch_size=5000)
    print(f"created {args.count} open dossiers in {time.perf_counter() - began:.1f} s")

    CalendarException.objects.create(date=datetime(2026, 3, 4).date(), kind=CalendarExceptionKind.DAY_OFF,
                                     note="Nghỉ đột xuất (bench)")
    began = time.perf_counter()
    summary = recompute_open_dossiers()
    elapsed = time.perf_counter() - began
    outbox = Notification.objects.filter(kind="appointment_moved").count()
    print(f"recomputed {summary.checked} open dossiers in {elapsed:.1f} s "
          f"({summary.checked / elapsed:,.0f}/s): {summary.changed} due times moved, "
          f"{summary.notified} applicants notified ({outbox} outbox rows)")
    began = time.perf_counter()
    again = recompute_open_dossiers()
    print(f"second run (idempotent): {again.changed} moved, {again.notified} notified "
          f"in {time.perf_counter() - began:.1f} s")
    cal = build_calendar(agency=desk)  # the calendar with the new day off
    step = max(1, args.count // 5000)
    checked = disagree = 0
    for dossier in Dossier.objects.order_by("pk")[::step]:
        expected = worktime.due_at(cal, dossier.received_at, dossier.deadline_amount, dossier.deadline_unit)
        checked += 1
        if dossier.due_at != expected:
            disagree += 1
            if disagree <= 10:
                print(f"MISMATCH {dossier.code}: stored {dossier.due_at}, recount {expected}", file=sys.stderr)
    print(f"recount: {checked} dossiers, {disagree} disagree")
    ok = elapsed <= args.max_seconds and again.changed == 0 and disagree == 0 and summary.changed > 0
    print("OK" if ok else f"FAIL: target ≤ {args.max_seconds:.0f} s, a second run moves nothing, the recount agrees")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
