"""The privacy notice: a public page in Vietnamese (English through gettext), linked from every form that
collects personal data and from the footer."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.builders import PDF_BYTES, upload

pytestmark = pytest.mark.django_db

NOTICE = "/quyen-rieng-tu/"


def form_links_to_the_notice(html: str) -> bool:
    """A <form> whose body has the privacy link (not just the footer's)."""
    return any(f'href="{NOTICE}"' in form for form in re.findall(r"<form\b.*?</form>", html, flags=re.S))


def test_the_notice_tells_what_why_the_legal_basis_retention_rights_and_contact(client, settings):
    settings.ONECUA = {**settings.ONECUA, "RETENTION_YEARS": 5, "ACCESS_LOG_DAYS": 730,
                       "PRIVACY_CONTACT_EMAIL": "dulieu@tayninh.gov.vn"}
    assert reverse("privacy:notice") == NOTICE
    response = client.get(NOTICE)
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("Dữ liệu được thu thập", "số định danh cá nhân", "Mục đích xử lý", "Nghị định số 118/2025/NĐ-CP",
                 "Luật Bảo vệ dữ liệu cá nhân năm 2025", "Nghị định số 13/2023/NĐ-CP", "5 năm", "730 ngày",
                 "Được đính chính", "Được xóa dữ liệu trong giới hạn của pháp luật", "dulieu@tayninh.gov.vn"):
        assert text in body, text


def test_the_notice_is_translated_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": NOTICE})
    with translation.override("en"):
        body = client.get(NOTICE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Processing of personal data" in body and "Decree No. 118/2025/ND-CP" in body
    assert "Dữ liệu được thu thập" not in body


def test_the_footer_links_to_the_notice(client):
    body = client.get(reverse("home")).content.decode()
    assert 'id="privacy-notice-link"' in body and f'href="{NOTICE}"' in body


def test_the_submission_form_links_to_the_notice(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    assert form_links_to_the_notice(client.get(url).content.decode())


def test_the_tracking_form_links_to_the_notice(client):
    assert form_links_to_the_notice(client.get(reverse("portal:track")).content.decode())


def test_the_registration_form_links_to_the_notice(client):
    assert form_links_to_the_notice(client.get(reverse("accounts:register")).content.decode())


def test_the_supplement_answer_form_links_to_the_notice(client, world):
    dossier = world.desk_supplement()
    client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"})
    page = client.get(reverse("portal:answer", args=[dossier.code]))
    assert page.status_code == 200 and form_links_to_the_notice(page.content.decode())


def test_the_my_dossiers_claim_form_and_the_correction_form_link_to_the_notice(client, world):
    client.force_login(world.citizen)
    assert form_links_to_the_notice(client.get(reverse("portal:mine")).content.decode())
    assert form_links_to_the_notice(client.get(reverse("privacy:correction")).content.decode())


def test_the_review_page_links_to_the_notice(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    review = client.post(url, {
        "agency": world.desk.pk, "applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
        "applicant_phone": "0903123456", "applicant_address": "Ấp Bình Hòa", f"file_{world.form.pk}":
        upload("to-khai.pdf", PDF_BYTES)})
    assert review.status_code == 200 and "Kiểm tra lại thông tin" in review.content.decode()
    assert form_links_to_the_notice(review.content.decode())
