"""Personal data protection: who opened which dossier's personal data, citizens' correction requests, and the
archive mark of dossiers whose personal data left the live database.

None of these adds a field to the Dossier model (owned by the dossiers app): each is keyed by the dossier.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.masking import mask_digits
from dossiers.models import Dossier
from procedures.models import Agency

# What replaces a personal field of an archived dossier (the figures are kept, the person is not).
ARCHIVED_MARK = "[đã lưu trữ]"


class AccessKind(models.TextChoices):
    STAFF_PAGE = "staff_page", _("Trang hồ sơ của cán bộ")
    FORM_PDF = "form_pdf", _("Mẫu PDF")
    ATTACHMENT = "attachment", _("Tệp đính kèm")
    EXPORT = "export", _("Tệp kết xuất")


class PersonalDataAccess(models.Model):
    """One opening of a dossier's personal data by a staff member (a page, a form PDF, a file, an export line).

    Written outside the action's transaction by one INSERT (privacy.services.access_record); deleted after
    ONECUA["ACCESS_LOG_DAYS"] days by the task privacy.purge_access_log."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người truy cập"), on_delete=models.PROTECT,
                             related_name="+")
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("nội dung truy cập"), max_length=20, choices=AccessKind.choices)
    detail = models.CharField(_("chi tiết"), max_length=100, blank=True,
                              help_text=_("Số mẫu, mã tệp đính kèm hoặc tên tệp kết xuất."))
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    client_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt truy cập dữ liệu cá nhân")
        verbose_name_plural = _("nhật ký truy cập dữ liệu cá nhân")
        ordering = ["-at", "-id"]
        indexes = [
            # The inspectors' page (newest first) and the purge of old rows.
            models.Index(fields=["at"], name="pda_by_time"),
            models.Index(fields=["dossier", "at"], name="pda_by_dossier_time"),
            models.Index(fields=["user", "at"], name="pda_by_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.dossier_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def what(self) -> str:
        label = str(AccessKind(self.kind).label)
        return f"{label} {self.detail}" if self.detail else label

    @property
    def user_label(self) -> str:
        """The staff member's name; never a phone number used as a user name."""
        user = self.user
        name = user.full_name or user.get_full_name()
        if name:
            return name
        digits = sum(ch.isdigit() for ch in user.username)
        return mask_digits(user.username) if digits >= 6 else user.username


class CorrectionField(models.TextChoices):
    NAME = "name", _("Họ và tên")
    ID_NUMBER = "id_number", _("Số định danh cá nhân")
    BIRTH_DATE = "birth_date", _("Ngày sinh")
    ADDRESS = "address", _("Địa chỉ")
    PHONE = "phone", _("Số điện thoại")
    EMAIL = "email", _("Thư điện tử")
    OTHER = "other", _("Thông tin khác")


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("Chờ xử lý")
    DONE = "done", _("Đã xử lý")


class CorrectionRequest(models.Model):
    """A citizen's request to correct personal data held about them (a dossier's, or their account's)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("công dân"), on_delete=models.CASCADE,
                             related_name="+")
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", help_text=_("Để trống khi yêu cầu đính chính thông tin tài khoản."))
    agency = models.ForeignKey(Agency, verbose_name=_("nơi tiếp nhận"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+",
                               help_text=_("Bộ phận Một cửa đã tiếp nhận hồ sơ: cán bộ ở đây xử lý yêu cầu."))
    field = models.CharField(_("thông tin cần đính chính"), max_length=20, choices=CorrectionField.choices)
    wrong_value = models.TextField(_("thông tin đang sai"), max_length=1000)
    correct_value = models.TextField(_("thông tin đúng"), max_length=1000)
    created_at = models.DateTimeField(_("gửi lúc"), default=timezone.now)
    status = models.CharField(_("trạng thái"), max_length=10, choices=CorrectionStatus.choices,
                              default=CorrectionStatus.OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cán bộ xử lý"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(_("xử lý lúc"), null=True, blank=True)
    response = models.TextField(_("trả lời của cơ quan"), blank=True)

    class Meta:
        verbose_name = _("yêu cầu đính chính dữ liệu cá nhân")
        verbose_name_plural = _("yêu cầu đính chính dữ liệu cá nhân")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "created_at"], name="correction_desk_list")]

    def __str__(self) -> str:
        return f"{self.pk} {self.get_field_display()}"


class DossierArchive(models.Model):
    """A closed dossier exported to an archive package; its personal data was then removed from the live rows.

    The row is the mark that makes `archive_dossiers` idempotent."""

    dossier = models.OneToOneField(Dossier, verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("kết thúc lúc"))
    archived_at = models.DateTimeField(_("lưu trữ lúc"), default=timezone.now)
    archived_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người lưu trữ"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text=_("Để trống khi chạy bằng lệnh quản trị."))
    package = models.CharField(_("gói lưu trữ"), max_length=500,
                               help_text=_("Đường dẫn của tệp ZIP, tính từ thư mục lưu trữ (ARCHIVE_ROOT)."))
    package_sha256 = models.CharField(_("mã băm SHA-256 của gói"), max_length=64)
    package_size = models.PositiveBigIntegerField(_("dung lượng gói (byte)"))
    file_count = models.PositiveIntegerField(_("số tệp đính kèm"), default=0)

    class Meta:
        verbose_name = _("hồ sơ đã lưu trữ")
        verbose_name_plural = _("hồ sơ đã lưu trữ")
        ordering = ["-archived_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.package}"
