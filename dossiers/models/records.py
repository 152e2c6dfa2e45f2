"""What an action leaves on a dossier: events, clock pauses, supplement requests, apologies, the checklist
and the attached files."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.actions import ACTIONS
from dossiers.models.dossier import Dossier, Timeliness
from dossiers.states import State
from procedures.models import Agency, RequiredDocument


class DossierEvent(models.Model):
    """One row per action on a dossier, written in the same transaction; hand-overs print on form 06."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=40)  # a name of dossiers.actions.ActionName
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(
        _("người thực hiện (hiển thị)"), max_length=255, blank=True, help_text=_("Ví dụ “Công dân” khi không đăng nhập.")
    )
    from_state = models.CharField(_("từ trạng thái"), max_length=30, choices=State.choices, blank=True)
    to_state = models.CharField(_("đến trạng thái"), max_length=30, choices=State.choices)
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("bên giao"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        Agency, verbose_name=_("bên nhận"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("ghi chú"), blank=True)
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    step_timeliness = models.CharField(_("tiến độ bước"), max_length=10, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = _("nhật ký hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="event_by_dossier_time")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        entry = ACTIONS.get(self.action)
        return entry.label if entry is not None else self.action


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", _("Chờ bổ sung hồ sơ")
    PAYMENT = "payment", _("Chờ thực hiện nghĩa vụ tài chính")


class ClockPause(models.Model):
    """A stop of the legal clock after reception (rule 7)."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(_("lý do tạm dừng"), max_length=20, choices=PauseKind.choices)
    started_at = models.DateTimeField(_("tạm dừng lúc"))
    ended_at = models.DateTimeField(_("tiếp tục lúc"), null=True, blank=True)
    due_before = models.DateTimeField(_("hạn trước khi dừng"))
    due_after = models.DateTimeField(_("hạn sau khi tiếp tục"), null=True, blank=True)

    class Meta:
        verbose_name = _("tạm dừng tính thời hạn")
        verbose_name_plural = _("tạm dừng tính thời hạn")
        ordering = ["dossier", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=Q(ended_at__isnull=True), name="one_open_pause"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.started_at:%d/%m/%Y}"


class SupplementRequest(models.Model):
    """Form 02: one written request listing everything missing."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="supplement_requests"
    )
    number = models.PositiveSmallIntegerField(_("lần"), default=1)
    before_reception = models.BooleanField(_("khi tiếp nhận"), default=True)
    items = models.JSONField(_("nội dung cần bổ sung"), default=list)
    reason = models.TextField(_("lý do"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    answered_at = models.DateTimeField(_("bổ sung lúc"), null=True, blank=True)
    answer_note = models.TextField(_("ghi chú của người nộp"), blank=True)

    class Meta:
        verbose_name = _("yêu cầu bổ sung hồ sơ")
        verbose_name_plural = _("yêu cầu bổ sung hồ sơ")
        ordering = ["dossier", "requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier_id} #{self.number}"


class Apology(models.Model):
    """Form 04: apology and extension, at most one per dossier; never changes timeliness."""

    dossier = models.OneToOneField(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="apology")
    reason = models.TextField(_("lý do chậm"))
    original_appointment_at = models.DateTimeField(_("hẹn trả ban đầu"))
    new_appointment_at = models.DateTimeField(_("hẹn trả mới"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người lập"), on_delete=models.PROTECT)
    issued_at = models.DateTimeField(_("lập lúc"))
    is_late = models.BooleanField(
        _("lập muộn"), default=False,
        help_text=_("Lập sau thời hạn luật định (chậm nhất một ngày làm việc trước hạn giải quyết)."))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chuyên viên đề xuất"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", help_text=_("Khi lãnh đạo phê duyệt đề xuất của chuyên viên."))

    class Meta:
        verbose_name = _("phiếu xin lỗi và hẹn lại")
        verbose_name_plural = _("phiếu xin lỗi và hẹn lại")

    def __str__(self) -> str:
        return f"{self.dossier_id}"


class ApologyProposal(models.Model):
    """An officer's proposal of form 04 (reason, new appointment), waiting for the leader, who issues it."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="apology_proposals")
    reason = models.TextField(_("lý do chậm"))
    new_appointment_at = models.DateTimeField(_("hẹn trả mới đề xuất"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chuyên viên đề xuất"),
                                    on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("đề xuất lúc"))

    class Meta:
        verbose_name = _("đề xuất phiếu xin lỗi")
        verbose_name_plural = _("đề xuất phiếu xin lỗi")
        ordering = ["dossier", "-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.reason[:40]}"


class DossierDocument(models.Model):
    """One line of a dossier's documents checklist (from the procedure's required documents, or extra)."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="documents")
    required_document = models.ForeignKey(
        RequiredDocument, verbose_name=_("giấy tờ theo quy định"), null=True, blank=True, on_delete=models.SET_NULL
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    copy_kind = models.CharField(_("loại bản"), max_length=20, blank=True)
    count = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    provided = models.BooleanField(_("đã nộp"), default=False)

    class Meta:
        verbose_name = _("thành phần hồ sơ đã nộp")
        verbose_name_plural = _("thành phần hồ sơ đã nộp")
        ordering = ["dossier", "position", "id"]

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name never comes from the user: a random name with the extension of the detected type.
    suffix = PurePosixPath(filename).suffix.lower()
    now = timezone.now()
    return f"dossiers/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentPurpose(models.TextChoices):
    APPLICATION = "application", _("Thành phần hồ sơ")
    SUPPLEMENT = "supplement", _("Bổ sung")
    RESULT = "result", _("Kết quả")


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        DossierDocument,
        verbose_name=_("thành phần hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    purpose = models.CharField(
        _("mục đích"), max_length=20, choices=AttachmentPurpose.choices, default=AttachmentPurpose.APPLICATION
    )
    event = models.ForeignKey(
        "DossierEvent",
        verbose_name=_("thao tác mang tệp đến"),
        help_text=_("Lần nộp, bổ sung hoặc trả kết quả đã đính kèm tệp này."),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("tệp"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), default=timezone.now)

    signed_at = models.DateTimeField(
        _("thời điểm ký số"), null=True, blank=True,
        help_text=_("Kết quả điện tử đã ký số (PAdES) bằng chứng thư của cơ quan có thẩm quyền."))

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["dossier", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


