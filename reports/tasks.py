from celery import shared_task
from django.contrib.auth import get_user_model

from reports import tally


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3 * 60 * 60, soft_time_limit=3 * 60 * 60 - 60)
def rebuild_summary(user_id: int | None = None) -> dict:
    """Recount the statistics summary from the base tables (idempotent: the result depends only on the data)."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = tally.rebuild(requested_by=user)
    return {"dossiers": run.dossiers, "rows": run.rows}
