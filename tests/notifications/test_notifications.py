"""Notifications through the outbox (eager Celery): content, recipients, claims, retries, the sweep, the page."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone

from accounts.models import Role
from core import masking
from core.backends import LocmemSMSBackend
from core.errors import InvalidInput, TransitionRefused
from core.masking import mask_phone
from dossiers import services
from dossiers.models import Dossier
from notifications import delivery, messages, sweep
from notifications.models import Notification, NotificationStatus
from notifications.services import notification_retry
from notifications.tasks import requeue_notifications
from onecua import urls as project_urls
from printing.models import TrackingBookFile
from printing.tasks import render_tracking_book
from tests.builders import T_ACT, T_RECEIVE, T_STEP, at, fresh, vn
from tests.factories import MembershipFactory, UserFactory

urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "outbox" for p in urlpatterns):
    urlpatterns.append(path("can-bo/hop-thu/", include("dossiers.outbox_urls")))

pytestmark = pytest.mark.django_db

EMAIL = "tran.van.nop@example.vn"


@pytest.fixture(autouse=True)
def _locmem_sms(locmem_sms):
    """Every test here reads the SMS sent (tests/conftest.py: locmem_sms)."""


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run an action at a frozen instant with its after-commit callbacks (the eager send tasks) executed."""

    def _run(moment, fn, **kwargs):
        with at(moment), django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return _run


def submitted_with_email(world):
    dossier = world.submitted()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_email=EMAIL)
    return fresh(dossier)


def test_reception_sends_one_vietnamese_email_with_the_appointment_and_the_tracking_link(world, run, mailoutbox):
    dossier = submitted_with_email(world)
    dossier = run(T_RECEIVE, services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"))

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [EMAIL]
    assert message.subject == f"[Một Cửa] Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "Kính gửi Ông/Bà Trần Văn Nộp," in message.body
    # Received Mon 10 Mar 2025 09:00, three working days: Thu 13 Mar 09:00.
    assert "Thời gian hẹn trả kết quả: 09 giờ 00 phút, ngày 13/03/2025." in message.body
    assert f"?ma={dossier.code}" in message.body
    row = Notification.objects.get(dossier=dossier, channel="email")
    assert row.status == NotificationStatus.SENT and row.sent_at is not None and row.deliveries == 1
    assert message.extra_headers["Message-ID"] == delivery.message_id(row)
    assert message.extra_headers["X-Onecua-Idempotency-Key"] == row.idempotency_key
    # The applicant has a phone too: one SMS, without diacritics.
    assert len(LocmemSMSBackend.outbox) == 1
    phone, text, key = LocmemSMSBackend.outbox[0]
    assert phone == "0912000111" and key.endswith(":sms")
    assert text.startswith(f"Mot Cua: HS {dossier.code} da duoc tiep nhan, hen tra ket qua 09:00 13/03/2025.")


def test_no_email_address_means_no_email_but_an_sms(world, run, mailoutbox):
    dossier = world.submitted()
    run(T_RECEIVE, services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"))
    assert mailoutbox == []
    assert list(Notification.objects.filter(dossier=dossier).values_list("channel", flat=True)) == ["sms"]


def test_an_action_that_fails_writes_no_notification(world, run):
    dossier = world.submitted(provided=False)
    with pytest.raises(InvalidInput):
        run(T_RECEIVE, services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"))
    assert not Notification.objects.filter(dossier=dossier).exists()


def test_supplement_request_lists_every_item(world, run, mailoutbox):
    dossier = submitted_with_email(world)
    run(T_RECEIVE, services.dossier_request_supplement, dossier=dossier, actor=world.user("clerk@desk"),
        items=["Bản sao giấy khai sinh", "Ảnh 4x6"], reason="Thiếu giấy tờ")
    body = mailoutbox[0].body
    assert "  - Bản sao giấy khai sinh\n  - Ảnh 4x6" in body
    assert "Lý do: Thiếu giấy tờ" in body


def test_apology_gives_the_new_appointment(world, run, mailoutbox):
    dossier = world.processing(received_at=vn(2025, 3, 10, 10, 0))
    Dossier.objects.filter(pk=dossier.pk).update(applicant_email=EMAIL)
    run(vn(2025, 3, 11, 9, 0), services.dossier_apologise, dossier=fresh(dossier), actor=world.user("leader@dept"),
        reason="Chờ ý kiến liên ngành", new_appointment_at=vn(2025, 3, 17, 10, 0))
    assert len(mailoutbox) == 1
    assert "Thời gian hẹn trả kết quả mới: 10 giờ 00 phút, ngày 17/03/2025." in mailoutbox[0].body
    assert "Lý do: Chờ ý kiến liên ngành" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("setup", "action", "kwargs", "subject_end", "phrase"),
    [
        ("proposed", services.dossier_approve, {"actor": "leader@dept"}, "đã có kết quả", "đã được giải quyết"),
        ("resolved", services.dossier_return_result, {"actor": "clerk@desk", "delivery": "in_person"},
         "đã trả kết quả", "Trực tiếp tại Bộ phận Một cửa"),
        ("submitted", services.dossier_refuse, {"actor": "clerk@desk", "reason": "Không thuộc thẩm quyền"},
         "không được tiếp nhận", "Lý do: Không thuộc thẩm quyền"),
        ("received", services.dossier_withdraw, {"actor": "clerk@desk"}, "đã được rút", "theo đề nghị"),
        ("processing", services.dossier_stop, {"actor": "leader@dept", "reason": "Không đủ điều kiện"},
         "bị dừng giải quyết", "Lý do: Không đủ điều kiện"),
    ],
)
def test_each_outcome_is_told_to_the_applicant(world, run, mailoutbox, setup, action, kwargs, subject_end, phrase):
    from tests.builders import make

    dossier = make(world, setup)
    Dossier.objects.filter(pk=dossier.pk).update(applicant_email=EMAIL)
    kwargs = {**kwargs, "actor": world.user(kwargs["actor"])}
    run(T_STEP + timedelta(hours=1), action, dossier=fresh(dossier), **kwargs)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.endswith(subject_end)
    assert phrase in mailoutbox[0].body


def test_staff_only_actions_notify_no_one(world, run):
    dossier = world.processing()
    before = Notification.objects.count()
    run(T_ACT, services.dossier_assign, dossier=dossier, actor=world.user("leader@dept"),
        officer=world.user("officer@dept"))
    assert Notification.objects.count() == before


# ---------------------------------------------------------------- claims, leases, retries
def pending_email(world) -> Notification:
    dossier = submitted_with_email(world)
    with at(T_RECEIVE):
        services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))  # callbacks not run: pending
    return Notification.objects.get(dossier=dossier, channel="email")


