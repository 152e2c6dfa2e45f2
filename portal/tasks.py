"""Celery tasks of the portal: removing uploads parked by submissions never confirmed."""

from datetime import timedelta

from celery import shared_task

from core.tasks import IDEMPOTENT
from dossiers.uploads import remove_parked_uploads as remove


@shared_task(name="portal.remove_parked_uploads", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def remove_parked_uploads(older_than_hours: float | None = None) -> int:
    """Delete uploads parked by online submissions that were never confirmed, once older than
    ONECUA["PARKED_UPLOAD_HOURS"] (scheduled hourly). Idempotent: a second run finds nothing left to delete."""
    return remove(older_than=None if older_than_hours is None else timedelta(hours=older_than_hours))

