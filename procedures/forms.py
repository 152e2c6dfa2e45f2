from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OnlineLevel, ProcedureLevel
from .selectors import catalog_fields


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
