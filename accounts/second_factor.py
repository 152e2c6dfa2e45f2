"""The second factor (django-otp, TOTP): optional for staff, required for administrators where
settings.OTP_REQUIRED_FOR_ADMINS is on (the production default).

* Signing in with a password by any form (the site's, the admin's) fires `user_logged_in`: if the account has a
  confirmed authenticator, the session is marked as owing its code (`PENDING_SESSION_KEY`).
* `SecondFactorMiddleware` sends a session that owes its code to the code page (accounts:otp_verify) whatever it
  asks for, but for that page, signing out and the language switch; the code clears the mark.
* With OTP_REQUIRED_FOR_ADMINS, an administrator (a superuser or an active Role.ADMIN membership) whose session is
  not verified by a code is sent from /admin/ and the staff workspace (/can-bo/) to enrol (accounts:otp_setup).
"""

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

from accounts.models import Role
from accounts.selectors import memberships_of

PENDING_SESSION_KEY = "onecua_otp_pending"


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """A password sign-in of an account with an authenticator owes a fresh code (receiver of user_logged_in)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if user_has_device(user, confirmed=True):
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session[PENDING_SESSION_KEY] = True
    else:
        session.pop(PENDING_SESSION_KEY, None)


def is_administrator(user) -> bool:
    return user.is_superuser or any(m.role == Role.ADMIN for m in memberships_of(user=user))


@cache
def _paths() -> dict[str, object]:
    return {
        "verify": reverse("accounts:otp_verify"),
        "setup": reverse("accounts:otp_setup"),
        "while_pending": frozenset({reverse("accounts:otp_verify"), reverse("accounts:logout"),
                                    reverse("admin:logout"), reverse("set_language")}),
        # /admin/ and the staff workspace (/can-bo/: dossiers, outbox, reports, ratings).
        "guarded": (reverse("admin:index"), reverse("workspace:home")),
        "admin_logout": reverse("admin:logout"),
    }


def _detour(request, url: str):
    target = f"{url}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET" else url
    if request.headers.get("HX-Request") == "true":  # htmx: a whole-page visit, not a fragment swap
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


class SecondFactorMiddleware:
    """After django_otp.middleware.OTPMiddleware (request.user.is_verified())."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.detour(request) or self.get_response(request)

    def detour(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None  # no session, nobody signed in (and no session read: no Vary: Cookie on public pages)
        path = request.path_info
        if path.startswith(settings.STATIC_URL):
            return None
        paths = _paths()
        if request.session.get(PENDING_SESSION_KEY):
            if not request.user.is_authenticated:  # signed out or expired meanwhile
                request.session.pop(PENDING_SESSION_KEY, None)
                return None
            return None if path in paths["while_pending"] else _detour(request, paths["verify"])
        if not getattr(settings, "OTP_REQUIRED_FOR_ADMINS", False):
            return None
        if not path.startswith(paths["guarded"]) or path == paths["admin_logout"]:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified() or not is_administrator(user):
            return None
        return _detour(request, paths["setup"])
