"""The citizen pays online: real HTTP between a browser, the application (live_server) and the gateway simulator
on another loopback port (its IPN comes back to the application server to server; the return page asks it with
querydr). Nothing of the protocol is mocked."""

import io
import urllib.parse

import pytest
from pypdf import PdfReader

from dossiers.models import DossierEvent, State
from notifications.models import Notification
from payments.models import Payment, PaymentStatus
from tests.builders import T_ACT, at, fresh, vn
from tests.payments.helpers import AMOUNT, attribute, awaiting_online_payment, hidden

pytestmark = pytest.mark.django_db(transaction=True)


def start_payment(browser, base, dossier, reference=None):
    """From the tracking page: the pay button, then the page sending the browser to the gateway."""
    page = browser.track(base, dossier.code)
    assert page.status == 200
    assert "Thanh toán trực tuyến" in page.text
    reference = reference or hidden(page, "reference")
    answer = browser.post(f"{base}/thanh-toan/ho-so/{dossier.code}/", {"reference": reference})
    assert answer.status == 200, answer.text[:500]
    return attribute(answer, "gateway-link", "href")


def choose(browser, gateway_url, action):
    """On the simulator's page: "Thanh toán" (pay) or "Hủy" (cancel); returns the redirect to the return URL."""
    page = browser.get(gateway_url)
    assert page.status == 200, page.text
    form_action = urllib.parse.urljoin(gateway_url, attribute_of_form(page))
    answer = browser.open(form_action, {"q": hidden(page, "q"), "action": action})
    assert answer.status == 302, answer.text
    return answer.location, page


def attribute_of_form(page):
    import re

    return re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)


def test_a_paid_obligation_resumes_the_dossier_with_the_due_time_moved(world, gateway, live_server, browser):
    dossier = awaiting_online_payment(world)
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.amount, payment.status, payment.reference) == (AMOUNT, "pending", f"{dossier.code}-TT01")
    with at(T_ACT):  # paid on Tue 11 Mar 10:00, after 6 paused working hours (Mon 14:00–17:00, Tue 07:00–10:00)
        gateway_url = start_payment(browser, live_server.url, dossier)
        assert gateway_url.startswith(gateway.base + "/paymentv2/vpcpay.html?")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(gateway_url).query))
        assert query["vnp_Amount"] == str(AMOUNT * 100) and query["vnp_TxnRef"] == payment.reference
        assert query["vnp_CreateDate"] == "20250311100000" and query["vnp_ExpireDate"] == "20250311101500"
        return_url, page = choose(browser, gateway_url, "pay")
        assert "1.500.000 VND" in page.text
        assert gateway.ipn_answers == [{"RspCode": "00", "Message": "Confirm Success"}]
        assert return_url.startswith(live_server.url + "/thanh-toan/ket-qua/vnpay/?")
        result = browser.get(return_url)
        tracking = browser.get(f"{live_server.url}/tra-cuu/{dossier.code}/")
    assert result.status == 200 and 'data-status="paid"' in result.text
    assert "Thanh toán thành công" in result.text
    assert gateway.queries == []  # the IPN came first: the stored status was enough
    assert "Biên lai điện tử (PDF)" in tracking.text and "Đã thanh toán" in tracking.text
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.paid_at == vn(2025, 3, 11, 10, 0)
    assert payment.provider == "vnpay" and payment.provider_transaction_id and payment.bank_code == "NCB"
    assert payment.raw_callback["vnp_TxnRef"] == payment.reference
    resumed = fresh(dossier)
    assert resumed.state == State.PROCESSING
    assert resumed.due_at == vn(2025, 3, 13, 17, 0)  # Thu 13 Mar 09:00 + 6 working hours
    event = DossierEvent.objects.get(dossier=dossier, action="payment_received")
    assert payment.reference in event.note and "1.500.000" in event.note
    # The applicant gave a phone and no e-mail: one SMS "đã nhận thanh toán trực tuyến".
    assert list(Notification.objects.filter(dossier=dossier, kind="paid").values_list("channel", flat=True)) == ["sms"]


