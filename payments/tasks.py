"""Celery task of the payments: the reconciliation with the gateway (scheduled by beat)."""

from celery import shared_task

from core.tasks import IDEMPOTENT


@shared_task(name="payments.reconcile_payments", time_limit=10 * 60, soft_time_limit=9 * 60, **IDEMPOTENT)
def reconcile_payments(older_than_minutes: float | None = None) -> dict:
    """Payments still pending RECONCILE_AFTER_MINUTES after they were started: asked at the gateway (querydr),
    marked paid or expired (payments/reconcile.py). Idempotent."""
    from payments.reconcile import reconcile

    return dict(reconcile(older_than_minutes=older_than_minutes))
