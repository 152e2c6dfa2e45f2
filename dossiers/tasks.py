"""Celery tasks of the dossiers app: thin wrappers over services, each idempotent (safe to run twice), so each
is `acks_late` and re-queued if its worker dies (`reject_on_worker_lost`)."""

from datetime import date

from celery import shared_task

from . import notifications
from .recompute import recompute_open_dossiers

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="dossiers.recompute_due_times", time_limit=30 * 60, soft_time_limit=25 * 60, **IDEMPOTENT)
def recompute_due_times(procedure_id: int | None = None) -> dict:
    """Idempotent: recomputing twice with the same calendar changes nothing (and notifies no one) the second
    time."""
    summary = recompute_open_dossiers(procedure_id=procedure_id)
    return {"checked": summary.checked, "changed": summary.changed, "notified": summary.notified}


# The lease (settings.ONECUA["NOTIFICATION_LEASE_SECONDS"], 10 min) must stay longer than time_limit.
@shared_task(bind=True, name="dossiers.send_notification", time_limit=90, soft_time_limit=60, max_retries=None,
             **IDEMPOTENT)
def send_notification(self, notification_id: int) -> str:
    """Deliver one outbox row. The row's claim makes repeats harmless (see dossiers/notifications.py)."""
    result = notifications.deliver(notification_id)
    if result.outcome == "retry" and not self.request.is_eager:
        # If this retry cannot be published (broker down), the row is pending and the re-queue finds it.
        raise self.retry(countdown=result.retry_in.total_seconds() + 1)
    return result.outcome


# Rows are claimed a few at a time (NOTIFICATION_CLAIM_SIZE), each sent and marked on its own; the hard time
# limit stays under the lease, so a row claimed by a live task is never claimed by another.
@shared_task(name="dossiers.send_notifications", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def send_notifications(notification_ids: list[int]) -> dict:
    """Deliver a batch of rows; a row that needs another attempt waits for the re-queue task (its
    `next_attempt_at` carries the back-off)."""
    return notifications.deliver_batch(notification_ids)


@shared_task(name="dossiers.requeue_notifications", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def requeue_notifications(older_than_seconds: int | None = None) -> int:
    from datetime import timedelta

    older = None if older_than_seconds is None else timedelta(seconds=older_than_seconds)
    return notifications.requeue(older_than=older)


@shared_task(name="dossiers.deadline_sweep", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def deadline_sweep() -> dict:
    summary = notifications.deadline_sweep()
    return {"digests": summary.digests, "apology_prompts": summary.apology_prompts}


@shared_task(name="dossiers.render_tracking_book", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def render_tracking_book(agency_id: int, day: str) -> str:
    """Form 07 of one desk for one day, stored in private storage (re-rendering replaces the file)."""
    from .books import tracking_book_store

    return tracking_book_store(agency_id=agency_id, day=date.fromisoformat(day)).file.name


@shared_task(name="dossiers.render_tracking_books", time_limit=30 * 60, soft_time_limit=25 * 60, **IDEMPOTENT)
def render_tracking_books(day: str | None = None) -> int:
    """Fan out: one rendering task per desk that received dossiers on `day` (default today)."""
    from .books import desks_with_receptions, today

    the_day = date.fromisoformat(day) if day else today()
    agency_ids = desks_with_receptions(day=the_day)
    for agency_id in agency_ids:
        render_tracking_book.delay(agency_id, the_day.isoformat())
    return len(agency_ids)


@shared_task(name="dossiers.remove_parked_uploads", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def remove_parked_uploads(older_than_hours: float | None = None) -> int:
    """Delete uploads parked by online submissions that were never confirmed, once older than
    ONECUA["PARKED_UPLOAD_HOURS"] (scheduled hourly). Idempotent: a second run finds nothing left to delete."""
    from datetime import timedelta

    from .uploads import remove_parked_uploads as remove

    return remove(older_than=None if older_than_hours is None else timedelta(hours=older_than_hours))
