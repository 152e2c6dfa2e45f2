"""Counters behind dossier codes, the tracking book and the numbers of the printed forms."""


from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models.dossier import Dossier
from dossiers.models.records import Apology, SupplementRequest
from procedures.models import Agency


class CounterKind(models.TextChoices):
    CODE = "code", _("Mã hồ sơ theo ngày")
    BOOK = "book", _("Số vào sổ theo dõi theo năm")


class DossierCounter(models.Model):
    """Sequences per receiving agency: daily dossier codes, yearly tracking-book entries (locked row: race-free)."""

    kind = models.CharField(_("loại"), max_length=10, choices=CounterKind.choices, default=CounterKind.CODE)
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    last_value = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("bộ đếm mã hồ sơ")
        verbose_name_plural = _("bộ đếm mã hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["kind", "agency", "day"], name="dossier_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.last_value}"










# ---------------------------------------------------------------- numbers of the forms a desk issues (02, 03, 04)
class FormNumberKind(models.TextChoices):
    """The suffix printed after the number: "Số: 12/PBS"."""

    SUPPLEMENT = "PBS", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (mẫu 02)")
    REFUSAL = "PTC", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ (mẫu 03)")
    APOLOGY = "PXL", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)")


class FormNumberCounter(models.Model):
    """The last number a desk gave a kind of form in a year (incremented by one UPSERT: race-free)."""

    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    kind = models.CharField(_("loại phiếu"), max_length=3, choices=FormNumberKind.choices)
    last = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("bộ đếm số phiếu")
        verbose_name_plural = _("bộ đếm số phiếu")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "kind"], name="form_number_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year} {self.kind} {self.last}"


class FormNumber(models.Model):
    """The number a form 02, 03 or 04 was given when issued; stored, so every re-print shows the same one.

    Form 02 belongs to its supplement request, form 04 to the apology, form 03 to the refused dossier itself."""

    kind = models.CharField(_("loại phiếu"), max_length=3, choices=FormNumberKind.choices)
    agency = models.ForeignKey(Agency, verbose_name=_("bộ phận một cửa"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    number = models.PositiveIntegerField(_("số"))
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="form_numbers"
    )
    supplement_request = models.OneToOneField(
        SupplementRequest, verbose_name=_("yêu cầu bổ sung"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="form_number",
    )
    apology = models.OneToOneField(
        Apology, verbose_name=_("phiếu xin lỗi"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="form_number",
    )
    issued_at = models.DateTimeField(_("cấp số lúc"))

    class Meta:
        verbose_name = _("số phiếu")
        verbose_name_plural = _("số phiếu")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "kind", "number"], name="form_number_unique"),
            models.UniqueConstraint(fields=["dossier", "kind"], condition=~Q(kind="PBS"),
                                    name="form_number_one_refusal_or_apology"),
            models.CheckConstraint(
                condition=Q(kind="PBS", supplement_request__isnull=False, apology__isnull=True)
                | Q(kind="PTC", supplement_request__isnull=True, apology__isnull=True)
                | Q(kind="PXL", supplement_request__isnull=True, apology__isnull=False),
                name="form_number_links_its_document",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.kind}"
