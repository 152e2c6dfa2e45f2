"""The staff list and page: scoped like dossiers (another province's staff see and do nothing), personal data
masked in the list, filters, pagination, and a bounded number of queries."""

import re

import pytest
from django.urls import reverse

from feedback import services
from feedback.models import Feedback, FeedbackEvent, Status
from tests.builders import at, vn
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.feedback.conftest import SENDER, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_province_leader(world):
    desk = AgencyFactory(identifier="H62.22.10", name="Trung tâm xã Khác", parent=world.other_province)
    user = UserFactory(username="leader-h62", full_name="Lãnh đạo tỉnh khác")
    MembershipFactory(user=user, agency=desk, role="leader")
    MembershipFactory(user=user, agency=world.other_province, role="inspector")
    return user


def test_another_provinces_staff_cannot_see_or_act(world, sent, client, other_province_leader):
    client.force_login(other_province_leader)
    listing = client.get(reverse("feedback_staff:list")).content.decode()
    assert sent.code not in listing
    detail = reverse("feedback_staff:detail", args=[sent.pk])
    assert client.get(detail).status_code == 404
    r = client.post(detail, {"action": "assign", "officer": other_province_leader.pk})
    assert r.status_code == 404
    assert Feedback.objects.get(pk=sent.pk).status == Status.RECEIVED
    assert FeedbackEvent.objects.filter(feedback=sent).count() == 1


def test_the_provinces_inspector_sees_the_subtree_but_cannot_act(world, sent, client):
    inspector = world.user("inspector@province")
    client.force_login(inspector)
    assert sent.code in client.get(reverse("feedback_staff:list")).content.decode()
    r = client.post(reverse("feedback_staff:detail", args=[sent.pk]), {"action": "assign", "officer": inspector.pk})
    assert r.status_code == 403
    assert Feedback.objects.get(pk=sent.pk).status == Status.RECEIVED


def test_a_citizen_gets_404(world, sent, client):
    client.force_login(world.citizen)
    assert client.get(reverse("feedback_staff:list")).status_code == 404
    assert client.get(reverse("feedback_staff:detail", args=[sent.pk])).status_code == 404


def test_the_list_masks_the_sender_and_the_page_shows_them(world, sent, client):
    client.force_login(world.user("clerk@desk"))
    listing = client.get(reverse("feedback_staff:list")).content.decode()
    assert sent.code in listing
    assert SENDER["sender_phone"] not in listing and "09******21" in listing
    assert SENDER["sender_name"] not in listing and SENDER["sender_email"] not in listing
    page = client.get(reverse("feedback_staff:detail", args=[sent.pk])).content.decode()
    assert SENDER["sender_phone"] in page


def test_filters_overdue_and_status(world, client):
    late = send(world, at_time=vn(2025, 3, 3, 9, 0))  # due 17/03/2025
    fresh = send(world, at_time=vn(2025, 3, 20, 9, 0))
    leader = world.user("leader@desk")
    services.feedback_assign(feedback=fresh, actor=leader, officer=leader)
    with at(vn(2025, 3, 24, 9, 0)):
        client.force_login(leader)
        overdue = client.get(reverse("feedback_staff:list") + "?qua-han=1").content.decode()
        assigned = client.get(reverse("feedback_staff:list") + "?trang-thai=dang-xu-ly").content.decode()
        bad = client.get(reverse("feedback_staff:list") + "?trang-thai=khong-co&page=abc")
    assert late.code in overdue and fresh.code not in overdue
    assert fresh.code in assigned and late.code not in assigned
    assert bad.status_code == 200 and late.code in bad.content.decode()


def test_the_list_costs_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    leader = world.user("leader@desk")
    for i in range(30):
        f = send(world, content=f"Nội dung {i}", sender_phone=f"09876543{i:02d}")
        if i % 2:
            services.feedback_assign(feedback=f, actor=leader, officer=world.user("officer@desk"))
    client.force_login(leader)
    client.get(reverse("feedback_staff:list"))  # warm the session
    with django_assert_max_num_queries(6):
        r = client.get(reverse("feedback_staff:list") + "?page=2")
    assert r.status_code == 200 and len(re.findall(r'href="/can-bo/phan-anh/\d+/"', r.content.decode())) == 5
