"""Forms of the privacy app: the access log filter, the correction request, the desk's answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.models import CorrectionField
from procedures.forms import VNDateField


class AccessLogFilterForm(forms.Form):
    ma = forms.CharField(label=_("Mã hồ sơ"), required=False, max_length=60)
    nguoi = forms.CharField(label=_("Cán bộ (họ tên hoặc tên đăng nhập)"), required=False, max_length=100)
    tu = VNDateField(label=_("Từ ngày"), required=False)
    den = VNDateField(label=_("Đến ngày"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("tu") and data.get("den") and data["den"] < data["tu"]:
            raise forms.ValidationError(_("“Đến ngày” phải sau “Từ ngày”."))
        return data


class CorrectionForm(forms.Form):
    dossier = forms.ModelChoiceField(label=_("Đính chính thông tin của"), queryset=None, required=False,
                                     empty_label=_("Tài khoản của tôi"))
    field = forms.ChoiceField(label=_("Thông tin cần đính chính"), choices=CorrectionField.choices)
    wrong_value = forms.CharField(label=_("Thông tin đang sai"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Ghi như đang hiển thị, nếu bạn biết."))
    correct_value = forms.CharField(label=_("Thông tin đúng"), max_length=1000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    error_messages={"required": _("Hãy ghi thông tin đúng.")})

    def __init__(self, *args, dossiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossier"].queryset = dossiers
        self.fields["dossier"].label_from_instance = lambda d: f"{d.code} – {d.procedure.name}"


class CorrectionResponseForm(forms.Form):
    response = forms.CharField(label=_("Trả lời công dân"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": _("Hãy ghi nội dung trả lời cho công dân.")})
