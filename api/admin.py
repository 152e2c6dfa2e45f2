"""The clients of the API in the admin (superusers only: a client reaches dossiers of any agency it is bound to).

How to connect a system: add an OAuth 2.0 application (Django OAuth Toolkit → Applications: client type
"Confidential", grant type "Client credentials"; copy the client secret before saving, it is stored hashed), then
add an API client here naming that application, its agencies and its scopes."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_grant_model, get_id_token_model, get_refresh_token_model

from api.models import ApiClient, Scope

# Django OAuth Toolkit registers an admin page for each of its models. The API issues tokens by client credentials
# only (api.oauth.ClientValidator refuses every other grant; OIDC is off), so authorization codes (Grant), ID
# tokens and refresh tokens are never created here: their pages would only widen the admin (and the authorization
# matrix, tests/security/matrix.py) for nothing. The applications and access tokens stay (connecting a system,
# revoking a token). Guarded, so it holds whichever of them the toolkit (or its settings) registered; this module
# is imported after the toolkit's (INSTALLED_APPS order).
for _model in (get_grant_model(), get_id_token_model(), get_refresh_token_model()):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class ApiClientForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        label=_("phạm vi được cấp"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("dossiers:read cho phép đọc dữ liệu cá nhân của người nộp hồ sơ."))

    class Meta:
        model = ApiClient
        fields = ["application", "agencies", "include_subtree", "requests_per_minute", "is_active", "contact"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_choices"].initial = self.instance.scope_list if self.instance.pk else [Scope.CATALOG_READ]

    def clean(self):
        data = super().clean()
        self.instance.scopes = " ".join(data.get("scope_choices") or [])
        return data


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["__str__", "scopes", "include_subtree", "requests_per_minute", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["application__name", "application__client_id", "contact"]
    autocomplete_fields = ["agencies"]
    raw_id_fields = ["application"]
    fieldsets = [(None, {"fields": ["application", "agencies", "include_subtree", "scope_choices",
                                    "requests_per_minute", "is_active", "contact"]})]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission
