"""Benchmark: sync rows delivered per second to the national-portal simulator (DVCQG) by a real Celery worker on
Redis, on PostgreSQL; with a recount of lost, duplicate and out-of-order messages from what the simulator accepted.

Run from the project root against PostgreSQL and Redis:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onecua_dev .venv/bin/python bench/dvcqg.py [--count N]
A throw-away test database (test_<name>) is created and dropped, and Redis db 13 (BENCH_REDIS_URL) is used and
emptied. The simulator (integrations/dvcqg/simulator.py) listens on a loopback port in this process; the worker is
a subprocess (`celery -A onecua worker`, prefork pool unless --pool) with DVCQG on, over the session transport
(one sign-in per worker process, reused). Each state change is a reception (dossiers.services.dossier_receive) of a
dossier the portal does not know yet, made by --processes separate processes: it writes two sync rows in its
transaction (DongBoHoSoMC with isUpdating "False", then CapNhatTienDoHoSoMC), published after commit. The dossiers
have no e-mail or phone, so no notification competes with the sync for the two CPUs.
Phases: "live" (the worker delivers while the receptions happen), then "backlog" (the receptions with the worker
paused, as while the portal is unreachable, then the worker draining the queue alone: the delivery rate the
target is about). Every dossier must end with exactly its two messages, accepted by the portal in order.
Exits 1 below --min-rate (default 200 rows/s, the backlog drain) or with any lost, duplicate or misordered message.
--smoke: 40 receptions, two worker processes, no rate target; lost, duplicate and misordered messages still fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.notifications import _busy_seconds, actor_main  # noqa: E402 (the same acting process: receptions)

BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
EXPECTED = [("DongBoHoSoMC", "2"), ("CapNhatTienDoHoSoMC", "2")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="receptions (each: two sync rows)")
    parser.add_argument("--processes", type=int, default=2, help="processes performing the receptions")
    parser.add_argument("--threads", type=int, default=1, help="threads in each of those processes")
    parser.add_argument("--desks", type=int, default=4, help="one-stop desks the dossiers are spread over")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes or threads")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"], help="worker pool")
    parser.add_argument("--min-rate", type=float, default=200.0, help="sync rows per second, backlog drain")
    parser.add_argument("--smoke", action="store_true", help="40 receptions, no rate target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.concurrency, args.min_rate = min(args.count, 40), 2, 0.0

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from integrations.dvcqg.simulator import Simulator, start
    from onecua.celery import app

    redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
    app.conf.update(broker_url=BENCH_REDIS_URL, task_always_eager=False)
    old = setup_databases(verbosity=0, interactive=False)
    portal = start(Simulator(username="bench", password="bench"))
    sink = Path(tempfile.mkstemp(prefix="onecua-bench-dvcqg-")[1])
    worker = None
    try:
        from tests.notifications.worker_process import worker_env

        env = worker_env(connection, sink=sink, broker_url=BENCH_REDIS_URL,
                         DB_CONN_MAX_AGE=os.environ.get("DB_CONN_MAX_AGE", "600"), DVCQG_ENABLED="true",
                         DVCQG_URL=portal.url, DVCQG_USERNAME="bench", DVCQG_PASSWORD="bench", DVCQG_MADONVI="H61",
                         DVCQG_DSTCODE="000.00.00.H61", DVCQG_RETRY_BASE_SECONDS="1",
                         DVCQG_REQUEUE_GRACE_SECONDS="2")
        worker = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "onecua", "worker", "--loglevel=WARNING",
             f"--concurrency={args.concurrency}", f"--pool={args.pool}", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(45):
            if app.control.ping(timeout=1):
                break
        else:
            print("the worker did not start", file=sys.stderr)
            return 1
        print(f"database: {connection.vendor}, broker: {BENCH_REDIS_URL}, simulator: {portal.url}, worker: "
              f"{args.pool} pool, concurrency {args.concurrency}; receptions at {args.desks} desk(s) by "
              f"{args.processes} process(es) × {args.threads} thread(s)")
        return run(args, env, portal.simulator, worker.pid)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        portal.stop()
        connection.close()
        teardown_databases(old, verbosity=0)
        redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
        sink.unlink(missing_ok=True)




def _cpu_seconds(pids) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc/<pid>/stat; gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def _worker_pids(worker_pid: int) -> list[int]:
    """The worker and its pool processes."""
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children")
    try:
        return [worker_pid, *(int(pid) for pid in children.read_text().split())]
    except OSError:
        return [worker_pid]


def _backend_pids() -> list[int]:
    """The PostgreSQL server processes serving this database (the worker's connections, mostly)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]




def run(args, env: dict, portal, worker_pid: int) -> int:
    from accounts.models import Role
    from dossiers.models import Dossier
    from integrations.models import SyncRow, SyncStatus
    from integrations.tasks import requeue_sync_rows
    from onecua.celery import app
    from tests.factories import AgencyFactory, MembershipFactory, ProcedureFactory, UserFactory

    procedure = ProcedureFactory(name="Thủ tục thử", deadline_amount=3, deadline_unit="working_days")
    desks, clerks = [], {}
    for n in range(args.desks):
        desk = AgencyFactory(identifier=f"H61.22.{10 + n}", name=f"Trung tâm phường {n + 1}")
        clerks[desk.pk] = UserFactory(username=f"bench-clerk-{n}")
        MembershipFactory(user=clerks[desk.pk], agency=desk, role=Role.CLERK)
        desks.append(desk)
    Dossier.objects.bulk_create(
        Dossier(code=f"H61.22.{10 + i % len(desks)}-250310-{i:05d}", procedure=procedure,
                receiving_agency=desks[i % len(desks)], handling_agency=desks[i % len(desks)],
                competent_agency=desks[i % len(desks)], channel=2, applicant_name=f"Người nộp {i}",
                applicant_id_number=f"{i:012d}", applicant_phone="", applicant_email="", deadline_amount=3,
                deadline_unit="working_days")
        for i in range(args.count))
    dossiers = list(Dossier.objects.order_by("pk"))
    errors: list[str] = []

    def act_all(part) -> float:
        actors = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--act"], cwd=ROOT, env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                  for _ in range(args.processes)]
        for n, actor in enumerate(actors):
            share = part[n::args.processes]
            actor.stdin.write(json.dumps({"threads": args.threads, "work": [
                [d.pk, clerks[d.receiving_agency_id].pk] for d in share]}) + "\n")
            actor.stdin.flush()
        for actor in actors:
            if actor.stdout.readline().strip() != "ready":
                raise RuntimeError("an acting process did not start")
        began = time.perf_counter()
        for actor in actors:
            actor.stdin.write("go\n")
            actor.stdin.flush()
        for actor in actors:
            report = json.loads(actor.stdout.readline())
            errors.extend(report["errors"])
            actor.wait()
        return began

    def wait_sent(count: int) -> bool:
        """Poll until `count` rows are sent; every 2 s this process does what beat does (the re-queue task:
        rows whose delivery failed and waits out its back-off, DVCQG_RETRY_BASE_SECONDS=1 here)."""
        deadline, requeued = time.monotonic() + 600, time.monotonic()
        while time.monotonic() < deadline:
            if SyncRow.objects.filter(status=SyncStatus.SENT).count() >= count:
                return True
            if SyncRow.objects.filter(status=SyncStatus.REJECTED).exists():
                return False
            if time.monotonic() - requeued > 2:
                requeue_sync_rows.delay()
                requeued = time.monotonic()
            time.sleep(0.05)
        return False

    # 1. Live: the worker delivers while the receptions happen.
    half = dossiers[: len(dossiers) // 2]
    began = act_all(half)
    acted = time.perf_counter() - began
    wait_sent(2 * len(half))
    elapsed = time.perf_counter() - began
    # 2. Backlog: the worker stops consuming, the other half is received, then the worker drains the queue alone.
    app.control.cancel_consumer("celery", reply=True, timeout=5)
    backlog_began = act_all(dossiers[len(half):])
    backlog_acted = time.perf_counter() - backlog_began
    workers, backends = _worker_pids(worker_pid), _backend_pids()
    own = (_cpu_seconds(workers), _cpu_seconds([os.getpid()]), _cpu_seconds(backends))
    drain_began, busy = time.perf_counter(), _busy_seconds()
    app.control.add_consumer("celery", reply=False)  # no waiting for replies: the clock is already running
    wait_sent(2 * len(dossiers))
    drained, busy_draining = time.perf_counter() - drain_began, _busy_seconds() - busy
    own = [after - before for before, after in zip(own, (_cpu_seconds(workers), _cpu_seconds([os.getpid()]),
                                                        _cpu_seconds(backends)), strict=True)]
    time.sleep(1.0)  # anything still in flight would show up as a duplicate

    # Recount from what the portal accepted, per dossier and in order.
    per_dossier: dict[str, list] = {}
    for service, code, status in list(portal.accepted):
        per_dossier.setdefault(code, []).append((service, status))
    lost = duplicates = misordered = 0
    for dossier in dossiers:
        got = per_dossier.get(dossier.code, [])
        lost += sum(1 for message in EXPECTED if message not in got)
        duplicates += max(len(got) - len(EXPECTED), 0)
        misordered += int(len(got) >= len(EXPECTED) and got[: len(EXPECTED)] != EXPECTED)
    rows = SyncRow.objects.count()
    unsent = SyncRow.objects.exclude(status=SyncStatus.SENT).count()
    marked_twice = SyncRow.objects.filter(deliveries__gt=1).count()
    live, backlog = 2 * len(half), 2 * (len(dossiers) - len(half))
    rate, drain_rate = live / elapsed, backlog / drained
    print(f"live: {len(half)} receptions in {acted:.1f} s ({len(half) / acted:,.0f}/s)"
          f"{' with errors: ' + repr(errors[:3]) if errors else ''}; {live} sync rows delivered in {elapsed:.1f} s "
          f"end to end: {rate:,.0f} rows/s")
    print(f"backlog: {len(dossiers) - len(half)} receptions alone in {backlog_acted:.1f} s; then {backlog} queued "
          f"sync rows drained in {drained:.1f} s: {drain_rate:,.0f} rows/s")
    if busy_draining:
        print(f"machine CPU time while draining (all processes, other users' included; /proc/stat): "
              f"{1000 * busy_draining / backlog:.1f} ms per sync row, {busy_draining / drained:.2f} of "
              f"{os.cpu_count()} CPUs busy")
        mine = sum(own)
        print(f"CPU of the delivery itself (/proc/<pid>/stat) per sync row: worker {1000 * own[0] / backlog:.1f} ms, "
              f"simulator and this process {1000 * own[1] / backlog:.1f} ms, PostgreSQL backends "
              f"{1000 * own[2] / backlog:.1f} ms; {1000 * mine / backlog:.1f} ms in all, so {os.cpu_count()} "
              f"otherwise idle CPUs would deliver about {os.cpu_count() * backlog / mine:,.0f} rows/s")
    print(f"total {rows} rows ({2 * len(dossiers)} expected), {unsent} not sent; portal accepted "
          f"{len(portal.accepted)} messages, {portal.logins} sign-in(s): lost {lost}, duplicates {duplicates}, "
          f"out of order {misordered} (rows delivered twice: {marked_twice})")
    retried = SyncRow.objects.filter(attempts__gt=1).count()
    if retried or unsent:
        problems = (SyncRow.objects.filter(attempts__gt=1) | SyncRow.objects.exclude(status=SyncStatus.SENT))
        print(f"{retried} row(s) needed more than one attempt; first problems:",
              list(problems.values_list("status", "attempts", "last_error")[:5]))
    ok = (not errors and rows == 2 * len(dossiers) and unsent == 0 and lost == 0 and duplicates == 0
          and misordered == 0 and drain_rate >= args.min_rate)
    print("OK" if ok else f"FAIL (target ≥ {args.min_rate:.0f} rows/s, 0 lost, 0 duplicates, 0 out of order)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(actor_main() if sys.argv[1:] == ["--act"] else main())
