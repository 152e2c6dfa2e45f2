"""The whole life of a feedback through the services and the staff pages: received → assigned → answered →
published (or closed), the due time on the legal clock, the outbox rows, refused transitions that change nothing,
and the overdue flag."""

from datetime import datetime

import pytest
from django.urls import reverse

from feedback import services
from feedback.models import Feedback, FeedbackEvent, Status
from notifications.models import Notification
from procedures.workcalendar import TZ
from tests.builders import at, vn
from tests.feedback.conftest import SENDER, send

pytestmark = pytest.mark.django_db


def state(feedback: Feedback) -> tuple:
    f = Feedback.objects.get(pk=feedback.pk)
    return (f.status, f.assigned_to_id, f.answer, f.answered_at, f.timeliness, f.public_answer, f.published_at,
            f.closed_at, FeedbackEvent.objects.filter(feedback=f).count(), Notification.objects.count())


def test_due_time_is_ten_working_days_on_the_legal_clock(world, sent):
    assert sent.due_at == datetime(2025, 3, 31, 9, 0, tzinfo=TZ)
    assert sent.status == Status.RECEIVED and sent.code.startswith("PA250317")


def test_due_time_skips_the_reunification_holiday(world, settings):
    """Sent Thu 24 Apr 2025 10:00 with 5 working days: 30 Apr and 1 May are public holidays (and the weekend)."""
    settings.ONECUA = {**settings.ONECUA, "FEEDBACK_ANSWER_WORKING_DAYS": 5}
    feedback = send(world, at_time=vn(2025, 4, 24, 10, 0))
    assert feedback.due_at == datetime(2025, 5, 5, 10, 0, tzinfo=TZ)


def test_whole_life_on_the_staff_pages(world, sent, client, committed):
    leader, officer = world.user("leader@desk"), world.user("officer@desk")
    detail = reverse("feedback_staff:detail", args=[sent.pk])
    client.force_login(leader)
    with at(vn(2025, 3, 18, 9, 0)):
        r = client.post(detail, {"action": "assign", "officer": officer.pk})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Feedback.objects.get(pk=sent.pk).status == Status.ASSIGNED

    client.force_login(officer)
    with committed(), at(vn(2025, 3, 20, 9, 0)):
        r = client.post(detail, {"action": "answer",
                                 "answer": "Đã làm việc với bộ phận một cửa; liên hệ 0987654321 để nhận kết quả."})
    assert r.status_code == 302
    f = Feedback.objects.get(pk=sent.pk)
    assert (f.status, f.timeliness, f.answered_by) == (Status.ANSWERED, "early", officer)
    # The first draft of the published answer has the sender's phone removed.
    assert "0987654321" not in f.public_answer and "[số]" in f.public_answer
    to_sender = Notification.objects.filter(kind="feedback_answered").order_by("channel")
    assert [(n.channel, n.recipient) for n in to_sender] == [("email", SENDER["sender_email"]),
                                                            ("sms", SENDER["sender_phone"])]
    assert "Đã làm việc với bộ phận một cửa" in to_sender[0].body
    assert to_sender[1].body.isascii() and f.code in to_sender[1].body

    client.force_login(leader)
    r = client.post(detail, {"action": "publish", "public_content": f.public_content,
                             "public_answer": f.public_answer})
    assert r.status_code == 302
    f = Feedback.objects.get(pk=sent.pk)
    assert f.status == Status.PUBLISHED and f.published_at is not None
    assert list(f.events.values_list("action", flat=True)) == ["submit", "assign", "answer", "publish"]
    page = client.get(detail).content.decode()
    assert "Lãnh đạo giao cán bộ xử lý (Đã giao xử lý)" in page and "Công khai trả lời trên trang thủ tục" in page
    assert 'id="publish"' not in page and 'id="assign"' not in page  # nothing left to do


def test_officer_cannot_assign_or_publish_and_nothing_changes(world, sent, client):
    officer = world.user("officer@desk")
    client.force_login(officer)
    before = state(sent)
    r = client.post(reverse("feedback_staff:detail", args=[sent.pk]), {"action": "assign", "officer": officer.pk})
    assert r.status_code == 403
    assert "Chỉ lãnh đạo" in r.content.decode() and "Không có gì thay đổi" in r.content.decode()
    assert state(sent) == before


def test_answer_before_assignment_is_refused_with_the_reason(world, sent, client):
    leader = world.user("leader@desk")
    client.force_login(leader)
    before = state(sent)
    r = client.post(reverse("feedback_staff:detail", args=[sent.pk]), {"action": "answer", "answer": "Trả lời"})
    assert r.status_code == 409
    assert "chỉ trả lời khi đã được giao" in r.content.decode()
    assert state(sent) == before


def test_publish_with_personal_data_left_is_refused(world, sent):
    leader = world.user("leader@desk")
    f = services.feedback_assign(feedback=sent, actor=leader, officer=leader)
    f = services.feedback_answer(feedback=f, actor=leader, answer="Đã xử lý.")
    before = state(f)
    for content in ("Bà Lê Thị Phản Ánh phản ánh chậm trả", "Gọi 0987 654 321", "Thư phananh@example.vn",
                    "Số định danh 079203001234"):
        with pytest.raises(services.InvalidInput, match="thông tin cá nhân"):
            services.feedback_publish(feedback=f, actor=leader, public_content=content, public_answer="Đã xử lý.")
    assert state(f) == before


def test_close_instead_of_publishing_then_no_more_publication(world, sent):
    leader = world.user("leader@desk")
    f = services.feedback_assign(feedback=sent, actor=leader, officer=leader)
    f = services.feedback_answer(feedback=f, actor=leader, answer="Đã xử lý.")
    f = services.feedback_close(feedback=f, actor=leader, reason="Nội dung riêng tư")
    assert f.status == Status.CLOSED
    before = state(f)
    with pytest.raises(services.TransitionRefused):
        services.feedback_publish(feedback=f, actor=leader, public_content="Nội dung", public_answer="Đã xử lý.")
    assert state(f) == before


def test_assigning_someone_from_another_agency_is_refused(world, sent, client):
    leader, stranger = world.user("leader@desk"), world.user("officer@dept")
    client.force_login(leader)
    before = state(sent)
    r = client.post(reverse("feedback_staff:detail", args=[sent.pk]), {"action": "assign", "officer": stranger.pk})
    assert r.status_code == 400 and "không thuộc cơ quan này" in r.content.decode()
    assert state(sent) == before


def test_overdue_is_flagged_once_and_leaders_are_told(world, sent, committed):
    leader = world.user("leader@desk")
    leader.email = "lanhdao@example.vn"
    leader.save()
    assert services.feedback_flag_overdue(now=vn(2025, 3, 31, 9, 0)) == 0  # due exactly now: not yet overdue
    assert services.feedback_flag_overdue(now=vn(2025, 3, 31, 9, 1)) == 1
    assert services.feedback_flag_overdue(now=vn(2025, 4, 1, 9, 0)) == 0  # told once
    row = Notification.objects.get(kind="feedback_overdue")
    assert row.recipient == "lanhdao@example.vn" and sent.code in row.subject


def test_the_task_runs_the_sweep(world, sent):
    from feedback.tasks import flag_overdue

    with at(vn(2025, 4, 2, 9, 0)):
        assert flag_overdue.apply().get() == 1
    assert Feedback.objects.get(pk=sent.pk).overdue_notified_at is not None
