"""Celery tasks of the privacy app: thin and idempotent."""

from celery import shared_task

from privacy.services import access_log_purge


@shared_task(name="privacy.purge_access_log", time_limit=10 * 60, soft_time_limit=9 * 60, acks_late=True,
             reject_on_worker_lost=True)
def purge_access_log() -> int:
    """Delete the access-log rows older than ONECUA["ACCESS_LOG_DAYS"] days (running it twice deletes nothing
    more)."""
    return access_log_purge()
