"""The public pages: the form (from a procedure's page, from the tracking page), the confirmation with its code,
the lookup by code + phone, the rate limit, invalid input kept; the published answers on the procedure page
without personal data."""

import pytest
from django.urls import reverse

from dossiers.access import TRACKED_KEY
from feedback import services
from feedback.models import Feedback, Status
from tests.builders import at, vn
from tests.feedback.conftest import SENDER, T_SENT, send

pytestmark = pytest.mark.django_db

FORM = {"kind": "feedback", "sender_name": "Phạm Văn Gửi", "sender_phone": "0903 123 456",
        "content": "Thủ tục yêu cầu giấy tờ không có trong danh mục."}


def test_from_the_procedure_page_with_the_procedure_chosen(world, client):
    url = reverse("feedback:form") + f"?thu-tuc={world.procedure.national_code}"
    r = client.get(url)
    assert r.status_code == 200 and world.procedure.name in r.content.decode()
    with at(T_SENT):
        r = client.post(url, {**FORM, "procedure": world.procedure.national_code, "agency": world.desk.pk})
        page = client.get(r.url).content.decode()
    assert r.status_code == 302 and r.url == reverse("feedback:sent")
    feedback = Feedback.objects.get()
    assert (feedback.procedure, feedback.agency, feedback.dossier, feedback.sender_phone) == (
        world.procedure, world.desk, None, "0903123456")
    assert feedback.code in page
    assert feedback.code not in r.url  # the code is never in an address


def test_invalid_form_keeps_what_was_typed(world, client):
    data = {**FORM, "sender_phone": "12345", "procedure": world.procedure.national_code, "agency": world.dept.pk}
    r = client.post(reverse("feedback:form"), data)
    page = r.content.decode()
    assert r.status_code == 400
    assert "Số điện thoại không hợp lệ" in page
    assert "Thủ tục yêu cầu giấy tờ không có trong danh mục." in page and 'value="Phạm Văn Gửi"' in page
    assert 'value="12345"' in page
    assert not Feedback.objects.exists()


def test_an_agency_that_does_not_receive_the_procedure_is_refused(world, client):
    world.dept.is_one_stop_desk = True
    world.dept.save()
    r = client.post(reverse("feedback:form"), {**FORM, "procedure": world.procedure.national_code,
                                                "agency": world.dept.pk})
    assert r.status_code == 400 and "không tiếp nhận tại" in r.content.decode()
    assert not Feedback.objects.exists()


def test_from_the_tracking_page_about_that_dossier(world, client):
    dossier = world.received()
    session = client.session
    session[TRACKED_KEY] = [dossier.pk]
    session.save()
    page = client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert reverse("feedback:form") + f"?ho-so={dossier.code}" in page
    r = client.get(reverse("feedback:form") + f"?ho-so={dossier.code}")
    assert dossier.code in r.content.decode() and 'value="0912000111"' in r.content.decode()
    with at(T_SENT):
        r = client.post(reverse("feedback:form"), {**FORM, "ho-so": dossier.code})
    assert r.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.dossier, feedback.agency, feedback.procedure) == (dossier, world.desk, world.procedure)


def test_a_dossier_not_tracked_in_this_session_is_not_linked(world, client):
    dossier = world.received()
    r = client.post(reverse("feedback:form"), {**FORM, "ho-so": dossier.code})
    assert r.status_code == 400 and "Không tìm thấy hồ sơ" in r.content.decode()
    assert dossier.applicant_name not in r.content.decode()
    assert not Feedback.objects.exists()


def test_rate_limited_per_address(world, client, settings):
    settings.ONECUA = {**settings.ONECUA, "FEEDBACK_PER_HOUR": 2}
    data = {**FORM, "procedure": world.procedure.national_code, "agency": world.desk.pk}
    assert [client.post(reverse("feedback:form"), data).status_code for _ in range(3)] == [302, 302, 429]
    assert Feedback.objects.count() == 2


def test_lookup_by_code_and_phone(world, sent, client):
    leader = world.user("leader@desk")
    f = services.feedback_assign(feedback=sent, actor=leader, officer=leader)
    services.feedback_answer(feedback=f, actor=leader, answer="Đã trả kết quả ngày 20/03/2025.")
    r = client.post(reverse("feedback:lookup"), {"ma": sent.code.lower(), "sdt": "+84987654321"})
    assert r.status_code == 200 and "Đã trả kết quả ngày 20/03/2025." in r.content.decode()
    wrong = client.post(reverse("feedback:lookup"), {"ma": sent.code, "sdt": "0912000111"})
    assert wrong.status_code == 404 and "Đã trả kết quả" not in wrong.content.decode()


def test_published_answers_on_the_procedure_page_without_personal_data(world, client):
    feedback = send(world, content="Tôi là Lê Thị Phản Ánh, số 0987654321, chờ quá lâu.")
    leader = world.user("leader@desk")
    feedback = services.feedback_assign(feedback=feedback, actor=leader, officer=leader)
    with at(vn(2025, 3, 19, 9, 0)):
        feedback = services.feedback_answer(feedback=feedback, actor=leader,
                                            answer="Gửi bà Lê Thị Phản Ánh: đã trả kết quả, xin lỗi vì chậm trễ.")
    services.feedback_publish(feedback=feedback, actor=leader, public_content=feedback.public_content,
                              public_answer=feedback.public_answer)
    unpublished = send(world, content="Nội dung chưa công khai", sender_name="Đỗ Văn Kín", sender_phone="0977111222")
    page = client.get(reverse("procedures:detail", args=[world.procedure.national_code])).content.decode()
    assert "chờ quá lâu" in page and "đã trả kết quả, xin lỗi vì chậm trễ" in page
    for personal in (SENDER["sender_name"], SENDER["sender_phone"], SENDER["sender_email"], "Đỗ Văn Kín",
                     "0977111222", "Nội dung chưa công khai"):
        assert personal not in page
    assert unpublished.status == Status.RECEIVED


def test_a_signed_in_citizen_about_their_own_dossier(world, client):
    dossier = world.received(applicant_user=world.citizen)
    other = world.received()
    with at(T_SENT):
        client.force_login(world.citizen)
        r = client.post(reverse("feedback:form"), {**FORM, "ho-so": dossier.code})
        refused = client.post(reverse("feedback:form"), {**FORM, "ho-so": other.code})
    assert r.status_code == 302 and refused.status_code == 400
    feedback = Feedback.objects.get()
    assert (feedback.dossier, feedback.sender_user) == (dossier, world.citizen)
