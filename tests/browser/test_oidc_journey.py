"""The citizen's journey through the national identity in Chromium, against a real node-oidc-provider process:
sign in at the provider's login page, submit online with the identity prefilled and locked, see the new dossier
and an older desk dossier bearing the same ID number in "Hồ sơ của tôi", sign out at the provider."""

import os

import pytest

from accounts import oidc
from dossiers import services
from dossiers.models import Dossier
from tests.accounts.oidc_support import AN, ProviderProcess, oidc_settings
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


@pytest.fixture
def provider(live_server, tmp_path):
    process = ProviderProcess(keys_file=tmp_path / "keys.json",
                              redirect_uris=[f"{live_server.url}/tai-khoan/dinh-danh/ve/"],
                              post_logout_uris=[f"{live_server.url}/"]).start()
    yield process
    process.stop()


@pytest.fixture
def centre(settings, live_server, provider):
    oidc_settings(settings, provider, base_url=live_server.url)
    oidc._clients.clear()
    desk = AgencyFactory(identifier="H61.22.10", name="Trung tâm Phục vụ hành chính công phường Long An")
    procedure = ProcedureFactory(national_code="1.001193", name="Đăng ký khai sinh", deadline_amount=3)
    procedure.agencies.add(desk)
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh")
    clerk = UserFactory(username="clerk.longan", full_name="Cán bộ một cửa")
    MembershipFactory(user=clerk, agency=desk, role="clerk")
    # Received at the desk a year ago, long before the citizen's account existed.
    older = services.dossier_create(
        procedure=procedure, receiving_agency=desk, channel=1, actor=clerk,
        applicant=services.ApplicantData(name=AN["name"], id_number=AN["personal_id"], phone="0900111222"),
        provided_required_document_ids=[procedure.documents.get().pk])
    yield desk, procedure, older
    oidc._clients.clear()


def test_citizen_signs_in_with_the_national_identity_submits_and_finds_all_dossiers(page, live_server, provider,
                                                                                    centre, tmp_path):
    desk, procedure, older = centre
    base = live_server.url
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))

    page.goto(f"{base}/tai-khoan/dang-nhap/")
    page.locator('a[data-oidc="citizen"]').click()
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.shot("01-provider-login")
    page.fill("#login", AN["login"])
    page.fill("#password", AN["password"])
    page.click("#sign-in")
    page.wait_for_url(f"{base}/")
    assert AN["name"] in page.locator("header").inner_text()

    page.goto(f"{base}/nop-ho-so/{procedure.national_code}/")
    for label, value in (("#id_applicant_name", AN["name"]), ("#id_applicant_id_number", AN["personal_id"]),
                         ("#id_applicant_birth_date", "05/09/1990"), ("#id_applicant_phone", AN["phone"])):
        field = page.locator(label)
        assert field.input_value() == value
        assert field.is_disabled() and not field.is_editable()
    page.shot("02-form-prefilled")
    page.get_by_label("Nơi nộp hồ sơ").select_option(label=desk.name)
    page.fill("#id_applicant_address", "Số 5 đường Long An")
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF_BYTES)
    page.locator("input[type=file]").first.set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp tục: kiểm tra lại thông tin").click()
    page.click("#confirm-submit")
    code = page.locator("#dossier-code").inner_text().strip()
    new = Dossier.objects.get(code=code)
    assert new.applicant_id_number == AN["personal_id"] and new.applicant_name == AN["name"]

    page.get_by_role("link", name="Hồ sơ của tôi").click()
    page.wait_for_url(f"{base}/ho-so-cua-toi/")
    listed = page.locator("table").inner_text()
    assert code in listed and older.code in listed
    page.shot("03-my-dossiers")
    page.get_by_role("link", name=older.code).click()
    page.wait_for_url(f"{base}/tra-cuu/{older.code}/")

    page.get_by_role("button", name="Đăng xuất", exact=True).first.click()
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.shot("04-provider-sign-out")
    page.locator('button[name="logout"]').click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="Đăng nhập").count() >= 1
    assert page.get_by_role("link", name="Hồ sơ của tôi").count() == 0

    assert addresses, "no request seen"
    assert not [url for url in addresses if AN["personal_id"] in url]
