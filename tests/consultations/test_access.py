"""Who sees and who acts: another agency of the province or another province neither sees nor answers (404,
nothing changes); the consulted agency's clerk may read but not answer; only the handling agency's officers ask;
files are refused with a clear message by content, not name, and nothing is kept."""

import pytest
from django.conf import settings
from django.urls import reverse

from consultations.models import Consultation, ConsultationEvent, ConsultationFile, Status
from notifications.models import Notification
from tests.builders import EXE_BYTES, PDF_BYTES, T_ACT, at, snapshot, upload
from tests.consultations.conftest import QUESTION, ask, staff
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_province_leader(world):
    desk = AgencyFactory(identifier="H62.22.10", name="Trung tâm xã Khác", parent=world.other_province)
    user = UserFactory(username="leader-h62", full_name="Lãnh đạo tỉnh khác")
    MembershipFactory(user=user, agency=desk, role="leader")
    MembershipFactory(user=user, agency=world.other_province, role="inspector")
    return user


def _state(c: Consultation) -> tuple:
    c = Consultation.objects.get(pk=c.pk)
    return (c.status, c.answer, c.answered_at, c.timeliness, ConsultationEvent.objects.count(),
            ConsultationFile.objects.count(), Notification.objects.count())


def _stored_files() -> set:
    root = settings.STORAGES["default"]["OPTIONS"]["location"]
    import pathlib

    return {p for p in pathlib.Path(root).rglob("*") if p.is_file()}


@pytest.mark.parametrize("who", ["other_province", "leader@other_dept_agency", "clerk@desk"])
def test_outsiders_cannot_see_or_answer(world, dossier, client, other_province_leader, who):
    [c] = ask(world, dossier, files=[("cong-van.pdf", PDF_BYTES)])
    if who == "other_province":
        user = other_province_leader
    elif who == "clerk@desk":  # the receiving desk sees the dossier, not the consultation between two others
        user = world.user("clerk@desk")
    else:
        agency = AgencyFactory(identifier="H61.04", name="Sở Tư pháp", parent=world.province)
        user = UserFactory(username="leader-tp")
        MembershipFactory(user=user, agency=agency, role="leader")
    before = _state(c)
    client.force_login(user)
    assert reverse("consultations:detail", args=[c.pk]) not in client.get(reverse("consultations:list")).content.decode()
    assert client.get(reverse("consultations:detail", args=[c.pk])).status_code == 404
    for f in c.files.all():
        assert client.get(reverse("consultations:file", args=[f.pk])).status_code == 404
    with at(T_ACT):
        r = client.post(reverse("consultations:detail", args=[c.pk]), {"answer": "Tôi trả lời thay."})
    assert r.status_code == 404
    assert _state(c) == before


def test_the_consulted_agencys_clerk_reads_but_cannot_answer(world, dossier, client):
    [c] = ask(world, dossier)
    before = _state(c)
    client.force_login(world.user("clerk@other_desk"))
    page = client.get(reverse("consultations:detail", args=[c.pk]))
    assert page.status_code == 200 and 'id="answer-form"' not in page.content.decode()
    r = client.post(reverse("consultations:detail", args=[c.pk]), {"answer": "Trả lời."})
    assert r.status_code == 403 and "Không có gì thay đổi" in r.content.decode()
    assert _state(c) == before


def test_an_answered_consultation_cannot_be_answered_again(world, dossier, client):
    [c] = ask(world, dossier)
    leader = staff(world, "leader@other_desk")
    client.force_login(leader)
    with at(T_ACT):
        assert client.post(reverse("consultations:detail", args=[c.pk]), {"answer": "Lần một."}).status_code == 302
        before = _state(c)
        r = client.post(reverse("consultations:detail", args=[c.pk]), {"answer": "Lần hai."})
    assert r.status_code == 409
    assert _state(c) == before and Consultation.objects.get(pk=c.pk).answer == "Lần một."


def test_only_the_handling_agencys_officers_ask(world, dossier, client):
    before = snapshot(dossier)
    url = reverse("consultations:ask", args=[dossier.pk])
    data = {"agencies": [world.other_desk.pk], "question": QUESTION, "working_days": "3"}
    client.force_login(world.user("clerk@desk"))  # sees the dossier, does not handle it
    r = client.post(url, data)
    assert r.status_code == 403
    client.force_login(staff(world, "leader@other_desk"))  # does not even see the dossier
    assert client.get(url).status_code == 404 and client.post(url, data).status_code == 404
    client.force_login(staff(world, "officer@dept"))
    r = client.post(url, {**data, "agencies": [world.dept.pk]})  # its own agency is not offered
    assert r.status_code == 400
    r = client.post(url, {**data, "working_days": "0"})
    assert r.status_code == 400
    assert not Consultation.objects.exists() and snapshot(dossier) == before


def test_a_renamed_executable_is_refused_with_a_clear_message(world, dossier, client):
    [c] = ask(world, dossier)
    files_before, before = _stored_files(), _state(c)
    client.force_login(staff(world, "leader@other_desk"))
    with at(T_ACT):
        r = client.post(reverse("consultations:detail", args=[c.pk]),
                        {"answer": "Ý kiến kèm tệp.", "tep": [upload("y-kien.pdf", PDF_BYTES),
                                                              upload("bao-cao.pdf", EXE_BYTES)]})
    body = r.content.decode()
    assert r.status_code == 400 and "bao-cao.pdf" in body and "không phải là" in body
    assert "Ý kiến kèm tệp." in body  # what was typed is kept
    assert _state(c) == before and Consultation.objects.get(pk=c.pk).status == Status.OPEN
    assert _stored_files() == files_before


def test_asking_with_a_renamed_executable_changes_nothing(world, dossier, client):
    client.force_login(staff(world, "officer@dept"))
    files_before = _stored_files()
    with at(T_ACT):
        r = client.post(reverse("consultations:ask", args=[dossier.pk]), {
            "agencies": [world.other_desk.pk], "question": QUESTION, "working_days": "3",
            "tep": upload("cong-van.png", EXE_BYTES)})
    assert r.status_code == 400 and "cong-van.png" in r.content.decode()
    assert not Consultation.objects.exists() and not Notification.objects.filter(kind="consultation_asked").exists()
    assert _stored_files() == files_before


def test_a_closed_dossier_cannot_be_consulted_on(world, client):
    from consultations.services import consultation_ask
    from core.errors import TransitionRefused

    d = world.resolved()
    place = {world.desk.pk: "desk", world.dept.pk: "dept"}[d.handling_agency_id]
    officer = staff(world, f"officer@{place}")
    with pytest.raises(TransitionRefused):
        consultation_ask(dossier=d, actor=officer, agencies=[world.other_desk], question=QUESTION, working_days=3)
    client.force_login(officer)
    page = client.get(reverse("workspace:detail", args=[d.pk])).content.decode()
    assert 'id="consultations"' in page and 'id="ask-consultation"' not in page
    assert client.post(reverse("consultations:ask", args=[d.pk]), {
        "agencies": [world.other_desk.pk], "question": QUESTION, "working_days": "3"}).status_code == 409
    assert not Consultation.objects.exists()
