"""The fully online service in Chromium: the citizen pays a financial obligation through the payment gateway
(the project's VNPAY simulator, answering over real HTTP), the leader approves and the result is signed, the
citizen downloads the signed result and checks it on /xac-thuc/."""

import os
from datetime import UTC, datetime

import pytest

from dossiers import services
from dossiers.models import Dossier, State
from printing.demo_ca import issue_pkcs12, make_authority
from printing.keys import install_certificate
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "0912345678"
PASSWORD_SOURCE = "ONECUA_SIGNING_JOURNEY"


@pytest.fixture
def centre(settings, live_server, tmp_path):
    """A commune centre that receives and decides, with staff, a certificate from a trusted test CA, and the
    payment simulator answering this live server."""
    settings.ONECUA = {**settings.ONECUA, "PUBLIC_BASE_URL": live_server.url}
    settings.PAYMENTS = {**getattr(settings, "PAYMENTS", {}), "SIMULATOR": True}
    start, end = datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)
    ca = make_authority("CA Hành trình thử", not_before=start, not_after=end)
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "ca.pem").write_bytes(ca.pem)
    settings.SIGNING_TRUST_ROOTS = [str(roots)]
    settings.SIGNING_KEY_PASSWORDS = {PASSWORD_SOURCE: "mat-khau-ky"}
    desk = AgencyFactory(identifier="H61.22.10", name="Trung tâm Phục vụ hành chính công phường Long An")
    install_certificate(agency=desk, password_source=PASSWORD_SOURCE, data=issue_pkcs12(
        ca, desk.name, password=b"mat-khau-ky", not_before=start, not_after=end))
    procedure = ProcedureFactory(national_code="1.001193", name="Đăng ký khai sinh", deadline_amount=3)
    procedure.agencies.add(desk)
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh", mandatory=False)
    staff = {}
    for role in ("clerk", "officer", "leader"):
        user = UserFactory(username=f"{role}.longan", full_name=f"Cán bộ {role}")
        MembershipFactory(user=user, agency=desk, role=role)
        staff[role] = user
    return desk, procedure, staff


def _awaiting_payment(desk, procedure, staff) -> Dossier:
    applicant = services.ApplicantData(name="Nguyễn Văn An", id_number="079203001234", phone=PHONE,
                                       address="Phường Long An")
    dossier = services.dossier_submit_online(procedure=procedure, receiving_agency=desk, applicant=applicant,
                                             uploads=[], requested_delivery="electronic")
    dossier = services.dossier_receive(dossier=dossier, actor=staff["clerk"])
    dossier = services.dossier_forward(dossier=dossier, actor=staff["clerk"], to_agency=desk)
    dossier = services.dossier_assign(dossier=dossier, actor=staff["leader"], officer=staff["officer"])
    return services.dossier_await_payment(dossier=dossier, actor=staff["officer"], reason="Lệ phí đăng ký",
                                          amount=50000)


def test_citizen_pays_online_the_result_is_signed_downloaded_and_verified(page, live_server, centre, browser):
    desk, procedure, staff = centre
    dossier = _awaiting_payment(desk, procedure, staff)
    base = live_server.url

    # The citizen tracks the dossier and pays through the gateway.
    page.goto(f"{base}/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("Số điện thoại").first.fill(PHONE)
    page.get_by_role("button", name="Tra cứu").click()
    page.locator("#payments").get_by_role("button", name="Thanh toán").click()
    page.get_by_role("button", name="Thanh toán").wait_for()  # the gateway's own page (the simulator)
    page.shot("01-gateway")
    page.get_by_role("button", name="Thanh toán").click()
    page.locator("#payment-status[data-status='paid']").wait_for()
    page.shot("02-paid")
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING  # the IPN resumed the clock
    assert dossier.events.filter(action="payment_received").count() == 1

    # The officer proposes, the leader approves in the workspace: the result is signed.
    services.dossier_propose(dossier=dossier, actor=staff["officer"], outcome="approved", note="Đủ điều kiện")
    staff_context = browser.new_context(locale="vi-VN")
    staff_page = staff_context.new_page()
    staff_page.goto(f"{base}/tai-khoan/dang-nhap/")
    staff_page.get_by_label("Tên đăng nhập, thư điện tử hoặc số điện thoại").fill("leader.longan")
    staff_page.get_by_label("Mật khẩu").fill("mat-khau-thu-123")
    staff_page.get_by_role("button", name="Đăng nhập").click()
    staff_page.goto(f"{base}/can-bo/ho-so/{dossier.pk}/")
    staff_page.get_by_text("Phê duyệt", exact=True).first.click()
    staff_page.locator("form[action$='/thao-tac/approve/'] button[type=submit]").click()
    staff_page.locator("#signed-result #signer").wait_for()
    staff_context.close()

    # The citizen downloads the signed result and checks it on the verification page.
    page.goto(f"{base}/tra-cuu/{dossier.code}/")
    with page.expect_download() as download:
        page.locator("#download-result").click()
    signed = download.value.path()
    assert open(signed, "rb").read(5) == b"%PDF-"
    page.goto(f"{base}/xac-thuc/")
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(signed)
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    verdict = page.locator("#verdict")
    verdict.wait_for()
    page.shot("03-verified")
    assert verdict.get_attribute("data-reason") == "valid", verdict.inner_text()
    assert desk.name in page.locator("#verdict-details").inner_text()