def test_the_receipt_names_the_amount_and_the_reference(world, gateway, live_server, browser):
    dossier = awaiting_online_payment(world)
    with at(T_ACT):  # (the session cookie is as old as the frozen clock)
        choose(browser, start_payment(browser, live_server.url, dossier), "pay")
        payment = Payment.objects.get(dossier=dossier)
        receipt = browser.get(f"{live_server.url}/thanh-toan/ho-so/{dossier.code}/bien-lai/?tt={payment.reference}")
    assert receipt.status == 200 and receipt.headers["Content-Type"] == "application/pdf"
    assert receipt.headers["Cache-Control"] == "private, no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.body)).pages)
    assert "BIÊN LAI THANH TOÁN TRỰC TUYẾN" in text
    assert "1.500.000 đồng" in text and "Một triệu năm trăm nghìn đồng" in " ".join(text.split())
    assert payment.reference in "".join(text.split())
    assert payment.provider_transaction_id in text
    # Someone else's browser (not following the dossier) gets nothing.
    from tests.payments.helpers import Browser

    stranger = Browser().get(f"{live_server.url}/thanh-toan/ho-so/{dossier.code}/bien-lai/?tt={payment.reference}")
    assert stranger.status == 404


def test_a_cancelled_payment_fails_and_paying_again_uses_a_new_reference(world, gateway, live_server, browser):
    dossier = awaiting_online_payment(world)
    with at(T_ACT):
        return_url, _page = choose(browser, start_payment(browser, live_server.url, dossier), "cancel")
        assert gateway.ipn_answers == [{"RspCode": "00", "Message": "Confirm Success"}]  # recorded as failed
        result = browser.get(return_url)
        assert 'data-status="failed"' in result.text
        first = Payment.objects.get(dossier=dossier)
        assert first.status == PaymentStatus.FAILED and first.response_code == "24"
        assert fresh(dossier).state == State.AWAITING_PAYMENT
        assert not DossierEvent.objects.filter(dossier=dossier, action="payment_received").exists()

        page = browser.get(f"{live_server.url}/tra-cuu/{dossier.code}/")
        assert "Thanh toán lại" in page.text
        gateway_url = start_payment(browser, live_server.url, dossier, reference=first.reference)
        assert f"vnp_TxnRef={urllib.parse.quote_plus(dossier.code)}-TT02" in gateway_url
        choose(browser, gateway_url, "pay")
    second = Payment.objects.get(retry_of=first)
    assert second.status == PaymentStatus.PAID and second.reference.endswith("-TT02")
    assert fresh(dossier).state == State.PROCESSING


def test_forged_success_parameters_on_the_return_page_are_not_trusted(world, gateway, live_server, browser):
    dossier = awaiting_online_payment(world)
    with at(T_ACT):
        gateway_url = start_payment(browser, live_server.url, dossier)  # started, never paid at the gateway
    payment = Payment.objects.get(dossier=dossier)
    forged = {"vnp_TxnRef": payment.reference, "vnp_Amount": str(AMOUNT * 100), "vnp_ResponseCode": "00",
              "vnp_TransactionStatus": "00", "vnp_TransactionNo": "99999999", "vnp_TmnCode": "TESTTMN1",
              "vnp_SecureHash": "ab" * 64}
    with at(T_ACT):
        page = browser.get(f"{live_server.url}/thanh-toan/ket-qua/vnpay/?{urllib.parse.urlencode(forged)}")
    assert page.status == 200 and 'data-status="pending"' in page.text
    assert gateway.queries == [payment.reference]  # the application asked the gateway itself
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and payment.provider_transaction_id == ""
    assert fresh(dossier).state == State.AWAITING_PAYMENT
    assert gateway_url  # the gateway page exists, unused


def test_the_return_page_of_a_payment_whose_ipn_was_lost_asks_the_gateway(world, gateway, live_server, browser):
    dossier = awaiting_online_payment(world)
    gateway.deliver_ipn = False
    with at(T_ACT):
        return_url, _page = choose(browser, start_payment(browser, live_server.url, dossier), "pay")
        assert Payment.objects.get(dossier=dossier).status == PaymentStatus.PENDING  # no IPN yet
        page = browser.get(return_url)
    assert 'data-status="paid"' in page.text
    assert gateway.queries and gateway.queries[-1].endswith("-TT01")
    assert fresh(dossier).state == State.PROCESSING


def test_the_return_page_is_only_for_whoever_follows_the_dossier(world, gateway, live_server, browser):
    from tests.payments.helpers import Browser

    dossier = awaiting_online_payment(world)
    with at(T_ACT):
        return_url, _page = choose(browser, start_payment(browser, live_server.url, dossier), "pay")
        assert Browser().get(return_url).status == 404
        assert Browser().get(f"{live_server.url}/thanh-toan/ket-qua/vnpay/?vnp_TxnRef=KHONG-CO").status == 404
        assert browser.get(return_url).status == 200
