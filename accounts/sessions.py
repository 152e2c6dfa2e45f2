"""Sessions: the staff idle timeout and "sign out everywhere".

* Signing in (any way: password, OpenID Connect) goes through django.contrib.auth.login(), which gives the session
  a new key (no session fixation).
* Staff (an active membership, or Django staff) are signed out after ONECUA["STAFF_IDLE_MINUTES"] (default 30)
  without a request: the time of the last request is kept in the session, written at most once a minute.
* "Sign out everywhere" gives the user a new `session_salt`: every session signed in before carries a session hash
  that no longer matches (accounts.models.User._get_session_auth_hash), so Django signs each of them out at its
  next request, whatever the session backend.
"""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import is_staff_member

LAST_SEEN_KEY = "onecua_last_seen"
WRITE_EVERY_SECONDS = 60


def sign_out_everywhere(*, user: User) -> None:
    """Invalidate every session of this user (the caller signs the current one out too)."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])


def idle_minutes() -> int:
    return int(settings.ONECUA.get("STAFF_IDLE_MINUTES", 30))


def _is_staff(user) -> bool:
    return user.is_staff or user.is_superuser or is_staff_member(user=user)


class StaffIdleTimeoutMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.check(request) or self.get_response(request)

    def check(self, request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or request.path_info.startswith(settings.STATIC_URL):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not _is_staff(user):
            return None
        minutes = idle_minutes()
        if minutes <= 0:  # no timeout: nothing to keep in the session either
            return None
        now = timezone.now().timestamp()
        last = request.session.get(LAST_SEEN_KEY)
        if isinstance(last, (int, float)) and now - last > minutes * 60:
            logout(request)
            messages.info(request, _("Phiên làm việc đã kết thúc vì không thao tác quá %(n)s phút. Vui lòng đăng "
                                     "nhập lại.") % {"n": minutes})
            target = reverse(settings.LOGIN_URL)
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        if not isinstance(last, (int, float)) or now - last >= WRITE_EVERY_SECONDS:
            request.session[LAST_SEEN_KEY] = now
        return None
