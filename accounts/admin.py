from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import StaffMembership, User


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ("agency",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Thông tin liên hệ"), {"fields": ("full_name", "phone")}),)
    inlines = [StaffMembershipInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "role", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username", "user__full_name", "agency__name", "agency__identifier")
    autocomplete_fields = ("user", "agency")
