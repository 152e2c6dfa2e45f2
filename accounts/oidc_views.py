"""Sign-in through OpenID Connect (accounts/oidc.py), sign-out (at the provider too) and "sign out everywhere".

A provider that is not configured has no pages (404) and no button on the sign-in page. A refused sign-in is the
sign-in page again with a message saying why (never a 500), and nobody signed in.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import oidc, services, sessions
from accounts.forms import LoginForm
from accounts.selectors import is_staff_member, landing_url

log = logging.getLogger(__name__)
BACKEND = "accounts.backends.EmailOrPhoneBackend"  # a ModelBackend: loads the signed-in user at each request


def sign_in_choices(next_url: str = "") -> list[dict]:
    """The providers offered on the sign-in page, with their start addresses."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    choices = []
    for kind, name in ((oidc.CITIZEN, "accounts:oidc_login"), (oidc.STAFF, "accounts:oidc_staff_login")):
        prov = oidc.provider(kind)
        if prov is not None:
            choices.append({"kind": kind, "label": prov.label, "url": reverse(name) + query})
    return choices


def _safe_next(request, raw: str) -> str:
    if raw and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return raw
    return ""


def _refused_page(request, refusal: oidc.SignInRefused):
    next_url = _safe_next(request, request.session.get(oidc.NEXT_KEY, "") if hasattr(request, "session") else "")
    context = {"form": LoginForm(request), "next": next_url, "oidc_error": refusal.message,
               "oidc_choices": sign_in_choices(next_url)}
    return render(request, "accounts/login.html", context, status=refusal.status)


def _provider_or_404(kind: str) -> oidc.Provider:
    prov = oidc.provider(kind)
    if prov is None:
        raise Http404
    return prov


@never_cache
@require_GET
def start(request, kind: str = oidc.CITIZEN):
    prov = _provider_or_404(kind)
    request.session[oidc.NEXT_KEY] = _safe_next(request, request.GET.get("next", ""))
    try:
        return oidc.start(request, prov)
    except oidc.SignInRefused as refusal:
        return _refused_page(request, refusal)


def start_staff(request):
    return start(request, kind=oidc.STAFF)


@never_cache
@require_GET
def callback(request, kind: str = oidc.CITIZEN):
    prov = _provider_or_404(kind)
    try:
        claims = oidc.finish(request, prov)
        user = _account(prov, claims)
    except oidc.SignInRefused as refusal:
        return _refused_page(request, refusal)
    next_url = _safe_next(request, request.session.pop(oidc.NEXT_KEY, ""))
    login(request, user, backend=BACKEND)  # a new session key (django.contrib.auth.login cycles it)
    request.session[oidc.SIGNED_IN_WITH] = kind
    return redirect(next_url or landing_url(user))


def callback_staff(request):
    return callback(request, kind=oidc.STAFF)


def _account(prov: oidc.Provider, claims: dict):
    if prov.kind == oidc.CITIZEN:
        user = services.citizen_from_claims(claims=claims, conf=prov.settings)
        if user is None:
            raise oidc.refused("no_id")
    else:
        user = services.staff_from_claims(claims=claims, conf=prov.settings)
        if user is None or not (user.is_staff or is_staff_member(user=user)):
            raise oidc.refused("not_staff")
    if not user.is_active:
        raise oidc.refused("inactive")
    return user


def _signed_out(request, *, message: str | None = None):
    """Sign this session out; a session signed in through a provider signs out there too (RP-initiated logout),
    which sends the browser back to the home page."""
    kind = request.session.get(oidc.SIGNED_IN_WITH)
    logout(request)
    if message:
        messages.success(request, message)
    prov = oidc.provider(kind) if kind else None
    at_provider = oidc.logout_url(prov) if prov is not None else None
    if not at_provider:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    # A page that goes on to the provider (a redirect answering the sign-out form would be blocked by the site's
    # `form-action 'self'` policy, the provider being another site; a link or a refresh is not).
    return render(request, "accounts/provider_logout.html", {"provider_logout_url": at_provider})


@never_cache
@require_POST
def sign_out(request):
    return _signed_out(request)


@never_cache
@require_POST
@login_required
def sign_out_everywhere(request):
    """Every session of this account ends (other browsers and devices at their next request), this one now."""
    sessions.sign_out_everywhere(user=request.user)
    return _signed_out(request, message=_("Đã đăng xuất tài khoản trên mọi thiết bị và trình duyệt."))
