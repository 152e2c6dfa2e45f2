"""A procedure's internal electronic process (quy trình nội bộ, điện tử): ordered steps, each with who does it
(a role), where (the receiving desk, the competent agency or a named agency), its allotted working hours and
whether it may be skipped. The allotted hours add up to the procedure's legal deadline in working hours.

Days convert to hours with the default working day of docs/time-rules.md (07:00–11:30 + 13:30–17:00 = 8 h):
a 5-working-day procedure has 40 allotted hours. At a dossier, each step's share is counted in the dossier's
own unit (hours, or hours / 8 in working days), so on an agency whose working day is shorter (7.5 h) the steps
keep their proportions and the last step still ends exactly at the dossier's due time.
Processes apply to deadlines in working hours or working days; calendar days and "same day" have no working
hours to share, so a process cannot be set for them.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

HOURS_PER_DAY = Decimal(8)  # docs/time-rules.md: the default working day (rule 4)


class StepRole(models.TextChoices):
    """The same values as accounts.models.Role (this app sits below accounts and cannot import it)."""

    CLERK = "clerk", _("Cán bộ một cửa")
    OFFICER = "officer", _("Chuyên viên xử lý")
    LEADER = "leader", _("Lãnh đạo")


class StepAgency(models.TextChoices):
    RECEIVING = "receiving", _("Bộ phận Một cửa tiếp nhận")
    COMPETENT = "competent", _("Cơ quan có thẩm quyền giải quyết")
    NAMED = "named", _("Cơ quan được chỉ định")


def deadline_hours(procedure) -> Decimal | None:
    """The procedure's legal deadline in working hours; None when it is not counted in working time."""
    if procedure.deadline_unit == "working_hours":
        return Decimal(procedure.deadline_amount)
    if procedure.deadline_unit == "working_days":
        return Decimal(procedure.deadline_amount) * HOURS_PER_DAY
    return None


class ProcessStep(models.Model):
    procedure = models.ForeignKey("procedures.Procedure", verbose_name=_("thủ tục"), on_delete=models.CASCADE,
                                  related_name="process_steps")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=255)
    role = models.CharField(_("người thực hiện"), max_length=20, choices=StepRole.choices)
    agency_kind = models.CharField(_("nơi thực hiện"), max_length=20, choices=StepAgency.choices,
                                   default=StepAgency.COMPETENT)
    agency = models.ForeignKey("procedures.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="+",
                               help_text=_("Chỉ khi nơi thực hiện là cơ quan được chỉ định."))
    hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=7, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.01"))])
    may_skip = models.BooleanField(_("có thể bỏ qua"), default=False)

    class Meta:
        verbose_name = _("bước quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        ordering = ["procedure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="process_step_unique_order"),
            models.CheckConstraint(condition=models.Q(hours__gt=0), name="process_step_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def clean(self):
        super().clean()
        if self.agency_kind == StepAgency.NAMED and self.agency_id is None:
            raise ValidationError({"agency": _("Hãy chọn cơ quan thực hiện bước này.")})
        if self.agency_kind != StepAgency.NAMED and self.agency_id is not None:
            raise ValidationError({"agency": _("Chỉ chọn cơ quan khi nơi thực hiện là cơ quan được chỉ định.")})


def check_process(procedure, steps) -> None:
    """The steps (ProcessStep-like: `hours`) must share exactly the procedure's deadline; raises ValidationError."""
    steps = list(steps)
    if not steps:
        return
    total = deadline_hours(procedure)
    if total is None:
        raise ValidationError(_("Quy trình nội bộ chỉ áp dụng cho thời hạn tính bằng giờ hoặc ngày làm việc."))
    given = sum((Decimal(s.hours) for s in steps), Decimal(0))
    if given != total:
        raise ValidationError(
            _("Tổng thời gian các bước (%(given)s giờ) phải bằng thời hạn giải quyết (%(total)s giờ làm việc; "
              "1 ngày làm việc = 8 giờ).") % {"given": given.normalize(), "total": total.normalize()})
