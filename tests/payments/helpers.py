"""Real HTTP for the payment tests: a citizen's browser (cookies, no automatic redirects) built on urllib, and
the dossiers that owe something."""

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from dossiers import services
from procedures.models import ProcedureFee
from tests.builders import T_STEP, at

SECRET = "TESTVNPAYSECRET0123456789ABCDEFGH"
TMN_CODE = "TESTTMN1"
AMOUNT = 1_500_000
PHONE = "0912000111"  # the applicant's phone in tests/builders.py


@dataclass
class Page:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A citizen's browser: keeps cookies, never follows redirects by itself, sends forms with the CSRF token."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def open(self, url: str, data: dict | None = None) -> Page:
        body = None if data is None else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, method="GET" if data is None else "POST")
        if data is not None:
            request.add_header("Referer", url)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return Page(exc.code, dict(exc.headers), exc.read())

    def get(self, url: str) -> Page:
        return self.open(url)

    def post(self, url: str, data: dict) -> Page:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        return self.open(url, {"csrfmiddlewaretoken": token, **data})

    def track(self, base: str, code: str, phone: str = PHONE) -> Page:
        """The tracking page's lookup (code + phone by POST): the session now follows the dossier."""
        self.get(base + "/tra-cuu/")
        answer = self.post(base + "/tra-cuu/", {"ma": code, "sdt": phone})
        assert answer.status == 302, answer.text[:500]
        return self.get(base + answer.location if answer.location.startswith("/") else answer.location)


def attribute(page: Page, element_id: str, name: str) -> str:
    match = re.search(rf'<[^>]*id="{element_id}"[^>]*\b{name}="([^"]*)"', page.text)
    assert match, f"no #{element_id}[{name}] in the page"
    return html.unescape(match.group(1))


def hidden(page: Page, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert match, f"no field {name} in the page"
    return html.unescape(match.group(1))


def get_json(url: str) -> dict:
    import json

    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def awaiting_online_payment(world, amount: int = AMOUNT):
    """A dossier paused for a financial obligation of `amount` đồng, asked at T_STEP (the default timeline:
    received Mon 10 Mar 2025 09:00, due Thu 13 Mar 09:00)."""
    dossier = world.processing()
    with at(T_STEP):
        return services.dossier_await_payment(dossier=dossier, actor=world.user("officer@dept"),
                                              reason="Nộp lệ phí trước bạ", amount=amount)


def with_fees(procedure, *amounts) -> None:
    for i, amount in enumerate(amounts, 1):
        ProcedureFee.objects.create(procedure=procedure, description=f"Lệ phí số {i}", amount=amount)
