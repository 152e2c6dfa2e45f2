"""Admin: administrators edit the questionnaire's criteria; ratings, indices, answers and follow-ups are written
by the services and are read-only here, limited to the dossiers the user may see (dossiers/admin.py)."""

from django.contrib import admin

from dossiers.admin import ServiceRecordAdmin
from surveys.models import Answer, EvaluationIndices, FollowUp, Question, QuestionnaireResponse, Rating


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("position", "text", "factor", "is_active")
    list_display_links = ("text",)
    list_editable = ("position", "is_active")
    list_filter = ("factor", "is_active")
    search_fields = ("text",)
    ordering = ("position", "id")

    def has_delete_permission(self, request, obj=None):
        # Answers keep their question: retire a criterion (is_active) instead of deleting it.
        return False


class ReadOnlyAdmin(ServiceRecordAdmin):
    """Read-only for everyone, superusers included; rows of the dossiers the user may see only."""


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "overall", "convenience", "via", "rated_at")
    list_filter = ("overall", "convenience", "via")
    date_hierarchy = "rated_at"
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


@admin.register(EvaluationIndices)
class EvaluationIndicesAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "total_time", "step_time", "comebacks", "agencies_contacted", "one_stop_desk",
                    "publicity", "staff_attitude", "complaints", "online_service")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ("question", "score")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "via", "submitted_at")
    search_fields = ("dossier__code",)
    inlines = [AnswerInline]
    list_select_related = ("dossier",)


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "agency", "status", "created_at", "responded_by", "responded_at")
    list_filter = ("status", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "agency", "responded_by")
