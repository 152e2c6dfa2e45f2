"""The outbox: one row per message to send, written in the transaction of the action that causes it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from procedures.models import Agency


# ---------------------------------------------------------------- notifications (the outbox)
class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class Notification(models.Model):
    """One message to one recipient, written in the transaction of the action that caused it (the outbox).

    The sender claims the row (status `sending`, a lease in `claimed_at`, a fresh `claim_token`), delivers,
    then marks it `sent`; see notifications/outbox.py for the delivery guarantees.
    """

    idempotency_key = models.CharField(
        _("khóa chống gửi trùng"), max_length=200, unique=True,
        help_text=_("Một khóa cho mỗi thông báo; dùng làm Message-ID của thư."),
    )
    kind = models.CharField(_("loại thông báo"), max_length=40)
    channel = models.CharField(_("kênh gửi"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(_("người nhận"), max_length=254, help_text=_("Địa chỉ thư hoặc số điện thoại."))
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cán bộ nhận"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+",
        help_text=_("Cơ quan có hộp thư đi chứa thông báo này (nơi tiếp nhận hồ sơ, hoặc nơi công tác của cán bộ)."),
    )
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    status = models.CharField(
        _("trạng thái gửi"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    deliveries = models.PositiveSmallIntegerField(
        _("số lần đã chuyển đi"), default=0, help_text=_("Lớn hơn 1 nghĩa là người nhận có thể nhận trùng.")
    )
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    claim_token = models.UUIDField(_("mã phiên gửi"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("nhận gửi lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("thử lại từ"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        db_table = "dossiers_notification"  # created by the dossiers app, which owned the outbox before
        verbose_name = _("thông báo")
        verbose_name_plural = _("hộp thư đi")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_requeue"),
            models.Index(fields=["agency", "status", "created_at"], name="notification_outbox_page"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_sent_at"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="notification_sending_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key
