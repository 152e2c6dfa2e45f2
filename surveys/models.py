"""Satisfaction: the quick rating, the nine evaluation indices, the SIPAS-style questionnaire, follow-ups.

Data and invariants only; every write is in surveys/services.py.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """The quick rating's three answers; the values are also the points a rating is worth."""

    VERY_SATISFIED = 2, _("Rất hài lòng")
    SATISFIED = 1, _("Hài lòng")
    NOT_SATISFIED = 0, _("Không hài lòng")


class Via(models.TextChoices):
    KIOSK = "kiosk", _("Máy tính bảng tại quầy")
    LINK = "link", _("Đường dẫn trong thông báo")
    TRACKING = "tracking", _("Trang tra cứu hồ sơ")


class Rating(models.Model):
    """The applicant's quick rating of one returned dossier (at most one per dossier)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), related_name="rating", on_delete=models.CASCADE
    )
    overall = models.PositiveSmallIntegerField(
        _("mức độ hài lòng chung"), choices=Level.choices, help_text=_("Mức độ hài lòng về việc giải quyết hồ sơ.")
    )
    convenience = models.PositiveSmallIntegerField(
        _("mức độ thuận tiện"), choices=Level.choices, help_text=_("Mức độ thuận tiện khi thực hiện thủ tục.")
    )
    comment = models.TextField(_("góp ý"), blank=True, help_text=_("Không bắt buộc."))
    via = models.CharField(_("hình thức đánh giá"), max_length=10, choices=Via.choices)
    rated_at = models.DateTimeField(_("đánh giá lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["rated_at"], name="rating_by_time")]
        constraints = [
            models.CheckConstraint(condition=Q(overall__lte=2), name="rating_overall_level"),
            models.CheckConstraint(condition=Q(convenience__lte=2), name="rating_convenience_level"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_overall_display()}"

    @property
    def is_not_satisfied(self) -> bool:
        return Level.NOT_SATISFIED in (self.overall, self.convenience)


# ---------------------------------------------------------------- the nine evaluation indices
class Score(models.IntegerChoices):
    GOOD = 2, _("2 điểm")
    FAIR = 1, _("1 điểm")
    POOR = 0, _("0 điểm")


# (field name, label, computed automatically?) in the order of docs/domain.md §8.
INDICES = [
    ("total_time", _("Thời gian giải quyết so với thời hạn"), True),
    ("step_time", _("Thời gian xử lý của từng cơ quan, đơn vị so với thời gian được giao"), True),
    ("comebacks", _("Số lần người nộp phải đi lại (yêu cầu bổ sung)"), True),
    ("agencies_contacted", _("Số cơ quan, đơn vị người nộp phải liên hệ"), False),
    ("one_stop_desk", _("Giải quyết tại Bộ phận Một cửa"), True),
    ("publicity", _("Công khai thủ tục hành chính"), False),
    ("staff_attitude", _("Thái độ của cán bộ, công chức"), False),
    ("complaints", _("Xử lý phản ánh, kiến nghị"), False),
    ("online_service", _("Cung cấp dịch vụ công trực tuyến"), True),
]
INDEX_FIELDS = [name for name, _label, _auto in INDICES]
AUTOMATIC_FIELDS = [name for name, _label, auto in INDICES if auto]
MANUAL_FIELDS = [name for name, _label, auto in INDICES if not auto]
INDEX_LABELS = {name: label for name, label, _auto in INDICES}


def _score_field(name: str, number: int):
    label, automatic = next((label, auto) for n, label, auto in INDICES if n == name)
    return models.PositiveSmallIntegerField(
        format_lazy("{}. {}", number, label), choices=Score.choices, null=True, blank=True,
        help_text=_("Tự động tính khi trả kết quả.") if automatic else _("Do cán bộ một cửa hoặc thanh tra nhập."),
    )


class EvaluationIndices(models.Model):
    """The nine indices of one returned dossier, each 2/1/0; empty means not scored yet."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), related_name="evaluation", on_delete=models.CASCADE
    )
    total_time = _score_field("total_time", 1)
    step_time = _score_field("step_time", 2)
    comebacks = _score_field("comebacks", 3)
    agencies_contacted = _score_field("agencies_contacted", 4)
    one_stop_desk = _score_field("one_stop_desk", 5)
    publicity = _score_field("publicity", 6)
    staff_attitude = _score_field("staff_attitude", 7)
    complaints = _score_field("complaints", 8)
    online_service = _score_field("online_service", 9)
    computed_at = models.DateTimeField(_("tính tự động lúc"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nhập"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("nhập lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("chỉ số đánh giá giải quyết hồ sơ")
        verbose_name_plural = _("chỉ số đánh giá giải quyết hồ sơ")
        constraints = [
            models.CheckConstraint(condition=Q(**{f"{name}__lte": 2}) | Q(**{f"{name}__isnull": True}),
                                   name=f"indices_{name}_score")
            for name in INDEX_FIELDS
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}"

    def scores(self) -> list[tuple[str, str, int | None, bool]]:
        """(field, label, score, automatic) for the nine indices, in order."""
        return [(name, str(label), getattr(self, name), auto) for name, label, auto in INDICES]


# ---------------------------------------------------------------- SIPAS-style questionnaire
class Factor(models.TextChoices):
    ACCESS = "access", _("Tiếp cận dịch vụ")
    PROCEDURE = "procedure", _("Thủ tục hành chính")
    STAFF = "staff", _("Công chức trực tiếp giải quyết công việc")
    RESULT = "result", _("Kết quả giải quyết")
    FEEDBACK = "feedback", _("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị")


class Scale(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("Rất không hài lòng")
    DISSATISFIED = 2, _("Không hài lòng")
    NEUTRAL = 3, _("Bình thường")
    SATISFIED = 4, _("Hài lòng")
    VERY_SATISFIED = 5, _("Rất hài lòng")


class Question(models.Model):
    """One criterion of the questionnaire; administrators edit, reorder or retire them in the admin."""

    factor = models.CharField(_("yếu tố"), max_length=20, choices=Factor.choices)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=1)
    text = models.CharField(_("nội dung tiêu chí"), max_length=500)
    is_active = models.BooleanField(_("đang sử dụng"), default=True,
                                    help_text=_("Bỏ chọn để ngừng hỏi; các câu trả lời cũ vẫn được giữ."))

    class Meta:
        verbose_name = _("tiêu chí khảo sát")
        verbose_name_plural = _("tiêu chí khảo sát")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class QuestionnaireResponse(models.Model):
    """The applicant's answers to the questionnaire for one dossier (at most one per dossier)."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), related_name="questionnaire", on_delete=models.CASCADE
    )
    via = models.CharField(_("hình thức"), max_length=10, choices=Via.choices)
    submitted_at = models.DateTimeField(_("trả lời lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("phiếu khảo sát")
        verbose_name_plural = _("phiếu khảo sát")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["submitted_at"], name="questionnaire_by_time")]

    def __str__(self) -> str:
        return f"{self.dossier_id}"


class Answer(models.Model):
    response = models.ForeignKey(QuestionnaireResponse, verbose_name=_("phiếu khảo sát"), on_delete=models.CASCADE,
                                 related_name="answers")
    question = models.ForeignKey(Question, verbose_name=_("tiêu chí"), on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("mức đánh giá"), choices=Scale.choices, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        verbose_name = _("câu trả lời")
        verbose_name_plural = _("câu trả lời")
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="answer_score_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}: {self.score}"


# ---------------------------------------------------------------- "not satisfied" follow-up
class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Chờ lãnh đạo phản hồi")
    CLOSED = "closed", _("Đã phản hồi")


class FollowUp(models.Model):
    """A "Không hài lòng" rating: the head of the receiving agency must record a response."""

    rating = models.OneToOneField(Rating, verbose_name=_("đánh giá"), on_delete=models.CASCADE,
                                  related_name="follow_up")
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="+")
    agency = models.ForeignKey("procedures.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT,
                               related_name="+", help_text=_("Nơi tiếp nhận hồ sơ; lãnh đạo cơ quan này phản hồi."))
    status = models.CharField(_("trạng thái"), max_length=10, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.OPEN)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    response = models.TextField(_("nội dung phản hồi, biện pháp khắc phục"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người phản hồi"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("phản hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("xử lý đánh giá không hài lòng")
        verbose_name_plural = _("xử lý đánh giá không hài lòng")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["agency", "status", "created_at"], name="followup_open_by_agency")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | (Q(responded_at__isnull=False) & ~Q(response="")),
                name="followup_closed_has_response",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} ({self.get_status_display()})"
