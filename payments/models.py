"""A `Payment` is one amount a dossier's applicant owes and may pay online: the procedure's fees at reception,
or the financial obligation an officer asks for (dossier_await_payment's amount). A failed or expired attempt is
never reopened (VNPAY refuses a reference used again the same day): paying again makes a new Payment, its
`retry_of` pointing to the old one."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    EXPIRED = "expired", _("Hết hạn")
    REFUNDED = "refunded", _("Đã hoàn tiền")


class PaymentPurpose(models.TextChoices):
    FEES = "fees", _("Phí, lệ phí")
    OBLIGATION = "obligation", _("Nghĩa vụ tài chính")


class Payment(models.Model):
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="payments")
    sequence = models.PositiveSmallIntegerField(_("số thứ tự trong hồ sơ"))
    reference = models.CharField(_("mã thanh toán"), max_length=100, unique=True,
                                 help_text=_("Mã hồ sơ và số thứ tự (ví dụ H61.22.10-250310-0001-TT01), chữ ASCII."))
    purpose = models.CharField(_("khoản thu"), max_length=20, choices=PaymentPurpose.choices)
    description = models.CharField(_("nội dung"), max_length=500)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=PaymentStatus.choices,
                              default=PaymentStatus.PENDING)
    provider = models.CharField(_("cổng thanh toán"), max_length=20, blank=True)
    provider_transaction_id = models.CharField(_("mã giao dịch tại cổng"), max_length=64, blank=True)
    bank_code = models.CharField(_("ngân hàng"), max_length=20, blank=True)
    response_code = models.CharField(_("mã trả lời của cổng"), max_length=8, blank=True)
    raw_callback = models.JSONField(_("dữ liệu cổng gửi"), default=dict, blank=True)
    retry_of = models.OneToOneField("self", verbose_name=_("thanh toán lại cho"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="retry")
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    started_at = models.DateTimeField(_("bắt đầu thanh toán lúc"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("khoản thanh toán")
        verbose_name_plural = _("khoản thanh toán")
        ordering = ["dossier", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "sequence"], name="payment_sequence_per_dossier"),
            # A gateway's transaction confirms one payment, once.
            models.UniqueConstraint(fields=["provider", "provider_transaction_id"], name="payment_provider_txn_once",
                                    condition=~Q(provider_transaction_id="")),
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount__lt=10**10), name="payment_amount_range"),
            models.CheckConstraint(condition=~Q(status="paid") | Q(paid_at__isnull=False),
                                   name="payment_paid_has_time"),
        ]
        indexes = [
            # The reconciliation: pending attempts started before a given time.
            models.Index(fields=["status", "started_at"], name="payment_status_started"),
            # The staff list: a period of payment days.
            models.Index(fields=["created_at"], name="payment_created"),
            models.Index(fields=["paid_at"], name="payment_paid"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_paid(self) -> bool:
        return self.status == PaymentStatus.PAID
