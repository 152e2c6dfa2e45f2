from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Agency, Field, Procedure, ProcedureFee, RequiredDocument


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
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
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("national_code", "name", "field", "level", "online_level", "deadline_display", "is_active")
    list_filter = ("level", "online_level", "deadline_unit", "field", "is_active")
    search_fields = ("national_code", "name", "search_text")
    autocomplete_fields = ("field",)
    filter_horizontal = ("agencies",)
    inlines = [RequiredDocumentInline, ProcedureFeeInline]

    @admin.display(description=_("Thời hạn"))
    def deadline_display(self, obj):
        return obj.deadline_display
