"""The status mapping in the admin (editable). The sync rows have their own staff page (/can-bo/dong-bo-dvcqg/),
and dossiers from the portal show as any online dossier."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dossiers.actions import ActionName
from integrations.models import StatusMapping


class StatusMappingForm(forms.ModelForm):
    action = forms.ChoiceField(label=_("thao tác"), required=False,
                               choices=[("", _("(mọi thao tác)")), *ActionName.choices])

    class Meta:
        model = StatusMapping
        fields = ("state", "action", "national_code", "is_active", "note")


@admin.register(StatusMapping)
class StatusMappingAdmin(admin.ModelAdmin):
    form = StatusMappingForm
    list_display = ("state", "action", "national_code", "is_active", "note")
    list_editable = ("national_code", "is_active")
    list_filter = ("state", "is_active")
