"""Delivering outbox rows: claims with leases, sending through the backends, marking sent or failed."""

import functools
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone

from core.backends import sms_backend
from notifications import options
from notifications.models import Notification, NotificationChannel, NotificationStatus
from notifications.selectors import masked_recipient

log = logging.getLogger(__name__)










# ---------------------------------------------------------------- delivering (the worker)
def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:32]
    domain = options.option("MAIL_DOMAIN", "motcua.local")
    return f"<{digest}.{notification.pk}@{domain}>"


def _deliver_now(notification: Notification) -> None:
    if notification.channel == NotificationChannel.EMAIL:
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={"Message-ID": message_id(notification),
                     "X-Onecua-Idempotency-Key": notification.idempotency_key},
        ).send(fail_silently=False)
    else:
        sms_backend().send(phone=notification.recipient, text=notification.body,
                           idempotency_key=notification.idempotency_key)


def claim(notification_id: int) -> uuid.UUID | None:
    """Take the row for sending; None if it is sent, failed, not yet due, or someone else holds its lease."""
    claimed = _claim([notification_id])
    return claimed[0].claim_token if claimed else None


@functools.cache
def _claim_sql(vendor: str) -> str:
    """The claim's text (built once; `{ids}` is filled per call)."""
    meta = Notification._meta
    quote = connection.ops.quote_name
    return (f"UPDATE {quote(meta.db_table)} SET status = %s, claim_token = %s, claimed_at = %s, "
            "attempts = attempts + 1 WHERE id IN ({ids}) AND ((status = %s AND next_attempt_at <= %s) "
            f"OR (status = %s AND claimed_at < %s)) "
            f"RETURNING {', '.join(quote(f.column) for f in meta.concrete_fields)}")


def _claim(notification_ids: list[int]) -> list[Notification]:
    """The claim as one `UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35) for one row or a batch: the rows come back
    with their new lease and attempt count, so the sender needs no second query. Rows not claimable (see
    `claim`) are simply not returned. The rows of one call share a claim token (the lease is the batch's)."""
    if not notification_ids:
        return []
    now = timezone.now()
    meta = Notification._meta

    def db(name, value):
        return meta.get_field(name).get_db_prep_value(value, connection)

    sql = _claim_sql(connection.vendor)
    with connection.cursor() as cursor:  # closed at once: SQLite keeps a table lock while a statement is open
        cursor.execute(
            sql.format(ids=", ".join(["%s"] * len(notification_ids))),
            [NotificationStatus.SENDING.value, db("claim_token", uuid.uuid4()), db("claimed_at", now),
             *notification_ids, NotificationStatus.PENDING.value, db("next_attempt_at", now),
             NotificationStatus.SENDING.value, db("claimed_at", now - timedelta(seconds=options.lease_seconds()))])
        rows = cursor.fetchall()
    if not rows:
        return []
    # The database's values as the ORM would read them (SQLite returns text for dates and UUIDs).
    fields = meta.concrete_fields
    compiler = Notification.objects.none().query.get_compiler(connection=connection)
    converters = compiler.get_converters([f.get_col(meta.db_table) for f in fields])
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    names = [f.attname for f in fields]
    order = {pk: i for i, pk in enumerate(notification_ids)}
    claimed = [Notification.from_db(connection.alias, names, values) for values in rows]
    return sorted(claimed, key=lambda n: order[n.pk])


@dataclass
class Delivery:
    outcome: str  # "sent", "skipped", "retry", "failed"
    retry_in: timedelta | None = None


def deliver(notification_id: int) -> Delivery:
    """Claim, send, mark. Safe to call any number of times, concurrently, for the same row."""
    claimed = _claim([notification_id])
    return _send_claimed(claimed[0]) if claimed else Delivery("skipped")


def deliver_batch(notification_ids: list[int], *, claim_size: int | None = None) -> dict[str, int]:
    """Deliver many rows: claimed `claim_size` at a time in one statement (NOTIFICATION_CLAIM_SIZE, 20), each then
    sent and marked on its own, so a worker that dies mid-batch leaves at most one row sent-but-unmarked. The
    send task's hard time limit stays under the lease, so the rows claimed and not yet sent keep their lease.
    Returns the count of each outcome ("skipped": sent, failed, not due, or held by someone else)."""
    size = claim_size or int(options.option("NOTIFICATION_CLAIM_SIZE", 20))
    outcomes: dict[str, int] = {}
    for start in range(0, len(notification_ids), size):
        chunk = notification_ids[start:start + size]
        claimed = _claim(chunk)
        if len(claimed) < len(chunk):
            outcomes["skipped"] = outcomes.get("skipped", 0) + len(chunk) - len(claimed)
        for notification in claimed:
            outcome = _send_claimed(notification).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@functools.cache
def _mark_sql(vendor: str) -> tuple[str, str]:
    """(mark sent while our claim holds, count a late delivery): plain statements, built once."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    return (f"UPDATE {table} SET status = %s, sent_at = %s, deliveries = deliveries + 1, last_error = '' "
            "WHERE id = %s AND claim_token = %s AND status = %s",
            f"UPDATE {table} SET deliveries = deliveries + 1 WHERE id = %s")


def _send_claimed(notification: Notification) -> Delivery:
    """Send a row this worker has claimed, then mark it (sent, or back to pending with a back-off, or failed)."""
    token = notification.claim_token
    try:
        _deliver_now(notification)
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row and retried
        final = notification.attempts >= options.max_attempts()
        wait = options.backoff(notification.attempts)
        Notification.objects.filter(pk=notification.pk, claim_token=token).update(
            status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
            claim_token=None, claimed_at=None, next_attempt_at=timezone.now() + wait,
            last_error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("Notification %s (%s to %s) failed, attempt %s: %s", notification.pk, notification.channel,
                    masked_recipient(notification), notification.attempts, type(exc).__name__)
        return Delivery("failed") if final else Delivery("retry", wait)
    meta = Notification._meta
    mark, late = _mark_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(mark, [NotificationStatus.SENT.value,
                              meta.get_field("sent_at").get_db_prep_value(timezone.now(), connection),
                              notification.pk, meta.get_field("claim_token").get_db_prep_value(token, connection),
                              NotificationStatus.SENDING.value])
        if cursor.rowcount == 0:
            # Our lease expired and someone else re-claimed the row: the recipient may get two copies (same
            # Message-ID). Count it so the outbox page shows it.
            cursor.execute(late, [notification.pk])
            log.error("Notification %s delivered after its lease expired: possible duplicate", notification.pk)
    return Delivery("sent")


