"""The official forms as PDFs, read back as text: what they print and how (rules kept at reception, date lines,
header line breaks, pauses on the control sheet, embedded font subsets)."""

import io
from datetime import date, time
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.models import Role
from dossiers import services
from dossiers.models import Dossier
from printing.documents import agency_place, render_dossier_form, render_tracking_book
from procedures.models import Agency, AgencyKind, DeadlineUnit, Procedure
from tests.builders import T_ACT, T_RECEIVE, T_SUBMIT, at, vn
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def pdf_lines(pdf: bytes) -> list[str]:
    return [line.strip() for page in PdfReader(io.BytesIO(pdf)).pages
            for line in (page.extract_text() or "").splitlines()]


def flat(pdf: bytes) -> str:
    """The PDF's text on one line, single-spaced (a phrase wrapped over two lines still matches)."""
    return " ".join(" ".join(pdf_lines(pdf)).split())


def form(number: str, dossier: Dossier, **extra) -> bytes:
    return render_dossier_form(number, Dossier.objects.get(pk=dossier.pk), **extra).pdf


# ---------------------------------------------------------------- 1. form 01: the rule kept, the clerk
def test_form_01_prints_the_deadline_rule_kept_at_reception_not_the_procedures_current_one(world):
    world.procedure.cutoff_time = time(15, 0)
    world.procedure.save()
    dossier = world.received()
    world.procedure.deadline_amount, world.procedure.cutoff_time = Decimal("10"), None
    world.procedure.save()

    kept = Procedure(deadline_amount=Decimal("3"), deadline_unit=DeadlineUnit.WORKING_DAYS,
                     cutoff_time=time(15, 0)).deadline_display  # the rule as the catalogue showed it then
    text = flat(form("01", dossier))
    assert f"Thời gian giải quyết hồ sơ theo quy định: {kept}" in text
    assert "10 ngày làm việc" not in text


def test_form_01_names_the_clerk_who_received_the_dossier(world):
    dossier = world.received()  # by "Cán bộ clerk@desk"
    other_clerk = UserFactory(username="clerk2", full_name="Lê Thị Chuyển")
    MembershipFactory(user=other_clerk, agency=world.desk, role=Role.CLERK)
    with at(T_ACT):
        services.dossier_forward(dossier=dossier, actor=other_clerk, to_agency=world.dept)
    text = flat(form("01", dossier))
    assert "Cán bộ clerk@desk" in text and "Lê Thị Chuyển" not in text


# ---------------------------------------------------------------- 2. the date lines
def test_the_place_is_the_province_of_the_agency_tree():
    province = AgencyFactory(identifier="H70", name="Ủy ban nhân dân tỉnh Tây Ninh", kind=AgencyKind.PROVINCE)
    desk = AgencyFactory(identifier="H70.22.10", name="Trung tâm Phục vụ hành chính công phường Long An",
                         kind=AgencyKind.COMMUNE_CENTRE, parent=province)
    assert agency_place(province) == "Tây Ninh"
    assert agency_place(desk) == "Tây Ninh"
    assert agency_place(Agency(name="Ủy ban nhân dân thành phố Hà Nội")) == "Hà Nội"
    assert agency_place(Agency(name="Ủy ban nhân dân Thành phố Hồ Chí Minh")) == "Thành phố Hồ Chí Minh"
    assert agency_place(Agency(name="UBND tỉnh Đồng Tháp")) == "Đồng Tháp"
    assert agency_place(Agency(name="Tây Ninh")) == "Tây Ninh"


def test_every_form_dates_its_line_with_the_place_and_a_two_digit_day_and_month(world):
    clerk = world.user("clerk@desk")
    wed = vn(2025, 3, 5, 9, 0)  # Wed 5 March 2025: due Mon 10 March 09:00
    received = world.received(at_time=wed)
    asked = world.submitted(at_time=wed)
    with at(wed):
        services.dossier_request_supplement(dossier=asked, actor=clerk, items=["Ảnh 4x6"])
    refused = world.submitted(at_time=wed)
    with at(wed):
        services.dossier_refuse(dossier=refused, actor=clerk, reason="Không thuộc thẩm quyền")
    apologised = world.received(at_time=wed)
    with at(vn(2025, 3, 6, 10, 0)):
        services.dossier_apologise(dossier=apologised, actor=world.user("leader@desk"), reason="Chờ xác minh",
                                   new_appointment_at=vn(2025, 3, 14, 9, 0))
    withdrawn = world.received(at_time=wed)
    with at(vn(2025, 3, 7, 8, 0)):
        services.dossier_withdraw(dossier=withdrawn, actor=services.APPLICANT)

    for number, dossier, line in [
        ("01", received, "Thử Nghiệm, ngày 05 tháng 03 năm 2025"),
        ("02", asked, "Thử Nghiệm, ngày 05 tháng 03 năm 2025"),
        ("03", refused, "Thử Nghiệm, ngày 05 tháng 03 năm 2025"),
        ("04", apologised, "Thử Nghiệm, ngày 06 tháng 03 năm 2025"),
        ("05", withdrawn, "Thử Nghiệm, ngày 07 tháng 03 năm 2025"),
    ]:
        assert line in pdf_lines(form(number, dossier)), number


