"""Benchmark: N state changes (receptions) through the outbox and a real Celery worker on Redis; prints
notifications per second end to end (first action to last delivery), and lost and duplicate counts.

Run from the project root against PostgreSQL and Redis:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onecua_dev .venv/bin/python bench/notifications.py [--count N]
A throw-away test database (test_<name>) is created and dropped, and Redis db 14 (BENCH_REDIS_URL) is used and
emptied. The worker is a subprocess (`celery -A onecua worker`) whose e-mail and SMS backends append one line
per delivered message to a sink file, so duplicates are counted from what really left, not from the database;
it keeps its database connection between tasks (DB_CONN_MAX_AGE, 600 s unless set), as a deployed worker should.
--desks N spreads the dossiers over N one-stop desks (at one desk every reception takes the same tracking-book
counter row and statistics rows, which serialises the commits).
Exits 1 below --min-rate (default 150/s) or with any lost or duplicate message.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


# ---------------------------------------------------------------- sinks, imported by the worker
def _sink(line: str) -> None:
    with open(os.environ["BENCH_SINK"], "a", encoding="utf-8") as fh:  # O_APPEND: whole lines, any process
        fh.write(line + "\n")


try:
    from django.core.mail.backends.base import BaseEmailBackend
except ImportError:  # pragma: no cover
    BaseEmailBackend = object


class SinkEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        for message in messages:
            _sink(f"email {message.extra_headers['X-Onecua-Idempotency-Key']}")
        return len(messages)


class SinkSMSBackend:
    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        _sink(f"sms {idempotency_key}")


# ---------------------------------------------------------------- the benchmark
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="state changes (each: one e-mail and one SMS)")
    parser.add_argument("--threads", type=int, default=4, help="threads performing the state changes")
    parser.add_argument("--desks", type=int, default=1,
                        help="one-stop desks the dossiers are spread over (one clerk each; 1: every state change "
                             "takes the same desk's tracking-book counter and statistics rows)")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--min-rate", type=float, default=150.0)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from onecua.celery import app

    redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
    app.conf.update(broker_url=BENCH_REDIS_URL, task_always_eager=False)
    old = setup_databases(verbosity=0, interactive=False)
    sink = Path(tempfile.mkstemp(prefix="onecua-bench-sink-")[1])
    worker = None
    try:
        db = connection.settings_dict
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecua.settings.dev",
               "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
               if connection.vendor == "postgresql" else f"sqlite:///{db['NAME']}",
               "CELERY_BROKER_URL": BENCH_REDIS_URL, "EMAIL_BACKEND": "bench.notifications.SinkEmailBackend",
               "ONECUA_SMS_BACKEND": "bench.notifications.SinkSMSBackend", "BENCH_SINK": str(sink),
               "LOG_LEVEL": "WARNING", "DJANGO_DEBUG": "false", "PYTHONPATH": str(ROOT),
               # A worker keeps its database connection between tasks, as deployed (README: background work);
               # with 0 every task would open a new PostgreSQL connection.
               "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600")}
        worker = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "onecua", "worker", "--loglevel=WARNING",
             f"--concurrency={args.concurrency}", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not app.control.ping(timeout=15):
            for _ in range(30):
                if app.control.ping(timeout=1):
                    break
            else:
                print("the worker did not start", file=sys.stderr)
                return 1
        print(f"database: {connection.vendor}, broker: {BENCH_REDIS_URL}, worker concurrency {args.concurrency}; "
              f"state changes at {args.desks} desk(s) by {args.threads} thread(s)")
        return run(args, sink)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        connection.close()
        teardown_databases(old, verbosity=0)
        redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
        sink.unlink(missing_ok=True)


def run(args, sink: Path) -> int:
    from django.db import connections

    from accounts.models import Role
    from dossiers import services
    from dossiers.models import Dossier, Notification, NotificationStatus
    from tests.factories import AgencyFactory, MembershipFactory, ProcedureFactory, UserFactory

    procedure = ProcedureFactory(name="Thủ tục thử", deadline_amount=3, deadline_unit="working_days")
    desks, clerks = [], {}
    for n in range(args.desks):
        desk = AgencyFactory(identifier=f"H61.22.{10 + n}", name=f"Trung tâm phường {n + 1}")
        clerks[desk.pk] = UserFactory(username=f"bench-clerk-{n}")
        MembershipFactory(user=clerks[desk.pk], agency=desk, role=Role.CLERK)
        desks.append(desk)
    Dossier.objects.bulk_create(
        Dossier(code=f"BENCH-{i:06d}", procedure=procedure, receiving_agency=desks[i % len(desks)],
                handling_agency=desks[i % len(desks)], channel=2, applicant_name=f"Người nộp {i}",
                applicant_id_number=f"{i:012d}", applicant_phone=f"09{i:08d}", applicant_email=f"nguoi{i}@example.vn",
                deadline_amount=3, deadline_unit="working_days")
        for i in range(args.count))
    dossiers = list(Dossier.objects.order_by("pk"))
    expected = 2 * len(dossiers)

    def act(part, errors):
        try:
            for d in part:
                services.dossier_receive(dossier=d, actor=clerks[d.receiving_agency_id])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    def act_in_threads(part, errors):
        threads = [threading.Thread(target=act, args=(part[i::args.threads], errors)) for i in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    errors: list[str] = []

    def act_all(part_of):
        act_in_threads(part_of, errors)

    def wait_sent(count):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if Notification.objects.filter(status=NotificationStatus.SENT).count() >= count:
                return
            time.sleep(0.05)

    # 1. Live: the worker delivers while the state changes happen.
    half = dossiers[: len(dossiers) // 2]
    began = time.perf_counter()
    act_all(half)
    acted = time.perf_counter() - began
    wait_sent(2 * len(half))
    elapsed = time.perf_counter() - began
    # 2. Backlog: the worker stops consuming, the other half changes state, then the worker drains the queue
    #    (what the outbox pipeline itself sustains, without the state changes competing for the two CPUs).
    from onecua.celery import app

    app.control.cancel_consumer("celery", reply=True, timeout=5)
    act_all(dossiers[len(half):])
    drain_began = time.perf_counter()
    app.control.add_consumer("celery", reply=True, timeout=5)
    wait_sent(expected)
    drained = time.perf_counter() - drain_began
    time.sleep(1.0)  # anything still in flight would show up as a duplicate

    lines = sink.read_text(encoding="utf-8").splitlines() if sink.exists() else []
    delivered = {line.split(" ", 1)[1] for line in lines}
    keys = set(Notification.objects.values_list("idempotency_key", flat=True))
    lost = len(keys - delivered) + (expected - len(keys))
    duplicates = len(lines) - len(delivered)
    marked_twice = Notification.objects.filter(deliveries__gt=1).count()
    live = 2 * len(half)
    rate = live / elapsed
    backlog = expected - live
    drain_rate = backlog / drained
    print(f"live: {len(half)} state changes in {acted:.1f} s ({len(half) / acted:,.0f}/s)"
          f"{' with errors: ' + repr(errors[:3]) if errors else ''}; {live} notifications delivered in "
          f"{elapsed:.1f} s end to end: {rate:,.0f} notifications/s")
    print(f"backlog: {backlog} queued notifications drained in {drained:.1f} s: {drain_rate:,.0f} notifications/s")
    print(f"total {len(lines)} delivered ({expected} expected): lost {lost}, duplicates {duplicates} "
          f"(rows delivered twice: {marked_twice})")
    ok = not errors and lost == 0 and duplicates == 0 and rate >= args.min_rate
    print("OK" if ok else f"FAIL (target ≥ {args.min_rate:.0f}/s, 0 lost, 0 duplicates)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
