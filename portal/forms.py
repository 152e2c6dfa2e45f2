"""Forms of the citizen portal: online submission, tracking, supplement answer, withdrawal, claiming."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import ID_NUMBER_RE, clean_phone
from dossiers.models import ResultDelivery
from procedures.models import Agency


class ApplicantForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Nơi nộp hồ sơ"), queryset=Agency.objects.none(),
                                    empty_label=_("— Chọn nơi nộp —"))
    applicant_name = forms.CharField(label=_("Họ và tên"), max_length=255)
    applicant_id_number = forms.CharField(label=_("Số định danh cá nhân (12 chữ số)"), max_length=20)
    applicant_birth_date = forms.DateField(
        label=_("Ngày sinh (dd/mm/yyyy)"), required=False, input_formats=["%d/%m/%Y"],
        widget=forms.DateInput(format="%d/%m/%Y"),
        error_messages={"invalid": _("Nhập ngày sinh theo dạng dd/mm/yyyy, ví dụ 05/09/1990.")})
    applicant_phone = forms.CharField(label=_("Số điện thoại di động"), max_length=20)
    applicant_email = forms.EmailField(label=_("Thư điện tử (để nhận thông báo)"), required=False,
                                       error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")})
    applicant_address = forms.CharField(label=_("Địa chỉ liên hệ"), max_length=500)
    request_text = forms.CharField(label=_("Nội dung đề nghị (nếu có)"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    requested_delivery = forms.ChoiceField(
        label=_("Hình thức nhận kết quả"), choices=ResultDelivery.choices, initial=ResultDelivery.ELECTRONIC,
        widget=forms.RadioSelect, required=False,
        help_text=_("Trực tuyến: bản điện tử có chữ ký số, tải về trên trang tra cứu hồ sơ."))

    LOCKED = frozenset({"applicant_name", "applicant_id_number", "applicant_birth_date", "applicant_phone"})

    def __init__(self, *args, procedure, identity: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = procedure.agencies.filter(is_one_stop_desk=True).order_by("name")
        # A citizen signed in through the national identity: name, ID number, birth date and phone come from the
        # account (citizen_identity) and cannot be changed here; whatever a browser posts for them is ignored
        # (a disabled field's value is its initial one).
        for name, value in (identity or {}).items():
            if name in self.fields and value:
                self.fields[name].initial = value
                if name in self.LOCKED:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Lấy từ tài khoản định danh điện tử, không sửa được ở đây.")
        for name in ("applicant_name", "applicant_id_number", "applicant_phone", "applicant_address"):
            self.fields[name].error_messages["required"] = _("Vui lòng nhập %(label)s.") % {
                "label": str(self.fields[name].label).lower()}
        self.fields["agency"].error_messages["required"] = _("Vui lòng chọn nơi nộp hồ sơ.")

    def clean_applicant_id_number(self):
        value = self.cleaned_data["applicant_id_number"].strip()
        if not ID_NUMBER_RE.match(value) or len(value) != 12:
            raise forms.ValidationError(_("Số định danh cá nhân gồm đúng 12 chữ số (in trên thẻ căn cước)."))
        return value

    def clean_applicant_phone(self):
        return clean_phone(self.cleaned_data["applicant_phone"])

    def clean_requested_delivery(self):
        return self.cleaned_data["requested_delivery"] or ResultDelivery.ELECTRONIC  # the choice shown as made


def citizen_identity(user) -> dict | None:
    """The applicant fields a signed-in citizen's account vouches for (an account keyed by a personal
    identification number, accounts/oidc.py); None for anyone else (anonymous, local accounts, staff)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "personal_id", ""):
        return None
    return {"applicant_name": user.full_name, "applicant_id_number": user.personal_id,
            "applicant_birth_date": user.birth_date, "applicant_phone": user.phone,
            "applicant_email": user.email}


class TrackForm(forms.Form):
    ma = forms.CharField(label=_("Mã hồ sơ"), max_length=60,
                         error_messages={"required": _("Vui lòng nhập mã hồ sơ.")})
    sdt = forms.CharField(label=_("Số điện thoại hoặc số định danh đã khai khi nộp"), max_length=20,
                          error_messages={"required": _("Vui lòng nhập số điện thoại hoặc số định danh.")})

    def clean_ma(self):
        return self.cleaned_data["ma"].strip().upper()

    def clean_sdt(self):
        return "".join(ch for ch in self.cleaned_data["sdt"] if ch.isdigit() or ch == "+").replace("+84", "0")


class AnswerSupplementForm(forms.Form):
    note = forms.CharField(label=_("Ghi chú cho cán bộ"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Lý do rút hồ sơ (không bắt buộc)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("Tôi xác nhận rút hồ sơ này và hiểu rằng hồ sơ sẽ dừng giải quyết."),
                                 error_messages={"required": _("Hãy đánh dấu xác nhận để rút hồ sơ.")})
