"""Benchmark: VNPAY IPN callbacks confirmed per second through the real view, and no payment counted twice under
concurrent duplicate callbacks.

Run from the project root against PostgreSQL (a throw-away test database test_<name> is created and dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onecua_dev .venv/bin/python bench/payments.py [--count N]
How it measures: each IPN is a GET of /thanh-toan/ipn/vnpay/ through Django's test Client (in process: the whole
middleware stack, the view, the signature check, the payment row locked and marked paid, the dossier's
payment_received event and the applicant's outbox row, one transaction; no network). The callbacks' parameters
are signed before the clock starts. --processes N sends them from N forked processes (a Client and a database
connection each), as a web server's worker processes would (gunicorn's sync workers; threads are not used for
the rate: django-fsm-2's refresh_from_db, which dossiers.runner.record_only calls, flips a class-wide flag and is
not thread-safe). The outbox's send tasks are published to a Redis broker after each
commit (--broker, default Redis db 13, emptied; no worker: the delivery is not measured here; '' = eager).
Phase 1 (rate): --count IPNs for distinct pending payments (spread over --dossiers dossiers): each must answer
00; target --min-rate (300/s) callbacks per second. Phase 2 (duplicates, PostgreSQL only): --rounds payments,
each confirmed by 8 identical IPNs released together from 8 threads: exactly one 00 and seven 02 per payment.
Then the recount: every payment paid once, one payment_received event per payment, nothing else changed.
Exits 1 on any wrong answer, a double count or (full runs) a rate below --min-rate.
--smoke: 60 IPNs and 3 duplicate rounds, no rate target (CI).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecua.settings.test")
BENCH_REDIS_URL = os.environ.get("BENCH_PAYMENTS_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET = "BENCHVNPAYSECRET0123456789ABCDEF"
TMN_CODE = "BENCH001"
DUPLICATES = 8
IPN = "/thanh-toan/ipn/vnpay/"
CORES = os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="IPN callbacks of the rate phase")
    parser.add_argument("--dossiers", type=int, default=40, help="dossiers the payments are spread over")
    parser.add_argument("--processes", type=int, default=2, help="processes sending the rate phase's callbacks")
    parser.add_argument("--rounds", type=int, default=30, help="payments confirmed by 8 concurrent duplicates")
    parser.add_argument("--min-rate", type=float, default=300.0, help="callbacks per second (full runs)")
    parser.add_argument("--broker", default=BENCH_REDIS_URL, help="Celery broker for the outbox ('' = eager)")
    parser.add_argument("--smoke", action="store_true", help="60 callbacks, 3 rounds, no rate target (CI)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.count, args.rounds, args.dossiers, args.min_rate = min(args.count, 60), min(args.rounds, 3), 6, 0.0

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from onecua.celery import app

    for name in ("payments", "celery", "kombu", "core.backends", "django.request"):
        logging.getLogger(name).setLevel(logging.ERROR)  # a line per callback otherwise
    setup_test_environment()
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_PAY_URL": "https://pay.example/vpcpay.html",
                         "VNPAY_API_URL": "https://pay.example/merchant_webapi/api/transaction",
                         "VNPAY_TMN_CODE": TMN_CODE, "VNPAY_HASH_SECRET": SECRET}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if args.broker:
        import redis

        redis.Redis.from_url(args.broker).flushdb()
        app.conf.update(broker_url=args.broker, task_always_eager=False)
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database: {connection.vendor}; IPNs through Django's test Client (in process, no network), "
              f"{args.processes} process(es); outbox tasks: {'broker ' + args.broker if args.broker else 'eager'}")
        return run(args)
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)
        if args.broker:
            import redis

            redis.Redis.from_url(args.broker).flushdb()


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy so far (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def prepare(args, n: int) -> list:
    """`n` pending, started payments spread over the dossiers, and each one's signed IPN query (signed here,
    before any clock starts: the signing time is measured elsewhere)."""
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import Payment, PaymentPurpose
    from payments.providers import vnpay
    from payments.services import reference_for

    dossiers = prepare.dossiers
    now = timezone.now()
    rows = []
    for i in range(n):
        dossier = dossiers[i % len(dossiers)]
        prepare.sequence[dossier.pk] = prepare.sequence.get(dossier.pk, 1) + 1
        seq = prepare.sequence[dossier.pk]
        rows.append(Payment(dossier=dossier, sequence=seq, reference=reference_for(dossier, seq),
                            purpose=PaymentPurpose.OBLIGATION, description="Nghĩa vụ tài chính", amount=250_000,
                            provider="vnpay", started_at=now, expires_at=now + timedelta(minutes=15)))
    payments = Payment.objects.bulk_create(rows)
    queries = []
    for p in payments:
        params = vnpay.signed(SECRET, {
            "vnp_TmnCode": TMN_CODE, "vnp_Amount": str(p.amount * 100), "vnp_BankCode": "NCB",
            "vnp_BankTranNo": f"VNP{p.pk}", "vnp_CardType": "ATM", "vnp_OrderInfo": "Nop nghia vu tai chinh",
            "vnp_PayDate": vnpay.vnp_time(now), "vnp_ResponseCode": "00", "vnp_TransactionNo": str(20_000_000 + p.pk),
            "vnp_TransactionStatus": "00", "vnp_TxnRef": p.reference})
        queries.append((p.reference, IPN + "?" + urlencode(params)))
    return queries


def _cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc; 0 elsewhere or when unreadable)."""
    try:
        fields = Path(f"/proc/{pid or os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def send_all(queries, processes: int) -> tuple[float, list[str], float, float]:
    """The callbacks split over `processes` forked processes (as a web server's worker processes; each with its own
    test Client and database connection), released together. Returns the seconds from the release to the last
    answer, the answers, and the CPU seconds the sending processes and their PostgreSQL backends used for them
    (a figure the other work on the machine does not inflate)."""
    import multiprocessing

    from django.db import connection, connections

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    connections.close_all()  # each child opens its own

    def child(part):
        from django.test import Client

        client = Client()
        client.get(IPN)  # connect and warm up (answers 97: no signature)
        backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
        app_before, db_before = _cpu_of(None), _cpu_of(backend) if backend else 0.0
        barrier.wait()
        answers = [client.get(url).json()["RspCode"] for _ref, url in part]
        results.put((answers, _cpu_of(None) - app_before, (_cpu_of(backend) - db_before) if backend else 0.0))
        connections.close_all()

    children = [context.Process(target=child, args=(queries[i::processes],)) for i in range(processes)]
    for c in children:
        c.start()
    barrier.wait()
    began = time.perf_counter()
    parts = [results.get() for _ in children]
    seconds = time.perf_counter() - began
    for c in children:
        c.join()
    return (seconds, [code for answers, _a, _d in parts for code in answers], sum(a for _x, a, _d in parts),
            sum(d for _x, _a, d in parts))


def duplicates(queries) -> list[list[str]]:
    """Each IPN sent by 8 threads released together; the answers per payment."""
    from django.db import connections
    from django.test import Client

    out = []
    for _ref, url in queries:
        barrier = threading.Barrier(DUPLICATES)
        answers: list[str] = []
        lock = threading.Lock()

        def worker(url=url, barrier=barrier, answers=answers, lock=lock):
            client = Client()
            client.get(IPN)
            barrier.wait(timeout=60)
            code = client.get(url).json()["RspCode"]
            with lock:
                answers.append(code)
            connections.close_all()

        workers = [threading.Thread(target=worker) for _ in range(DUPLICATES)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        out.append(sorted(answers))
    return out


def run(args) -> int:
    from django.db import connection

    from dossiers.models import DossierEvent
    from payments.models import Payment, PaymentStatus
    from tests.builders import World

    began = time.perf_counter()
    world = World()
    prepare.dossiers = [world.processing() for _ in range(args.dossiers)]
    prepare.sequence = {}
    queries = prepare(args, args.count)
    print(f"set-up: {args.dossiers} dossiers, {len(queries)} pending payments signed in "
          f"{time.perf_counter() - began:.1f} s")
    ok = True

    busy_before = _busy_seconds()
    seconds, answers, app_cpu, db_cpu = send_all(queries, args.processes)
    busy = _busy_seconds() - busy_before
    rate = len(answers) / seconds
    wrong = len([a for a in answers if a != "00"])
    n = max(len(answers), 1)
    print(f"rate: {len(answers)} IPN callbacks in {seconds:.2f} s = {rate:.0f}/s "
          f"({seconds / n * 1000:.2f} ms each; {wrong} not answered 00)")
    cpu = (app_cpu + db_cpu) / n
    print(f"cpu: {app_cpu / n * 1000:.2f} ms in the application + {db_cpu / n * 1000:.2f} ms in PostgreSQL per "
          f"callback = {cpu * 1000:.2f} ms; the whole machine was busy {busy:.1f} of {seconds * CORES:.1f} "
          f"core-seconds ({CORES} cores: other work shares them); {CORES} idle cores would confirm about "
          f"{CORES / cpu if cpu else 0:.0f}/s")
    ok &= wrong == 0 and len(answers) == len(queries)
    if args.min_rate and rate < args.min_rate:
        print(f"FAIL: {rate:.0f}/s is below the target of {args.min_rate:.0f}/s", file=sys.stderr)
        ok = False

    dup_queries = []
    if connection.vendor == "postgresql":
        dup_queries = prepare(args, args.rounds)
        began = time.perf_counter()
        rounds = duplicates(dup_queries)
        bad = [r for r in rounds if r != ["00"] + ["02"] * (DUPLICATES - 1)]
        print(f"duplicates: {len(rounds)} payments × {DUPLICATES} concurrent identical IPNs in "
              f"{time.perf_counter() - began:.1f} s: {len(rounds) - len(bad)} answered once 00 and 7 × 02, "
              f"{len(bad)} otherwise {bad[:3]}")
        ok &= not bad
    else:
        print("duplicates: skipped (row locks and real concurrency need PostgreSQL)")

    # ---- the recount, from the tables
    references = [ref for ref, _url in queries + dup_queries]
    paid = Payment.objects.filter(reference__in=references, status=PaymentStatus.PAID).count()
    events = DossierEvent.objects.filter(action="payment_received").count()
    per_payment = {}
    for note in DossierEvent.objects.filter(action="payment_received").values_list("note", flat=True):
        ref = next((r for r in note.replace("(", " ").replace(")", " ").split() if "-TT" in r), "")
        per_payment[ref] = per_payment.get(ref, 0) + 1
    doubles = {ref: n for ref, n in per_payment.items() if n > 1}
    print(f"recount: {paid}/{len(references)} payments paid, {events} payment_received events, "
          f"{len(doubles)} counted twice")
    ok &= paid == len(references) == events and not doubles
    # ---- signing time: measured by someone else's part of this benchmark (not here).
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
