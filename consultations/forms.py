"""Forms of the consultation pages. Files come from request.FILES ("tep", several) and are checked by the
service (dossiers.uploads), which names the refused file."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.services import MAX_TEXT, MAX_WORKING_DAYS


class AskForm(forms.Form):
    agencies = forms.ModelMultipleChoiceField(label=_("Cơ quan được xin ý kiến"), queryset=None,
                                              widget=forms.CheckboxSelectMultiple,
                                              error_messages={"required": _("Hãy chọn ít nhất một cơ quan."),
                                                              "invalid_choice": _("Cơ quan không hợp lệ."),
                                                              "invalid_pk_value": _("Cơ quan không hợp lệ.")})
    question = forms.CharField(label=_("Nội dung xin ý kiến"), max_length=MAX_TEXT, widget=forms.Textarea(
        attrs={"rows": 4}), error_messages={"required": _("Hãy nhập nội dung xin ý kiến.")})
    working_days = forms.IntegerField(label=_("Thời hạn trả lời (ngày làm việc)"), min_value=1,
                                      max_value=MAX_WORKING_DAYS)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Nội dung trả lời"), max_length=MAX_TEXT, widget=forms.Textarea(
        attrs={"rows": 5}), error_messages={"required": _("Hãy nhập nội dung trả lời.")})
