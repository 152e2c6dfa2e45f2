"""A "Không hài lòng" rating opens a follow-up, mails the leaders of the receiving agency through the outbox,
shows in their navigation, and is closed by a leader's response."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from surveys import services
from surveys.models import FollowUp, FollowUpStatus, Level, Via
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaders(world):
    desk_leader = world.user("leader@desk")
    desk_leader.email = "lanhdao.phuongmot@example.vn"
    desk_leader.save(update_fields=["email"])
    dept_leader = world.user("leader@dept")
    dept_leader.email = "lanhdao.so@example.vn"
    dept_leader.save(update_fields=["email"])
    no_email = UserFactory(username="pho.chu.tich", full_name="Phó Chủ tịch")
    MembershipFactory(user=no_email, agency=world.desk, role="leader")
    return desk_leader, dept_leader


def test_not_satisfied_opens_a_follow_up_and_mails_the_desks_leader(world, leaders, committed, mailoutbox):
    desk_leader, _dept_leader = leaders
    dossier = world.returned()
    with committed():
        rating = services.rating_submit(dossier=dossier, overall=Level.SATISFIED, convenience=Level.NOT_SATISFIED,
                                        comment="Phải chờ rất lâu", via=Via.KIOSK)
    follow_up = FollowUp.objects.get(rating=rating)
    assert (follow_up.status, follow_up.agency, follow_up.dossier_id) == (FollowUpStatus.OPEN, world.desk, dossier.pk)
    rows = list(Notification.objects.filter(kind="satisfaction_follow_up"))
    assert [(r.recipient, r.recipient_user_id, r.dossier_id, r.agency_id) for r in rows] == [
        ("lanhdao.phuongmot@example.vn", desk_leader.pk, dossier.pk, world.desk.pk)]
    assert rows[0].status == "sent"  # sent by the eager task after commit
    mail = next(m for m in mailoutbox if m.to == ["lanhdao.phuongmot@example.vn"])
    assert mail.subject == f"[Một Cửa] Hồ sơ {dossier.code}: người nộp không hài lòng, cần lãnh đạo phản hồi"
    assert "Mức độ thuận tiện: Không hài lòng" in mail.body and "Phải chờ rất lâu" in mail.body
    assert reverse("surveys_staff:follow_up", args=[follow_up.pk]) in mail.body


def test_a_satisfied_rating_opens_nothing(world, leaders):
    services.rating_submit(dossier=world.returned(), overall=Level.SATISFIED, convenience=Level.VERY_SATISFIED,
                           via=Via.LINK)
    assert not FollowUp.objects.exists()
    assert not Notification.objects.filter(kind="satisfaction_follow_up").exists()


def test_a_refused_rating_writes_no_follow_up_and_no_mail(world, leaders):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=Level.SATISFIED, convenience=Level.SATISFIED, via=Via.LINK)
    with pytest.raises(Exception, match="chỉ được đánh giá một lần"):
        services.rating_submit(dossier=dossier, overall=Level.NOT_SATISFIED, convenience=Level.NOT_SATISFIED,
                               via=Via.LINK)
    assert not FollowUp.objects.exists() and not Notification.objects.filter(kind="satisfaction_follow_up").exists()


def test_the_leader_sees_the_open_count_and_a_response_closes_the_follow_up(world, leaders, client):
    desk_leader, _ = leaders
    rating = services.rating_submit(dossier=world.returned(), overall=Level.NOT_SATISFIED,
                                    convenience=Level.SATISFIED, via=Via.TRACKING)
    follow_up = rating.follow_up
    client.force_login(desk_leader)
    home = client.get(reverse("workspace:home")).content.decode()
    assert 'id="nav-follow-ups"' in home and '<span class="count">1</span>' in home
    listing = client.get(reverse("surveys_staff:follow_ups")).content.decode()
    assert rating.dossier.code in listing
    url = reverse("surveys_staff:follow_up", args=[follow_up.pk])
    empty = client.post(url, {"response": "  "})
    assert empty.status_code == 400 and "Hãy nhập nội dung phản hồi" in empty.content.decode()
    response = client.post(url, {"response": "Đã nhắc nhở cán bộ, bổ sung ghế chờ."})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.CLOSED
    assert (follow_up.responded_by, follow_up.response) == (desk_leader, "Đã nhắc nhở cán bộ, bổ sung ghế chờ.")
    assert follow_up.responded_at is not None
    home = client.get(reverse("workspace:home")).content.decode()
    assert '<span class="count">0</span>' in home
    again = client.post(url, {"response": "Lần hai"})
    assert again.status_code == 409 and "Đánh giá này đã được phản hồi lúc" in again.content.decode()
    assert FollowUp.objects.get().response == "Đã nhắc nhở cán bộ, bổ sung ghế chờ."


def test_only_a_leader_of_the_receiving_agency_may_respond(world, leaders, client):
    _desk_leader, dept_leader = leaders
    rating = services.rating_submit(dossier=world.returned(), overall=Level.NOT_SATISFIED,
                                    convenience=Level.NOT_SATISFIED, via=Via.TRACKING)
    url = reverse("surveys_staff:follow_up", args=[rating.follow_up.pk])
    client.force_login(dept_leader)  # leader elsewhere: the follow-up is not in their scope
    assert client.get(url).status_code == 404
    assert client.post(url, {"response": "Không phải việc của tôi"}).status_code == 404
    client.force_login(world.user("inspector@province"))  # reads it, may not answer for the desk
    page = client.get(url)
    assert page.status_code == 200 and 'name="response"' not in page.content.decode()
    assert client.post(url, {"response": "Thanh tra trả lời thay"}).status_code == 403
    client.force_login(world.user("clerk@desk"))
    assert client.get(reverse("surveys_staff:follow_ups")).status_code == 404
    assert FollowUp.objects.get().status == FollowUpStatus.OPEN


def test_the_follow_up_list_runs_a_bounded_number_of_queries(world, leaders, client, django_assert_max_num_queries):
    desk_leader, _ = leaders
    for _i in range(12):
        services.rating_submit(dossier=world.returned(), overall=Level.NOT_SATISFIED, convenience=Level.SATISFIED,
                               via=Via.LINK)
    client.force_login(desk_leader)
    client.get(reverse("surveys_staff:follow_ups"))  # warm the session
    with django_assert_max_num_queries(7):
        response = client.get(reverse("surveys_staff:follow_ups"))
    assert response.status_code == 200 and len(response.context["page"].object_list) == 12
