"""The reconciliation: a payment the gateway took but whose IPN never reached the application is found with
querydr (real HTTP to the simulator) and marked paid through the IPN's code path; an attempt the gateway never
took is expired after its lifetime."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from dossiers.models import DossierEvent, State
from payments.models import Payment, PaymentStatus
from payments.tasks import reconcile_payments
from tests.builders import T_ACT, at, fresh, vn
from tests.payments.helpers import awaiting_online_payment
from tests.payments.test_flow import choose, start_payment

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lost_ipn_is_recovered_by_the_reconciliation(world, gateway, live_server, browser, capsys):
    dossier = awaiting_online_payment(world)
    gateway.deliver_ipn = False  # the gateway took the money; its callback never arrives
    with at(T_ACT):
        choose(browser, start_payment(browser, live_server.url, dossier), "pay")  # the citizen closes the tab
    payment = Payment.objects.get(dossier=dossier)
    assert payment.status == PaymentStatus.PENDING and gateway.transactions[payment.reference]

    with at(T_ACT + timedelta(minutes=5)):  # too early: RECONCILE_AFTER_MINUTES (15) not reached
        call_command("reconcile_payments")
    assert "0 payment(s) checked" in capsys.readouterr().out
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING

    with at(T_ACT + timedelta(minutes=20)):
        call_command("reconcile_payments")
        assert "1 payment(s) checked: paid 1" in capsys.readouterr().out
        call_command("reconcile_payments", "--older-than", "0")  # a second run changes nothing
        assert "0 payment(s) checked" in capsys.readouterr().out
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.raw_callback["source"] == "querydr"
    assert payment.paid_at == vn(2025, 3, 11, 10, 0)  # the gateway's pay date, not the reconciliation's
    assert gateway.queries == [payment.reference]
    assert fresh(dossier).state == State.PROCESSING
    assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1


def test_an_attempt_never_paid_expires_after_its_lifetime(world, gateway, live_server, browser):
    dossier = awaiting_online_payment(world)
    with at(T_ACT):
        start_payment(browser, live_server.url, dossier)  # sent to the gateway, never paid
    payment = Payment.objects.get(dossier=dossier)
    assert payment.expires_at == T_ACT + timedelta(minutes=15)
    with at(T_ACT + timedelta(minutes=14)):
        assert reconcile_payments(older_than_minutes=0) == {"pending": 1}  # still payable
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    with at(T_ACT + timedelta(minutes=16)):
        assert reconcile_payments.apply().get() == {"expired": 1}  # the Celery task, as beat runs it
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.EXPIRED
    assert fresh(dossier).state == State.AWAITING_PAYMENT
    # Paying again makes a new attempt with a new reference.
    with at(T_ACT + timedelta(minutes=20)):
        gateway_url = start_payment(browser, live_server.url, dossier, reference=payment.reference)
    assert "-TT02" in gateway_url and Payment.objects.get(retry_of=payment).status == PaymentStatus.PENDING


def test_an_unreachable_gateway_is_an_error_and_changes_nothing(world, gateway, live_server, browser, settings):
    dossier = awaiting_online_payment(world)
    with at(T_ACT):
        start_payment(browser, live_server.url, dossier)
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_API_URL": "http://127.0.0.1:9/merchant_webapi/api/transaction",
                         "HTTP_TIMEOUT_SECONDS": 2}
    with at(T_ACT + timedelta(hours=1)), pytest.raises(CommandError, match="could not be checked"):
        call_command("reconcile_payments")
    assert Payment.objects.get(dossier=dossier).status == PaymentStatus.PENDING
