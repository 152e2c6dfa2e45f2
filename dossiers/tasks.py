"""Celery tasks of the dossiers app: the due-time recomputation (idempotent, acks_late)."""

from celery import shared_task

from core.tasks import IDEMPOTENT
from dossiers.recompute import recompute_open_dossiers


@shared_task(name="dossiers.recompute_due_times", time_limit=30 * 60, soft_time_limit=25 * 60, **IDEMPOTENT)
def recompute_due_times(procedure_id: int | None = None) -> dict:
    """Idempotent: recomputing twice with the same calendar changes nothing (and notifies no one) the second
    time."""
    summary = recompute_open_dossiers(procedure_id=procedure_id)
    return {"checked": summary.checked, "changed": summary.changed, "notified": summary.notified}