def test_delivering_twice_sends_once(world, mailoutbox):
    row = pending_email(world)
    assert delivery.deliver(row.pk).outcome == "sent"
    assert delivery.deliver(row.pk).outcome == "skipped"
    assert len(mailoutbox) == 1


def test_a_row_marked_sent_is_never_sent_again(world, mailoutbox):
    row = pending_email(world)
    delivery.deliver(row.pk)
    # Even if it looks ancient, a sent row is not re-queued, and staff cannot retry it.
    Notification.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - timedelta(days=1),
                                                  created_at=timezone.now() - timedelta(days=1))
    requeue_notifications.delay(0).get()
    with pytest.raises(TransitionRefused):
        notification_retry(notification=fresh_row(row), actor=world.user("clerk@desk"))
    assert len(mailoutbox) == 1
    assert fresh_row(row).deliveries == 1


def fresh_row(row):
    return Notification.objects.get(pk=row.pk)


def test_a_live_lease_is_left_alone_and_an_expired_one_is_sent_again(world, mailoutbox, settings):
    """A worker that died after claiming (and maybe after the mail left): at-least-once, same Message-ID."""
    row = pending_email(world)
    assert delivery.claim(row.pk) is not None  # the "dead" worker's claim
    requeue_notifications.delay(0).get()
    assert mailoutbox == []  # lease still running: someone may be sending it right now
    expired = timezone.now() - timedelta(seconds=settings.ONECUA["NOTIFICATION_LEASE_SECONDS"] + 1)
    Notification.objects.filter(pk=row.pk).update(claimed_at=expired)
    requeue_notifications.delay(0).get()
    requeue_notifications.delay(0).get()
    assert len(mailoutbox) == 1
    row = fresh_row(row)
    assert row.status == NotificationStatus.SENT and row.attempts == 2
    assert mailoutbox[0].extra_headers["Message-ID"] == delivery.message_id(row)


def test_a_late_mark_after_a_lost_lease_is_counted_as_a_possible_duplicate(world, mailoutbox, monkeypatch):
    row = pending_email(world)
    real = delivery._deliver_now

    def slow_then_stolen(notification):
        real(notification)
        # While "we" were sending, our lease expired and another worker re-claimed and delivered.
        Notification.objects.filter(pk=notification.pk).update(
            claimed_at=timezone.now() - timedelta(hours=1))
        monkeypatch.setattr(delivery, "_deliver_now", real)
        assert delivery.deliver(notification.pk).outcome == "sent"

    monkeypatch.setattr(delivery, "_deliver_now", slow_then_stolen)
    assert delivery.deliver(row.pk).outcome == "sent"
    row = fresh_row(row)
    assert row.status == NotificationStatus.SENT and row.deliveries == 2
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == 1  # the duplicate is recognisable


