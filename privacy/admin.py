"""Admin pages, all read-only: the access log, correction requests (the desk answers them on its staff page)
and the archive marks."""

from django.contrib import admin
from django.db.models import Q

from accounts.scoping import staff_agency_ids
from dossiers.admin import ServiceRecordAdmin
from dossiers.selectors import dossiers_visible_to
from privacy.models import CorrectionRequest, DossierArchive, PersonalDataAccess


class ReadOnlyAdmin(ServiceRecordAdmin):
    """Read-only for everyone; rows of the dossiers the user may see in the workspace only (dossiers/admin.py)."""


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "dossier", "kind", "detail", "client_address")
    list_filter = ("kind",)
    search_fields = ("dossier__code", "user__username", "user__full_name")
    date_hierarchy = "at"
    list_select_related = ("user", "dossier")


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyAdmin):
    """Read here; the desk answers on its staff page (/can-bo/yeu-cau-dinh-chinh/), through the service."""

    list_display = ("created_at", "dossier", "agency", "field", "status", "handled_at")
    list_filter = ("status", "field", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "agency")

    def get_queryset(self, request):
        # A request about an account (no dossier) belongs to the desk it was sent to.
        visible = dossiers_visible_to(user=request.user).values("pk")
        desks = staff_agency_ids(user=request.user)
        return admin.ModelAdmin.get_queryset(self, request).filter(
            Q(dossier__in=visible) | Q(dossier__isnull=True, agency_id__in=desks))


@admin.register(DossierArchive)
class DossierArchiveAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "closed_at", "archived_at", "package", "file_count", "package_size")
    search_fields = ("dossier__code", "package")
    list_select_related = ("dossier",)
