from django import forms
from django.utils.translation import gettext_lazy as _

from procedures.formatting import DATE_INPUT_FORMATS, MAX_DATE, MIN_DATE
from procedures.models import OnlineLevel, ProcedureLevel
from procedures.selectors import catalog_fields


class VNDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (ISO accepted too), shown back as dd/mm/yyyy, between MIN_DATE and MAX_DATE
    (01/01/2000–31/12/2100) unless other bounds are given."""

    default_error_messages = {
        "invalid": _("Nhập ngày theo dạng dd/mm/yyyy."),
        "out_of_range": _("Hãy nhập một ngày từ %(min)s đến %(max)s."),
    }

    def __init__(self, *, min_date=MIN_DATE, max_date=MAX_DATE, **kwargs):
        self.min_date, self.max_date = min_date, max_date
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not self.min_date <= value <= self.max_date:
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range",
                                        params={"min": f"{self.min_date:%d/%m/%Y}", "max": f"{self.max_date:%d/%m/%Y}"})


class DateRangeForm(forms.Form):
    """From / to dates (inclusive) with the end not before the start; the base of every period filter."""

    start = VNDateField(label=_("Từ ngày"))
    end = VNDateField(label=_("Đến ngày"))
    end_before_start_message = _("“Đến ngày” phải sau “Từ ngày”.")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(self.end_before_start_message)
        return data


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm thủ tục"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Ví dụ: đăng ký khai sinh")}),
    )
    field = forms.TypedChoiceField(label=_("Lĩnh vực"), required=False, coerce=int, empty_value=None)
    level = forms.ChoiceField(
        label=_("Cấp thực hiện"), required=False, choices=[("", _("Tất cả"))] + list(ProcedureLevel.choices)
    )
    online_level = forms.ChoiceField(
        label=_("Dịch vụ công trực tuyến"), required=False, choices=[("", _("Tất cả"))] + list(OnlineLevel.choices)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("Tất cả lĩnh vực"))] + [(f.pk, f.name) for f in catalog_fields()]
