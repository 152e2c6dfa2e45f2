"""The staff workspace: queues, desk intake, actions through the pages, official forms as PDFs."""

import io
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dossiers.models import Dossier, State
from tests.builders import PDF_BYTES, T_ACT, T_RECEIVE, at, fresh, upload

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
    response = client.get(reverse("workspace:home"), {"q_key": "to_check"})
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
        assert client.get(reverse("workspace:home"), {"q_key": "to_check"}).status_code == 200
    template = Dossier.objects.get(pk=world.submitted().pk)
    clones = []
    for i in range(495):
        template.pk = None
        template.code = f"H61.22.10-250310-{1000 + i:04d}"
        clones.append(Dossier(**{f.attname: getattr(template, f.attname) for f in Dossier._meta.concrete_fields}))
    Dossier.objects.bulk_create(clones)
    assert Dossier.objects.filter(state=State.SUBMITTED, receiving_agency=world.desk).count() >= 500
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("workspace:home"), {"q_key": "to_check", "page": 3})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


def test_search_by_code_name_phone_or_id_number(client, world):
    clerk = world.user("clerk@desk")
    dossier = world.submitted()
    world.submitted()
    client.force_login(clerk)
    for term in (dossier.code, "Trần Văn", "0912000111", "079203001234"):
        found = client.get(reverse("workspace:home"), {"q_key": "all", "tim": term}).context["page"].object_list
        assert dossier.pk in [d.pk for d in found], term
    nothing = client.get(reverse("workspace:home"), {"q_key": "all", "tim": "không ai cả"})
    assert len(nothing.context["page"].object_list) == 0


def test_citizens_and_strangers_have_no_workspace(client, world):
    client.force_login(world.citizen)
    assert client.get(reverse("workspace:home")).status_code == 404


def test_walk_in_intake_creates_a_dossier_with_the_checklist_and_scan(client, world):
    clerk = world.user("clerk@desk")
    client.force_login(clerk)
    url = reverse("workspace:intake", args=[world.desk.pk])
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
    url = reverse("workspace:intake", args=[world.desk.pk])
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
        response = client.post(reverse("workspace:action", args=[dossier.pk, "receive"]),
                               {"version": dossier.version})
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert dossier.state == State.RECEIVED
    pdf = client.get(reverse("workspace:form_pdf", args=[dossier.pk, "01"]))
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
    response = client.post(reverse("workspace:action", args=[dossier.pk, "receive"]), {"version": dossier.version})
    assert response.status_code == 403
    assert "Bạn không có quyền" in response.content.decode()
    assert fresh(dossier).state == State.SUBMITTED


def test_a_stale_page_gets_a_conflict_message(client, world):
    dossier = world.submitted()
    client.force_login(world.user("clerk@desk"))
    with at(T_RECEIVE):
        client.post(reverse("workspace:action", args=[dossier.pk, "receive"]), {"version": dossier.version})
        again = client.post(reverse("workspace:action", args=[dossier.pk, "refuse"]),
                            {"version": dossier.version, "refuse-reason": "Sai thủ tục"})
    assert again.status_code == 409
    assert "vừa được người khác cập nhật" in again.content.decode()
    assert fresh(dossier).state == State.RECEIVED


