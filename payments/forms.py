from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import PaymentStatus
from procedures.forms import DateRangeForm
from procedures.models import Agency

MAX_SPAN_DAYS = 366 * 10 + 3


class PaymentFilterForm(DateRangeForm):
    """The staff list's filters: the desk (within the user's scope), the period (dd/mm/yyyy) and the status.
    Not submitted: this month to today, every desk, every status."""

    desk = forms.ModelChoiceField(label=_("Nơi tiếp nhận"), queryset=Agency.objects.none(), required=False,
                                  empty_label=_("Tất cả nơi tiếp nhận"))
    status = forms.ChoiceField(label=_("Trạng thái"), required=False,
                               choices=[("", _("Tất cả"))] + list(PaymentStatus.choices))
    end_before_start_message = _("“Đến ngày” phải sau hoặc trùng “Từ ngày”.")

    def __init__(self, data=None, *, agency_ids, **kwargs):
        today = timezone.localdate()
        initial = {"start": today.replace(day=1), "end": today}
        if data is not None and not {"start", "end", "desk", "status"} & set(data):
            data = None  # e.g. only ?page=2: the defaults
        elif data is not None:
            data = data.copy()
            for name in ("start", "end"):
                if name not in data:
                    data[name] = f"{initial[name]:%d/%m/%Y}"
        super().__init__(data, initial=initial, **kwargs)
        self.fields["desk"].queryset = Agency.objects.filter(pk__in=agency_ids, is_one_stop_desk=True).order_by("name")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end - start).days > MAX_SPAN_DAYS:
            raise forms.ValidationError(_("Khoảng thời gian dài nhất là 10 năm."))
        return data

    def filters(self) -> dict:
        """The filters to apply: the cleaned values, or the defaults when not submitted."""
        if not self.is_bound:
            return {"desk": None, "start": self.initial["start"], "end": self.initial["end"], "status": ""}
        data = self.cleaned_data
        return {"desk": data.get("desk"), "start": data.get("start"), "end": data.get("end"),
                "status": data.get("status") or ""}
