"""The catalog, the agencies and the working calendar in the admin, scoped to who administers them (registered
when accounts/admin.py is loaded). An agency administrator edits their own agencies' subtree (a new agency goes
under one of them; their own top agency keeps its place in the tree), links their desks to procedures (other
desks' links are kept), and edits their province's calendar; the national calendar and the whole tree are a
superuser's (accounts/admin_scope.py: administered_agency_ids).

The parts that need no scope — fields, a procedure's inlines, the calendar tools — are procedures/admin.py's.
"""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.admin_scope import ScopedChoicesMixin, administered_agency_ids, administered_roots
from procedures.admin import CalendarToolsMixin, ProcedureFeeInline, ProcessStepInline, RequiredDocumentInline
from procedures.models import DEADLINE_FIELDS, Agency, CalendarException, Procedure
from procedures.signals import announce_deadline_rules_changed


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


class ScopedProcessStepInline(ScopedChoicesMixin, ProcessStepInline):
    """The procedure's internal process; a step's named agency is chosen among the administrator's agencies."""

    raw_id_fields = ()


@admin.register(Procedure)
class ProcedureAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    list_display = ("national_code", "name", "field", "level", "online_level", "deadline_display", "is_active")
    list_filter = ("level", "online_level", "deadline_unit", "field", "is_active")
    search_fields = ("national_code", "name", "search_text")
    autocomplete_fields = ("field",)
    filter_horizontal = ("agencies",)
    inlines = [RequiredDocumentInline, ProcedureFeeInline, ScopedProcessStepInline]

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
class CalendarExceptionAdmin(ScopedChoicesMixin, CalendarToolsMixin, admin.ModelAdmin):
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
