from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.forms import DateRangeForm
from procedures.models import Agency, Field
from reports.ii06a import GROUPINGS
from workspace.forms import ShortOptionsSelect

MAX_SPAN_DAYS = 366 * 10 + 3


class PeriodForm(DateRangeForm):
    """Period, scope and grouping of a report; the agency list is the user's report scope (dossiers are counted
    for their competent agency), the desk list the one-stop desks within it (an optional filter on where the
    dossiers were received)."""

    end_before_start_message = _("“Đến ngày” phải sau hoặc trùng “Từ ngày”.")
    agency = forms.ModelChoiceField(label=_("Cơ quan, đơn vị"), queryset=Agency.objects.none(), required=False,
                                    empty_label=_("Tất cả cơ quan được xem"), widget=ShortOptionsSelect)
    desk = forms.ModelChoiceField(label=_("Nơi tiếp nhận"), queryset=Agency.objects.none(), required=False,
                                  empty_label=_("Tất cả nơi tiếp nhận"), widget=ShortOptionsSelect)
    field = forms.ModelChoiceField(label=_("Lĩnh vực"), queryset=Field.objects.all(), required=False,
                                   empty_label=_("Tất cả lĩnh vực"), widget=ShortOptionsSelect)
    grouping = forms.ChoiceField(label=_("Thống kê"), choices=list(GROUPINGS.items()), required=False)

    def __init__(self, data=None, *, agency_ids, default_start: date | None = None, **kwargs):
        today = timezone.localdate()
        initial = {"start": default_start or today.replace(month=1, day=1), "end": today, "grouping": "agency"}
        filters = {"start", "end", "agency", "desk", "field", "grouping"}
        if data is not None and not filters & set(data):
            data = None  # e.g. only ?format=xlsx or ?page=2: the default period
        elif data is not None:
            # A field left out of the address keeps its default (an empty box is still an error).
            data = data.copy()
            for name in ("start", "end"):
                if name not in data:
                    data[name] = f"{initial[name]:%d/%m/%Y}"
        super().__init__(data, initial=initial, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=agency_ids)
        self.fields["desk"].queryset = Agency.objects.filter(pk__in=agency_ids, is_one_stop_desk=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end - start).days > MAX_SPAN_DAYS:
            raise forms.ValidationError(_("Kỳ báo cáo dài nhất là 10 năm."))
        data["grouping"] = data.get("grouping") or "agency"
        return data

    def period(self) -> dict:
        """The cleaned values, or the defaults when the form was not submitted."""
        if not self.is_bound:
            return {**self.initial, "agency": None, "desk": None, "field": None}
        return self.cleaned_data
