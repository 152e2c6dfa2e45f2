"""No URL the product generates carries the applicant's phone, ID number or e-mail address.

URLs end up in server and proxy logs, browser history and Referer headers. The applicant below goes through the
whole citizen journey (online submission, tracking, supplement, result, claiming into "my dossiers"); every
link, image, form target, redirect and form submission of the pages they see, the SMS and e-mail texts and the
QR code of form 01 are collected and checked.
"""

import re
from html import unescape
from urllib.parse import unquote_plus, urlencode

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier
from notifications import outbox
from notifications.models import Notification
from printing import documents
from tests.builders import PDF_BYTES, T_ACT, T_RECEIVE, T_STEP, T_SUBMIT, at, fresh, upload

pytestmark = pytest.mark.django_db

PHONE, ID_NUMBER, EMAIL = "0912345678", "079123456789", "a@example.vn"
SECRETS = (PHONE, ID_NUMBER, EMAIL, "84912345678", "912345678")

ATTRIBUTE_URL = re.compile(r"""\b(?:href|src|action|formaction)\s*=\s*["']([^"']*)["']""", re.I)
TEXT_URL = re.compile(r"https?://[^\s<>\"']+")
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<(?:input|textarea|select)\b([^>]*)>", re.I)
NEXT_URL = re.compile(r"""<input\b[^>]*\bname=["']next["'][^>]*\bvalue=["']([^"']*)["']""", re.I)  # e.g. set_language


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def _attr(tag: str, name: str) -> str | None:
    found = re.search(rf"""\b{name}\s*=\s*["']([^"']*)["']""", tag, re.I)
    return unescape(found.group(1)) if found else None


class Urls:
    """Every URL seen, with where it was seen."""

    def __init__(self):
        self.seen: list[tuple[str, str]] = []

    def add(self, where: str, url: str) -> None:
        self.seen.append((where, url))

    def html(self, where: str, body: str) -> str:
        for url in ATTRIBUTE_URL.findall(body):
            self.add(where, unescape(url))
        for url in TEXT_URL.findall(body):
            self.add(where, unescape(url))
        for url in NEXT_URL.findall(body):
            self.add(f"{where} (next)", unescape(url))
        return body

    def page(self, where: str, response) -> str:
        return self.html(where, response.content.decode())

    def text(self, where: str, text: str) -> None:
        for url in TEXT_URL.findall(text):
            self.add(where, url)

    def leaks(self) -> list[tuple[str, str]]:
        return [(where, url) for where, url in self.seen
                if any(secret in unquote_plus(url).lower() for secret in SECRETS)]


def submit_like_a_browser(client, urls: Urls, where: str, page_path: str, body: str, values: dict):
    """Submit the page's form holding the `values` fields the way a browser does, recording the URL it requests
    (a GET form puts its fields in the query string) and where the answer redirects to."""
    attrs, inner = next((a, i) for a, i in FORM.findall(body)
                        if all(f'name="{name}"' in i for name in values))
    data = {}
    for tag in INPUT.findall(inner):
        name = _attr(tag, "name")
        if name and (_attr(tag, "type") or "").lower() not in {"submit", "button", "file", "checkbox", "radio"}:
            data[name] = _attr(tag, "value") or ""
    data.update(values)
    action = _attr(attrs, "action") or page_path
    if (_attr(attrs, "method") or "get").lower() == "post":
        urls.add(where, action)
        response = client.post(action, data)
    else:
        urls.add(where, f"{action.split('?')[0]}?{urlencode(data)}")
        response = client.get(action.split("?")[0], data)
    if response.has_header("Location"):
        urls.add(f"{where} (redirect)", response["Location"])
    return response


