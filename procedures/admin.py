"""The catalog's admin parts that need no one's scope: the fields of the catalog, the inlines of a procedure's page
and the calendar tools (due-time calculator, year view) of the working-calendar page.

The scoped pages — agencies, procedures, calendar exceptions, which an agency administrator edits within their own
agencies — are registered by the accounts app (accounts/catalog_admin.py), which knows who administers what.
"""

from datetime import datetime

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.admin_forms import DueCalculatorForm, YearForm
from procedures.calendar_view import days_off_list, year_view
from procedures.calendars import build_calendar, calendar_exceptions
from procedures.deadlines import DeadlineRule, compute_due
from procedures.models import CalendarException, Field, ProcedureFee, RequiredDocument
from procedures.process import ProcessStep, check_process
from procedures.worktime import TZ


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0


class ProcedureFeeInline(admin.TabularInline):
    model = ProcedureFee
    extra = 0


class ProcessStepFormSet(BaseInlineFormSet):
    """The steps kept (not deleted) must share exactly the procedure's legal deadline (procedures/process.py)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form.instance for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        check_process(self.instance, kept)  # two steps with one number: the formset's unique check refuses them


class ProcessStepInline(admin.TabularInline):
    """The procedure's internal process; accounts/catalog_admin.py lists it among the procedure page's inlines."""

    model = ProcessStep
    formset = ProcessStepFormSet
    extra = 0
    fields = ("order", "name", "role", "agency_kind", "agency", "hours", "may_skip")
    raw_id_fields = ("agency",)


class CalendarToolsMixin:
    """The calendar page's tools, under its URL: the due-time calculator (tinh-han/) and the year view
    (lich-nam/), linked from templates/admin/procedures/calendarexception/change_list.html."""

    def get_urls(self):
        extra = [
            path("tinh-han/", self.admin_site.admin_view(self.due_calculator_view), name="procedures_due_calculator"),
            path("lich-nam/", self.admin_site.admin_view(self.year_view), name="procedures_calendar_year"),
        ]
        return extra + super().get_urls()

    def due_calculator_view(self, request):
        form = DueCalculatorForm(request.GET or None)
        result = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            received = datetime.combine(data["received_date"], data["received_time"], tzinfo=TZ)
            agency = data["agency"]
            result = compute_due(rule=DeadlineRule.of(data["procedure"]), received_at=received, agency=agency)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tính thời hạn giải quyết"),
            "form": form,
            "result": result,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/procedures/due_calculator.html", context)

    def year_view(self, request):
        form = YearForm(request.GET or {"year": timezone.localdate().year})
        months, special = [], []
        if form.is_valid():
            province = form.cleaned_data["province"]
            year = form.cleaned_data["year"]
            cal = build_calendar(agency=province)
            exceptions = calendar_exceptions(province=province)
            notes = dict(
                CalendarException.objects.filter(date__year=year).order_by("province_id").values_list("date", "note")
            )
            months = year_view(year=year, cal=cal, exceptions=exceptions, notes=notes)
            special = days_off_list(months)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Lịch làm việc trong năm"),
            "form": form,
            "months": months,
            "special": special,
            "weekdays": ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/procedures/calendar_year.html", context)
