"""The statistics summary: sums of every dossier's contributions (see reports.figures), per local day, month and
year × competent agency × receiving desk × procedure. Kept up to date inside each dossier write's transaction;
rebuilt from the base tables on demand. Read-only for everything else."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, Procedure
from reports.figures import MEASURES


class Level(models.TextChoices):
    DAY = "D", _("Ngày")
    MONTH = "M", _("Tháng")
    YEAR = "Y", _("Năm")


class Tally(models.Model):
    # One index only, the unique (level, bucket, agency, desk, procedure): reports read ranges of (level, bucket).
    # `agency` is the dossiers' competent agency (the rows of II.06a and Decision 766), `desk` the one-stop desk
    # that received them (a filter; the public page's rows).
    level = models.CharField(_("cấp thời gian"), max_length=1, choices=Level.choices)
    bucket = models.DateField(_("kỳ"), help_text=_("Ngày; ngày đầu tháng; ngày đầu năm."))
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan có thẩm quyền giải quyết"),
                               on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    desk = models.ForeignKey(Agency, verbose_name=_("nơi tiếp nhận"), on_delete=models.DO_NOTHING,
                             db_constraint=False, db_index=False, related_name="+")
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.DO_NOTHING,
                                  db_constraint=False, db_index=False, related_name="+")
    locals().update({name: models.IntegerField(name, default=0) for name in MEASURES})

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")
        constraints = [models.UniqueConstraint(fields=["level", "bucket", "agency", "desk", "procedure"],
                                               name="tally_one_row_per_bucket")]

    def __str__(self) -> str:
        return f"{self.level} {self.bucket:%d/%m/%Y} {self.agency_id}/{self.desk_id}/{self.procedure_id}"


class DurationTally(models.Model):
    """How many dossiers resolved in a month took `days` calendar days from receipt to result."""

    month = models.DateField(_("tháng"))
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan có thẩm quyền giải quyết"),
                               on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    desk = models.ForeignKey(Agency, verbose_name=_("nơi tiếp nhận"), on_delete=models.DO_NOTHING,
                             db_constraint=False, db_index=False, related_name="+")
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.DO_NOTHING,
                                  db_constraint=False, db_index=False, related_name="+")
    days = models.IntegerField(_("số ngày"))
    count = models.IntegerField(_("số hồ sơ"), default=0)

    class Meta:
        verbose_name = _("phân bố thời gian giải quyết")
        verbose_name_plural = _("phân bố thời gian giải quyết")
        constraints = [models.UniqueConstraint(fields=["month", "agency", "desk", "procedure", "days"],
                                               name="duration_one_row_per_bucket")]
        indexes = [models.Index(fields=["procedure", "month"], name="duration_by_procedure")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}/{self.desk_id}/{self.procedure_id}: {self.days}"


class Rebuild(models.Model):
    """One rebuild of the summary from the base tables (who asked, when, what it found)."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("yêu cầu lúc"))
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    dossiers = models.PositiveIntegerField(_("số hồ sơ"), default=0)
    rows = models.PositiveIntegerField(_("số dòng tổng hợp"), default=0)

    class Meta:
        verbose_name = _("lần tổng hợp lại")
        verbose_name_plural = _("lần tổng hợp lại")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.requested_at:%d/%m/%Y %H:%M}"

from reports.inspection import InspectorEntry  # noqa: E402,F401  (Decision 766 values entered by the inspector)
