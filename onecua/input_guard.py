"""Refuse requests carrying characters no text field may hold, before any view or the database sees them.

NUL bytes, the other control characters (tab, CR and LF excepted) and lone surrogates have no place in an
address, a query string or a form field: PostgreSQL refuses NUL in text outright (a 500 deep inside a
view), and the rest only ever come from tools probing the site. Such a request gets a short 400 page.
Uploaded files' content is not text and is left alone. A cookie holding such characters (a session key with
a NUL would reach the session table) is dropped: the request goes on as if it had not been sent.
"""

import re

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from onecua.middleware import DEFAULT_CSP

# C0 controls except \t \n \r, DEL, C1 controls, UTF-16 surrogates (only ever alone in a Python str).
INVALID_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def has_invalid_characters(value: str) -> bool:
    return INVALID_CHARACTERS.search(value) is not None


def _invalid_in(querydict) -> bool:
    return any(has_invalid_characters(key) or any(has_invalid_characters(v) for v in values)
               for key, values in querydict.lists())


def invalid_part(request) -> str | None:
    """Which part of the request holds an invalid character ("path", "query", "form"), or None."""
    if has_invalid_characters(request.path) or has_invalid_characters(request.path_info):
        return "path"
    if _invalid_in(request.GET):
        return "query"
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        # Parsing the body here is what CsrfViewMiddleware does anyway; a malformed or oversized body raises
        # the same 400 errors it would raise there.
        if _invalid_in(request.POST) or any(has_invalid_characters(name) for name in request.FILES):
            return "form"
    return None


def drop_invalid_cookies(request) -> None:
    cookies = request.COOKIES
    if any(has_invalid_characters(k) or has_invalid_characters(v) for k, v in cookies.items()):
        request.COOKIES = {k: v for k, v in cookies.items()
                           if not (has_invalid_characters(k) or has_invalid_characters(v))}


def refusal(request) -> HttpResponseBadRequest:
    """A short page of its own: the site's layout needs the user and the database, which this must not touch."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        title = _("Yêu cầu không hợp lệ")
        message = _("Địa chỉ hoặc nội dung gửi lên có ký tự không hợp lệ (ví dụ ký tự điều khiển). Hãy kiểm tra "
                    "lại địa chỉ, hoặc nhập lại nội dung rồi gửi lại.")
        home = _("Về trang chủ")
    html = (f'<!doctype html><html lang="{escape(language)}"><head>'
            f'<meta charset="utf-8"><title>{escape(title)}</title></head><body><h1>{escape(title)}</h1>'
            f'<p>{escape(message)}</p><p><a href="/">{escape(home)}</a></p></body></html>')
    response = HttpResponseBadRequest(html, content_type="text/html; charset=utf-8")
    # Answered above the middleware that add these to every other page.
    response.headers["Content-Security-Policy"] = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CSP)
    response.headers["X-Frame-Options"] = "DENY"
    return response


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        drop_invalid_cookies(request)  # before SessionMiddleware reads the session key
        if invalid_part(request) is not None:
            return refusal(request)
        return self.get_response(request)
