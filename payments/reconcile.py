"""The reconciliation: payments started at the gateway and still pending after RECONCILE_AFTER_MINUTES are
checked with the gateway's querydr (a lost IPN: paid ones are marked paid through the callbacks' code path),
and those past their expiry that the gateway did not take are marked expired. Run by beat
(`payments.reconcile_payments`) and by `manage.py reconcile_payments`. Idempotent: a second run finds nothing
more to change."""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from payments import conf
from payments.models import Payment, PaymentStatus
from payments.services import payment_check

MAX_PER_RUN = 2000


def pending_to_check(*, older_than_minutes: float | None = None, now=None):
    gateway = conf.current()
    minutes = older_than_minutes if older_than_minutes is not None else (
        gateway.reconcile_after_minutes if gateway else conf.raw()["RECONCILE_AFTER_MINUTES"])
    now = now or timezone.now()
    return (Payment.objects.filter(status=PaymentStatus.PENDING, started_at__isnull=False,
                                   started_at__lte=now - timedelta(minutes=minutes))
            .order_by("started_at", "pk"))


def reconcile(*, older_than_minutes: float | None = None, now=None) -> Counter:
    """Counts of what became of the payments checked: paid, failed, expired, pending, error."""
    now = now or timezone.now()
    counts: Counter = Counter()
    for payment in list(pending_to_check(older_than_minutes=older_than_minutes, now=now)[:MAX_PER_RUN]):
        counts[payment_check(payment, now=now)] += 1
    return counts