def test_a_batch_is_claimed_a_few_rows_at_a_time_and_each_row_keeps_its_own_outcome(world, mailoutbox,
                                                                                    monkeypatch):
    """send_notifications' batch: rows claimed `claim_size` at a time; a row already sent or held elsewhere is
    skipped, a failing one waits with its back-off, and the others in the same claim are still sent and marked."""
    rows = [pending_email(world) for _ in range(5)]
    delivery.deliver(rows[0].pk)  # already sent
    assert delivery.claim(rows[1].pk) is not None  # another worker holds it
    real = delivery._deliver_now
    failing = rows[3].pk

    def flaky(notification):
        if notification.pk == failing:
            raise TimeoutError("SMTP timed out")
        real(notification)

    monkeypatch.setattr(delivery, "_deliver_now", flaky)
    outcomes = delivery.deliver_batch([r.pk for r in rows], claim_size=2)
    assert outcomes == {"skipped": 2, "sent": 2, "retry": 1}
    assert sorted(m.extra_headers["X-Onecua-Idempotency-Key"] for m in mailoutbox) == sorted(
        r.idempotency_key for r in (rows[0], rows[2], rows[4]))
    status = {r.pk: fresh_row(r) for r in rows}
    assert [status[r.pk].status for r in rows] == ["sent", "sending", "sent", "pending", "sent"]
    assert status[failing].last_error == "TimeoutError: SMTP timed out" and status[failing].claim_token is None
    assert [status[r.pk].deliveries for r in rows] == [1, 0, 1, 0, 1]
    # Nothing is sent twice by a second run of the same batch (a redelivered task).
    assert delivery.deliver_batch([r.pk for r in rows]) == {"skipped": 5}
    assert len(mailoutbox) == 3


def test_failures_back_off_then_fail_with_a_reason_and_staff_can_retry(world, mailoutbox, monkeypatch, settings):
    settings.ONECUA = {**settings.ONECUA, "NOTIFICATION_MAX_ATTEMPTS": 2}
    row = pending_email(world)
    real = delivery._deliver_now

    def broken(notification):
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(delivery, "_deliver_now", broken)
    first = delivery.deliver(row.pk)
    assert first.outcome == "retry" and first.retry_in == timedelta(seconds=30)
    row = fresh_row(row)
    assert row.status == NotificationStatus.PENDING and row.next_attempt_at > timezone.now()
    assert row.last_error == "ConnectionRefusedError: SMTP server unreachable"
    assert delivery.deliver(row.pk).outcome == "skipped"  # not due yet
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk).outcome == "failed"
    assert fresh_row(row).status == NotificationStatus.FAILED

    monkeypatch.setattr(delivery, "_deliver_now", real)
    requeue_notifications.delay(0).get()
    assert mailoutbox == []  # failed rows wait for a person
    notification_retry(notification=row, actor=world.user("clerk@desk"))
    delivery.deliver(row.pk)
    assert len(mailoutbox) == 1 and fresh_row(row).status == NotificationStatus.SENT