def test_supplement_form_needs_items_and_keeps_input(client, world):
    dossier = world.submitted()
    client.force_login(world.user("clerk@desk"))
    response = client.post(reverse("workspace:action", args=[dossier.pk, "request_supplement"]),
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
        client.post(reverse("workspace:action", args=[asked.pk, "request_supplement"]),
                    {"version": asked.version, "request_supplement-items": "Bản sao giấy khai sinh\nẢnh 4x6"})
    text = pdf_text(client.get(reverse("workspace:form_pdf", args=[asked.pk, "02"])).content)
    assert "Bản sao giấy khai sinh" in text and "Ảnh 4x6" in text
    refused = world.submitted()
    with at(T_RECEIVE):
        client.post(reverse("workspace:action", args=[refused.pk, "refuse"]),
                    {"version": refused.version, "refuse-reason": "Không thuộc thẩm quyền của đơn vị",
                     "confirmed": "1"})
    text = pdf_text(client.get(reverse("workspace:form_pdf", args=[refused.pk, "03"])).content)
    assert "Không thuộc thẩm quyền của đơn vị" in text
    assert client.get(reverse("workspace:form_pdf", args=[refused.pk, "01"])).status_code == 404


def test_control_sheet_06_prints_each_hand_over_with_its_status(client, world):
    dossier = world.resolved()
    client.force_login(world.user("clerk@desk"))
    text = pdf_text(client.get(reverse("workspace:form_pdf", args=[dossier.pk, "06"])).content)
    assert dossier.code in text
    assert "Sở Tài chính" in text or world.desk.name[:20] in text
    assert any(word in text for word in ("Trước hạn", "Đúng hạn", "Quá hạn"))


def test_tracking_book_07_for_a_date_range(client, world):
    dossier = world.received()
    client.force_login(world.user("clerk@desk"))
    response = client.get(reverse("workspace:book"), {"start": "10/03/2025", "end": "10/03/2025",
                                                     "agency": world.desk.pk})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in text and dossier.code in text
    empty = client.get(reverse("workspace:book"), {"start": "11/03/2025", "end": "12/03/2025", "agency": world.desk.pk})
    assert dossier.code not in pdf_text(empty.content)
    bad = client.get(reverse("workspace:book"), {"start": "12/03/2025", "end": "11/03/2025", "agency": world.desk.pk})
    assert bad.status_code == 400 and "phải sau" in bad.content.decode()


def test_full_handling_through_the_pages_ends_on_time(client, world):
    clerk, officer, leader = world.user("clerk@desk"), world.user("officer@desk"), world.user("leader@desk")
    dossier = world.submitted()

    def act(user, name, data=None):
        client.force_login(user)
        d = fresh(dossier)
        response = client.post(reverse("workspace:action", args=[d.pk, name]), {"version": d.version, **(data or {})})
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
    assert "Trước hạn" in client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()


# ---------------------------------------------------------------- staff pages: landing, intake, confirmation, outbox
def sign_in(client, username, **query):
    url = reverse("accounts:login") + (f"?{urlencode(query)}" if query else "")
    return client.post(url, {"username": username, "password": "mat-khau-thu-123"})


def test_staff_sign_in_lands_on_the_workspace_citizens_on_the_home_page_and_next_wins(client, world):
    world.user("clerk@desk")
    assert sign_in(client, "clerk.desk")["Location"] == reverse("workspace:home")
    client.logout()
    assert sign_in(client, "congdan")["Location"] == "/"
    client.logout()
    outbox = reverse("outbox:list")
    assert sign_in(client, "clerk.desk", next=outbox)["Location"] == outbox
    client.logout()
    assert sign_in(client, "clerk.desk", next="https://example.com/")["Location"] == reverse("workspace:home")


def test_the_workspace_opens_on_the_first_queue_with_dossiers(client, world):
    leader, officer = world.user("leader@dept"), world.user("officer@dept")
    proposed = [world.proposed(), world.proposed()]
    Dossier.objects.filter(pk__in=[d.pk for d in proposed]).update(assigned_officer=officer)
    client.force_login(leader)
    with at(T_ACT):
        response = client.get(reverse("workspace:home"))
    counts = {q.key: n for q, n in response.context["queues"]}
    assert counts["unassigned"] == 0 and counts["awaiting_approval"] == 2
    assert response.context["current"] == "awaiting_approval"
    assert {d.pk for d in response.context["page"].object_list} == {d.pk for d in proposed}
    body = response.content.decode()
    assert re.search(r'aria-current="page">Chờ phê duyệt <span class="count" id="count-awaiting_approval">2<', body)
    # Every queue empty: the first one; a queue asked for by name is kept even when empty.
    client.force_login(world.user("clerk@other_desk"))
    assert client.get(reverse("workspace:home")).context["current"] == "to_check"
    client.force_login(leader)
    with at(T_ACT):
        assert client.get(reverse("workspace:home"), {"q_key": "unassigned"}).context["current"] == "unassigned"


@pytest.fixture
def second_procedure(world):
    from tests.factories import ProcedureFactory, RequiredDocumentFactory

    marriage = ProcedureFactory(national_code="1.000894", name="Đăng ký kết hôn")
    marriage.agencies.add(world.desk)
    RequiredDocumentFactory(procedure=marriage, position=1, name="Tờ khai đăng ký kết hôn")
    return marriage


def test_the_intake_picker_brings_the_procedures_checklist(client, world, second_procedure):
    client.force_login(world.user("clerk@desk"))
    url = reverse("workspace:intake", args=[world.desk.pk])
    page = client.get(url).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-target="#checklist"' in page  # htmx: a new choice, a new checklist
    assert "—— Chọn ——" in page and "---------" not in page
    assert "Tờ khai cấp bản sao" not in page  # two procedures: none chosen for the clerk
    # htmx asks for the checklist alone.
    fragment = client.get(url, {"procedure": second_procedure.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<fieldset id="checklist"')
    assert "Tờ khai đăng ký kết hôn" in fragment and "Tờ khai cấp bản sao" not in fragment
    # Without JavaScript, the button redraws the form for the chosen procedure: what was typed stays, nothing is
    # checked or created, no personal data goes into an address.
    response = client.post(url, {"procedure": second_procedure.pk, "channel": 1, "applicant_name": "Lê Văn Tâm",
                                 "applicant_is_organisation": "on", "show_checklist": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tờ khai đăng ký kết hôn" in body and "Tờ khai cấp bản sao" not in body
    assert 'value="Lê Văn Tâm"' in body and 'id="id_applicant_is_organisation" checked' in body
    assert 'class="error' not in body and 'role="alert"' not in body
    assert not Dossier.objects.exists()


def test_the_intake_posts_the_procedure_the_picker_shows(client, world, second_procedure):
    client.force_login(world.user("clerk@desk"))
    url = reverse("workspace:intake", args=[world.desk.pk])
    with at(T_RECEIVE):
        response = client.post(url, {
            "procedure": second_procedure.pk, "channel": 1, "applicant_name": "Lê Thị Ngọc Ánh",
            "applicant_id_number": "079203009999", "applicant_phone": "0987654321", "set_count": 1})
    assert response.status_code == 302
    assert Dossier.objects.get().procedure == second_procedure
    # The picker is the posted field itself (a hidden copy could name another procedure than the one shown).
    page = client.get(url, {"procedure": world.procedure.pk}).content.decode()
    assert re.search(r'<form method="post"[^>]*id="intake-form".*<select name="procedure"', page, re.S)
    assert 'type="hidden" name="procedure"' not in page


def test_a_desk_with_one_procedure_shows_its_checklist_at_once(client, world):
    world.procedure.agencies.remove(world.desk)
    from tests.factories import ProcedureFactory, RequiredDocumentFactory

    only = ProcedureFactory(name="Chứng thực chữ ký")
    only.agencies.add(world.desk)
    RequiredDocumentFactory(procedure=only, position=1, name="Giấy tờ cần chứng thực")
    client.force_login(world.user("clerk@desk"))
    page = client.get(reverse("workspace:intake", args=[world.desk.pk])).content.decode()
    assert "Giấy tờ cần chứng thực" in page
    assert f'<option value="{only.pk}" selected>' in page


def test_a_refused_intake_has_an_error_summary_and_each_error_is_tied_to_its_field(client, world):
    client.force_login(world.user("clerk@desk"))
    url = reverse("workspace:intake", args=[world.desk.pk])
    response = client.post(url, {"procedure": world.procedure.pk, "channel": 1, "applicant_name": "",
                                 "applicant_id_number": "12345", "applicant_phone": "0912345678", "set_count": 1})
    assert response.status_code == 400
    body = response.content.decode()
    summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert 'href="#id_applicant_name"' in summary and 'href="#id_applicant_id_number"' in summary
    field = re.search(r'<input[^>]*id="id_applicant_id_number"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in field and " required" in field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1).split()
    assert described == ["id_applicant_id_number_helptext", "id_applicant_id_number_error"]
    for element_id in described:
        assert f'id="{element_id}"' in body
    assert "Các mục có dấu * là thông tin bắt buộc." in body
    assert re.search(r'Họ tên người nộp / tên tổ chức <span class="required-mark" aria-hidden="true">\*</span>', body)
    assert not re.search(r'Thư điện tử <span class="required-mark"', body)  # optional: no mark


def test_an_action_form_in_error_is_summarised_and_tied_to_its_field(client, world):
    dossier = world.submitted()
    client.force_login(world.user("clerk@desk"))
    response = client.post(reverse("workspace:action", args=[dossier.pk, "request_supplement"]),
                           {"version": dossier.version, "request_supplement-items": " "})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in body and 'href="#id_request_supplement-items"' in body
    field = re.search(r'<textarea[^>]*id="id_request_supplement-items"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_request_supplement-items_error"' in field
    assert 'id="id_request_supplement-items_error"' in body


def danger_cases(world):
    """(dossier, user, action, posted fields) for every destructive action, each in a state that allows it."""
    return [
        (world.submitted(), world.user("clerk@desk"), "refuse", {"refuse-reason": "Không thuộc thẩm quyền"}),
        (world.received(), world.user("clerk@desk"), "withdraw", {"withdraw-reason": "Người nộp đề nghị rút"}),
        (world.processing(), world.user("leader@dept"), "stop", {"stop-reason": "Người nộp đã chết"}),
        (world.proposed(outcome="declined"), world.user("leader@dept"), "decline",
         {"decline-reason": "Không đủ điều kiện"}),
    ]


def test_every_destructive_action_asks_for_confirmation_on_a_page_of_its_own(client, world):
    from dossiers.actions import STAFF_ACTIONS as ACTIONS

    cases = danger_cases(world)
    assert {name for _d, _u, name, _f in cases} == {name for name, a in ACTIONS.items() if a.danger}
    for dossier, user, name, fields in cases:
        client.force_login(user)
        url = reverse("workspace:action", args=[dossier.pk, name])
        before = fresh(dossier)
        with at(T_ACT):
            page = client.post(url, {"version": before.version, **fields})
        body = page.content.decode()
        assert page.status_code == 200, (name, body[:2000])
        assert fresh(dossier).state == before.state and fresh(dossier).version == before.version, name
        assert f'action="{url}"' in body and 'name="confirmed" value="1"' in body and "Xác nhận" in body
        reason = next(iter(fields.values()))
        assert reason in body, name  # the reason typed is kept, editable
        with at(T_ACT):
            done = client.post(url, {"version": before.version, "confirmed": "1", **fields})
        assert done.status_code == 302, (name, done.content.decode()[:2000])
        assert fresh(dossier).state != before.state and fresh(dossier).decision_reason == reason, name
    # What would fail anyway fails at once, without the confirmation step.
    dossier = world.submitted()
    client.force_login(world.user("officer@desk"))  # may not refuse: told at once, no confirmation page
    url = reverse("workspace:action", args=[dossier.pk, "refuse"])
    assert client.post(url, {"version": dossier.version, "refuse-reason": "X"}).status_code == 403
    client.force_login(world.user("clerk@desk"))
    assert client.post(url, {"version": dossier.version, "refuse-reason": " "}).status_code == 400  # no reason
    assert client.post(url, {"version": dossier.version + 1, "refuse-reason": "X"}).status_code == 409  # stale
    assert fresh(dossier).state == State.SUBMITTED
    detail = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert 'class="danger" data-confirm=' in detail  # with JavaScript, the dialog asks (static/js/confirm.js)


def test_staff_forms_offer_a_vietnamese_empty_choice(client, world):
    dossier = world.received()
    client.force_login(world.user("clerk@desk"))
    body = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert '<option value="" selected>—— Chọn ——</option>' in body and "---------" not in body  # "Chuyển đến"
    processing = world.processing()
    client.force_login(world.user("leader@dept"))
    body = client.get(reverse("workspace:detail", args=[processing.pk])).content.decode()
    assert "Chuyên viên" in body and "—— Chọn ——" in body and "---------" not in body


def test_the_tracking_book_opens_on_today_at_the_clerks_desk(client, world):
    from django.utils import timezone

    client.force_login(world.user("clerk@desk"))
    body = client.get(reverse("workspace:book")).content.decode()
    today = f"{timezone.localdate():%d/%m/%Y}"
    assert body.count(f'value="{today}"') == 2
    assert f'<option value="{world.desk.pk}" selected>' in body and "—— Chọn ——" in body
    # A leader of two desks chooses.
    from accounts.models import Role
    from tests.factories import MembershipFactory

    leader = world.user("leader@desk")
    MembershipFactory(user=leader, agency=world.other_desk, role=Role.LEADER)
    client.force_login(leader)
    body = client.get(reverse("workspace:book")).content.decode()
    assert '<option value="" selected>—— Chọn ——</option>' in body


def notification_kinds_in_the_code() -> set[str]:
    """Every kind the code writes: Message("kind", …), kind="…" and the account notices' constants."""
    from pathlib import Path

    from django.conf import settings

    from dossiers.actions import ACTIONS

    # The applicants' messages: the kinds the action registry names, and every text in the templates.
    kinds = {action.message for action in ACTIONS.values() if action.message}
    kinds |= {path.stem for path in Path(settings.BASE_DIR, "templates", "notifications", "messages").glob("*.txt")}
    for folder in ("accounts", "dossiers", "notifications", "surveys", "privacy", "reports", "feedback", "payments",
                   "printing", "portal", "workspace"):  # not integrations: its kind="…" are sync rows
        for path in Path(settings.BASE_DIR, folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            kinds |= set(re.findall(r'\bMessage\(\s*"([a-z_]+)"', text))
            kinds |= set(re.findall(r'\bkind="([a-z_]+)"', text)) - {"PBS", "PTC", "PXL"}
    from accounts import notices

    return kinds | {notices.TAKEN, notices.CREATED}


def test_every_notification_kind_has_a_vietnamese_label(client, world):
    from notifications.views import KIND_LABELS, kind_label

    kinds = notification_kinds_in_the_code()
    assert {"received", "withdrawn", "supplement_requested", "digest", "satisfaction_follow_up"} <= kinds
    assert kinds <= set(KIND_LABELS), kinds - set(KIND_LABELS)
    assert kind_label("something_new") == "Thông báo khác (something_new)"


def test_the_outbox_shows_kinds_in_words_and_no_empty_column(client, world):
    from notifications.models import Notification
    from notifications.views import KIND_LABELS

    with at(T_RECEIVE):
        dossier = world.received()
    assert Notification.objects.filter(kind="received", channel="sms").exists()  # an SMS has no subject
    client.force_login(world.user("clerk@desk"))
    body = client.get(reverse("outbox:list")).content.decode()
    assert str(KIND_LABELS["received"]) in body and dossier.code in body
    assert not re.search(r"<td[^>]*>\s*received\s*</td>", body)
    headers = re.findall(r"<th[^>]*>(.*?)</th>", body, re.S)
    assert headers and all(h.strip() for h in headers), headers


def test_each_file_is_listed_once_on_the_staff_page_and_the_checklist_counts_it(client, world):
    from dossiers import services

    dossier = world.received()
    line = dossier.documents.order_by("position").first()
    with at(T_ACT):
        services.attachment_add(dossier=dossier, actor=world.user("clerk@desk"),
                                uploaded=upload("to-khai-ban-quet.pdf", PDF_BYTES), document=line)
    client.force_login(world.user("clerk@desk"))
    page = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert page.count("to-khai-ban-quet.pdf") == 1  # in "Tệp đính kèm", not again in the checklist
    assert '<a href="#attachments">1 tệp đính kèm</a>' in page
