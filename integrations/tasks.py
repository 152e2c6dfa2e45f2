"""Celery tasks delivering the sync outbox: thin wrappers over integrations/delivery.py, each safe to run twice
(a row's claim makes repeats harmless), so each is `acks_late` and re-queued if its worker dies."""

import logging
from datetime import date

from celery import shared_task

from core.tasks import IDEMPOTENT
from integrations import delivery, ratings
from integrations.dvcqg import config

log = logging.getLogger(__name__)


# The hard time limit stays under the lease (DVCQG["LEASE_SECONDS"], 10 min), so a row claimed by a live task
# is never claimed by another; rows are claimed DVCQG["CLAIM_SIZE"] at a time, each call bounded by the time-out.
@shared_task(name="integrations.send_sync_rows", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def send_sync_rows(row_ids: list[int]) -> dict:
    """Deliver rows and whatever their dossiers have queued behind them."""
    return delivery.deliver_batch(row_ids)


@shared_task(name="integrations.requeue_sync_rows", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def requeue_sync_rows() -> int:
    """Beat, every minute: the rows whose after-commit enqueue was lost, whose back-off is over, or whose sender
    died. A portal down for hours is retried here until it answers. Rows sent long ago are deleted here too."""
    delivery.purge_sent()
    return dispatch(delivery.heads_due())


@shared_task(name="integrations.push_monthly_ratings", time_limit=5 * 60, soft_time_limit=4 * 60, **IDEMPOTENT)
def push_monthly_ratings(month: str | None = None) -> dict:
    """Beat, daily: the previous month's ratings summary (DongBoDanhGia), one row per desk, written once
    (integrations/ratings.py) and sent like every sync row. `month` "YYYY-MM" pushes another month."""
    period = date.fromisoformat(f"{month}-01") if month else ratings.previous_month()
    result = ratings.push_month(period)
    dispatch(result.row_ids or [])
    return {"month": f"{period:%Y-%m}", "enabled": result.enabled, "provider": result.provider,
            "created": result.created, "refreshed": result.refreshed, "unchanged": result.unchanged}


def dispatch(row_ids) -> int:
    """Enqueue send tasks of DVCQG["BATCH_SIZE"] rows. A broker failure (or, eager, any failure) is logged and
    the rows stay pending for the re-queue."""
    row_ids = list(row_ids)
    size = int(config.option("BATCH_SIZE"))
    sent = 0
    try:
        for start in range(0, len(row_ids), size):
            batch = row_ids[start:start + size]
            send_sync_rows.delay(batch)
            sent += len(batch)
    except Exception as exc:  # noqa: BLE001 - the rows are safe in the outbox; the re-queue will find them
        log.warning("DVCQG: could not enqueue %s sync row(s) from id %s (%s: %s); they stay pending for the "
                    "re-queue task", len(row_ids) - sent, row_ids[sent], type(exc).__name__, exc)
    return sent
