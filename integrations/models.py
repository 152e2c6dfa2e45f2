"""Exchanges with the National Public Service Portal (DVCQG): the status mapping, the sync outbox (one row per
message to the portal, written in the transaction of the dossier action that causes it) and the dossiers that
came from the portal."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, State
from procedures.models import Agency


class NationalStatus(models.IntegerChoices):
    """The portal's dossier status codes (TrangThaiHoSo / TrangThai)."""

    NEW = 1, _("Mới đăng ký")
    RECEIVED = 2, _("Được tiếp nhận")
    NOT_RECEIVED = 3, _("Không được tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    SUPPLEMENT = 5, _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    DONE = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class StatusMapping(models.Model):
    """Which national status a dossier has after an action: a row for the action in that state wins over the
    row for the state (empty action). No row, or an inactive one: the state is reported as not mapped."""

    state = models.CharField(_("trạng thái hồ sơ"), max_length=30, choices=State.choices)
    action = models.CharField(
        _("thao tác"), max_length=40, blank=True,
        help_text=_("Để trống: áp dụng cho mọi thao tác đưa hồ sơ về trạng thái này."))
    national_code = models.PositiveSmallIntegerField(
        _("mã trạng thái trên Cổng DVCQG"), choices=NationalStatus.choices,
        validators=[MinValueValidator(1), MaxValueValidator(10)])
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ánh xạ trạng thái DVCQG")
        verbose_name_plural = _("ánh xạ trạng thái DVCQG")
        ordering = ["state", "action"]
        constraints = [
            models.UniqueConstraint(fields=["state", "action"], name="status_mapping_state_action_unique"),
        ]

    def __str__(self) -> str:
        return f"{State(self.state).label} → {self.national_code}"


class SyncKind(models.TextChoices):
    """One kind per operation of the portal."""

    DOSSIER = "dossier", _("Đồng bộ hồ sơ (DongBoHoSoMC)")
    PROGRESS = "progress", _("Cập nhật tiến độ (CapNhatTienDoHoSoMC)")
    STATUS = "status", _("Trạng thái hồ sơ từ Cổng (DongBoTrangThaiHoSo)")
    RATING = "rating", _("Đánh giá hằng tháng (DongBoDanhGia)")


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    REJECTED = "rejected", _("Cổng từ chối")
    UNMAPPED = "unmapped", _("Chưa ánh xạ trạng thái")
    SKIPPED = "skipped", _("Đã bỏ qua")


# A row in one of these states is finished for good: the dossier's next row may go.
DONE_STATUSES = (SyncStatus.SENT, SyncStatus.SKIPPED)
# Rows waiting for a person (the page's retry and skip buttons).
PARKED_STATUSES = (SyncStatus.REJECTED, SyncStatus.UNMAPPED)


class SyncRow(models.Model):
    """One message to the portal about one dossier, written in the transaction of the action that caused it,
    with its payload as the dossier was then. A dossier's rows are delivered in id order: a row waits while an
    earlier row of its dossier is not sent (see integrations/delivery.py).

    The monthly ratings summary (kind `rating`, DongBoDanhGia) is about a desk and a month, not a dossier: no
    dossier, `period` the month's first day, at most one row per desk and month (integrations/ratings.py)."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="dvcqg_rows", null=True, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("nơi tiếp nhận"), on_delete=models.PROTECT, related_name="+",
        help_text=_("Bộ phận Một cửa đã tiếp nhận hồ sơ (phạm vi của trang Đồng bộ DVCQG)."))
    event = models.ForeignKey("dossiers.DossierEvent", verbose_name=_("thao tác"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("loại"), max_length=10, choices=SyncKind.choices)
    action = models.CharField(_("thao tác gây ra"), max_length=40)
    local_state = models.CharField(_("trạng thái hồ sơ"), max_length=30, choices=State.choices)
    national_code = models.PositiveSmallIntegerField(_("mã trạng thái DVCQG"), null=True, blank=True)
    creates = models.BooleanField(
        _("tạo hồ sơ trên Cổng"), default=False,
        help_text=_("Bản tin hồ sơ đầu tiên (isUpdating “False”); các bản tin sau cập nhật hồ sơ đã có."))
    payload = models.JSONField(_("nội dung gửi"))
    status = models.CharField(_("trạng thái đồng bộ"), max_length=10, choices=SyncStatus.choices,
                              default=SyncStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    deliveries = models.PositiveSmallIntegerField(
        _("số lần đã gửi đi"), default=0, help_text=_("Lớn hơn 1: Cổng có thể đã nhận trùng (theo MaHoSo)."))
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    portal_message = models.TextField(_("phản hồi của Cổng"), blank=True)
    claim_token = models.UUIDField(_("mã phiên gửi"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("nhận gửi lúc"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("thử lại từ"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    period = models.DateField(_("tháng tổng hợp"), null=True, blank=True,
                              help_text=_("Ngày đầu tháng của bản tin đánh giá hằng tháng."))

    class Meta:
        verbose_name = _("bản tin đồng bộ DVCQG")
        verbose_name_plural = _("đồng bộ DVCQG")
        ordering = ["-id"]
        indexes = [
            # The claim's "no earlier undelivered row of this dossier", and a dossier's rows in order.
            models.Index(fields=["dossier", "id"], name="dvcqg_row_dossier_order",
                         condition=~Q(status__in=["sent", "skipped"])),
            models.Index(fields=["status", "next_attempt_at"], name="dvcqg_row_requeue"),
            models.Index(fields=["agency", "status", "id"], name="dvcqg_row_page"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False),
                                   name="dvcqg_row_sent_has_sent_at"),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_at__isnull=False, claim_token__isnull=False),
                name="dvcqg_row_sending_has_lease"),
            # A dossier's messages name their dossier; the ratings summary names a month instead.
            models.CheckConstraint(
                condition=(Q(kind="rating", dossier__isnull=True, period__isnull=False)
                           | (~Q(kind="rating") & Q(dossier__isnull=False, period__isnull=True))),
                name="dvcqg_row_dossier_or_month"),
            # Idempotent per desk and month: running the monthly push again writes nothing new.
            models.UniqueConstraint(fields=["agency", "period"], condition=Q(kind="rating"),
                                    name="dvcqg_row_rating_month_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.pk} {self.kind}"

    @property
    def ma_ho_so(self) -> str:
        return str(self.payload.get("MaHoSo", "")) if isinstance(self.payload, dict) else ""


class InboundDossier(models.Model):
    """A dossier the portal sent us (its own code, MaHoSo): it entered the lifecycle as an online submission,
    and its status changes go back to the portal under that code (DongBoTrangThaiHoSo)."""

    national_code = models.CharField(_("mã hồ sơ trên Cổng DVCQG"), max_length=60, unique=True)
    dossier = models.OneToOneField(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                   related_name="dvcqg_inbound")
    applicant_account = models.CharField(_("mã tài khoản trên Cổng (MaDoiTuong)"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("hồ sơ nhận từ Cổng DVCQG")
        verbose_name_plural = _("hồ sơ nhận từ Cổng DVCQG")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.national_code
