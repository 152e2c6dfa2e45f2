"""The sign-in lockout (django-axes, configured in onecua/settings/base.py).

Every sign-in form (the site's and the admin's) calls authenticate(), whose first backend is axes'. A login
(normalised as the backend reads it: accounts.backends.normalise_login) from one client address
(accounts.ratelimit.client_ip) is refused after settings.ONECUA["LOGIN_FAILURES_ALLOWED"] failures for
settings.ONECUA["LOGIN_LOCKOUT_MINUTES"]; the refusal is a Vietnamese page with status 429. Both values are read
at each attempt, so changing them needs no restart of axes.
"""

import unicodedata
from datetime import timedelta

from django.conf import settings
from django.shortcuts import render

from accounts.backends import normalise_login


def lockout_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the typed login in the backend's normal form, so every spelling of one phone or
    one e-mail address counts against one lockout."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    if not isinstance(raw, str):
        return None
    # What Django's UsernameField does before authenticate() (full-width digits → ASCII); idempotent.
    return normalise_login(unicodedata.normalize("NFKC", raw))[:255] or None


def failure_limit(request=None, credentials=None) -> int:
    """AXES_FAILURE_LIMIT."""
    return int(settings.ONECUA["LOGIN_FAILURES_ALLOWED"])


def lockout_minutes() -> int:
    return int(settings.ONECUA["LOGIN_LOCKOUT_MINUTES"])


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME."""
    return timedelta(minutes=lockout_minutes())


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page a locked-out sign-in gets, on the site and in the admin alike."""
    return render(
        request,
        "accounts/locked_out.html",
        {"failures": failure_limit(), "minutes": lockout_minutes()},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
