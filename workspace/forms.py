"""Forms of the staff workspace: desk intake and the action forms on a dossier's page."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.validators import ID_NUMBER_RE, clean_phone
from dossiers.models import Channel, Outcome, ResultDelivery
from dossiers.selectors import pending_apology_proposal, stop_proposal
from procedures.forms import DateRangeForm, VNDateField
from procedures.models import Agency, Procedure
from procedures.worktime import TZ

# The empty choice of a required list, instead of Django's "---------".
CHOOSE = _("—— Chọn ——")


class ShortOptionsSelect(forms.Select):
    """A select whose long option labels (a procedure's full name runs to 500 characters) are cut, with the whole
    text in the option's title, so that a filter row keeps its width."""

    max_label = 60

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        text = str(label)
        if len(text) > self.max_label:
            option["label"] = text[: self.max_label - 1].rstrip() + "…"
            option["attrs"] = {**option["attrs"], "title": text}
        return option


class IntakeForm(forms.Form):
    procedure = forms.ModelChoiceField(label=_("Thủ tục"), queryset=Procedure.objects.none(), empty_label=CHOOSE)
    channel = forms.TypedChoiceField(
        label=_("Kênh nộp"), coerce=int, choices=[(Channel.IN_PERSON, Channel.IN_PERSON.label),
                                                  (Channel.POST, Channel.POST.label)], initial=Channel.IN_PERSON)
    applicant_name = forms.CharField(label=_("Họ tên người nộp / tên tổ chức"), max_length=255)
    applicant_is_organisation = forms.BooleanField(label=_("Người nộp là tổ chức"), required=False)
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân / mã số tổ chức"), max_length=20,
        help_text=_("Căn cước công dân: 12 chữ số; mã số doanh nghiệp: 10 chữ số."))
    applicant_phone = forms.CharField(label=_("Số điện thoại"), max_length=20)
    applicant_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    request_text = forms.CharField(label=_("Nội dung yêu cầu"), widget=forms.Textarea(attrs={"rows": 2}),
                                   required=False)
    set_count = forms.IntegerField(label=_("Số bộ hồ sơ"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = Procedure.objects.active().filter(agencies=agency).order_by("name")

    def clean_applicant_id_number(self):
        value = self.cleaned_data["applicant_id_number"].strip()
        if not ID_NUMBER_RE.match(value):
            raise forms.ValidationError(_("Số định danh không hợp lệ: 12 chữ số (cá nhân) hoặc 10 chữ số (tổ chức)."))
        return value

    def clean_applicant_phone(self):
        return clean_phone(self.cleaned_data["applicant_phone"])


class ActionForm(forms.Form):
    """The input of one action on the dossier's page (dossiers/actions.py names the form of each action). Its
    cleaned data are the keyword arguments of the action's service."""

    def __init__(self, data=None, files=None, *, dossier, prefix: str, **kwargs):
        self.dossier = dossier
        super().__init__(data, files, prefix=prefix, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 3}))


class SupplementForm(ActionForm):
    items = forms.CharField(
        label=_("Giấy tờ, nội dung cần bổ sung (mỗi dòng một mục)"), widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Hãy liệt kê ít nhất một mục cần bổ sung.")})
    reason = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_items(self):
        items = [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
        if not items:
            raise forms.ValidationError(_("Hãy liệt kê ít nhất một mục cần bổ sung."))
        return items


class ForwardForm(ActionForm):
    to_agency = forms.ModelChoiceField(label=_("Chuyển đến"), queryset=Agency.objects.filter(valid_to__isnull=True),
                                       empty_label=CHOOSE)
    note = forms.CharField(label=_("Ghi chú"), required=False)


class AssignForm(ActionForm):
    officer = forms.ModelChoiceField(label=_("Chuyên viên"), queryset=User.objects.none(), empty_label=CHOOSE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = User.objects.filter(
            memberships__agency_id=self.dossier.handling_agency_id, memberships__role=Role.OFFICER, memberships__is_active=True
        ).distinct().order_by("full_name")


class ProposeForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Đề xuất"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Nội dung, lý do"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    result_file = forms.FileField(
        label=_("Văn bản kết quả (PDF)"), required=False,
        help_text=_("Được ký số khi lãnh đạo phê duyệt; để trống thì hệ thống lập văn bản từ nội dung đề xuất."))


class PaymentRequestForm(ActionForm):
    reason = forms.CharField(label=_("Nghĩa vụ tài chính (phí, lệ phí, thuế)"), widget=forms.Textarea(attrs={"rows": 2}))
    amount = forms.IntegerField(label=_("Số tiền (đồng)"), min_value=1, max_value=10**12, required=False,
                                help_text=_("Ghi số tiền để người nộp thanh toán trực tuyến."))


class ReturnForm(ActionForm):
    delivery = forms.ChoiceField(label=_("Hình thức trả kết quả"), choices=ResultDelivery.choices)
    postal_tracking_no = forms.CharField(label=_("Số hiệu bưu gửi"), max_length=40, required=False,
                                         help_text=_("Bắt buộc khi trả qua bưu chính công ích."))
    note = forms.CharField(label=_("Ghi chú"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.dossier.requested_delivery:
            self.initial.setdefault("delivery", self.dossier.requested_delivery)


class ApologyForm(ActionForm):
    reason = forms.CharField(label=_("Lý do chậm"), widget=forms.Textarea(attrs={"rows": 3}))
    new_date = VNDateField(label=_("Ngày hẹn trả mới"))
    new_time = forms.TimeField(label=_("Giờ hẹn trả mới"), input_formats=["%H:%M"], initial="17:00",
                               widget=forms.TimeInput(attrs={"placeholder": "HH:MM"}))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"reason": data["reason"], "new_appointment_at": datetime.combine(data["new_date"], data["new_time"],
                                                                                 tzinfo=TZ)}


class ApologyIssueForm(ApologyForm):
    """The leader's form 04: filled in with the officer's proposal, when there is one."""

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, **kwargs)
        if data is None and (offer := pending_apology_proposal(self.dossier)) is not None:
            local = offer.new_appointment_at.astimezone(TZ)
            self.initial = {"reason": offer.reason, "new_date": local.date(), "new_time": local.strftime("%H:%M")}


class StopForm(ReasonForm):
    """The leader's decision to stop: filled in with the officer's reasons, when they proposed it."""

    def __init__(self, data=None, files=None, **kwargs):
        super().__init__(data, files, **kwargs)
        if data is None and (proposal := stop_proposal(self.dossier)) is not None:
            self.initial = {"reason": proposal.note}


class BookForm(DateRangeForm):
    agency = forms.ModelChoiceField(label=_("Bộ phận Một cửa"), queryset=Agency.objects.filter(is_one_stop_desk=True),
                                    empty_label=CHOOSE)
