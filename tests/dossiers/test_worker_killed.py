"""A real worker process killed while it sends (SIGKILL to its whole process group: a crashed machine or
container), then a fresh worker: every message is delivered once, none twice.

The worker is `celery -A onecua worker` in a subprocess on the CI machine's Redis (db 15, or TEST_REDIS_URL),
reading this test's PostgreSQL database; its backends (tests/dossiers/sink_backends.py) write to a file what
really left, so a second delivery would show there whatever the database says.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from dossiers import services
from dossiers.models import Notification, NotificationStatus
from dossiers.tasks import requeue_notifications
from tests.dossiers.test_worker import REDIS_URL, _redis_reachable, broker, submitted_with_email, wait_until

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL} (CI has Redis)"),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="a worker in another process needs a database it can share (CI runs PostgreSQL)"),
]
__all__ = ["broker"]  # the fixture, imported for this module's tests


def start_worker(sink: Path, *, send_seconds: float) -> subprocess.Popen:
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecua.settings.dev",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "CELERY_BROKER_URL": REDIS_URL, "EMAIL_BACKEND": "tests.dossiers.sink_backends.SinkEmailBackend",
           "ONECUA_SMS_BACKEND": "tests.dossiers.sink_backends.SinkSMSBackend", "ONECUA_TEST_SINK": str(sink),
           "ONECUA_TEST_SEND_SECONDS": str(send_seconds), "NOTIFICATION_LEASE_SECONDS": str(LEASE_SECONDS),
           "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "onecua", "worker", "--loglevel=WARNING", "--concurrency=2",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    worker.wait(timeout=60)


def lines(sink: Path) -> list[str]:
    return sink.read_text(encoding="utf-8").splitlines() if sink.exists() else []


def test_a_worker_killed_while_sending_leaves_each_message_delivered_once(world, broker, tmp_path):
    sink = tmp_path / "sent.txt"
    dossier = submitted_with_email(world)
    services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))  # the send task waits in Redis
    rows = list(Notification.objects.filter(dossier=dossier).order_by("pk"))
    keys = sorted(r.idempotency_key for r in rows)
    assert len(keys) == 2  # e-mail and SMS

    worker = start_worker(sink, send_seconds=30)  # a mail server that hangs
    try:
        assert wait_until(lambda: any(line.startswith("start ") for line in lines(sink)), timeout=60)
    finally:
        stop(worker, signal.SIGKILL)  # mid-send: nothing was accepted, the rows stay claimed
    assert not any(line.startswith("sent ") for line in lines(sink))
    assert set(Notification.objects.filter(dossier=dossier).values_list("status", flat=True)) == {
        NotificationStatus.SENDING}

    worker = start_worker(sink, send_seconds=0)
    try:
        requeue_notifications.delay(0)  # the leases still run: nothing is sent twice at the same time
        time.sleep(2)
        assert not any(line.startswith("sent ") for line in lines(sink))
        time.sleep(LEASE_SECONDS)  # the dead worker's leases expire; the beat's re-queue picks the rows up
        requeue_notifications.delay(0)
        assert wait_until(lambda: not Notification.objects.filter(dossier=dossier).exclude(
            status=NotificationStatus.SENT).exists(), timeout=60)
        requeue_notifications.delay(0)  # and again: a sent row is never sent again
        time.sleep(2)
    finally:
        stop(worker)
    assert sorted(line.split(" ", 1)[1] for line in lines(sink) if line.startswith("sent ")) == keys
    assert [(r.status, r.deliveries) for r in Notification.objects.filter(dossier=dossier).order_by("pk")] == [
        (NotificationStatus.SENT, 1), (NotificationStatus.SENT, 1)]
