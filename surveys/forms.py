"""Forms of the surveys app: the quick rating, the questionnaire, the indices, the follow-up response, filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from procedures.forms import DateRangeForm
from procedures.models import Agency, Procedure
from surveys.models import INDEX_LABELS, MANUAL_FIELDS, Level, Scale, Score


class LevelField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Level.choices, coerce=int, widget=forms.RadioSelect,
                         error_messages={"required": _("Hãy chọn một mức.")}, **kwargs)


class RatingForm(forms.Form):
    overall = LevelField(label=_("Ông/Bà hài lòng thế nào về việc giải quyết hồ sơ?"))
    convenience = LevelField(label=_("Việc thực hiện thủ tục có thuận tiện không?"))
    comment = forms.CharField(label=_("Góp ý (không bắt buộc)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Xin đừng ghi số điện thoại hay số định danh vào góp ý."))


class QuestionnaireForm(forms.Form):
    """One optional 1–5 choice per active question, grouped by factor in the template."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q_{q.pk}"] = forms.TypedChoiceField(
                label=q.text, choices=Scale.choices, coerce=int, required=False, widget=forms.RadioSelect)

    def answers(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q_{q.pk}"] for q in self.questions
                if self.cleaned_data.get(f"q_{q.pk}") not in (None, "")}

    def groups(self):
        """[(factor label, [bound field, ...]), ...] in question order."""
        groups: dict[str, list] = {}
        for q in self.questions:
            groups.setdefault(q.get_factor_display(), []).append(self[f"q_{q.pk}"])
        return list(groups.items())


class IndicesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MANUAL_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=INDEX_LABELS[name], choices=[("", _("Chưa chấm")), *Score.choices], coerce=int,
                empty_value=None, required=False)


class FollowUpResponseForm(forms.Form):
    response = forms.CharField(label=_("Nội dung phản hồi, biện pháp khắc phục"), max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               error_messages={"required": _("Hãy nhập nội dung phản hồi, biện pháp khắc phục.")})


class ResultsFilterForm(DateRangeForm):
    agency = forms.ModelChoiceField(label=_("Cơ quan"), queryset=Agency.objects.none(), required=False,
                                    empty_label=_("Tất cả cơ quan được xem"))
    procedure = forms.ModelChoiceField(label=_("Thủ tục"), queryset=Procedure.objects.none(), required=False,
                                       empty_label=_("Tất cả thủ tục"))

    def __init__(self, *args, agency_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=agency_ids).order_by("name")
        self.fields["procedure"].queryset = Procedure.objects.filter(agencies__in=agency_ids).distinct().order_by(
            "name")

