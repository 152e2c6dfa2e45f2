"""OAuth 2.0 for other systems (django-oauth-toolkit, client credentials): who may get a token and with which
scopes, and who a bearer token on an API request is.

* Issuing (`/o/token/`): only an application bound to an active `ApiClient` gets a token (ClientValidator), and
  only with the scopes that client was granted (ClientScopes; no scope asked: all of them).
* Using (`Authorization: Bearer …` on /api/v1/): ClientAuthentication makes the client the request's user and
  the access token its `auth`; a token whose client was deactivated since is refused. HasScope checks the
  scopes the view names in `required_scopes`.
"""

from django.utils.translation import gettext as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from api.models import ApiClient, Scope


def active_client(application) -> ApiClient | None:
    """The active client bound to an OAuth 2.0 application (None: no token, no access)."""
    if application is None:
        return None
    return ApiClient.objects.filter(application=application, is_active=True).select_related("application").first()


class ClientScopes(BaseScopes):
    """OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"]: the scopes of a token are at most those of its client."""

    def get_all_scopes(self):
        return dict(Scope.choices)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = active_client(application)
        return client.scope_list if client is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application=application, request=request)


class ClientValidator(OAuth2Validator):
    """OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]: client credentials only, and only for an active ApiClient."""

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if grant_type != "client_credentials" or active_client(request.client) is None:
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)


class ClientAuthentication(OAuth2Authentication):
    """A valid bearer token of an active client: request.user is the ApiClient, request.auth the AccessToken."""

    www_authenticate_realm = "onecua-api"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        _user, token = result
        client = active_client(token.application)
        if client is None:
            raise exceptions.AuthenticationFailed()
        return client, token


class HasScope(BasePermission):
    """The token carries every scope of the view's `required_scopes` (403 otherwise; 401 without a token)."""

    def has_permission(self, request, view):
        required = getattr(view, "required_scopes", None) or []
        token = request.auth
        if not required or (token is None and getattr(view, "public", False)):
            return True
        if token is None or not isinstance(request.user, ApiClient):
            return False
        granted = set(token.scope.split()) & set(request.user.scope_list)
        missing = [scope for scope in required if scope not in granted]
        if missing:
            raise InsufficientScope(missing)
        return True


class InsufficientScope(exceptions.PermissionDenied):
    problem_type = "insufficient-scope"

    def __init__(self, missing):
        super().__init__(_("Mã truy cập không có phạm vi %(scopes)s mà thao tác này cần.") % {
            "scopes": ", ".join(missing)})


def request_client(request) -> ApiClient | None:
    """The API client of an authenticated request (None on the public endpoints' anonymous calls)."""
    user = getattr(request, "user", None)
    return user if isinstance(user, ApiClient) else None