def test_no_generated_url_contains_a_phone_an_id_number_or_an_email(world, monkeypatch):
    urls = Urls()
    client = Client()

    # Online submission.
    submit_url = reverse("portal:submit", args=[world.procedure.national_code])
    with at(T_SUBMIT):
        urls.page("submit form", client.get(submit_url))
        review = client.post(submit_url, {
            "agency": world.desk.pk, "applicant_name": "Lê Thị Riêng Tư", "applicant_id_number": ID_NUMBER,
            "applicant_phone": PHONE, "applicant_email": EMAIL, "applicant_address": "Ấp Một, phường Một",
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)})
        assert review.status_code == 200
        urls.page("review", review)
        done = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                           {"payload": review.context["payload"]})
        assert done.status_code == 302
        urls.add("submitted (redirect)", done["Location"])
        urls.page("submitted", client.get(done["Location"]))
    dossier = Dossier.objects.get(applicant_phone=PHONE)
    assert (dossier.applicant_id_number, dossier.applicant_email) == (ID_NUMBER, EMAIL)

    # The desk receives it (form 01 with its QR code), the authority asks for a supplement.
    with at(T_RECEIVE):
        dossier = services.dossier_receive(dossier=fresh(dossier), actor=world.user("clerk@desk"))
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept)
    with at(T_STEP):
        services.dossier_request_supplement(dossier=fresh(dossier), actor=world.user("officer@dept"),
                                            items=["Bản sao giấy khai sinh"])

    qr_targets, printed = [], []
    real_qr = documents.qr_data_uri
    monkeypatch.setattr(documents, "qr_data_uri", lambda text: qr_targets.append(text) or real_qr(text))
    monkeypatch.setattr(documents, "html_to_pdf", lambda html: printed.append(html) or b"%PDF-1.4\n")
    documents.render_dossier_form("01", fresh(dossier))
    assert qr_targets, "form 01 has no QR code"
    for target in qr_targets:
        urls.add("form 01 QR code", target)
    for html in printed:
        urls.html("form 01", html)

    # The citizen follows the link of the QR code / SMS, then types the phone number and submits.
    anonymous = Client()
    link = qr_targets[0]
    path = link[link.index("/", len("https://")):]
    page = anonymous.get(path)
    assert page.status_code == 200
    body = urls.page("tracking page", page)
    tracked = submit_like_a_browser(anonymous, urls, "tracking form", path.split("?")[0], body,
                                    {"ma": dossier.code, "sdt": PHONE})
    assert tracked.status_code == 302
    urls.page("tracked dossier", anonymous.get(tracked["Location"]))
    # A wrong pair answers with the tracking page again.
    urls.page("tracking page (not found)", anonymous.post(reverse("portal:track"),
                                                         {"ma": dossier.code, "sdt": "0900000000"}))
    # By ID number too.
    again = Client()
    body = urls.page("tracking page", again.get(path))
    submit_like_a_browser(again, urls, "tracking form (ID number)", path.split("?")[0], body,
                          {"ma": dossier.code, "sdt": ID_NUMBER})

    # Supplement answered, result decided and returned.
    with at(T_STEP.replace(hour=15)):
        urls.page("answer page", anonymous.get(reverse("portal:answer", args=[dossier.code])))
        answered = anonymous.post(reverse("portal:answer", args=[dossier.code]),
                                  {"note": "Đã bổ sung", "files": [upload("khai-sinh.pdf", PDF_BYTES)]})
        assert answered.status_code == 302
        urls.add("answer (redirect)", answered["Location"])
    with at(T_ACT):
        dossier = services.dossier_propose(dossier=fresh(dossier), actor=world.user("officer@dept"),
                                           outcome="approved", note="Đủ điều kiện")
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
        dossier = services.dossier_return_result(dossier=dossier, actor=world.user("clerk@desk"),
                                                 delivery="in_person")
    urls.page("tracked dossier (returned)", anonymous.get(reverse("portal:dossier", args=[dossier.code])))
    urls.page("withdraw page", anonymous.get(reverse("portal:withdraw", args=[dossier.code])))

    # Claiming the dossier into "my dossiers" with code + phone.
    client.force_login(world.citizen)
    mine = reverse("portal:mine")
    body = urls.page("my dossiers", client.get(mine))
    claimed = submit_like_a_browser(client, urls, "claim form", mine, body, {"ma": dossier.code, "sdt": PHONE})
    assert claimed.status_code == 302
    assert fresh(dossier).applicant_user == world.citizen
    urls.page("my dossiers (claimed)", client.get(mine))

    # Every SMS and e-mail written for the applicant, and the "appointment moved" message.
    rows = list(Notification.objects.filter(dossier=dossier))
    assert any(r.recipient == EMAIL for r in rows) and any(r.recipient == PHONE for r in rows)
    rows += outbox.appointment_moved_rows(fresh(dossier), old_appointment=T_ACT)
    for row in rows:
        urls.text(f"notification {row.idempotency_key}", f"{row.subject}\n{row.body}")

    assert any("notification" in where for where, _ in urls.seen), "no link found in the notifications"
    assert any(where == "tracking form" for where, _ in urls.seen)
    assert urls.leaks() == []
