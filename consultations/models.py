"""Consultation between agencies (lấy ý kiến): the agency handling a dossier asks another agency for an opinion,
with a reply-by time in working days on the consulted agency's legal clock. The dossier stays where it is (no
hand-over, no state change). Data and invariants only; every write is in consultations/services.py."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OPEN = "open", _("Chờ trả lời")
    ANSWERED = "answered", _("Đã trả lời")


class Timeliness(models.TextChoices):
    """The answer against the reply-by time (procedures.worktime.timeliness, rule 9)."""

    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Consultation(models.Model):
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="+")
    asking_agency = models.ForeignKey("procedures.Agency", verbose_name=_("cơ quan xin ý kiến"),
                                      on_delete=models.PROTECT, related_name="+")
    consulted_agency = models.ForeignKey("procedures.Agency", verbose_name=_("cơ quan được xin ý kiến"),
                                         on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người xin ý kiến"),
                                 on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("nội dung xin ý kiến"))
    working_days = models.PositiveSmallIntegerField(_("số ngày làm việc để trả lời"))
    asked_at = models.DateTimeField(_("xin ý kiến lúc"), default=timezone.now)
    reply_by = models.DateTimeField(_("hạn trả lời"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người trả lời"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    timeliness = models.CharField(_("thời hạn trả lời"), max_length=10, choices=Timeliness.choices, blank=True)
    overdue_notified_at = models.DateTimeField(_("đã báo quá hạn lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("xin ý kiến")
        verbose_name_plural = _("xin ý kiến")
        ordering = ["-asked_at", "-id"]
        indexes = [
            models.Index(fields=["consulted_agency", "status", "reply_by"], name="consult_queue"),
            models.Index(fields=["asking_agency", "asked_at"], name="consult_asked"),
            models.Index(fields=["status", "reply_by"], name="consult_overdue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (Q(answered_at__isnull=False) & ~Q(answer="") & ~Q(timeliness="")),
                name="consult_answered_has_answer"),
            models.CheckConstraint(condition=~Q(asking_agency=models.F("consulted_agency")),
                                   name="consult_other_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def is_late(self) -> bool:
        """Answered after the reply-by time, or still unanswered past it."""
        if self.status == Status.ANSWERED:
            return self.timeliness == Timeliness.LATE
        return timezone.now() > self.reply_by


class FileRole(models.TextChoices):
    QUESTION = "question", _("Tệp gửi kèm khi xin ý kiến")
    DOSSIER = "dossier", _("Tệp của hồ sơ")
    ANSWER = "answer", _("Tệp gửi kèm trả lời")


def consultation_path(instance: "ConsultationFile", filename: str) -> str:
    # The stored name never comes from the user: a random name with the extension of the detected type.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"consultations/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ConsultationFile(models.Model):
    """A file of a consultation: sent with the question or the answer (stored here, in private storage), or one
    of the dossier's own files shared with the consulted agency (`attachment`; nothing copied)."""

    consultation = models.ForeignKey(Consultation, verbose_name=_("xin ý kiến"), on_delete=models.CASCADE,
                                     related_name="files")
    role = models.CharField(_("loại"), max_length=10, choices=FileRole.choices)
    attachment = models.ForeignKey("dossiers.Attachment", verbose_name=_("tệp của hồ sơ"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("tệp"), upload_to=consultation_path, max_length=255, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("tải lên lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("tệp xin ý kiến")
        verbose_name_plural = _("tệp xin ý kiến")
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return self.original_name


EVENT_LABELS = {
    "ask": _("Xin ý kiến cơ quan khác"),
    "answer": _("Cơ quan được xin ý kiến trả lời"),
    "overdue": _("Quá hạn trả lời xin ý kiến: đã báo lãnh đạo"),
}


class ConsultationEvent(models.Model):
    """One step of a consultation, also read into the dossier's history (no personal data in `note`)."""

    consultation = models.ForeignKey(Consultation, verbose_name=_("xin ý kiến"), on_delete=models.CASCADE,
                                     related_name="events")
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="+")
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("thao tác"), max_length=20)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("diễn biến xin ý kiến")
        verbose_name_plural = _("diễn biến xin ý kiến")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="consult_event_dossier")]

    def __str__(self) -> str:
        return f"{self.consultation_id}: {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))
