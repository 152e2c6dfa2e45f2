"""The IPN, over real HTTP to the application: what the gateway's callbacks may and may not change. Each refusal
answers its code and changes nothing; a confirmation counts once however often (or however concurrently) it
arrives."""

import threading
import urllib.parse

import pytest
from django.db import connection

from dossiers.models import DossierEvent, State
from payments.models import Payment, PaymentStatus
from payments.providers import vnpay
from tests.builders import T_ACT, at, fresh, snapshot
from tests.payments.helpers import AMOUNT, SECRET, TMN_CODE, awaiting_online_payment, get_json

pytestmark = pytest.mark.django_db(transaction=True)


def callback(reference: str, *, amount: int = AMOUNT, code: str = "00", status: str = "00",
             number: str = "14123456", secret: str = SECRET, **extra) -> dict:
    """The parameters of a VNPAY callback, signed with `secret`."""
    return vnpay.signed(secret, {
        "vnp_TmnCode": TMN_CODE, "vnp_Amount": str(amount * 100), "vnp_BankCode": "NCB", "vnp_BankTranNo": "VNP1",
        "vnp_CardType": "ATM", "vnp_OrderInfo": "Nop le phi", "vnp_PayDate": "20250311100500",
        "vnp_ResponseCode": code, "vnp_TransactionNo": number, "vnp_TransactionStatus": status,
        "vnp_TxnRef": reference, **extra})


def ipn(base: str, params: dict) -> dict:
    return get_json(f"{base}/thanh-toan/ipn/vnpay/?{urllib.parse.urlencode(params)}")


def started(world):
    dossier = awaiting_online_payment(world)
    payment = Payment.objects.get(dossier=dossier)
    Payment.objects.filter(pk=payment.pk).update(provider="vnpay", started_at=T_ACT,
                                                 expires_at=T_ACT.replace(minute=15))
    return dossier, Payment.objects.get(pk=payment.pk)


def payment_state(payment):
    p = Payment.objects.get(pk=payment.pk)
    return p.status, p.provider_transaction_id, p.paid_at, p.raw_callback


def test_a_replayed_confirmation_counts_once(world, gateway, live_server):
    dossier, payment = started(world)
    params = callback(payment.reference)
    with at(T_ACT):
        assert ipn(live_server.url, params) == {"RspCode": "00", "Message": "Confirm Success"}
        before = snapshot(dossier)
        for _ in range(3):
            assert ipn(live_server.url, params) == {"RspCode": "02", "Message": "Order already confirmed"}
    assert snapshot(dossier) == before
    assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1
    assert Payment.objects.get(pk=payment.pk).provider_transaction_id == "14123456"
    # A second, different transaction for the paid payment is not recorded either (it is logged, to refund).
    with at(T_ACT):
        assert ipn(live_server.url, callback(payment.reference, number="14999999"))["RspCode"] == "02"
    assert Payment.objects.get(pk=payment.pk).provider_transaction_id == "14123456"


@pytest.mark.parametrize("forge", [
    pytest.param(lambda p: {**p, "vnp_Amount": "1"}, id="amount changed after signing"),
    pytest.param(lambda p: {**p, "vnp_SecureHash": "0" * 128}, id="hash replaced"),
    pytest.param(lambda p: {k: v for k, v in p.items() if k != "vnp_SecureHash"}, id="no hash"),
    pytest.param(lambda p: callback(p["vnp_TxnRef"], secret="ANOTHER-MERCHANT-SECRET-000000000"), id="other secret"),
    pytest.param(lambda p: callback(p["vnp_TxnRef"], vnp_TmnCode="OTHERTMN"), id="other merchant"),
])
def test_a_forged_signature_is_refused_with_97_and_changes_nothing(world, gateway, live_server, caplog, forge):
    dossier, payment = started(world)
    before, state = snapshot(dossier), payment_state(payment)
    with at(T_ACT):
        answer = ipn(live_server.url, forge(callback(payment.reference)))
    assert answer == {"RspCode": "97", "Message": "Invalid signature"}
    assert snapshot(dossier) == before and payment_state(payment) == state
    assert any("IPN refused" in r.getMessage() for r in caplog.records)


def test_a_wrong_amount_is_refused_with_04(world, gateway, live_server, caplog):
    dossier, payment = started(world)
    before, state = snapshot(dossier), payment_state(payment)
    with at(T_ACT):
        assert ipn(live_server.url, callback(payment.reference, amount=AMOUNT - 1000)) == {
            "RspCode": "04", "Message": "Invalid amount"}
    assert snapshot(dossier) == before and payment_state(payment) == state
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "amount differs" in logged and "0912000111" not in logged and "Trần Văn Nộp" not in logged


def test_an_unknown_reference_is_refused_with_01(world, gateway, live_server):
    dossier, payment = started(world)
    before, state = snapshot(dossier), payment_state(payment)
    with at(T_ACT):
        assert ipn(live_server.url, callback(payment.reference + "9")) == {"RspCode": "01", "Message": "Order not found"}
    assert snapshot(dossier) == before and payment_state(payment) == state


@pytest.mark.parametrize("code, status", [("24", "02"), ("51", "02"), ("11", "02")])
def test_a_failure_is_recorded_and_answered_00(world, gateway, live_server, code, status):
    dossier, payment = started(world)
    with at(T_ACT):
        assert ipn(live_server.url, callback(payment.reference, code=code, status=status, number="0"))["RspCode"] == "00"
        # Told again: the order is no longer pending.
        assert ipn(live_server.url, callback(payment.reference, code=code, status=status, number="0"))["RspCode"] == "02"
    p = Payment.objects.get(pk=payment.pk)
    assert (p.status, p.response_code, p.provider_transaction_id) == (PaymentStatus.FAILED, code, "")
    assert fresh(dossier).state == State.AWAITING_PAYMENT


def test_the_ipn_answers_get_only(world, gateway, live_server, client):
    dossier, payment = started(world)
    assert client.post("/thanh-toan/ipn/vnpay/", callback(payment.reference)).status_code == 405
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_without_a_configured_gateway_the_ipn_confirms_nothing(world, settings, client):
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_HASH_SECRET": "", "SIMULATOR": None}
    dossier, payment = started(world)
    response = client.get("/thanh-toan/ipn/vnpay/", callback(payment.reference))
    assert response.json() == {"RspCode": "99", "Message": "Unknown error"}
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL")
def test_eight_concurrent_duplicate_confirmations_count_once(world, gateway, live_server):
    """Eight copies of the same IPN released together against the threaded live server (one database connection
    each): one confirms, seven find it confirmed."""
    dossiers = []
    for _ in range(3):
        dossiers.append(started(world))
    for dossier, payment in dossiers:
        params = callback(payment.reference, number=f"15{payment.pk:06d}")
        barrier = threading.Barrier(8)
        answers = []

        def send(params=params, barrier=barrier, answers=answers):
            barrier.wait(timeout=30)
            answers.append(ipn(live_server.url, params)["RspCode"])

        with at(T_ACT):
            threads = [threading.Thread(target=send) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert sorted(answers) == ["00"] + ["02"] * 7
        assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1
        assert fresh(dossier).state == State.PROCESSING
        assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
