from django import forms
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, Procedure


class DueCalculatorForm(forms.Form):
    received_date = forms.DateField(
        label=_("Ngày tiếp nhận"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
        error_messages={"invalid": _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 02/03/2026.")},
    )
    received_time = forms.TimeField(
        label=_("Giờ tiếp nhận"),
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"placeholder": "HH:MM"}, format="%H:%M"),
        error_messages={"invalid": _("Nhập giờ theo dạng HH:MM, ví dụ 14:30.")},
    )
    procedure = forms.ModelChoiceField(label=_("Thủ tục"), queryset=Procedure.objects.order_by("national_code"))
    agency = forms.ModelChoiceField(
        label=_("Nơi tiếp nhận"),
        queryset=Agency.objects.filter(is_one_stop_desk=True).order_by("name"),
        required=False,
        help_text=_("Giờ làm việc và lịch của tỉnh theo nơi tiếp nhận; để trống dùng giờ mặc định."),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2015, max_value=2039)
    province = forms.ModelChoiceField(
        label=_("Tỉnh"), queryset=Agency.objects.filter(parent__isnull=True).order_by("name"), required=False
    )
