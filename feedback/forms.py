"""Input of the feedback pages: the public form, the sender's lookup, the staff actions."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.validators import clean_phone
from feedback.models import Kind
from feedback.services import MAX_CONTENT
from procedures.models import Agency, Procedure
from workspace.forms import ShortOptionsSelect


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=Kind.choices, initial=Kind.FEEDBACK, widget=forms.RadioSelect)
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục hành chính"), queryset=Procedure.objects.none(), to_field_name="national_code",
        empty_label=_("Chọn thủ tục"), widget=ShortOptionsSelect,
        error_messages={"required": _("Hãy chọn thủ tục hành chính."),
                        "invalid_choice": _("Thủ tục đã chọn không còn áp dụng; hãy chọn lại.")})
    agency = forms.ModelChoiceField(
        label=_("Nơi tiếp nhận"), queryset=Agency.objects.none(), empty_label=_("Chọn nơi tiếp nhận"),
        widget=ShortOptionsSelect, help_text=_("Cơ quan bạn phản ánh, kiến nghị."),
        error_messages={"required": _("Hãy chọn nơi tiếp nhận."),
                        "invalid_choice": _("Nơi tiếp nhận đã chọn không hợp lệ; hãy chọn lại.")})
    sender_name = forms.CharField(label=_("Họ và tên"), max_length=255,
                                  error_messages={"required": _("Hãy nhập họ và tên.")})
    sender_phone = forms.CharField(label=_("Số điện thoại"), max_length=20,
                                   help_text=_("Dùng để tra cứu kết quả cùng mã phản ánh; không công khai."),
                                   error_messages={"required": _("Hãy nhập số điện thoại.")})
    sender_email = forms.EmailField(label=_("Thư điện tử (không bắt buộc)"), required=False, max_length=254,
                                    help_text=_("Nhận nội dung trả lời qua thư."),
                                    error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")})
    content = forms.CharField(label=_("Nội dung phản ánh, kiến nghị"), max_length=MAX_CONTENT,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": _("Hãy nhập nội dung phản ánh, kiến nghị."),
                                              "max_length": _("Nội dung dài nhất %(limit_value)d ký tự.")})

    def __init__(self, *args, dossier=None, procedure=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        if dossier is not None:  # about one dossier: its procedure and desk, fixed
            for name in ("procedure", "agency"):
                del self.fields[name]
            return
        procedures = Procedure.objects.active().order_by("sort_key", "national_code")
        self.fields["procedure"].queryset = procedures
        desks = Agency.objects.filter(is_one_stop_desk=True, valid_to__isnull=True).order_by("name")
        if procedure is not None:
            self.fields["procedure"].initial = procedure.national_code
            own = procedure.agencies.order_by("name")
            if own.exists():
                desks = own
        self.fields["agency"].queryset = desks
        if procedure is not None and len(ids := list(desks.values_list("pk", flat=True)[:2])) == 1:
            self.fields["agency"].initial = ids[0]

    def clean_sender_phone(self):
        return clean_phone(self.cleaned_data["sender_phone"])

    def clean_sender_name(self):
        return " ".join(self.cleaned_data["sender_name"].split())

    def clean(self):
        data = super().clean()
        procedure, agency = data.get("procedure"), data.get("agency")
        if procedure is not None and agency is not None:
            own = set(procedure.agencies.values_list("pk", flat=True))
            if own and agency.pk not in own:
                self.add_error("agency", ValidationError(_("Thủ tục này không tiếp nhận tại %(agency)s; hãy chọn "
                                                           "một nơi tiếp nhận của thủ tục.") % {"agency": agency.name}))
        return data


class LookupForm(forms.Form):
    ma = forms.CharField(label=_("Mã phản ánh"), max_length=20,
                         error_messages={"required": _("Vui lòng nhập mã phản ánh.")})
    sdt = forms.CharField(label=_("Số điện thoại đã khai khi gửi"), max_length=20,
                          error_messages={"required": _("Vui lòng nhập số điện thoại.")})

    def clean_ma(self):
        return self.cleaned_data["ma"].strip().upper()

    def clean_sdt(self):
        return "".join(ch for ch in self.cleaned_data["sdt"] if ch.isdigit() or ch == "+").replace("+84", "0")


class AssignForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("Cán bộ xử lý"), queryset=None, empty_label=_("Chọn cán bộ"),
                                     error_messages={"required": _("Hãy chọn cán bộ xử lý."),
                                                     "invalid_choice": _("Cán bộ đã chọn không thuộc cơ quan này.")})

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Nội dung trả lời"), max_length=MAX_CONTENT,
                             widget=forms.Textarea(attrs={"rows": 6}),
                             error_messages={"required": _("Hãy nhập nội dung trả lời.")})


class PublishForm(forms.Form):
    public_content = forms.CharField(label=_("Nội dung phản ánh sẽ công khai"), max_length=MAX_CONTENT,
                                     widget=forms.Textarea(attrs={"rows": 4}),
                                     help_text=_("Đã tự động bỏ số điện thoại, thư điện tử và họ tên người gửi; "
                                                 "hãy đọc lại trước khi công khai."),
                                     error_messages={"required": _("Hãy nhập nội dung sẽ công khai.")})
    public_answer = forms.CharField(label=_("Nội dung trả lời sẽ công khai"), max_length=MAX_CONTENT,
                                    widget=forms.Textarea(attrs={"rows": 4}),
                                    error_messages={"required": _("Hãy nhập nội dung trả lời sẽ công khai.")})


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Lý do không công khai (không bắt buộc)"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