# ---------------------------------------------------------------- 3. header line breaks
def _assert_places_kept_whole(lines: list[str], name: str) -> None:
    assert name.upper() not in lines, "the name fits on one line: the test needs a longer one"
    assert not [line for line in lines if line.endswith(("TỈNH TÂY", "TỈNH"))], lines[:6]
    assert [line for line in lines[:6] if line.endswith("TỈNH TÂY NINH")], lines[:6]


@pytest.mark.parametrize("name", [
    "Sở Văn hóa, Thể thao tỉnh Tây Ninh",  # wraps as "… TỈNH TÂY / NINH" when words may break anywhere
    "Sở Văn hóa và Thể thao tỉnh Tây Ninh",  # "… TỈNH / TÂY NINH"
])
def test_the_header_never_breaks_inside_a_place_name(world, name):
    Agency.objects.filter(pk=world.province.pk).update(name="Ủy ban nhân dân tỉnh Tây Ninh")
    Agency.objects.filter(pk=world.desk.pk).update(name=name)
    dossier = world.received()
    _assert_places_kept_whole(pdf_lines(form("01", dossier)), name)


def test_the_landscape_tracking_book_keeps_place_names_whole_too(world):
    name = "Sở Văn hóa, Thể thao và Du lịch tỉnh Tây Ninh"
    Agency.objects.filter(pk=world.province.pk).update(name="Ủy ban nhân dân tỉnh Tây Ninh")
    Agency.objects.filter(pk=world.desk.pk).update(name=name)
    dossier = world.received()
    desk = Agency.objects.get(pk=world.desk.pk)
    book = render_tracking_book(agency=desk, start=date(2025, 3, 10), end=date(2025, 3, 10), dossiers=[dossier])
    _assert_places_kept_whole(pdf_lines(book.pdf), name)


# ---------------------------------------------------------------- 5. form 06: pauses
def test_control_sheet_06_shows_supplement_and_payment_pauses_with_start_end_and_reason(world):
    dossier = world.authority_supplement()  # paused at T_STEP, Mon 10/03 14:00
    with at(T_ACT):
        dossier = services.dossier_answer_supplement(dossier=dossier, actor=services.APPLICANT, note="Đã bổ sung")
    with at(vn(2025, 3, 11, 15, 0)):
        services.dossier_await_payment(dossier=dossier, actor=world.user("officer@dept"),
                                       reason="Chờ nộp lệ phí trước bạ")

    text = flat(form("06", dossier))
    supplement = text.index("Chờ bổ sung hồ sơ")
    payment = text.index("Chờ thực hiện nghĩa vụ tài chính")
    assert supplement < payment  # in the order they happened
    assert "14 giờ 00 phút, ngày 10/03/2025" in text[supplement - 200:payment]
    assert "10 giờ 00 phút, ngày 11/03/2025" in text[supplement - 200:payment]
    assert "Xác nhận tình trạng hôn nhân" in text[supplement:payment]
    assert "15 giờ 00 phút, ngày 11/03/2025" in text[payment - 200:]
    assert "Chờ nộp lệ phí trước bạ" in text[payment:]
    assert "đang tạm dừng" in text[payment:]  # not resumed yet


# ---------------------------------------------------------------- 6. size: font subsets
def test_form_01_embeds_font_subsets_and_still_reads_back_vietnamese(world):
    with at(T_SUBMIT):
        dossier = services.dossier_create(
            procedure=world.procedure, receiving_agency=world.desk, channel=1, actor=world.user("clerk@desk"),
            applicant=services.ApplicantData(name="Nguyễn Thị Ánh Tuyết", id_number="079123456789",
                                             phone="0912345678", address="Ấp Bình Thạnh, xã Cần Giuộc"),
            provided_required_document_ids=[world.form.pk])
    with at(T_RECEIVE):
        dossier = services.dossier_receive(dossier=dossier, actor=world.user("clerk@desk"))
    pdf = form("01", dossier)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert len(pdf) <= 150 * 1024, f"{len(pdf) / 1024:.0f} KB"
    text = flat(pdf)
    assert "Nguyễn Thị Ánh Tuyết" in text and "Ấp Bình Thạnh, xã Cần Giuộc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text



def test_forms_06_and_07_name_the_deciding_agency_after_the_result_went_back_to_the_desk(world):
    """The result returns to the desk, but Sở Tài chính decided: it is the agency handling the dossier on form 06
    and in the tracking book, never a mere "phối hợp"; an agency consulted on the way is."""
    dossier = world.processing()  # handed over by the desk to Sở Tài chính
    with at(T_ACT):
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("officer@dept"),
                                           to_agency=world.other_desk, note="Xin ý kiến")
        dossier = services.dossier_forward(dossier=dossier, actor=world.user("officer@other_desk"),
                                           to_agency=world.dept, note="Có ý kiến")
        dossier = services.dossier_propose(dossier=dossier, actor=world.user("officer@dept"), outcome="approved",
                                           note="Đủ điều kiện")
        dossier = services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.handling_agency == world.desk
    text = flat(form("06", dossier))
    assert f"Cơ quan (bộ phận) giải quyết hồ sơ: {world.dept.name}" in text
    coordinating = text.split("Cơ quan phối hợp giải quyết hồ sơ:", 1)[1].split("Thời gian nhận hồ sơ", 1)[0]
    assert world.other_desk.name in coordinating and world.dept.name not in coordinating
    assert world.desk.name not in coordinating
    book = flat(render_tracking_book(agency=world.desk, start=date(2025, 3, 10), end=date(2025, 3, 10),
                                     dossiers=[dossier]).pdf)
    assert world.dept.name in book
