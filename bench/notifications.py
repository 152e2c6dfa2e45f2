"""Benchmark: N state changes (receptions) through the outbox and a real Celery worker on Redis; prints
notifications per second end to end (first action to last delivery), and lost and duplicate counts.

Run from the project root against PostgreSQL and Redis:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onecua_dev .venv/bin/python bench/notifications.py [--count N]
A throw-away test database (test_<name>) is created and dropped, and Redis db 14 (BENCH_REDIS_URL) is used and
emptied. The worker is a subprocess (`celery -A onecua worker`, prefork pool unless --pool) whose e-mail and SMS
backends (tests/notifications/worker_process.py) write each delivery to a sink file, so duplicates are counted from
what really left, not from the database; it keeps its database connection between tasks (DB_CONN_MAX_AGE, 600 s unless set), as a
deployed worker should. The state changes come from --processes separate processes (as a web server's worker
processes; --threads each), started and set up before the clock starts.
--desks N spreads the dossiers over N one-stop desks (at one desk every reception takes the same tracking-book
counter row and statistics rows, which serialises the commits).
Phases: "live" (the worker delivers while the state changes happen: the figure the target is about), then
"backlog" (the state changes alone with the worker paused, then the worker draining the queue alone), with the
machine's CPU time per state change and per notification (/proc/stat) for each.
Exits 1 below --min-rate (default 150/s) or with any lost or duplicate message.
--smoke: 40 state changes, two worker processes, no rate target; lost and duplicate messages still fail (CI).
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


# ---------------------------------------------------------------- the benchmark
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="state changes (each: one e-mail and one SMS)")
    parser.add_argument("--processes", type=int, default=2,
                        help="processes performing the state changes (as a web server's worker processes)")
    parser.add_argument("--threads", type=int, default=1, help="threads in each of those processes")
    parser.add_argument("--desks", type=int, default=1,
                        help="one-stop desks the dossiers are spread over (one clerk each; 1: every state change "
                             "takes the same desk's tracking-book counter and statistics rows)")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes or threads")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"], help="worker pool")
    parser.add_argument("--min-rate", type=float, default=150.0)
    parser.add_argument("--smoke", action="store_true", help="40 state changes, no rate target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.concurrency, args.min_rate = min(args.count, 40), 2, 0.0

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
        from tests.notifications.worker_process import worker_env

        # A worker keeps its database connection between tasks, as deployed (README: background work).
        env = worker_env(connection, sink=sink, broker_url=BENCH_REDIS_URL,
                         DB_CONN_MAX_AGE=os.environ.get("DB_CONN_MAX_AGE", "600"))
        worker = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "onecua", "worker", "--loglevel=WARNING",
             f"--concurrency={args.concurrency}", f"--pool={args.pool}", "--without-heartbeat", "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if not app.control.ping(timeout=15):
            for _ in range(30):
                if app.control.ping(timeout=1):
                    break
            else:
                print("the worker did not start", file=sys.stderr)
                return 1
        print(f"database: {connection.vendor}, broker: {BENCH_REDIS_URL}, worker: {args.pool} pool, concurrency "
              f"{args.concurrency}; state changes at {args.desks} desk(s) by {args.processes} process(es) × "
              f"{args.threads} thread(s)")
        return run(args, sink, env)
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


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy so far (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def actor_main() -> int:
    """An acting process (`--act`): reads {"threads", "work": [[dossier id, clerk id], ...]} from stdin, sets up,
    prints "ready", waits for "go", performs the receptions and prints {"done", "errors"} as JSON."""
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.dev")
    import django

    django.setup()
    from django.db import connections

    from accounts.models import User
    from dossiers import services
    from dossiers.models import Dossier

    order = json.loads(sys.stdin.readline())
    work = order["work"]
    dossiers = Dossier.objects.in_bulk([pk for pk, _clerk in work])
    clerks = User.objects.in_bulk({clerk for _pk, clerk in work})
    tasks = [(dossiers[pk], clerks[clerk]) for pk, clerk in work]
    connections.close_all()
    errors: list[str] = []
    done = [0]

    def act(part):
        try:
            for dossier, clerk in part:
                services.dossier_receive(dossier=dossier, actor=clerk)
                done[0] += 1
        except Exception as exc:  # noqa: BLE001 - reported to the parent
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(tasks[i::order["threads"]],)) for i in range(order["threads"])]
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"done": done[0], "errors": errors[:3]}), flush=True)
    return 0


def run(args, sink: Path, env: dict) -> int:
    import json

    from accounts.models import Role
    from dossiers.models import Dossier
    from notifications.models import Notification, NotificationStatus
    from tests.factories import AgencyFactory, MembershipFactory, ProcedureFactory, UserFactory
    from tests.notifications.worker_process import sent_keys

    procedure = ProcedureFactory(name="Thủ tục thử", deadline_amount=3, deadline_unit="working_days")
    desks, clerks = [], {}
    for n in range(args.desks):
        desk = AgencyFactory(identifier=f"H61.22.{10 + n}", name=f"Trung tâm phường {n + 1}")
        clerks[desk.pk] = UserFactory(username=f"bench-clerk-{n}")
        MembershipFactory(user=clerks[desk.pk], agency=desk, role=Role.CLERK)
        desks.append(desk)
    Dossier.objects.bulk_create(
        Dossier(code=f"BENCH-{i:06d}", procedure=procedure, receiving_agency=desks[i % len(desks)],
                handling_agency=desks[i % len(desks)], competent_agency=desks[i % len(desks)], channel=2,
                applicant_name=f"Người nộp {i}",
                applicant_id_number=f"{i:012d}", applicant_phone=f"09{i:08d}", applicant_email=f"nguoi{i}@example.vn",
                deadline_amount=3, deadline_unit="working_days")
        for i in range(args.count))
    dossiers = list(Dossier.objects.order_by("pk"))
    expected = 2 * len(dossiers)

    errors: list[str] = []

    def act_all(part):
        """The receptions of `part`, spread over --processes separate processes (each --threads threads), started
        and set up beforehand so that only the state changes themselves are timed by the caller."""
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

    def wait_sent(count):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if Notification.objects.filter(status=NotificationStatus.SENT).count() >= count:
                return
            time.sleep(0.05)

    # 1. Live: the worker delivers while the state changes happen.
    half = dossiers[: len(dossiers) // 2]
    began = act_all(half)
    acted = time.perf_counter() - began
    wait_sent(2 * len(half))
    elapsed = time.perf_counter() - began
    # 2. Backlog: the worker stops consuming, the other half changes state, then the worker drains the queue
    #    (what the outbox pipeline itself sustains, without the state changes competing for the two CPUs).
    from onecua.celery import app

    app.control.cancel_consumer("celery", reply=True, timeout=5)
    busy = _busy_seconds()
    backlog_began = act_all(dossiers[len(half):])
    backlog_acted = time.perf_counter() - backlog_began
    busy_acting = _busy_seconds() - busy
    drain_began = time.perf_counter()
    app.control.add_consumer("celery", reply=True, timeout=5)
    wait_sent(expected)
    drained = time.perf_counter() - drain_began
    busy_draining = _busy_seconds() - busy - busy_acting
    time.sleep(1.0)  # anything still in flight would show up as a duplicate

    lines = sent_keys(sink)
    delivered = set(lines)
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
    print(f"backlog: {len(dossiers) - len(half)} state changes alone in {backlog_acted:.1f} s "
          f"({(len(dossiers) - len(half)) / backlog_acted:,.0f}/s); then {backlog} queued notifications drained in "
          f"{drained:.1f} s: {drain_rate:,.0f} notifications/s")
    if busy_acting:
        print(f"machine CPU time (all processes, /proc/stat): {1000 * busy_acting / (len(dossiers) - len(half)):.1f} ms "
              f"per state change, {1000 * busy_draining / backlog:.1f} ms per notification delivered")
    print(f"total {len(lines)} delivered ({expected} expected): lost {lost}, duplicates {duplicates} "
          f"(rows delivered twice: {marked_twice})")
    ok = not errors and lost == 0 and duplicates == 0 and rate >= args.min_rate
    print("OK" if ok else f"FAIL (target ≥ {args.min_rate:.0f}/s, 0 lost, 0 duplicates)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(actor_main() if sys.argv[1:] == ["--act"] else main())
