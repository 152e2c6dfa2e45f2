"""The dues the dossier's actions open, in the action's own transaction: the procedure's fees at reception (when
they add up to more than 0), the amount an officer asks for with a financial obligation."""

import pytest

from core.errors import InvalidInput
from dossiers import services
from payments.models import Payment, PaymentPurpose, PaymentStatus
from tests.builders import T_STEP, at
from tests.payments.helpers import awaiting_online_payment, with_fees


@pytest.mark.django_db
def test_the_fees_are_due_at_reception(world):
    with_fees(world.procedure, 50_000, None, 100_000)  # a fee "computed otherwise" has no amount
    dossier = world.submitted()
    assert not Payment.objects.exists()  # nothing is due before reception
    dossier = world.received()
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.purpose, payment.amount, payment.status) == (PaymentPurpose.FEES, 150_000, PaymentStatus.PENDING)
    assert payment.reference == f"{dossier.code}-TT01" and payment.reference.isascii()
    assert payment.description == "Phí, lệ phí: Lệ phí số 1; Lệ phí số 3"
    assert payment.created_at == dossier.received_at


@pytest.mark.django_db
def test_no_fees_no_due(world):
    with_fees(world.procedure, 0)
    world.received()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_desk_intake_with_reception_opens_the_fees_once(world):
    from dossiers.services import ApplicantData

    with_fees(world.procedure, 30_000)
    with at(T_STEP):
        dossier = services.dossier_intake_at_desk(
            procedure=world.procedure, receiving_agency=world.desk, channel=1, actor=world.user("clerk@desk"),
            applicant=ApplicantData(name="Lê Văn Quầy", id_number="079203009999", phone="0912000999"),
            provided_required_document_ids=[world.form.pk], receive=True)
    assert list(Payment.objects.filter(dossier=dossier).values_list("amount", flat=True)) == [30_000]


@pytest.mark.django_db
def test_a_financial_obligation_with_an_amount_is_due(world):
    with_fees(world.procedure, 20_000)
    dossier = awaiting_online_payment(world, amount=2_345_000)
    fees, obligation = Payment.objects.filter(dossier=dossier).order_by("sequence")
    assert fees.reference.endswith("-TT01") and fees.amount == 20_000
    assert (obligation.purpose, obligation.amount, obligation.description) == (
        PaymentPurpose.OBLIGATION, 2_345_000, "Nộp lệ phí trước bạ")
    assert obligation.reference == f"{dossier.code}-TT02"


@pytest.mark.django_db
def test_an_obligation_without_an_amount_is_paid_at_the_desk(world):
    world.awaiting_payment()
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_refused_action_opens_nothing(world):
    dossier = world.processing()
    with at(T_STEP), pytest.raises(InvalidInput):
        services.dossier_await_payment(dossier=dossier, actor=world.user("officer@dept"), reason="x", amount=0)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_an_amount_the_gateway_cannot_take_refuses_the_action(world):
    dossier = world.processing()
    with at(T_STEP), pytest.raises(InvalidInput, match="9.999.999.999"):
        services.dossier_await_payment(dossier=dossier, actor=world.user("officer@dept"), reason="Thuế",
                                       amount=10_000_000_000)
    assert not Payment.objects.exists() and dossier.state == "processing"


@pytest.mark.django_db
def test_paying_the_fees_does_not_resume_a_dossier_waiting_for_its_obligation(world):
    from dossiers.models import DossierEvent, State
    from payments.providers.base import GatewayResult, Outcome
    from payments.services import payment_apply_result
    from tests.builders import fresh

    with_fees(world.procedure, 20_000)
    dossier = awaiting_online_payment(world)
    fees, obligation = Payment.objects.filter(dossier=dossier).order_by("sequence")

    def paid(payment, number):
        return GatewayResult(reference=payment.reference, amount=payment.amount, paid=True, transaction_id=number,
                             response_code="00", transaction_status="00")

    with at(T_STEP):
        assert payment_apply_result(paid(fees, "1001"), source="ipn") == Outcome.CONFIRMED
    assert fresh(dossier).state == State.AWAITING_PAYMENT
    with at(T_STEP):
        assert payment_apply_result(paid(obligation, "1002"), source="ipn") == Outcome.CONFIRMED
        # One gateway transaction confirms one payment: the same number for another payment is refused.
        from django.db import IntegrityError

        third = Payment.objects.create(dossier=dossier, sequence=9, reference=f"{dossier.code}-TT09",
                                       purpose="obligation", description="x", amount=5_000)
        with pytest.raises(IntegrityError):
            payment_apply_result(paid(third, "1002"), source="ipn")
    assert Payment.objects.get(pk=third.pk).status == PaymentStatus.PENDING
    assert fresh(dossier).state == State.PROCESSING
    assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1
