"""Feedback and complaints (phản ánh, kiến nghị — PAKN) about a dossier or a procedure.

Data and invariants only; every write is in feedback/services.py. The sender's name, phone and e-mail are
personal data: masked in staff lists, never logged, never on a public page (the published version is the
redacted `public_content` / `public_answer` an officer edits and a leader approves).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FEEDBACK = "feedback", _("Phản ánh")
    PROPOSAL = "proposal", _("Kiến nghị")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đã giao xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    PUBLISHED = "published", _("Đã công khai")
    CLOSED = "closed", _("Đã đóng, không công khai")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED)  # waiting for the answer: the due time applies
ANSWERED_STATUSES = (Status.ANSWERED, Status.PUBLISHED, Status.CLOSED)


class Timeliness(models.TextChoices):
    """The answer against its due time (procedures.worktime.timeliness, rule 9)."""

    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Feedback(models.Model):
    code = models.CharField(_("mã phản ánh"), max_length=20, unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices, default=Kind.FEEDBACK)
    procedure = models.ForeignKey("procedures.Procedure", verbose_name=_("thủ tục"), on_delete=models.PROTECT,
                                  related_name="+")
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("hồ sơ"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    agency = models.ForeignKey("procedures.Agency", verbose_name=_("cơ quan xử lý"), on_delete=models.PROTECT,
                               related_name="+",
                               help_text=_("Nơi tiếp nhận hồ sơ, hoặc nơi tiếp nhận thủ tục người gửi chọn."))
    sender_name = models.CharField(_("họ và tên người gửi"), max_length=255)
    sender_phone = models.CharField(_("số điện thoại người gửi"), max_length=20)
    sender_email = models.EmailField(_("thư điện tử người gửi"), blank=True, default="")
    sender_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("tài khoản người gửi"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    content = models.TextField(_("nội dung"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), default=timezone.now)
    due_at = models.DateTimeField(_("hạn trả lời"))
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cán bộ xử lý"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("giao lúc"), null=True, blank=True)
    answer = models.TextField(_("nội dung trả lời"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người trả lời"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    timeliness = models.CharField(_("thời hạn trả lời"), max_length=10, choices=Timeliness.choices, blank=True)
    public_content = models.TextField(_("nội dung công khai"), blank=True,
                                      help_text=_("Nội dung phản ánh đã bỏ thông tin cá nhân."))
    public_answer = models.TextField(_("trả lời công khai"), blank=True,
                                     help_text=_("Nội dung trả lời đã bỏ thông tin cá nhân."))
    published_at = models.DateTimeField(_("công khai lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("đóng lúc"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("đã báo quá hạn lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "due_at"], name="feedback_staff_list"),
            models.Index(fields=["agency", "received_at"], name="feedback_report"),
            models.Index(fields=["procedure", "status", "published_at"], name="feedback_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["received", "assigned"])
                | (Q(answered_at__isnull=False) & ~Q(answer="") & ~Q(timeliness="")),
                name="feedback_answered_has_answer"),
            models.CheckConstraint(condition=~Q(status="assigned") | Q(assigned_to__isnull=False),
                                   name="feedback_assigned_has_officer"),
            models.CheckConstraint(
                condition=~Q(status="published") | (Q(published_at__isnull=False) & ~Q(public_answer="")),
                name="feedback_published_has_text"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        """Still waiting for its answer after the due time."""
        return self.is_open and (now or timezone.now()) > self.due_at


EVENT_LABELS = {
    "submit": _("Người gửi gửi phản ánh, kiến nghị"),
    "assign": _("Lãnh đạo giao cán bộ xử lý"),
    "answer": _("Trả lời phản ánh, kiến nghị"),
    "publish": _("Công khai trả lời trên trang thủ tục"),
    "close": _("Đóng, không công khai"),
    "overdue": _("Quá hạn trả lời: đã báo lãnh đạo"),
}


class FeedbackEvent(models.Model):
    """One step of a feedback's history (no personal data in `note`)."""

    feedback = models.ForeignKey(Feedback, verbose_name=_("phản ánh"), on_delete=models.CASCADE,
                                 related_name="events")
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("thao tác"), max_length=20)
    from_status = models.CharField(_("từ trạng thái"), max_length=10, blank=True)
    to_status = models.CharField(_("sang trạng thái"), max_length=10)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("diễn biến xử lý phản ánh")
        verbose_name_plural = _("diễn biến xử lý phản ánh")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.feedback_id}: {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def to_status_label(self) -> str:
        return str(Status(self.to_status).label) if self.to_status in Status.values else self.to_status
