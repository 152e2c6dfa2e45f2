"""Printed documents kept in private storage, and the signed electronic results: the agencies' signing
certificates (PKCS#12 in private storage, the password outside the database) and one record per approval that
says whether, with what and by whom the result was signed."""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Attachment, Dossier, DossierEvent
from procedures.models import Agency

# The name of the environment variable (or key of settings.SIGNING_KEY_PASSWORDS) holding a key's password. The
# prefix keeps an administrator from pointing it at another secret of the process (the database URL, the
# secret key) and using the form's "wrong password" answer to test guesses of it.
PASSWORD_SOURCE = RegexValidator(
    r"^ONECUA_SIGNING_[A-Z0-9_]{1,80}$",
    _("Tên biến phải bắt đầu bằng ONECUA_SIGNING_ và chỉ gồm chữ in hoa không dấu, chữ số và dấu gạch dưới."),
)


class TrackingBookFile(models.Model):
    """A day's tracking book (form 07) of a desk, rendered in the background into private storage."""

    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    file = models.FileField(_("tệp PDF"), upload_to="tracking-books/", max_length=255)
    dossier_count = models.PositiveIntegerField(_("số hồ sơ"), default=0)
    rendered_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)

    class Meta:
        db_table = "dossiers_trackingbookfile"  # created by the dossiers app, which owned it before
        verbose_name = _("sổ theo dõi hồ sơ (PDF)")
        verbose_name_plural = _("sổ theo dõi hồ sơ (PDF)")
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="tracking_book_file_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}"


def signing_key_path(instance: "SigningCertificate", filename: str) -> str:
    # Never the uploaded name: a random one, in private storage (no public URL serves it).
    return f"signing/keys/{uuid.uuid4().hex}.p12"


class SigningCertificate(models.Model):
    """An agency's certificate and private key (a PKCS#12 file) that signs its electronic results. The subject,
    issuer, serial number and validity are read from the certificate when it is installed
    (printing.keys.install_certificate, the admin's form), never typed."""

    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="signing_certificates")
    file = models.FileField(_("tệp chứng thư số (PKCS#12)"), upload_to=signing_key_path, max_length=255)
    password_source = models.CharField(
        _("biến môi trường chứa mật khẩu"), max_length=100, validators=[PASSWORD_SOURCE],
        help_text=_("Tên biến môi trường (hoặc khóa trong SIGNING_KEY_PASSWORDS) chứa mật khẩu của tệp, ví dụ "
                    "ONECUA_SIGNING_SO_TAI_CHINH. Mật khẩu không bao giờ được lưu trong cơ sở dữ liệu."))
    subject = models.CharField(_("chủ thể"), max_length=500, editable=False)
    issuer = models.CharField(_("tổ chức cấp"), max_length=500, editable=False)
    serial = models.CharField(_("số hiệu"), max_length=100, editable=False)
    fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64, editable=False)
    not_before = models.DateTimeField(_("hiệu lực từ"), editable=False)
    not_after = models.DateTimeField(_("hiệu lực đến"), editable=False)
    is_active = models.BooleanField(_("đang dùng"), default=True)
    installed_at = models.DateTimeField(_("cài đặt lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("chứng thư số của cơ quan")
        verbose_name_plural = _("chứng thư số của cơ quan")
        ordering = ["agency", "-not_after", "-id"]
        indexes = [models.Index(fields=["agency", "is_active", "not_after"], name="signing_cert_by_agency")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.not_after:%d/%m/%Y})" if self.not_after else self.subject

    def is_valid_at(self, when) -> bool:
        return self.is_active and self.not_before <= when <= self.not_after


class SigningOutcome(models.TextChoices):
    SIGNED = "signed", _("Đã ký số")
    NOT_SIGNED = "not_signed", _("Không ký số")


class NotSignedReason(models.TextChoices):
    NO_CERTIFICATE = "no_certificate", _("Cơ quan chưa có chứng thư số còn hiệu lực")
    KEY_UNAVAILABLE = "key_unavailable", _("Không mở được khóa ký (tệp hoặc mật khẩu của chứng thư số)")
    ERROR = "error", _("Lỗi khi ký văn bản kết quả")


class ResultSignature(models.Model):
    """What a leader's approval did about the electronic result: signed (the signed PDF is `attachment`; `key` is
    the address of its verification page, printed as a QR code in the PDF) or not, and why."""

    key = models.UUIDField(_("mã xác thực"), default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="result_signatures")
    event = models.ForeignKey(DossierEvent, verbose_name=_("thao tác phê duyệt"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("kết quả ký"), max_length=12, choices=SigningOutcome.choices)
    reason = models.CharField(_("lý do không ký"), max_length=20, choices=NotSignedReason.choices, blank=True)
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan ký"), on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey(SigningCertificate, verbose_name=_("chứng thư số"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    signer_name = models.CharField(_("người ký"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    source = models.ForeignKey(Attachment, verbose_name=_("văn bản được ký"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+",
                               help_text=_("Tệp kết quả chuyên viên đính kèm; trống khi hệ thống tự lập văn bản."))
    attachment = models.OneToOneField(Attachment, verbose_name=_("văn bản đã ký"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="result_signature")
    created_at = models.DateTimeField(_("lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("ký số kết quả")
        verbose_name_plural = _("ký số kết quả")
        ordering = ["dossier", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome="not_signed") | (models.Q(reason="") & models.Q(signed_at__isnull=False)),
                name="result_signature_signed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.outcome}"

    @property
    def is_signed(self) -> bool:
        return self.outcome == SigningOutcome.SIGNED and self.attachment_id is not None
