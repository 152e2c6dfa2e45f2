"""Celery tasks of the feedback app: thin and idempotent."""

from celery import shared_task

from core.tasks import IDEMPOTENT
from feedback.services import feedback_flag_overdue


@shared_task(name="feedback.flag_overdue", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def flag_overdue() -> int:
    """Mark the feedback unanswered past its due time and tell the agencies (running it twice tells nobody twice)."""
    return feedback_flag_overdue()
