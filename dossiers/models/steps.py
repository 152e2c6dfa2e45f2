"""The dossier's copy of its procedure's internal process, taken at reception (like the deadline rule): one row
per step with its own due time from the legal clock, and, once the dossier moved on, when the step finished and
its timeliness against that due time (dossiers/steps.py)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models.dossier import Dossier, Timeliness
from procedures.models import Agency
from procedures.process import StepAgency, StepRole


class DossierStep(models.Model):
    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên bước"), max_length=255)
    role = models.CharField(_("người thực hiện"), max_length=20, choices=StepRole.choices)
    agency_kind = models.CharField(_("nơi thực hiện"), max_length=20, choices=StepAgency.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    hours = models.DecimalField(_("thời gian (giờ làm việc)"), max_digits=7, decimal_places=2)
    # The allotted hours of this step and every step before it: its due time is the legal clock's walk of that
    # much working time from reception (days: / 8, see procedures/process.py), moved by the pauses (rule 7).
    end_hours = models.DecimalField(_("lũy kế giờ làm việc"), max_digits=8, decimal_places=2)
    may_skip = models.BooleanField(_("có thể bỏ qua"), default=False)
    due_at = models.DateTimeField(_("hạn của bước"))
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    skipped = models.BooleanField(_("bỏ qua"), default=False)
    timeliness = models.CharField(_("kết quả"), max_length=10, choices=Timeliness.choices, blank=True)

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("các bước xử lý")
        ordering = ["dossier", "order"]
        constraints = [models.UniqueConstraint(fields=["dossier", "order"], name="dossier_step_unique_order")]
        indexes = [
            # The sweep and the queues: open steps by due time.
            models.Index(fields=["due_at"], condition=Q(finished_at__isnull=True), name="dossier_step_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    @property
    def is_open(self) -> bool:
        return self.finished_at is None
