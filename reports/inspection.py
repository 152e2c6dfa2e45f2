"""Decision 766 indicators the system cannot measure: an inspector enters them, per agency × period × indicator
(numerator and denominator, who, when). An indicator without an entry is shown as "waiting for the inspector" and
never scored. Only inspectors (and administrators) enter values, and only for agencies they oversee."""

from datetime import date

from django import forms
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scoping import staff_agency_ids
from core.errors import ActionForbidden, InvalidInput
from procedures.forms import VNDateField
from procedures.models import Agency

INSPECTOR_ROLES = {Role.INSPECTOR, Role.ADMIN}


class InspectorIndicator(models.TextChoices):
    DATA_REUSE = "data_reuse", _("Tỷ lệ tái sử dụng thông tin, dữ liệu số hóa")


class InspectorEntry(models.Model):
    agency = models.ForeignKey(Agency, verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+")
    start = models.DateField(_("từ ngày"))
    end = models.DateField(_("đến ngày"))
    indicator = models.CharField(_("chỉ số"), max_length=30, choices=InspectorIndicator.choices)
    numerator = models.PositiveIntegerField(_("tử số"))
    denominator = models.PositiveIntegerField(_("mẫu số"))
    note = models.CharField(_("ghi chú, nguồn số liệu"), max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhập"), on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(_("nhập lúc"), default=timezone.now)

    class Meta:
        app_label = "reports"
        verbose_name = _("chỉ số 766 do thanh tra nhập")
        verbose_name_plural = _("chỉ số 766 do thanh tra nhập")
        constraints = [
            models.UniqueConstraint(fields=["agency", "indicator", "start", "end"], name="inspector_entry_once"),
            models.CheckConstraint(condition=models.Q(denominator__gt=0), name="inspector_entry_denominator"),
            models.CheckConstraint(condition=models.Q(numerator__lte=models.F("denominator")),
                                   name="inspector_entry_share"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.indicator} {self.start}–{self.end}"


def may_enter(*, user) -> bool:
    return bool(staff_agency_ids(user=user, roles=INSPECTOR_ROLES))


def entries_for(*, agency_ids, start: date, end: date) -> dict[tuple[int, str], InspectorEntry]:
    """The entries of exactly this period, keyed by (agency id, indicator)."""
    rows = (InspectorEntry.objects.filter(agency_id__in=agency_ids, start=start, end=end)
            .select_related("entered_by"))
    return {(e.agency_id, e.indicator): e for e in rows}


@transaction.atomic
def inspector_entry_save(*, user, agency: Agency, start: date, end: date, indicator: str, numerator: int,
                         denominator: int, note: str = "") -> InspectorEntry:
    """Records (or replaces) the value of one indicator for one agency and period. Refused for anyone who is not
    an inspector or administrator of the agency (or an agency above it)."""
    if agency.pk not in staff_agency_ids(user=user, roles=INSPECTOR_ROLES):
        raise ActionForbidden(_("Chỉ thanh tra hoặc quản trị của cơ quan này được nhập chỉ số."))
    if indicator not in InspectorIndicator.values:
        raise InvalidInput(_("Chỉ số không nhập tay được."))
    if end < start:
        raise InvalidInput(_("“Đến ngày” phải sau hoặc trùng “Từ ngày”."))
    if denominator <= 0 or numerator < 0 or numerator > denominator:
        raise InvalidInput(_("Tử số phải từ 0 đến mẫu số, mẫu số phải lớn hơn 0."))
    entry, _created = InspectorEntry.objects.update_or_create(
        agency=agency, indicator=indicator, start=start, end=end,
        defaults={"numerator": numerator, "denominator": denominator, "note": note, "entered_by": user,
                  "entered_at": timezone.now()})
    return entry


class InspectorEntryForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Cơ quan, đơn vị"), queryset=Agency.objects.none())
    start = VNDateField(label=_("Từ ngày"))
    end = VNDateField(label=_("Đến ngày"))
    indicator = forms.ChoiceField(label=_("Chỉ số"), choices=InspectorIndicator.choices)
    numerator = forms.IntegerField(label=_("Tử số"), min_value=0, max_value=10**9)
    denominator = forms.IntegerField(label=_("Mẫu số"), min_value=1, max_value=10**9)
    note = forms.CharField(label=_("Ghi chú, nguồn số liệu"), max_length=500, required=False)

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        ids = staff_agency_ids(user=user, roles=INSPECTOR_ROLES)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=ids).order_by("identifier")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("“Đến ngày” phải sau hoặc trùng “Từ ngày”."))
        if data.get("numerator") is not None and data.get("denominator") and data["numerator"] > data["denominator"]:
            self.add_error("numerator", _("Tử số không được lớn hơn mẫu số."))
        return data
