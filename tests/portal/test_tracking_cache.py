"""The tracking page keeps its body (facts, supplement request, forms, timeline) in the cache per dossier version
(issue 22, cheaper pages): a visit after an action, a payment, a rating, a catalog change or a moved appointment
shows the change; one dossier's body is never shown for another, nor to a visitor who may not
see it; the visitor's csrf token is never cached; a repeated visit reads one dossier row and nothing else."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier
from payments.models import Payment, PaymentPurpose, PaymentStatus
from payments.services import payment_open
from surveys.models import Rating
from tests.builders import T_ACT, T_RECEIVE, T_STEP, at, fresh, vn

pytestmark = pytest.mark.django_db

PHONE = "0912000111"  # the applicant's phone in tests/builders.py


def track(client, dossier):
    assert client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": PHONE}).status_code == 302


def page(client, dossier) -> str:
    """The page's main content (the header's forms carry a fresh csrf token on every request)."""
    response = client.get(reverse("portal:dossier", args=[dossier.code]))
    assert response.status_code == 200
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)


def timeline(html: str) -> list[str]:
    return re.findall(r"<li><time>[^<]*</time> – ([^<]*)</li>", html)


def test_an_action_shows_at_once_after_the_page_was_cached(client, world):
    dossier = world.received()
    track(client, dossier)
    before = page(client, dossier)
    assert page(client, dossier) == before  # served again (from the cache): the same page
    assert 'id="supplement-request"' not in before
    assert reverse("portal:form_pdf", args=[dossier.code, "02"]) not in before
    with at(T_RECEIVE):
        services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.desk)
    with at(T_ACT):
        services.dossier_request_supplement(dossier=fresh(dossier), actor=world.user("officer@desk"),
                                            items=["Bản sao sổ hộ khẩu"])
    after = page(client, dossier)
    assert 'id="supplement-request"' in after and "Bản sao sổ hộ khẩu" in after
    assert reverse("portal:form_pdf", args=[dossier.code, "02"]) in after
    assert len(timeline(after)) == len(timeline(before)) + 2
    assert re.search(r'<dd id="state">([^<]*)<', after).group(1) != re.search(r'<dd id="state">([^<]*)<',
                                                                               before).group(1)


def test_two_dossiers_never_mix_and_a_cached_body_needs_the_right_to_see_it(client, world):
    mine, theirs = world.received(), world.submitted()
    other = Client()
    track(other, theirs)
    their_page = page(other, theirs)  # their body is now in the cache
    track(client, mine)
    my_page = page(client, mine)
    assert mine.code in my_page and theirs.code not in my_page
    assert theirs.code in their_page and mine.code not in their_page
    assert reverse("portal:form_pdf", args=[mine.code, "01"]) in my_page  # received: its receipt
    assert reverse("portal:form_pdf", args=[theirs.code, "01"]) not in their_page  # only submitted
    assert client.get(reverse("portal:dossier", args=[theirs.code])).status_code == 404
    assert Client().get(reverse("portal:dossier", args=[mine.code])).status_code == 404
    assert page(client, mine) == my_page and page(other, theirs) == their_page


def test_a_payment_changed_without_an_action_shows_at_once(client, world):
    dossier = world.received()
    track(client, dossier)
    assert 'id="payments"' not in page(client, dossier)
    payment = payment_open(dossier=dossier, amount=250_000, description="Lệ phí cấp bản sao",
                           purpose=PaymentPurpose.FEES)
    assert fresh(dossier).version == dossier.version  # no action: the version did not move
    shown = page(client, dossier)
    assert 'id="payments"' in shown and payment.reference in shown and "250.000" in shown
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.EXPIRED)
    assert str(PaymentStatus.EXPIRED.label) in page(client, dossier)


def test_the_procedure_renamed_in_the_catalog_shows_at_once(client, world):
    dossier = world.submitted()
    track(client, dossier)
    assert dossier.procedure.name in page(client, dossier)
    procedure = dossier.procedure
    procedure.name = "Thủ tục đổi tên để kiểm tra"
    procedure.save()
    assert "Thủ tục đổi tên để kiểm tra" in page(client, dossier)


def test_an_appointment_moved_without_an_action_shows_at_once(client, world):
    dossier = world.received()
    track(client, dossier)
    assert "16/04/2031" not in page(client, dossier)
    # What a calendar recomputation does (dossiers.recompute._set_times): the appointment, not the version.
    Dossier.objects.filter(pk=dossier.pk).update(appointment_at=vn(2031, 4, 16, 10))
    assert "16/04/2031" in page(client, dossier)


def test_the_rating_form_carries_each_visitors_own_csrf_token(world):
    dossier = world.returned()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):  # the first visit renders the body, the second is served it from the cache
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                         browser.get(reverse("portal:track")).content.decode()).group(1)
        assert browser.post(reverse("portal:track"), {"ma": dossier.code, "sdt": PHONE,
                                                      "csrfmiddlewaretoken": csrf}).status_code == 302
        html = page(browser, dossier)
    form = re.search(r'<form method="post" action="([^"]+)" class="rating-form.*?name="csrfmiddlewaretoken" '
                     r'value="([^"]+)">\s*<input type="hidden" name="token" value="([^"]+)"', html, re.S)
    assert form is not None
    # The second visitor's token, which its session accepts: the rating is recorded and shown at once.
    response = second.post(form.group(1), {"overall": "2", "convenience": "1", "comment": "",
                                           "csrfmiddlewaretoken": form.group(2), "token": form.group(3)})
    assert response.status_code in (200, 302)
    assert Rating.objects.get(dossier=dossier).overall == 2
    assert "đã đánh giá" in page(second, dossier)


def test_a_repeated_visit_reads_one_dossier_row_and_nothing_else(client, world, django_assert_max_num_queries):
    dossier = world.processing()
    with at(T_STEP):
        services.dossier_request_supplement(dossier=fresh(dossier), actor=world.user("officer@dept"),
                                            items=["Bản sao giấy khai sinh"])
    track(client, dossier)
    first = page(client, dossier)
    with CaptureQueriesContext(connection) as queries:
        again = page(client, dossier)
    assert again == first and "Bản sao giấy khai sinh" in again
    dossier_sql = [q["sql"] for q in queries.captured_queries if "dossiers_" in q["sql"]]
    assert len(dossier_sql) == 1 and '"dossiers_dossier"."code" =' in dossier_sql[0]
    with django_assert_max_num_queries(2):  # the session and the dossier's row
        page(client, dossier)
