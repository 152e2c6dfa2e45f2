from django.db import transaction
from django.utils import timezone

from core.errors import ActionForbidden, TransitionRefused
from notifications.models import Notification, NotificationStatus
from notifications.outbox import dispatch
from notifications.selectors import RETRYABLE, outbox_agency_ids


def notification_retry(*, notification: Notification, actor) -> Notification:
    """Staff ask for another attempt now: only a failed or waiting row, never one already sent."""
    if notification.agency_id not in outbox_agency_ids(user=actor):
        raise ActionForbidden("Bạn không có quyền gửi lại thông báo này.")
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification.pk, status__in=RETRYABLE
        ).update(status=NotificationStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
        if not changed:
            raise TransitionRefused("Thông báo này đã được gửi hoặc đang được gửi; không thể gửi lại.")
        pk = notification.pk
        transaction.on_commit(lambda: dispatch([pk]))
    notification.refresh_from_db()
    return notification