def test_phones_and_id_numbers_are_never_logged(world, run, caplog, settings):
    settings.ONECUA_SMS_BACKEND = "core.backends.ConsoleSMSBackend"
    caplog.set_level(logging.DEBUG)
    dossier = world.submitted()
    run(T_RECEIVE, services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"))
    assert "09******11" in caplog.text
    assert "0912000111" not in caplog.text
    assert "079203001234" not in caplog.text


def test_masks():
    assert mask_phone("0912000178") == "09******78"
    assert mask_phone("+84 912 000 178") == "84*******78"
    assert masking.mask_id_number("079203001234") == "*********234"


# ---------------------------------------------------------------- the deadline sweep
def test_the_sweep_sends_a_daily_digest_and_an_apology_prompt_once(world, run, mailoutbox):
    officer, leader = world.user("officer@dept"), world.user("leader@dept")
    type(officer).objects.filter(pk=officer.pk).update(email="cv@so.vn")
    type(leader).objects.filter(pk=leader.pk).update(email="ld@so.vn")
    overdue = world.processing()  # due Thu 13 Mar 09:00
    run(T_ACT, services.dossier_assign, dossier=overdue, actor=leader, officer=type(officer).objects.get(pk=officer.pk))
    later = world.processing(received_at=vn(2025, 3, 12, 9, 0))  # due Mon 17 Mar 09:00
    mailoutbox.clear()

    # Fri 14 Mar 08:30: `overdue` is late; `later` has 1 working day + 30 min left: prompt its leaders.
    with at(vn(2025, 3, 14, 8, 30)):
        summary = sweep.deadline_sweep()
        again = sweep.deadline_sweep()
    assert (summary.digests, summary.apology_prompts) == (2, 1)
    assert (again.digests, again.apology_prompts) == (0, 0)
    rows = {(n.kind, n.recipient) for n in Notification.objects.filter(kind__in=["digest", "apology_prompt"])}
    assert rows == {("digest", "cv@so.vn"), ("digest", "ld@so.vn"), ("apology_prompt", "ld@so.vn")}
    digest = Notification.objects.get(kind="digest", recipient="cv@so.vn")
    assert f"Quá hạn (1):\n  - {overdue.code}" in digest.body and later.code not in digest.body
    prompt = Notification.objects.get(kind="apology_prompt")
    assert prompt.dossier_id == later.pk and "mẫu 04" in prompt.subject


# ---------------------------------------------------------------- batch PDF
def test_a_days_tracking_book_is_rendered_into_private_storage(world):
    world.received()
    world.received()
    path = render_tracking_book.delay(world.desk.pk, "2025-03-10").get()
    book = TrackingBookFile.objects.get(agency=world.desk, day="2025-03-10")
    assert book.file.name == path and book.dossier_count == 2
    with book.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    again = render_tracking_book.delay(world.desk.pk, "2025-03-10").get()  # idempotent: replaced, not added
    assert TrackingBookFile.objects.count() == 1
    assert not book.file.storage.exists(path) or again == path


# ---------------------------------------------------------------- the outbox page
@pytest.fixture
def outbox_rows(world):
    mine = pending_email(world)
    other = world.submitted(agency=world.other_desk)
    with at(T_RECEIVE):
        services.dossier_receive(dossier=other, actor=world.user("clerk@other_desk"))
    Notification.objects.filter(pk=mine.pk).update(status=NotificationStatus.FAILED, last_error="SMTP 550")
    return mine, Notification.objects.get(dossier=other)


@pytest.mark.urls(__name__)
def test_the_outbox_page_shows_the_users_agencies_only(world, outbox_rows, client):
    mine, other = outbox_rows
    client.force_login(world.user("clerk@desk"))
    page = client.get(reverse("outbox:list")).content.decode()
    assert mine.dossier.code in page and other.dossier.code not in page
    assert "SMTP 550" in page and "09******11" in page and "0912000111" not in page
    assert reverse("outbox:retry", args=[mine.pk]) in page
    client.force_login(world.user("officer@dept"))
    assert client.get(reverse("outbox:list")).status_code == 404


@pytest.mark.urls(__name__)
def test_an_admin_of_the_province_sees_every_desk(world, outbox_rows, client):
    admin = UserFactory(username="quantri")
    MembershipFactory(user=admin, agency=world.province, role=Role.ADMIN)
    client.force_login(admin)
    page = client.get(reverse("outbox:list") + "?trang-thai=failed").content.decode()
    assert outbox_rows[0].dossier.code in page and outbox_rows[1].dossier.code not in page
    page = client.get(reverse("outbox:list")).content.decode()
    assert outbox_rows[1].dossier.code in page


@pytest.mark.urls(__name__)
def test_retry_is_a_csrf_protected_post_in_scope(world, outbox_rows, client, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    mine, other = outbox_rows
    clerk = world.user("clerk@desk")
    url = reverse("outbox:retry", args=[mine.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)
    assert strict.post(url).status_code == 403
    client.force_login(clerk)
    assert client.get(url).status_code == 405
    assert client.post(reverse("outbox:retry", args=[other.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert fresh_row(mine).status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_the_recomputations_date_formats_are_the_forms_formats():
    """Thousands of moved appointments are formatted by one helper; it must print what the forms print."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from procedures.formatting import vn_datetime, vn_short_datetime

    start = datetime(2025, 12, 31, 16, 59, 30, tzinfo=UTC)
    for minutes in range(0, 3 * 24 * 60, 37):
        for zone in (UTC, ZoneInfo("Asia/Ho_Chi_Minh"), ZoneInfo("America/New_York")):
            value = (start + timedelta(minutes=minutes)).astimezone(zone)
            assert messages._vn_times(value) == (vn_datetime(value), vn_short_datetime(value))
