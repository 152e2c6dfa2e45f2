"""Celery tasks delivering the outbox: thin wrappers over delivery.delivery, each idempotent (safe to
run twice), so each is `acks_late` and re-queued if its worker dies (`reject_on_worker_lost`)."""

import atexit
import logging
import os
import threading
import time
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from core import request_id
from core.tasks import IDEMPOTENT
from notifications import delivery, options
from notifications.models import Notification, NotificationStatus

log = logging.getLogger(__name__)


# The lease (settings.ONECUA["NOTIFICATION_LEASE_SECONDS"], 10 min) must stay longer than time_limit.
@shared_task(bind=True, name="notifications.send_notification", time_limit=90, soft_time_limit=60, max_retries=None,
             **IDEMPOTENT)
def send_notification(self, notification_id: int) -> str:
    """Deliver one outbox row. The row's claim makes repeats harmless (see notifications/delivery.py)."""
    result = delivery.deliver(notification_id)
    if result.outcome == "retry" and not self.request.is_eager:
        # If this retry cannot be published (broker down), the row is pending and the re-queue finds it.
        raise self.retry(countdown=result.retry_in.total_seconds() + 1)
    return result.outcome


# Rows are claimed a few at a time (NOTIFICATION_CLAIM_SIZE), each sent and marked on its own; the hard time
# limit stays under the lease, so a row claimed by a live task is never claimed by another.
@shared_task(name="notifications.send_notifications", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def send_notifications(notification_ids: list[int]) -> dict:
    """Deliver a batch of rows; a row that needs another attempt waits for the re-queue task (its
    `next_attempt_at` carries the back-off)."""
    return delivery.deliver_batch(notification_ids)


@shared_task(name="notifications.requeue_notifications", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def requeue_notifications(older_than_seconds: int | None = None) -> int:
    older = None if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    return requeue(older_than=older)


def dispatch(ids) -> int:
    """Enqueue send tasks (one row, or batches). A broker failure is logged and the rows stay pending for `requeue`."""

    ids = list(ids)
    if not ids:
        return 0
    sent = 0
    try:
        if len(ids) == 1:
            send_notification.delay(ids[0])
            sent = 1
        else:
            # Thousands of rows (a recomputation, a sweep, a re-queue) travel as a few batch tasks: 200 rows take
            # a worker about a second (minutes with a slow mail server, still inside the task's time limit; rows
            # are claimed a few at a time, NOTIFICATION_CLAIM_SIZE), and publishing 75,000 rows is 375 messages.
            size = int(options.option("NOTIFICATION_BATCH_SIZE", 200))
            with send_notifications.app.producer_or_acquire() as producer:
                for start in range(0, len(ids), size):
                    batch = ids[start:start + size]
                    send_notifications.apply_async((batch,), producer=producer)
                    sent += len(batch)
    except Exception as exc:  # noqa: BLE001 - the rows are safe in the outbox; requeue will enqueue them
        log.warning("Could not enqueue %s notification(s) from id %s (%s: %s); they stay pending for the "
                    "re-queue task", len(ids) - sent, ids[sent], type(exc).__name__, exc)
    return sent


class _Kicks:
    """The after-commit kicks of this process's new outbox rows, published together: a thread wakes on the first
    kick, waits `window` seconds for the kicks of other requests, and publishes them all (`dispatch`: one send
    task, or batch tasks). Publishing a task costs about half a millisecond of CPU (Celery builds the message,
    kombu a Redis client); a busy web process publishes one per window instead of one per action.

    Nothing can be lost this way: the rows are committed before they are kicked, and a kick that never leaves
    (the process ends, the broker is down, the Celery app was pointed at another broker meanwhile) leaves its rows
    `pending` for `requeue` (beat, every minute), as a failed publish always did. Eager Celery (the embedded
    default, tests) and code running inside a Celery task publish at once, as before.

    The request ids stay traceable: each kick keeps the id of the request that made it (core.request_id), and a
    task published for several requests carries their ids joined by commas (at most request_id.MAX_CARRIED per
    task), so its log lines, and those of the messages it sends, name every request behind them."""

    def __init__(self, window: float = 0.1):
        self.window = window
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a child starts with no kicks and no thread
        atexit.register(self.flush)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: list[tuple[str, str | None, int]] = []  # (broker URL when kicked, request id, row id)
        self._thread: threading.Thread | None = None

    def add(self, ids) -> None:
        app = send_notification.app
        if app.conf.task_always_eager or app.current_worker_task is not None:
            dispatch(ids)
            return
        broker, rid = str(app.conf.broker_url), request_id.current()
        with self._lock:
            self._pending += [(broker, rid, pk) for pk in ids]
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="notifications-kicks", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self.window:
                time.sleep(self.window)  # the other requests' kicks arrive meanwhile
            self.flush()

    def flush(self) -> int:
        """Publish the kicks waiting now (also at the process's exit). Returns the rows published."""
        with self._lock:
            pending, self._pending = self._pending, []
            self._wake.clear()
        if not pending:
            return 0
        app = send_notification.app
        broker = str(app.conf.broker_url)
        kicks = [(rid, pk) for url, rid, pk in pending if url == broker]
        if len(kicks) < len(pending):  # the app changed brokers since (tests): the re-queue's job
            log.info("%s notification kick(s) for another broker left to the re-queue task", len(pending) - len(kicks))
        if app.conf.task_always_eager or not kicks:
            return 0
        # In groups of at most MAX_CARRIED requests, each published with their ids current (ops tags the task).
        groups, sent = [[]], 0
        for rid, pk in kicks:
            if len({r for r, _pk in groups[-1]} | {rid}) > request_id.MAX_CARRIED:
                groups.append([])
            groups[-1].append((rid, pk))
        for group in groups:
            token = request_id.activate(request_id.joined(r for r, _pk in group))
            try:
                sent += dispatch([pk for _rid, pk in group])
            finally:
                request_id.restore(token)
        return sent


_kicks = _Kicks()


def kick(ids) -> None:
    """New outbox rows committed: have them sent (see _Kicks). Call after commit."""
    _kicks.add(list(ids))


def requeue(*, older_than: timedelta | None = None, limit: int = 5000) -> int:
    """Enqueue rows never sent: pending and due (older than a grace period, so rows whose after-commit
    enqueue is still in flight are left to it), and `sending` rows whose lease expired without a `sent` mark."""
    now = timezone.now()
    if older_than is None:
        older_than = timedelta(seconds=int(options.option("NOTIFICATION_REQUEUE_GRACE_SECONDS", 60)))
    waiting = (Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now, created_at__lte=now - older_than)
               | Q(status=NotificationStatus.SENDING, claimed_at__lt=now - timedelta(seconds=options.lease_seconds())))
    ids = list(Notification.objects.filter(waiting).order_by("next_attempt_at", "pk")
               .values_list("pk", flat=True)[:limit])
    return dispatch(ids)
