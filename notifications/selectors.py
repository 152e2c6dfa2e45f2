from django.db.models import QuerySet

from accounts.models import Role
from core.masking import mask_email, mask_phone
from notifications.models import Notification, NotificationChannel, NotificationStatus


def masked_recipient(notification: Notification) -> str:
    if notification.channel == NotificationChannel.SMS:
        return mask_phone(notification.recipient)
    return mask_email(notification.recipient)


# ---------------------------------------------------------------- the outbox page (staff)
OUTBOX_ROLES = {Role.ADMIN, Role.CLERK}


# Rows staff may send again: never one sent or being sent.
RETRYABLE = (NotificationStatus.FAILED, NotificationStatus.PENDING)


def outbox_agency_ids(*, user) -> set[int]:
    """Agencies whose outbox the user may see: where they are a clerk, and (admins) the subtree they manage."""
    from accounts.scoping import staff_agency_ids

    return staff_agency_ids(user=user, roles=OUTBOX_ROLES)


def outbox_for(*, user, status: str | None = None) -> QuerySet[Notification]:
    agencies = outbox_agency_ids(user=user)
    qs = Notification.objects.filter(agency_id__in=agencies).select_related("dossier", "agency")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")
