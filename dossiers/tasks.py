"""Celery tasks of the dossiers app: thin wrappers over services."""

from celery import shared_task

from .recompute import recompute_open_dossiers


@shared_task(acks_late=True, reject_on_worker_lost=True, name="dossiers.recompute_due_times")
def recompute_due_times(procedure_id: int | None = None) -> dict:
    """Idempotent: recomputing twice with the same calendar changes nothing the second time."""
    summary = recompute_open_dossiers(procedure_id=procedure_id)
    return {"checked": summary.checked, "changed": summary.changed}
