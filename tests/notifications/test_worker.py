"""The outbox with a real Celery worker on a real Redis broker (db 15, or TEST_REDIS_URL).

The worker runs in this process (celery.contrib.testing.worker, solo pool in a thread), so the locmem e-mail
backend's `mail.outbox` sees what it sends, and it reads the rows this test committed (transaction=True).
"""

import os
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from notifications import delivery, tasks
from notifications.models import Notification, NotificationStatus
from notifications.tasks import requeue_notifications
from onecua.celery import app
from tests.builders import fresh

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLOSED_PORT_URL = "redis://127.0.0.1:1/15"
EMAIL = "nguoi.nop@example.vn"


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means: skip
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL} (CI has Redis)"),
]


def use_broker(url: str | None) -> None:
    """Point the Celery app at `url` (None: back to eager), dropping pooled connections to the old broker."""
    app.conf.broker_url = url or ""
    app.conf.task_always_eager = url is None
    from kombu import pools

    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()  # kombu keeps connection and producer pools per URL, process-wide


@pytest.fixture
def broker():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the test database only, never FLUSHALL
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    use_broker(REDIS_URL)
    yield
    use_broker(saved[0] or None)
    app.conf.task_always_eager = saved[1]


@contextmanager
def worker():
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
        yield


def wait_until(condition, timeout: float = 60.0, *, what: str = "the condition") -> bool:
    """Poll `condition` until it holds; fail with `what` after a generous deadline (a loaded CI machine is slow,
    a correct test never waits that long)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    if condition():
        return True
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}")


DRAINED: set[str] = set()


@app.task(name="tests.drain_marker")
def drain_marker(token: str) -> None:
    DRAINED.add(token)


def drain(rounds: int = 2) -> None:
    """Wait until the in-process worker has run every task published before this call. Its solo pool runs the
    queue in order, so a marker task published now runs after them; a second round covers the tasks those
    tasks published (a re-queue publishes sends)."""
    for _ in range(rounds):
        token = uuid.uuid4().hex
        drain_marker.delay(token)
        wait_until(lambda token=token: token in DRAINED, what="the worker to run the tasks published before")


def submitted_with_email(world) -> Dossier:
    dossier = world.submitted()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_email=EMAIL)
    return fresh(dossier)


def sent(dossier) -> bool:
    return not Notification.objects.filter(dossier=dossier).exclude(status=NotificationStatus.SENT).exists()


def test_a_state_change_produces_exactly_one_email_through_the_worker(world, broker, settings):
    settings.ONECUA_SMS_BACKEND = "core.backends.LocmemSMSBackend"
    mail.outbox = []
    dossier = submitted_with_email(world)
    with worker():
        services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
        assert wait_until(lambda: sent(dossier), what="the reception's notifications to be sent")
        # Extra re-queues and a stray duplicate task change nothing.
        row = Notification.objects.get(dossier=dossier, channel="email")
        requeue_notifications.delay(0)
        tasks.dispatch([row.pk])
        drain()
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert "đã được tiếp nhận" in mail.outbox[0].subject
    row.refresh_from_db()
    assert row.deliveries == 1 and row.attempts == 1


def test_a_broker_outage_at_commit_loses_nothing_and_sends_once(world, broker):
    mail.outbox = []
    dossier = submitted_with_email(world)
    use_broker(CLOSED_PORT_URL)
    began = time.monotonic()
    received = services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
    assert time.monotonic() - began < 10  # the request fails fast instead of hanging on the broker
    assert fresh(received).state == "received"
    row = Notification.objects.get(dossier=dossier, channel="email")
    assert row.status == NotificationStatus.PENDING and row.attempts == 0
    assert mail.outbox == []

    use_broker(REDIS_URL)
    with worker():
        requeue_notifications.delay(0)
        assert wait_until(lambda: sent(dossier), what="the re-queue to send the row left pending by the outage")
        requeue_notifications.delay(0)
        drain()
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.deliveries == 1


def test_after_a_worker_died_mid_send_only_unmarked_rows_with_expired_leases_are_sent_again(world, broker, settings):
    mail.outbox = []
    lease = timedelta(seconds=settings.ONECUA["NOTIFICATION_LEASE_SECONDS"] + 1)
    died_before_mark = submitted_with_email(world)
    died_after_mark = submitted_with_email(world)
    still_sending = submitted_with_email(world)
    use_broker(CLOSED_PORT_URL)  # rows stay pending: we arrange their state by hand
    for d in (died_before_mark, died_after_mark, still_sending):
        services.dossier_receive(dossier=d, actor=world.user("clerk@desk"))
    rows = {name: Notification.objects.get(dossier=d, channel="email") for name, d in
            [("before", died_before_mark), ("after", died_after_mark), ("live", still_sending)]}
    for row in rows.values():
        assert delivery.claim(row.pk) is not None
    old = timezone.now() - lease
    Notification.objects.filter(pk=rows["before"].pk).update(claimed_at=old)
    Notification.objects.filter(pk=rows["after"].pk).update(claimed_at=old, status=NotificationStatus.SENT,
                                                             sent_at=old, deliveries=1)

    use_broker(REDIS_URL)
    with worker():
        requeue_notifications.delay(0)
        assert wait_until(lambda: Notification.objects.get(pk=rows["before"].pk).status == "sent",
                          what="the row whose lease expired to be sent again")
        requeue_notifications.delay(0)
        drain()
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    assert mail.outbox[0].extra_headers["X-Onecua-Idempotency-Key"] == rows["before"].idempotency_key
    assert Notification.objects.get(pk=rows["after"].pk).deliveries == 1
    assert Notification.objects.get(pk=rows["live"].pk).status == NotificationStatus.SENDING


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL")
def test_two_concurrent_sends_of_one_row_deliver_once(world, monkeypatch):
    from tests.builders import race, values

    mail.outbox = []
    dossier = submitted_with_email(world)
    use_broker(CLOSED_PORT_URL)
    try:
        services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
    finally:
        use_broker(None)
    row = Notification.objects.get(dossier=dossier, channel="email")
    real = delivery._deliver_now

    def slow(notification):
        time.sleep(0.2)  # a slow SMTP server: the other thread arrives while this one is sending
        real(notification)

    monkeypatch.setattr(delivery, "_deliver_now", slow)
    outcomes = values(race(8, lambda i, _: delivery.deliver(row.pk).outcome))
    assert sorted(outcomes) == ["sent"] + ["skipped"] * 7
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.deliveries == 1 and row.attempts == 1


class ConnectionRecordingSMSBackend:
    """Test SMS backend: remembers the database connection each send ran on (the DB-API object, kept alive so
    that `is` compares real identities)."""

    seen: list = []

    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        connection.ensure_connection()
        type(self).seen.append(connection.connection)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="needs PostgreSQL: Django never closes an in-memory SQLite connection, so a connection "
                           "closed between tasks cannot be observed there (CI runs PostgreSQL)")
@pytest.mark.parametrize("max_age", [600, 0])
def test_the_worker_keeps_its_database_connection_between_tasks_as_configured(world, broker, settings, monkeypatch,
                                                                              max_age):
    """Celery's Django fix-up used to close every connection around every task (a new PostgreSQL server process
    per notification); now DB_CONN_MAX_AGE decides, as it does for web requests."""
    settings.ONECUA_SMS_BACKEND = "tests.notifications.test_worker.ConnectionRecordingSMSBackend"
    ConnectionRecordingSMSBackend.seen = []
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", max_age)
    dossiers = [world.submitted(), world.submitted()]
    with worker():
        for dossier in dossiers:  # one after the other: two tasks
            services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
            assert wait_until(lambda d=dossier: sent(d), what=f"the notifications of {dossier.code} to be sent")
    first, second = ConnectionRecordingSMSBackend.seen
    assert (first is second) is (max_age > 0)


def test_rows_committed_close_together_are_published_together_and_each_sent_once(world, broker, settings,
                                                                               monkeypatch):
    """The after-commit kicks of a process are gathered for a short window (notifications.tasks._Kicks) and
    published as batch tasks: fewer messages than rows, every row in exactly one, each delivered once."""
    import json

    import redis

    settings.ONECUA_SMS_BACKEND = "core.backends.LocmemSMSBackend"
    mail.outbox = []
    dossiers = [submitted_with_email(world) for _ in range(3)]
    monkeypatch.setattr(tasks._kicks, "window", 2.0)  # a generous window: the three actions fall in it
    from core import request_id

    for n, dossier in enumerate(dossiers):  # as three requests, each with its id
        token = request_id.activate(f"req-batch-{n:06d}")
        try:
            services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
        finally:
            request_id.restore(token)
    rows = set(Notification.objects.filter(dossier__in=dossiers).values_list("pk", flat=True))
    assert len(rows) == 6  # an e-mail and an SMS each
    queue = redis.Redis.from_url(REDIS_URL)
    assert wait_until(lambda: queue.llen("celery") > 0, what="the kicks to be published")
    time.sleep(0.5)
    published, carried = [], []
    for raw in queue.lrange("celery", 0, -1):
        message = json.loads(raw)
        body = json.loads(__import__("base64").b64decode(message["body"]))
        published.append((message["headers"]["task"], body[0][0]))
        carried.append(message["headers"].get("request_id"))
    ids = [pk for _task, arg in published for pk in (arg if isinstance(arg, list) else [arg])]
    # The batch still names the requests behind it: every request's id is carried, each once.
    assert sorted(rid for value in carried for rid in value.split(",")) == [f"req-batch-{n:06d}" for n in range(3)]
    assert sorted(ids) == sorted(rows)  # every row once
    assert len(published) < len(dossiers)  # fewer messages than actions committed (one each, before)
    with worker():
        assert wait_until(lambda: all(sent(d) for d in dossiers), what="the batch to be sent")
        drain()
    assert sorted(m.to[0] for m in mail.outbox) == [EMAIL] * 3
    assert set(Notification.objects.filter(pk__in=rows).values_list("deliveries", flat=True)) == {1}


def test_a_kick_left_for_another_broker_is_sent_by_the_requeue(world, broker, monkeypatch):
    """A kick whose Celery app was pointed elsewhere before it left is not published there: its rows stay pending
    for the re-queue task, which sends them once."""
    mail.outbox = []
    dossier = submitted_with_email(world)
    monkeypatch.setattr(tasks._kicks, "window", 1.0)
    use_broker(CLOSED_PORT_URL)
    services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
    use_broker(REDIS_URL)  # before the window ends
    time.sleep(1.5)
    row = Notification.objects.get(dossier=dossier, channel="email")
    assert row.status == NotificationStatus.PENDING and row.attempts == 0
    with worker():
        requeue_notifications.delay(0)
        assert wait_until(lambda: sent(dossier), what="the re-queue to send the row")
        drain()
    assert [m.to for m in mail.outbox] == [[EMAIL]]
