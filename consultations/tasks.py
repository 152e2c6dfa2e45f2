"""Celery tasks of the consultations app: thin and idempotent."""

from celery import shared_task

from consultations.services import consultation_flag_overdue
from core.tasks import IDEMPOTENT


@shared_task(name="consultations.flag_overdue", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def flag_overdue() -> int:
    """Mark consultations unanswered past the reply-by time and tell both agencies (twice tells nobody twice)."""
    return consultation_flag_overdue()
