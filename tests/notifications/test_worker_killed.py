"""A real worker process killed while it sends (SIGKILL to its whole process group: a crashed machine or
container), then a fresh worker: every message is delivered once, none twice.

The worker is `celery -A onecua worker` in a subprocess on the CI machine's Redis (db 15, or TEST_REDIS_URL),
reading this test's PostgreSQL database; its backends (tests/notifications/worker_process.py) write to a file what
really left, so a second delivery would show there whatever the database says.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models.functions import Now

from dossiers import services
from notifications.models import Notification, NotificationStatus
from notifications.tasks import requeue_notifications
from tests.notifications.test_worker import (
    REDIS_URL,
    _redis_reachable,
    broker,
    submitted_with_email,
    wait_until,
)
from tests.notifications.worker_process import ROOT, sent_keys, worker_env

LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL} (CI has Redis)"),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="a worker in another process needs a database it can share (CI runs PostgreSQL)"),
]
__all__ = ["broker"]  # the fixture, imported for this module's tests


def start_worker(sink: Path, *, send_seconds: float) -> subprocess.Popen:
    env = worker_env(connection, sink=sink, broker_url=REDIS_URL, ONECUA_TEST_SEND_SECONDS=str(send_seconds),
                     NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS))
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
        assert wait_until(lambda: any(line.startswith("start ") for line in lines(sink)),
                          what="the first worker to start sending")
    finally:
        stop(worker, signal.SIGKILL)  # mid-send: nothing was accepted, the rows stay claimed
    assert sent_keys(sink) == []
    assert set(Notification.objects.filter(dossier=dossier).values_list("status", flat=True)) == {
        NotificationStatus.SENDING}

    worker = start_worker(sink, send_seconds=0)
    try:
        requeue_notifications.delay(0)  # the leases still run: nothing is sent twice at the same time
        time.sleep(2)  # an observation window for something that must not happen (it cannot fail by luck)
        assert sent_keys(sink) == []
        # The dead worker's leases expire (measured on the database's clock); the beat's re-queue picks them up.
        wait_until(lambda: not Notification.objects.filter(
            dossier=dossier, claimed_at__gt=Now() - timedelta(seconds=LEASE_SECONDS)).exists(),
                   what="the dead worker's leases to expire")
        requeue_notifications.delay(0)
        assert wait_until(lambda: not Notification.objects.filter(dossier=dossier).exclude(
            status=NotificationStatus.SENT).exists(), what="the re-queue to send both rows")
        requeue_notifications.delay(0)  # and again: a sent row is never sent again
        time.sleep(2)  # observation window, as above
    finally:
        stop(worker)
    assert sorted(sent_keys(sink)) == keys
    assert [(r.status, r.deliveries) for r in Notification.objects.filter(dossier=dossier).order_by("pk")] == [
        (NotificationStatus.SENT, 1), (NotificationStatus.SENT, 1)]
