"""The staff workspace: queues, desk intake, actions through the pages, official forms as PDFs."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dossiers.models import Dossier, State
from tests.dossiers.conftest import PDF_BYTES, T_ACT, T_RECEIVE, at, fresh, upload

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_font_families(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            base = str(font.get_object()["/BaseFont"])
            names.add(re.sub(r"^/[A-Z]{6}\+", "", base).split("-")[0])
    return names


def test_clerk_queue_counts_and_lists_online_dossiers_sorted(client, world):
    clerk = world.user("clerk@desk")
    first = world.submitted()
    second = world.submitted()
    world.submitted(agency=world.other_desk)
    client.force_login(clerk)
    response = client.get(reverse("dossiers:home"), {"q_key": "to_check"})
    assert response.status_code == 200
    counts = dict((q.key, n) for q, n in response.context["queues"])
    assert counts["to_check"] == 2
    assert [d.pk for d in response.context["page"].object_list] == [first.pk, second.pk]
    body = response.content.decode()
    assert "09******11" in body and "0912000111" not in body  # phone masked in lists


def test_queue_runs_the_same_number_of_queries_with_500_dossiers_as_with_5(client, world, django_assert_num_queries):
    clerk = world.user("clerk@desk")
    for _ in range(5):
        world.submitted()
    client.force_login(clerk)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("dossiers:home"), {"q_key": "to_check"}).status_code == 200
    template = Dossier.objects.get(pk=world.submitted().pk)
    clones = []
    for i in range(495):
        template.pk = None
        template.code = f"H61.22.10-250310-{1000 + i:04d}"
        clones.append(Dossier(**{f.attname: getattr(template, f.attname) for f in Dossier._meta.concrete_fields}))
    Dossier.objects.bulk_create(clones)
    assert Dossier.objects.filter(state=State.SUBMITTED, receiving_agency=world.desk).count() >= 500
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("dossiers:home"), {"q_key": "to_check", "page": 3})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


def test_search_by_code_name_phone_or_id_number(client, world):
    clerk = world.user("clerk@desk")
    dossier = world.submitted()
    world.submitted()
    client.force_login(clerk)
    for term in (dossier.code, "Trần Văn", "0912000111", "079203001234"):
        found = client.get(reverse("dossiers:home"), {"q_key": "all", "tim": term}).context["page"].object_list
        assert dossier.pk in [d.pk for d in found], term
    nothing = client.get(reverse("dossiers:home"), {"q_key": "all", "tim": "không ai cả"})
    assert len(nothing.context["page"].object_list) == 0


def test_citizens_and_strangers_have_no_workspace(client, world):
    client.force_login(world.citizen)
    assert client.get(reverse("dossiers:home")).status_code == 404


def test_walk_in_intake_creates_a_dossier_with_the_checklist_and_scan(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    url = reverse("dossiers:intake", args=[world.desk.pk])
    page = client.get(url, {"procedure": world.procedure.pk})
    assert "Tờ khai cấp bản sao" in page.content.decode()
    with at(T_RECEIVE):
        response = client.post(url, {
            "procedure": world.procedure.pk, "channel": 1, "applicant_name": "Lê Thị Ngọc Ánh",
            "applicant_id_number": "079203009999", "applicant_phone": "0987 654 321", "set_count": 1,
            "provided": [world.form.pk], f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES),
        })
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant_name="Lê Thị Ngọc Ánh")
    assert dossier.state == State.SUBMITTED and dossier.applicant_phone == "0987654321"
    line = dossier.documents.get(required_document=world.form)
    assert line.provided and line.attachments.count() == 1


def test_intake_with_bad_input_keeps_what_was_typed(client, world):
    client.force_login(world.user("clerk@desk"))
    url = reverse("dossiers:intake", args=[world.desk.pk])
    response = client.post(url, {"procedure": world.procedure.pk, "channel": 1, "applicant_name": "Lê Thị Ngọc Ánh",
                                  "applicant_id_number": "12345", "applicant_phone": "12", "set_count": 1})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Số định danh không hợp lệ" in body and "Số điện thoại không hợp lệ" in body
    assert 'value="Lê Thị Ngọc Ánh"' in body
    assert not Dossier.objects.exists()


def test_a_clerk_receives_through_the_page_and_prints_form_01(client, world):
    clerk = world.user("clerk@desk")
    dossier = world.submitted()
    client.force_login(clerk)
    with at(T_RECEIVE):
        response = client.post(reverse("dossiers:action", args=[dossier.pk, "receive"]),
                               {"version": dossier.version})
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert dossier.state == State.RECEIVED
    pdf = client.get(reverse("dossiers:form_pdf", args=[dossier.pk, "01"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert dossier.code in text
    assert "Trần Văn Nộp" in text
    assert "09 giờ 00 phút, ngày 13/03/2025" in text  # 3 working days from Mon 10/03/2025 09:00
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert pdf_font_families(pdf.content) == {"Liberation"}


def test_a_refused_action_explains_why_and_changes_nothing(client, world):
    dossier = world.submitted()
    client.force_login(world.user("officer@desk"))
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "receive"]), {"version": dossier.version})
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.content.decode()
    assert fresh(dossier).state == State.SUBMITTED


def test_a_stale_page_gets_a_conflict_message(client, world):
    dossier = world.submitted()
    client.force_login(world.user("clerk@desk"))
    with at(T_RECEIVE):
        client.post(reverse("dossiers:action", args=[dossier.pk, "receive"]), {"version": dossier.version})
        again = client.post(reverse("dossiers:action", args=[dossier.pk, "refuse"]),
                            {"version": dossier.version, "refuse-reason": "Sai thủ tục"})
    assert again.status_code == 409
    assert "vừa được người khác cập nhật" in again.content.decode()
    assert fresh(dossier).state == State.RECEIVED


def test_supplement_form_needs_items_and_keeps_input(client, world):
    dossier = world.submitted()
    client.force_login(world.user("clerk@desk"))
    response = client.post(reverse("dossiers:action", args=[dossier.pk, "request_supplement"]),
                           {"version": dossier.version, "request_supplement-items": "  ",
                            "request_supplement-reason": "Thiếu giấy tờ"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Hãy liệt kê ít nhất một mục" in body and "Thiếu giấy tờ" in body


def test_forms_02_03_pdfs_list_what_is_missing_and_the_reasons(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    asked = world.submitted()
    with at(T_RECEIVE):
        client.post(reverse("dossiers:action", args=[asked.pk, "request_supplement"]),
                    {"version": asked.version, "request_supplement-items": "Bản sao giấy khai sinh\nẢnh 4x6"})
    text = pdf_text(client.get(reverse("dossiers:form_pdf", args=[asked.pk, "02"])).content)
    assert "Bản sao giấy khai sinh" in text and "Ảnh 4x6" in text
    refused = world.submitted()
    with at(T_RECEIVE):
        client.post(reverse("dossiers:action", args=[refused.pk, "refuse"]),
                    {"version": refused.version, "refuse-reason": "Không thuộc thẩm quyền của đơn vị"})
    text = pdf_text(client.get(reverse("dossiers:form_pdf", args=[refused.pk, "03"])).content)
    assert "Không thuộc thẩm quyền của đơn vị" in text
    assert client.get(reverse("dossiers:form_pdf", args=[refused.pk, "01"])).status_code == 404


def test_control_sheet_06_prints_each_hand_over_with_its_status(client, world):
    dossier = world.resolved()
    client.force_login(world.user("clerk@desk"))
    text = pdf_text(client.get(reverse("dossiers:form_pdf", args=[dossier.pk, "06"])).content)
    assert dossier.code in text
    assert "Sở Tài chính" in text or world.desk.name[:20] in text
    assert any(word in text for word in ("Trước hạn", "Đúng hạn", "Quá hạn"))


def test_tracking_book_07_for_a_date_range(client, world):
    dossier = world.received()
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("dossiers:book"), {"start": "10/03/2025", "end": "10/03/2025",
                                                     "agency": world.desk.pk})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text and dossier.code in text
    empty = client.get(reverse("dossiers:book"), {"start": "11/03/2025", "end": "12/03/2025", "agency": world.desk.pk})
    assert dossier.code not in pdf_text(empty.content)
    bad = client.get(reverse("dossiers:book"), {"start": "12/03/2025", "end": "11/03/2025", "agency": world.desk.pk})
    assert bad.status_code == 400 and "phải sau" in bad.content.decode()


def test_full_handling_through_the_pages_ends_on_time(client, world):
    clerk, officer, leader = world.user("clerk@desk"), world.user("officer@desk"), world.user("leader@desk")
    dossier = world.submitted()

    def act(user, name, data=None):
        client.force_login(user)
        d = fresh(dossier)
        response = client.post(reverse("dossiers:action", args=[d.pk, name]), {"version": d.version, **(data or {})})
        assert response.status_code == 302, response.content.decode()[:3000]

    with at(T_RECEIVE):
        act(clerk, "receive")
        act(clerk, "forward", {"forward-to_agency": world.desk.pk})
    with at(T_ACT):
        act(leader, "assign", {"assign-officer": officer.pk})
        act(officer, "propose", {"propose-outcome": "approved", "propose-note": "Đủ điều kiện"})
        act(leader, "approve")
        act(clerk, "return_result", {"return_result-delivery": "in_person"})
    dossier = fresh(dossier)
    assert dossier.state == State.RETURNED and dossier.timeliness == "early"
    client.force_login(clerk)
    assert "Trước hạn" in client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
