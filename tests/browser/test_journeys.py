"""Real journeys in Chromium: a citizen submits and tracks; staff handle a walk-in dossier end to end."""

import os

import pytest

from dossiers import services
from dossiers.models import Dossier, State
from tests.browser.conftest import ARTIFACTS
from tests.builders import PDF_BYTES
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = PDF_BYTES  # a real PDF: uploads are parsed in full (dossiers/uploads.py)


@pytest.fixture
def commune(db):
    desk = AgencyFactory(identifier="H61.22.10", name="Trung tâm Phục vụ hành chính công phường Long An")
    procedure = ProcedureFactory(national_code="1.004873", name="Cấp Giấy xác nhận tình trạng hôn nhân",
                                 deadline_amount=3)
    procedure.agencies.add(desk)
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai cấp giấy xác nhận")
    RequiredDocumentFactory(procedure=procedure, position=2, name="Giấy tờ tùy thân")
    staff = {}
    for role in ("clerk", "officer", "leader"):
        user = UserFactory(username=f"{role}.longan", full_name=f"Cán bộ {role}")
        MembershipFactory(user=user, agency=desk, role=role)
        staff[role] = user
    return desk, procedure, staff


def login(page, base, username):
    page.goto(f"{base}/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập, thư điện tử hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu").fill("mat-khau-thu-123")
    page.get_by_role("button", name="Đăng nhập").click()


def test_citizen_finds_submits_tracks_answers_supplement_and_reads_appointment(page, live_server, commune, tmp_path):
    desk, procedure, staff = commune
    base = live_server.url
    files = []
    for name in ("to-khai.pdf", "cccd.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF)
        files.append(path)

    page.goto(base)
    page.get_by_label("Tìm thủ tục").fill("xac nhan tinh trang hon nhan")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name="Cấp Giấy xác nhận tình trạng hôn nhân").click()
    page.shot("01-procedure")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Nơi nộp hồ sơ").select_option(label=desk.name)
    page.get_by_label("Họ và tên").fill("Phạm Thị Ngọc Hương")
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("079203004567")
    page.get_by_label("Số điện thoại di động").fill("0903123456")
    page.get_by_label("Địa chỉ liên hệ").fill("Ấp Bình Hòa, phường Long An")
    page.locator("input[type=file]").nth(0).set_input_files(str(files[0]))
    page.locator("input[type=file]").nth(1).set_input_files(str(files[1]))
    page.shot("02-submit-form")
    page.get_by_role("button", name="Tiếp tục: kiểm tra lại thông tin").click()
    page.shot("03-review")
    page.get_by_role("button", name="Xác nhận và nộp hồ sơ").click()
    code = page.locator("#dossier-code").inner_text()
    page.shot("04-submitted")
    dossier = Dossier.objects.get(code=code)
    assert dossier.attachments.count() == 2

    # The desk receives it; the officer asks for a supplement.
    services.dossier_receive(dossier=dossier, actor=staff["clerk"])
    dossier = services.dossier_forward(dossier=Dossier.objects.get(pk=dossier.pk), actor=staff["clerk"],
                                       to_agency=desk)
    services.dossier_request_supplement(dossier=dossier, actor=staff["officer"], items=["Bản sao sổ hộ khẩu"])

    # The link of form 01's QR code and of the SMS carries the code only: filled in, no error shown yet.
    page.goto(f"{base}/tra-cuu/?ma={code}")
    assert page.get_by_label("Mã hồ sơ").input_value() == code
    assert page.locator("[role=alert]").count() == 0
    page.get_by_label("Số điện thoại hoặc số định danh đã khai khi nộp").fill("0903123456")
    page.get_by_role("button", name="Tra cứu").click()
    assert page.url == f"{base}/tra-cuu/{code}/"  # sent by POST: the phone is in no address
    assert "Bản sao sổ hộ khẩu" in page.content()
    page.shot("05-tracking-supplement")
    page.get_by_role("link", name="Bổ sung hồ sơ").click()
    answer = []
    for name in ("xac-nhan-cu-tru.pdf", "so-ho-khau.pdf"):
        path = tmp_path / name
        path.write_bytes(PDF)
        answer.append(str(path))
    page.locator("#files").set_input_files(answer)  # two files in one answer
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    appointment = page.locator("#appointment").inner_text()
    page.shot("06-after-supplement")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == State.PROCESSING
    assert appointment.startswith(f"{dossier.appointment_at.astimezone().strftime('%H')} giờ")
    assert dossier.appointment_at.astimezone().strftime("%d/%m/%Y") in appointment
    # The desk sees both supplement files, grouped under the answer with its time, and opens one.
    staff_page = page.context.browser.new_context(locale="vi-VN").new_page()
    login(staff_page, base, "clerk.longan")
    staff_page.goto(f"{base}/can-bo/ho-so/{dossier.pk}/")
    files_section = staff_page.locator("#attachments")
    assert files_section.get_by_role("heading", name="Hồ sơ bổ sung").count() == 1
    links = files_section.get_by_role("link")
    names = links.all_inner_texts()
    assert {"xac-nhan-cu-tru.pdf", "so-ho-khau.pdf"} <= set(names)
    staff_page.screenshot(path=str(ARTIFACTS / "citizen-journey-staff-sees-supplement.png"), full_page=True)
    href = files_section.get_by_role("link", name="so-ho-khau.pdf").get_attribute("href")
    opened = staff_page.request.get(f"{base}{href}")
    assert opened.status == 200 and opened.body().startswith(b"%PDF")
    # The event row of the answer links the same files.
    assert staff_page.locator("#events").get_by_role("link", name="so-ho-khau.pdf").count() == 1
    staff_page.context.close()


