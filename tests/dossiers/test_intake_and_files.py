"""Creating a dossier with its files is one use case in one transaction (desk intake, online submission, a
supplement answer), and every file reaches the staff: the dossier page lists them by what brought them, and
each event row links the files it brought."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.errors import InvalidInput
from dossiers import services
from dossiers.models import Attachment, AttachmentPurpose, Dossier, DossierEvent, State
from tests.builders import EXE_BYTES, PDF_BYTES, PNG_BYTES, T_ACT, T_RECEIVE, at, fresh, upload

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def intake_data(world, **extra) -> dict:
    return {"procedure": world.procedure.pk, "channel": 1, "applicant_name": "Lê Thị Ngọc Ánh",
            "applicant_id_number": "079203009999", "applicant_phone": "0987654321", "set_count": 1,
            "request_text": "Xin cấp 02 bản sao", "provided": [world.form.pk], **extra}


def test_a_renamed_executable_at_intake_is_refused_and_creates_nothing(client, world):
    client.force_login(world.user("clerk@desk"))
    url = reverse("workspace:intake", args=[world.desk.pk])
    before = stored_files()
    with at(T_RECEIVE):
        response = client.post(url, intake_data(world, **{
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES),
            f"file_{world.proxy.pk}": upload("uy-quyen.pdf", EXE_BYTES)}))
    body = response.content.decode()
    assert response.status_code == 400
    assert "uy-quyen.pdf" in body and "không phải là" in body  # says which file and why
    assert 'value="Lê Thị Ngọc Ánh"' in body and "Xin cấp 02 bản sao" in body  # what was typed is kept
    assert not Dossier.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == before  # the good file written before the refusal is not left behind

    # Submitting again with a good file creates exactly one dossier.
    with at(T_RECEIVE):
        response = client.post(url, intake_data(world, **{
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES),
            f"file_{world.proxy.pk}": upload("uy-quyen.png", PNG_BYTES)}))
    assert response.status_code == 302
    assert Dossier.objects.count() == 1 and Attachment.objects.count() == 2


def test_a_complete_walk_in_dossier_is_created_and_received_in_one_step(client, world):
    client.force_login(world.user("clerk@desk"))
    url = reverse("workspace:intake", args=[world.desk.pk])
    with at(T_RECEIVE):
        response = client.post(url, intake_data(world, receive_now="1", **{
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)}))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"].endswith("?in=01")
    assert dossier.state == State.RECEIVED and dossier.received_at == T_RECEIVE and dossier.due_at
    assert list(dossier.events.order_by("id").values_list("action", flat=True)) == ["submit", "receive"]
    page = client.get(response["Location"])
    print_link = reverse("workspace:form_pdf", args=[dossier.pk, "01"])
    assert f'id="print-now" href="{print_link}"' in page.content.decode()
    assert client.get(print_link)["Content-Type"] == "application/pdf"


def test_an_incomplete_walk_in_dossier_asked_to_be_received_at_once_is_not_created(client, world):
    client.force_login(world.user("clerk@desk"))
    with at(T_RECEIVE):
        response = client.post(reverse("workspace:intake", args=[world.desk.pk]),
                               intake_data(world, receive_now="1", provided=[]))
    assert response.status_code == 400
    assert "còn thiếu giấy tờ bắt buộc" in response.content.decode()
    assert not Dossier.objects.exists()


def test_the_intake_service_is_one_durable_transaction(world):
    from django.db import transaction

    applicant = services.ApplicantData(name="A", id_number="079203009999", phone="0987654321")
    with pytest.raises(RuntimeError), transaction.atomic():  # nobody can wrap it with other work
        services.dossier_intake_at_desk(procedure=world.procedure, receiving_agency=world.desk, channel=1,
                                        applicant=applicant, actor=world.user("clerk@desk"))


def test_online_submission_with_a_refused_file_creates_nothing(world):
    applicant = services.ApplicantData(name="Trần Văn Nộp", id_number="079203001234", phone="0912000111")
    before = stored_files()
    with pytest.raises(InvalidInput, match="giay-to.pdf"):
        services.dossier_submit_online(
            procedure=world.procedure, receiving_agency=world.desk, applicant=applicant,
            uploads=[services.Upload(upload("to-khai.pdf", PDF_BYTES), world.form.pk),
                     services.Upload(upload("giay-to.pdf", EXE_BYTES), world.proxy.pk)])
    assert not Dossier.objects.exists() and stored_files() == before
    dossier = services.dossier_submit_online(
        procedure=world.procedure, receiving_agency=world.desk, applicant=applicant,
        uploads=[services.Upload(upload("to-khai.pdf", PDF_BYTES), world.form.pk)])
    submit = dossier.events.get(action="submit")
    assert [a.original_name for a in submit.attachments.all()] == ["to-khai.pdf"]
    assert dossier.documents.get(required_document=world.form).provided


def answer_with_files(world, dossier, *names, at_time=T_ACT):
    with at(at_time):
        return services.dossier_answer_supplement(
            dossier=dossier, actor=services.APPLICANT, note="Gửi bổ sung",
            uploads=[services.Upload(upload(name, PDF_BYTES)) for name in names])


def test_a_supplement_answer_with_a_refused_file_changes_nothing(world):
    dossier = world.authority_supplement()
    with pytest.raises(InvalidInput), at(T_ACT):
        services.dossier_answer_supplement(
            dossier=dossier, actor=services.APPLICANT, note="Gửi bổ sung",
            uploads=[services.Upload(upload("xac-nhan.pdf", PDF_BYTES)),
                     services.Upload(upload("khac.pdf", EXE_BYTES))])
    assert fresh(dossier).state == State.SUPPLEMENT_REQUESTED and not Attachment.objects.exists()


def test_supplement_files_reach_the_staff_page_grouped_and_linked_from_the_event(client, world):
    dossier = world.authority_supplement()
    answered = answer_with_files(world, dossier, "xac-nhan-hon-nhan.pdf", "ban-sao-cccd.pdf")
    assert answered.state == State.PROCESSING
    event = DossierEvent.objects.get(dossier=dossier, action="answer_supplement")
    files = list(Attachment.objects.filter(dossier=dossier).order_by("id"))
    assert [(a.purpose, a.event_id) for a in files] == [(AttachmentPurpose.SUPPLEMENT, event.pk)] * 2

    client.force_login(world.user("officer@dept"))
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    section = body.split('id="attachments"', 1)[1].split("</section>", 1)[0]
    assert "Hồ sơ bổ sung – 10:00 11/03/2025" in section
    for attachment in files:
        link = reverse("workspace:attachment", args=[dossier.pk, attachment.pk])
        assert link in section  # in the grouped list …
        events = body.split('id="events"', 1)[1]
        assert link in events  # … and on the event row that brought it
        download = client.get(link)
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_dossier_page_lists_application_and_each_supplement_in_order(client, world):
    client.force_login(world.user("clerk@desk"))
    with at(T_RECEIVE):
        client.post(reverse("workspace:intake", args=[world.desk.pk]), intake_data(world, receive_now="1", **{
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)}))
    dossier = Dossier.objects.get()
    with at(T_ACT):
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.dept)
        dossier = services.dossier_request_supplement(dossier=dossier, actor=world.user("officer@dept"),
                                                      items=["Giấy xác nhận"])
    answer_with_files(world, dossier, "lan-1.pdf", at_time=T_ACT.replace(hour=14))
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    section = body.split('id="attachments"', 1)[1].split("</section>", 1)[0]
    assert section.index("Thành phần hồ sơ") < section.index("to-khai.pdf") < section.index(
        "Hồ sơ bổ sung – 14:00 11/03/2025") < section.index("lan-1.pdf")
