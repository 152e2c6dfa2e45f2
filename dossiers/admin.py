"""Read-mostly admin: dossiers change state only through services (dossiers/services.py)."""

from django.contrib import admin

from .models import Apology, ApologyProposal, Attachment, ClockPause, Dossier, DossierEvent, SupplementRequest


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
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
class DossierAdmin(admin.ModelAdmin):
    list_display = ("code", "procedure", "state", "receiving_agency", "received_at", "due_at")
    list_filter = ("state", "channel", "receiving_agency")
    search_fields = ("code",)
    date_hierarchy = "submitted_at"
    inlines = [EventInline, PauseInline, AttachmentInline]
    list_select_related = ("procedure", "receiving_agency")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DossierEvent)
class DossierEventAdmin(admin.ModelAdmin):
    list_display = ("dossier", "action", "actor_label", "from_state", "to_state", "at")
    list_filter = ("action",)
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register([SupplementRequest, Apology, ApologyProposal])
