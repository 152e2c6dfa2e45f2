from django import forms
from django.utils.translation import gettext_lazy as _

from .formatting import DATE_INPUT_FORMATS
from .models import OnlineLevel, ProcedureLevel
from .selectors import catalog_fields


class VNDateField(forms.DateField):
    """A date typed as dd/mm/yyyy (ISO accepted too), shown back as dd/mm/yyyy."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": _("Nhập ngày theo dạng dd/mm/yyyy.")})
        kwargs.setdefault("widget", forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}))
        super().__init__(**kwargs)


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
