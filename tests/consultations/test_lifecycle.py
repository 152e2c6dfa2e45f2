"""The whole life of a consultation: asked from the dossier's page, seen by the consulted agency in its queue
(the dossier's summary and files through the consultation only), answered with text and a file, in the history;
a late answer counted late; the overdue flag; notifications through the outbox."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from consultations.models import Consultation, ConsultationEvent, ConsultationFile, Status, Timeliness
from consultations.services import consultation_answer, consultation_flag_overdue
from consultations.tasks import flag_overdue
from notifications.models import Notification
from tests.builders import PDF_BYTES, T_ACT, at, snapshot, upload, vn
from tests.consultations.conftest import QUESTION, ask, staff

pytestmark = pytest.mark.django_db


def test_the_whole_life(world, dossier, client, django_capture_on_commit_callbacks):
    officer, leader_other = staff(world, "officer@dept"), staff(world, "leader@other_desk")
    before = snapshot(dossier)
    client.force_login(officer)
    page = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert 'id="consultations"' in page and reverse("consultations:ask", args=[dossier.pk]) in page
    with at(T_ACT):
        r = client.post(reverse("consultations:ask", args=[dossier.pk]), {
            "agencies": [world.other_desk.pk], "question": QUESTION, "working_days": "3",
            "tep": upload("cong-van.pdf", PDF_BYTES)})
    assert r.status_code == 302 and r["Location"] == reverse("workspace:detail", args=[dossier.pk])
    c = Consultation.objects.get(dossier=dossier)
    # Asked Tue 11/03/2025 10:00, 3 working days → Fri 14/03/2025 10:00; the dossier did not move or change.
    assert (c.asking_agency, c.consulted_agency, c.status) == (world.dept, world.other_desk, Status.OPEN)
    assert c.reply_by == vn(2025, 3, 14, 10, 0)
    assert snapshot(dossier) == before
    assert sorted(c.files.values_list("role", flat=True)) == ["dossier", "question"]
    asked = Notification.objects.get(kind="consultation_asked")
    assert asked.recipient_user == leader_other and reverse("consultations:detail", args=[c.pk]) in asked.body

    # The consulted agency: its queue, the consultation's page, the dossier's files through it — not the dossier page.
    client.force_login(leader_other)
    queue = client.get(reverse("consultations:list")).content.decode()
    assert reverse("consultations:detail", args=[c.pk]) in queue and dossier.code in queue
    detail = client.get(reverse("consultations:detail", args=[c.pk])).content.decode()
    assert QUESTION in detail and dossier.procedure.name in detail and 'id="answer-form"' in detail
    assert dossier.applicant_id_number not in detail and dossier.applicant_phone not in detail
    assert client.get(reverse("workspace:detail", args=[dossier.pk])).status_code == 404
    shared = c.files.get(role="dossier")
    download = client.get(reverse("consultations:file", args=[shared.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES

    with at(vn(2025, 3, 13, 15, 0)):
        r = client.post(reverse("consultations:detail", args=[c.pk]),
                        {"answer": "Giấy tờ hợp lệ.", "tep": upload("y-kien.pdf", PDF_BYTES)})
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.timeliness, c.answered_by) == (Status.ANSWERED, Timeliness.EARLY, leader_other)
    assert c.files.filter(role="answer").count() == 1
    assert list(ConsultationEvent.objects.filter(dossier=dossier).values_list("action", flat=True)) == [
        "ask", "answer"]
    answered = Notification.objects.get(kind="consultation_answered")
    assert answered.recipient_user == officer
    assert snapshot(dossier) == before

    # The asker reads the answer on the dossier's page and the consultation's page.
    client.force_login(officer)
    page = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert world.other_desk.name in page and "Trước hạn" in page
    assert "Giấy tờ hợp lệ." in client.get(reverse("consultations:detail", args=[c.pk])).content.decode()


def test_a_late_answer_is_late_for_both_leaders(world, dossier, client):
    [c] = ask(world, dossier)
    leader_dept, leader_other = staff(world, "leader@dept"), staff(world, "leader@other_desk")
    with at(vn(2025, 3, 14, 10, 0)):
        assert consultation_flag_overdue() == 0  # due now, not yet overdue
    with at(vn(2025, 3, 14, 10, 1)):
        assert flag_overdue.apply().get() == 1  # the periodic task (beat: consultations-overdue)
        assert consultation_flag_overdue() == 0
    told = set(Notification.objects.filter(kind="consultation_overdue").values_list("recipient_user", flat=True))
    assert told == {leader_dept.pk, leader_other.pk, staff(world, "officer@dept").pk}
    assert "consultations-overdue" in settings.CELERY_BEAT_SCHEDULE
    with at(vn(2025, 3, 17, 9, 0)):
        consultation_answer(consultation=c, actor=leader_other, answer="Ý kiến muộn.")
    c.refresh_from_db()
    assert c.timeliness == Timeliness.LATE and c.is_late
    assert list(c.events.values_list("action", flat=True)) == ["ask", "overdue", "answer"]
    for leader in (leader_dept, leader_other):
        client.force_login(leader)
        late = client.get(reverse("consultations:list") + "?loc=tre-han").content.decode()
        assert reverse("consultations:detail", args=[c.pk]) in late and "Trả lời trễ hạn" in late
    client.force_login(leader_dept)
    assert "Trả lời trễ hạn" in client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()


def test_answered_on_the_last_minute_is_on_time_and_not_in_the_late_list(world, dossier, client):
    [c] = ask(world, dossier)
    with at(vn(2025, 3, 14, 10, 0)):
        consultation_answer(consultation=c, actor=staff(world, "officer@other_desk"), answer="Đồng ý.")
        client.force_login(staff(world, "leader@dept"))
        late = client.get(reverse("consultations:list") + "?loc=tre-han").content.decode()
    assert Consultation.objects.get(pk=c.pk).timeliness == Timeliness.ON_TIME
    assert reverse("consultations:detail", args=[c.pk]) not in late


def test_several_agencies_at_once_each_with_its_own_clock(world, dossier):
    made = ask(world, dossier, agencies=[world.other_desk, world.desk])
    assert {c.consulted_agency for c in made} == {world.other_desk, world.desk}
    assert ConsultationEvent.objects.filter(dossier=dossier, action="ask").count() == 2
    # The dossier's files are shared with each, the question's file stored once per consultation.
    assert ConsultationFile.objects.filter(role="dossier").count() == 2


def test_the_queue_costs_a_bounded_number_of_queries(world, dossier, client, django_assert_max_num_queries):
    for _i in range(30):
        ask(world, dossier)
    client.force_login(staff(world, "leader@other_desk"))
    client.get(reverse("consultations:list"))  # warm the session
    with django_assert_max_num_queries(6):
        r = client.get(reverse("consultations:list") + "?page=2")
    assert r.status_code == 200 and len(re.findall(r'href="/can-bo/xin-y-kien/\d+/"', r.content.decode())) == 5


def test_form_06_rows_of_a_consultation(world, dossier):
    from consultations.selectors import control_sheet_rows

    [c] = ask(world, dossier)
    with at(vn(2025, 3, 17, 9, 0)):
        consultation_answer(consultation=c, actor=staff(world, "leader@other_desk"), answer="Ý kiến muộn.")
    rows = control_sheet_rows(dossier)
    assert [(r["at"], r["from_agency"], r["to_agency"], str(r["result"])) for r in rows] == [
        (T_ACT, world.dept, world.other_desk, ""), (vn(2025, 3, 17, 9, 0), world.other_desk, world.dept, "Quá hạn")]


def test_form_06_printed_shows_the_opinion_asked_and_its_late_answer(world, dossier):
    """Read back from the PDF: the consultation's rows sit among the hand-overs of the control sheet."""
    from printing.documents import render_dossier_form
    from tests.printing.test_forms import flat

    [c] = ask(world, dossier)
    with at(vn(2025, 3, 17, 9, 0)):
        consultation_answer(consultation=c, actor=staff(world, "leader@other_desk"), answer="Ý kiến muộn.")
    text = flat(render_dossier_form("06", type(dossier).objects.get(pk=dossier.pk)).pdf)
    assert f"Xin ý kiến – Giao: {world.dept.name}" in text
    assert f"Xin ý kiến – Giao: {world.other_desk.name}" in text
    assert "09 giờ 00 phút, ngày 17/03/2025 Quá hạn" in text