def test_staff_handle_a_walk_in_dossier_from_intake_to_return(page, live_server, commune, tmp_path):
    desk, procedure, staff = commune
    base = live_server.url
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)

    login(page, base, "clerk.longan")
    page.goto(f"{base}/can-bo/")
    page.get_by_role("link", name=f"Tiếp nhận hồ sơ trực tiếp – {desk.name}").click()
    page.get_by_role("button", name="Hiện danh sách giấy tờ").click()
    page.get_by_label("Họ tên người nộp / tên tổ chức").fill("Lê Văn Tâm")
    page.get_by_label("Số định danh cá nhân / mã số tổ chức").fill("079203001111")
    page.get_by_label("Số điện thoại").fill("0912345678")
    for box in page.locator("input[name=provided]").all():
        box.check()
    # A program renamed .pdf is refused with the reason; nothing is created; what was typed stays.
    renamed = tmp_path / "giay-to-tuy-than.pdf"
    renamed.write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 200)
    page.locator("input[type=file]").first.set_input_files(str(scan))
    page.locator("input[type=file]").nth(1).set_input_files(str(renamed))
    page.get_by_role("button", name="Chỉ tạo hồ sơ").click()
    page.shot("00-refused-scan")
    assert "giay-to-tuy-than.pdf" in page.get_by_role("alert").first.inner_text()
    assert not Dossier.objects.exists()
    assert page.get_by_label("Họ tên người nộp / tên tổ chức").input_value() == "Lê Văn Tâm"
    assert page.get_by_label("Số điện thoại").input_value() == "0912345678"
    assert page.locator("input[name=provided]:checked").count() == 2
    page.locator("input[type=file]").first.set_input_files(str(scan))
    page.get_by_role("button", name="Chỉ tạo hồ sơ").click()
    page.get_by_text("Tiếp nhận và in giấy hẹn (mẫu 01)").first.click()
    page.get_by_role("button", name="Tiếp nhận và in giấy hẹn (mẫu 01)").click()
    page.shot("01-received")
    assert page.locator("#state").inner_text().startswith("Đã tiếp nhận")
    dossier = Dossier.objects.get(applicant_name="Lê Văn Tâm")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Mẫu 01").click()
    assert popup.value.url.endswith("/mau/01/")
    page.get_by_text("Chuyển xử lý").first.click()
    page.get_by_label("Chuyển đến").select_option(label=desk.name)
    page.get_by_role("button", name="Chuyển xử lý").click()

    def act(user, summary, fill=None):
        login(page, base, user)
        page.goto(f"{base}/can-bo/ho-so/{dossier.pk}/")
        page.get_by_text(summary, exact=True).first.click()
        if fill:
            fill()
        page.get_by_role("button", name=summary).click()
        page.shot(f"{user}-{summary[:20]}")

    act("officer.longan", "Yêu cầu bổ sung (mẫu 02)",
        lambda: page.get_by_label("Giấy tờ, nội dung cần bổ sung (mỗi dòng một mục)").fill("Ảnh 4x6"))
    d = Dossier.objects.get(pk=dossier.pk)
    services.dossier_answer_supplement(dossier=d, actor=services.APPLICANT, note="Đã bổ sung ảnh")
    act("officer.longan", "Đề xuất kết quả", lambda: page.get_by_label("Giải quyết (chấp thuận)").check())
    act("leader.longan", "Phê duyệt")
    act("clerk.longan", "Trả kết quả")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == State.RETURNED
    assert dossier.timeliness in ("early", "on_time")
    label = page.locator("#timeliness").inner_text()
    assert label in ("Trước hạn", "Đúng hạn")

