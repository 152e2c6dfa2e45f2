"""What one IPN callback costs the database (bench/payments.py measures its time): the statements of a confirmation
counted, for a dossier that resumes and for one that only records the payment, and the compiled lock
(core/prepared.py) giving the same dossier as the ORM."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.prepared import Prepared
from dossiers.models import ClockPause, Dossier, DossierEvent, State
from notifications.models import Notification
from payments.models import Payment, PaymentPurpose, PaymentStatus
from payments.services import reference_for
from procedures import worktime
from procedures.calendars import build_calendar
from tests.builders import T_ACT, T_STEP, at, fresh
from tests.payments.helpers import AMOUNT, SECRET, TMN_CODE, awaiting_online_payment
from tests.payments.test_ipn import callback

pytestmark = pytest.mark.django_db

# Counted inside the test's transaction (savepoints instead of BEGIN … COMMIT). Resuming: the payment locked and
# marked paid, SAVEPOINT, the dossier locked (with its procedure and desk), the other obligations looked for, the
# pause read and closed (with the desk's calendar: its province, its exceptions), the apology looked for, the
# event, the outbox rows, the dossier written, the statistics summary, RELEASE × 2. Recording only: the payment
# locked and marked paid, SAVEPOINT, the dossier locked, its version moved on, the event, the outbox rows,
# RELEASE × 2. Before this bound the dossier was read twice and the event read back for the message (19 and 12).
RESUMING_STATEMENTS = 17
RECORDING_STATEMENTS = 8


@pytest.fixture
def gateway_settings(settings):
    settings.PAYMENTS = {**settings.PAYMENTS, "VNPAY_PAY_URL": "https://pay.example/vpcpay.html",
                         "VNPAY_API_URL": "https://pay.example/api", "VNPAY_TMN_CODE": TMN_CODE,
                         "VNPAY_HASH_SECRET": SECRET, "SIMULATOR": None}


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def _confirm(client, reference: str, number: str) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured, at(T_ACT):
        answer = client.get("/thanh-toan/ipn/vnpay/", callback(reference, number=number)).json()
    return answer, _statements(captured)


def test_a_confirmation_that_resumes_the_dossier_takes_a_bounded_number_of_statements(world, client,
                                                                                        gateway_settings):
    dossier = awaiting_online_payment(world)
    due_before = dossier.due_at
    payment = Payment.objects.get(dossier=dossier)
    answer, statements = _confirm(client, payment.reference, "14000001")
    assert answer["RspCode"] == "00"
    assert len(statements) <= RESUMING_STATEMENTS, "\n".join(statements)
    assert sum(s.startswith('SELECT "dossiers_dossier".') for s in statements) == 1  # the dossier read once
    # Everything the confirmation guarantees is still there: resumed, the due time moved by the paused time.
    dossier = fresh(dossier)
    assert dossier.state == State.PROCESSING
    pause = ClockPause.objects.get(dossier=dossier)
    assert pause.ended_at == T_ACT
    expected_due = worktime.due_after_resume(build_calendar(agency=dossier.receiving_agency), due_before,
                                             pause.started_at, T_ACT)
    assert dossier.due_at == pause.due_after == expected_due > due_before
    event = DossierEvent.objects.get(dossier=dossier, action="payment_received")
    assert f"mã {payment.reference}" in event.note
    sms = Notification.objects.get(dossier=dossier, kind="paid", channel="sms")
    assert payment.reference in sms.body  # the message shows the event's note, taken from the event itself
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    # The replay changes nothing and answers 02.
    again, _statements_again = _confirm(client, payment.reference, "14000001")
    assert again["RspCode"] == "02"
    assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1


def test_a_confirmation_for_a_dossier_being_processed_takes_a_bounded_number_of_statements(world, client,
                                                                                          gateway_settings):
    dossier = world.processing()
    with at(T_STEP):
        payment = Payment.objects.create(dossier=dossier, sequence=1, reference=reference_for(dossier, 1),
                                         purpose=PaymentPurpose.OBLIGATION, description="Nghĩa vụ tài chính",
                                         amount=AMOUNT, provider="vnpay", started_at=T_STEP)
    version = dossier.version
    answer, statements = _confirm(client, payment.reference, "14000002")
    assert answer["RspCode"] == "00"
    assert len(statements) <= RECORDING_STATEMENTS, "\n".join(statements)
    assert sum(s.startswith('SELECT "dossiers_dossier".') for s in statements) == 1  # the dossier read once
    assert not any(s.startswith('SELECT "dossiers_dossierevent".') for s in statements)
    after = fresh(dossier)
    assert (after.state, after.version) == (State.PROCESSING, version + 1)
    assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1
    sms = Notification.objects.get(dossier=dossier, kind="paid", channel="sms")
    assert payment.reference in sms.body


def test_the_compiled_lock_gives_the_dossier_the_orm_gives(world):
    dossier = world.processing()
    lock = Prepared(lambda pk: Dossier.objects.select_for_update(of=("self",))
                    .select_related("procedure", "receiving_agency").filter(pk=pk), probe=-1)
    with transaction.atomic():
        expected = (Dossier.objects.select_for_update(of=("self",))
                    .select_related("procedure", "receiving_agency").get(pk=dossier.pk))
        for _call in range(2):  # compiled on the first call, reused on the second
            got = lock.get(dossier.pk)
            fields = [f.attname for f in Dossier._meta.concrete_fields]
            assert [getattr(got, f) for f in fields] == [getattr(expected, f) for f in fields]
            with CaptureQueriesContext(connection) as captured:
                assert (got.procedure.name, got.receiving_agency.name) == (expected.procedure.name,
                                                                            expected.receiving_agency.name)
            assert not captured.captured_queries  # loaded with the lock
            assert got._state.adding is False and got._state.db == "default"
        assert lock.get(dossier.pk + 1000) is None
        with pytest.raises(TypeError):
            lock.get(str(dossier.pk))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no SELECT … FOR UPDATE")
@pytest.mark.django_db(transaction=True)  # outside the test's own transaction: autocommit, as in a request
def test_the_compiled_lock_is_refused_outside_a_transaction(world):
    from django.db.transaction import TransactionManagementError

    dossier = world.processing()
    lock = Prepared(lambda pk: Dossier.objects.select_for_update().filter(pk=pk), probe=-1)
    with transaction.atomic():
        assert lock.get(dossier.pk).pk == dossier.pk
    with pytest.raises(TransactionManagementError):
        lock.get(dossier.pk)


def _processing_with_a_started_payment(world, sequence: int = 1) -> tuple[Dossier, Payment]:
    dossier = world.processing()
    with at(T_STEP):
        payment = Payment.objects.create(dossier=dossier, sequence=sequence, reference=reference_for(dossier, sequence),
                                         purpose=PaymentPurpose.OBLIGATION, description="Nghĩa vụ tài chính",
                                         amount=AMOUNT, provider="vnpay", started_at=T_STEP)
    return dossier, payment


def test_recording_a_payment_takes_no_savepoint_and_writes_each_row_once(world, client, gateway_settings):
    dossier, payment = _processing_with_a_started_payment(world)
    answer, statements = _confirm(client, payment.reference, "14000003")
    assert answer["RspCode"] == "00"
    # The callback's own transaction is a savepoint here (inside the test's transaction): BEGIN … COMMIT in a
    # request. Within it, none.
    assert statements[0].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE SAVEPOINT")
    assert not [s for s in statements[1:-1] if "SAVEPOINT" in s], "\n".join(statements)
    verbs = [s.split()[0] + " " + s.split('"')[1] for s in statements[1:-1]]
    assert verbs == ["SELECT payments_payment", "UPDATE payments_payment", "SELECT dossiers_dossier",
                     "UPDATE dossiers_dossier", "INSERT dossiers_dossierevent", "INSERT dossiers_notification"]
    paid = Payment.objects.get(pk=payment.pk)  # the one UPDATE wrote what save(update_fields=…) wrote
    assert (paid.status, paid.provider_transaction_id, paid.bank_code, paid.response_code) == (
        PaymentStatus.PAID, "14000003", "NCB", "00")
    assert paid.paid_at is not None and paid.updated_at >= paid.created_at
    assert paid.raw_callback["source"] == "ipn" and paid.raw_callback["vnp_TxnRef"] == payment.reference
    event = DossierEvent.objects.get(dossier=dossier, action="payment_received")
    assert (event.from_state, event.to_state, event.actor_id, event.actor_label) == (
        State.PROCESSING, State.PROCESSING, None, "Người nộp hồ sơ")
    assert event.at == T_ACT and f"mã {payment.reference}" in event.note


def test_a_failure_after_the_first_write_of_the_recording_changes_nothing_and_answers_99(world, client,
                                                                                        gateway_settings):
    """The recording takes no savepoint: an error in a listener after the event was written must not leave the
    payment recorded without its event (the gateway calls again; the reconciliation catches up)."""
    from core.errors import InvalidInput
    from dossiers.signals import dossier_acted

    dossier, payment = _processing_with_a_started_payment(world)
    version = dossier.version

    def refuses(sender, *, action, **kwargs):
        raise InvalidInput("refused by a listener")

    dossier_acted.connect(refuses, dispatch_uid="test.refuses")
    try:
        answer, _statements = _confirm(client, payment.reference, "14000004")
    finally:
        dossier_acted.disconnect(dispatch_uid="test.refuses")
    assert answer["RspCode"] == "99"
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert not DossierEvent.objects.filter(dossier=dossier, action="payment_received").exists()
    assert not Notification.objects.filter(dossier=dossier, kind="paid").exists()
    assert fresh(dossier).version == version
    # Called again, it is recorded once.
    answer, _statements = _confirm(client, payment.reference, "14000004")
    assert answer["RspCode"] == "00"
    assert DossierEvent.objects.filter(dossier=dossier, action="payment_received").count() == 1


def test_the_compiled_writes_write_what_the_orm_writes(world):
    from core.prepared import insert_row, update_row

    dossier, payment = _processing_with_a_started_payment(world)
    with at(T_ACT):
        event = insert_row(DossierEvent(dossier=dossier, action="payment_received", actor_label="X",
                                        from_state=State.PROCESSING, to_state=State.PROCESSING, note="ghi chú"))
        assert event.pk is not None and event._state.adding is False
        stored = DossierEvent.objects.get(pk=event.pk)
        fields = [f.attname for f in DossierEvent._meta.concrete_fields]
        assert [getattr(stored, f) for f in fields] == [getattr(event, f) for f in fields]
        assert stored.at == T_ACT
        payment.status, payment.raw_callback = PaymentStatus.FAILED, {"vnp_ResponseCode": "24", "tên": "Đặng"}
        assert update_row(payment, ("status", "raw_callback", "updated_at")) == 1
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.raw_callback, stored.updated_at) == (PaymentStatus.FAILED,
                                                                        {"vnp_ResponseCode": "24", "tên": "Đặng"}, T_ACT)
    assert stored.description == "Nghĩa vụ tài chính"  # the other columns untouched
    gone = Payment(pk=payment.pk + 1000, status=PaymentStatus.PAID)
    assert update_row(gone, ("status",)) == 0
