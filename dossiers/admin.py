"""Dossiers in the admin: read-only, and only those the user may see in the workspace.

A dossier changes only through the services (dossiers/services.py), which write its event rows, form numbers and
notifications in the same transaction: none of its records is added, changed or deleted here, by anybody,
superusers included. Every list and page is limited by dossiers.selectors.dossiers_visible_to, the workspace's
rule (an administrator of a province sees that province's dossiers; another province's answer "not found").
"""

from django.contrib import admin

from dossiers.models import (
    Apology,
    ApologyProposal,
    Attachment,
    ClockPause,
    Dossier,
    DossierEvent,
    SupplementRequest,
)
from dossiers.selectors import dossiers_visible_to


class ServiceRecordAdmin(admin.ModelAdmin):
    """Records written by the services: read-only for everyone, limited to the dossiers the user may see.
    `dossier_lookup` leads from the model to its dossier ("pk" for the dossier itself)."""

    dossier_lookup = "dossier"

    def get_queryset(self, request):
        visible = dossiers_visible_to(user=request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.dossier_lookup}__in": visible})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ("at", "action", "actor_label", "from_state", "to_state", "from_agency", "to_agency", "note")
    readonly_fields = fields


class PauseInline(ReadOnlyInline):
    model = ClockPause
    fields = ("kind", "started_at", "ended_at", "due_before", "due_after")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "purpose", "uploaded_at")
    readonly_fields = fields


@admin.register(Dossier)
class DossierAdmin(ServiceRecordAdmin):
    dossier_lookup = "pk"
    list_display = ("code", "procedure", "state", "receiving_agency", "received_at", "due_at")
    list_filter = ("state", "channel", ("receiving_agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code",)
    date_hierarchy = "submitted_at"
    inlines = [EventInline, PauseInline, AttachmentInline]
    list_select_related = ("procedure", "receiving_agency")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(DossierEvent)
class DossierEventAdmin(ServiceRecordAdmin):
    list_display = ("dossier", "action", "actor_label", "from_state", "to_state", "at")
    list_filter = ("action",)
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


@admin.register(SupplementRequest)
class SupplementRequestAdmin(ServiceRecordAdmin):
    list_display = ("dossier", "number", "requested_at", "answered_at")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


@admin.register(Apology)
class ApologyAdmin(ServiceRecordAdmin):
    list_display = ("dossier", "new_appointment_at")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


@admin.register(ApologyProposal)
class ApologyProposalAdmin(ServiceRecordAdmin):
    list_display = ("dossier", "proposed_by", "new_appointment_at")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "proposed_by")
