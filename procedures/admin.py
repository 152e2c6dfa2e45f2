"""The catalog, the agencies and the working calendar. An agency administrator edits their own agencies'
subtree (a new agency goes under one of them; their own top agency keeps its place in the tree), links their
desks to procedures (other desks' links are kept), and edits their province's calendar; the national calendar
and the whole tree are a superuser's (accounts/admin.py: administered_agency_ids)."""

from datetime import datetime

from django.contrib import admin
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin import ScopedChoicesMixin, administered_agency_ids, administered_roots

from .admin_forms import DueCalculatorForm, YearForm
from .calendar_view import days_off_list, year_view
from .calendars import build_calendar, calendar_exceptions
from .deadlines import DeadlineRule, compute_due
from .models import (
    DEADLINE_FIELDS,
    Agency,
    CalendarException,
    Field,
    Procedure,
    ProcedureFee,
    RequiredDocument,
)
from .signals import announce_deadline_rules_changed
from .worktime import TZ


@admin.register(Agency)
class AgencyAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("identifier", "name", "kind", "parent", "is_one_stop_desk", "valid_to")
    list_filter = ("kind", "is_one_stop_desk")
    search_fields = ("identifier", "name", "short_name")
    autocomplete_fields = ("parent",)
    fieldsets = (
        (None, {"fields": ("name", "short_name", "identifier", "parent", "kind", "is_one_stop_desk")}),
        (_("Liên hệ"), {"fields": ("address", "phone", "email")}),
        (_("Giờ làm việc"), {"fields": (("morning_open", "morning_close"), ("afternoon_open", "afternoon_close"))}),
        (_("Thời gian hoạt động"), {"fields": ("valid_from", "valid_to")}),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = administered_agency_ids(request.user)
        return queryset if scope is None else queryset.filter(pk__in=scope)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser and obj.pk in administered_roots(request.user):
            return (*readonly, "parent")  # an administrator's own agency stays where it is in the tree
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent" and administered_agency_ids(request.user) is not None:
            kwargs["required"] = True  # a new top-level agency (a province) is a superuser's to create
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


@admin.register(Procedure)
class ProcedureAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("national_code", "name", "field", "level", "online_level", "deadline_display", "is_active")
    list_filter = ("level", "online_level", "deadline_unit", "field", "is_active")
    search_fields = ("national_code", "name", "search_text")
    autocomplete_fields = ("field",)
    filter_horizontal = ("agencies",)
    inlines = [RequiredDocumentInline, ProcedureFeeInline]

    @admin.display(description=_("Thời hạn"))
    def deadline_display(self, obj):
        return obj.deadline_display

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and DEADLINE_FIELDS & set(form.changed_data):
            announce_deadline_rules_changed(procedure_id=obj.pk, reason="procedure_deadline")

    def save_related(self, request, form, formsets, change):
        # The form offers an administrator their own desks only: the links to every other desk are kept.
        scope = administered_agency_ids(request.user)
        others = [] if scope is None or not change else list(
            form.instance.agencies.exclude(pk__in=scope).values_list("pk", flat=True))
        super().save_related(request, form, formsets, change)
        if others:
            form.instance.agencies.add(*others)


@admin.register(CalendarException)
class CalendarExceptionAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("date", "kind", "note", "province")
    list_filter = ("kind", "province")
    search_fields = ("note",)
    date_hierarchy = "date"
    change_list_template = "admin/procedures/calendarexception/change_list.html"

    # An administrator reads the national days and edits those of the provinces they administer.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        scope = administered_agency_ids(request.user)
        return queryset if scope is None else queryset.filter(Q(province__isnull=True) | Q(province_id__in=scope))

    def _editable(self, request, obj) -> bool:
        return obj is None or obj.province_id is not None or request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "province" and administered_agency_ids(request.user) is not None:
            kwargs["required"] = True  # a nationwide day is a superuser's to add
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        announce_deadline_rules_changed(reason="calendar_exception")

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        announce_deadline_rules_changed(reason="calendar_exception")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        announce_deadline_rules_changed(reason="calendar_exception")

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
