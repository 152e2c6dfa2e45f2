"""The public pages of the signed results: the applicant's download (only their own), the verification page
(upload and QR link: CSRF, size limit, rate limit, clear messages, never a 500) and the panels of the tracking and
staff pages."""

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from dossiers import services
from printing.models import ResultSignature
from tests.builders import PDF_BYTES, T_STEP, at, upload

pytestmark = pytest.mark.django_db

VERIFY = "/xac-thuc/"


def approved(world, **kwargs):
    dossier = world.proposed(**kwargs)
    with at(T_STEP):
        return services.dossier_approve(dossier=dossier, actor=world.user("leader@dept"))


def stored(record) -> bytes:
    with record.attachment.file.open("rb") as handle:
        return handle.read()


def track(client, dossier, phone="0912000111"):
    return client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": phone})


def reason(response) -> str:
    found = re.search(r'data-reason="([a-z_]+)"', response.content.decode())
    return found.group(1) if found else ""


# ---------------------------------------------------------------- the applicant's download
def test_the_applicant_downloads_their_signed_result_after_code_and_phone(world, dept_certificate, client):
    dossier = approved(world)
    record = ResultSignature.objects.get(dossier=dossier)
    url = reverse("portal:result", args=[dossier.code])
    assert url == f"/tra-cuu/{dossier.code}/ket-qua/"
    assert client.get(url).status_code == 404  # not tracked yet
    assert track(client, dossier).status_code == 302
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="ket-qua-{dossier.code}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == stored(record)
    page = client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert url in page and reverse("printing:verify_stored", args=[record.key]) in page
    assert str(world.user("leader@dept")) in page and "14:00 10/03/2025" in page and "Sở Tài chính" in page


def test_nobody_else_downloads_it(world, dept_certificate, client):
    mine, theirs = approved(world), approved(world)
    assert track(client, mine).status_code == 302
    assert client.get(reverse("portal:result", args=[theirs.code])).status_code == 404
    assert Client().get(reverse("portal:result", args=[mine.code])).status_code == 404
    assert track(Client(), mine, phone="0999999999").status_code == 404  # a wrong pair tracks nothing
    unknown = reverse("portal:result", args=["H61.22.10-250310-9999"])
    assert client.get(unknown).status_code == 404
    record = ResultSignature.objects.get(dossier=mine)
    assert client.get(record.attachment.file.url).status_code == 404  # private storage has no public URL


def test_the_signed_in_applicant_downloads_from_their_account(world, dept_certificate, client):
    dossier = approved(world, applicant_user=world.citizen)
    client.force_login(world.citizen)
    assert client.get(reverse("portal:result", args=[dossier.code])).status_code == 200
    other = Client()
    other.force_login(world.user("clerk@other_desk"))
    assert other.get(reverse("portal:result", args=[dossier.code])).status_code == 404


def test_no_download_and_no_panel_without_a_signed_result(world, client):
    dossier = approved(world)  # no certificate
    assert track(client, dossier).status_code == 302
    assert client.get(reverse("portal:result", args=[dossier.code])).status_code == 404
    page = client.get(reverse("portal:dossier", args=[dossier.code])).content.decode()
    assert 'id="signed-result"' not in page


# ---------------------------------------------------------------- the staff page
def test_the_staff_page_shows_the_signed_result_and_the_certificate(world, dept_certificate, client):
    dossier = approved(world)
    client.force_login(world.user("clerk@desk"))
    page = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    record = ResultSignature.objects.get(dossier=dossier)
    assert reverse("workspace:attachment", args=[dossier.pk, record.attachment_id]) in page
    assert reverse("printing:verify_stored", args=[record.key]) in page
    assert "Chứng thư số của Sở Tài chính: còn hiệu lực đến 01/01/2040" in page


def test_the_staff_page_says_when_no_electronic_result_was_made(world, client):
    dossier = approved(world)
    client.force_login(world.user("clerk@desk"))
    page = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert "Kết quả không được ký số khi phê duyệt: Cơ quan chưa có chứng thư số còn hiệu lực" in page
    assert "Sở Tài chính hiện không có chứng thư số còn hiệu lực" in page


def test_before_the_decision_staff_read_whether_the_deciding_agency_can_sign(world, client):
    dossier = world.proposed()
    client.force_login(world.user("leader@dept"))
    page = client.get(reverse("workspace:detail", args=[dossier.pk])).content.decode()
    assert "Sở Tài chính chưa có chứng thư số còn hiệu lực: khi lãnh đạo phê duyệt, kết quả sẽ không được ký số" in page


# ---------------------------------------------------------------- the verification page
def test_the_verification_page_checks_an_uploaded_file(world, dept_certificate, client):
    data = stored(ResultSignature.objects.get(dossier=approved(world)))
    page = client.get(VERIFY)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    response = client.post(VERIFY, {"file": upload("ket-qua.pdf", data)})
    assert response.status_code == 200 and reason(response) == "valid"
    assert "Hợp lệ: ký bởi Sở Tài chính" in response.content.decode()

    changed = bytearray(data)
    changed[data.index(b"stream\n") + 12] ^= 0x20
    response = client.post(VERIFY, {"file": upload("ket-qua.pdf", bytes(changed))})
    assert reason(response) == "modified" and "đã bị sửa đổi sau khi ký" in response.content.decode()


@pytest.mark.parametrize(("content", "why", "text"), [
    (b"MZ\x90\x00 a program", "not_pdf", "không phải tệp PDF"),
    (b"%PDF-1.7\n\x00\xff broken", "unreadable", "Không đọc được tệp PDF"),
    (PDF_BYTES, "no_signature", "không có chữ ký số"),
])
def test_a_file_that_is_not_a_valid_signed_pdf_gets_a_clear_message(client, content, why, text):
    response = client.post(VERIFY, {"file": upload("tep.pdf", content)})
    assert response.status_code == 200 and reason(response) == why and text in response.content.decode()


def test_the_upload_is_checked_size_limited_and_csrf_protected(client, settings):
    assert client.post(VERIFY, {}).status_code == 400
    settings.ONECUA = {**settings.ONECUA, "VERIFY_MAX_BYTES": 1024}
    too_big = client.post(VERIFY, {"file": upload("lon.pdf", b"%PDF-1.7\n" + b"0" * 2048)})
    assert too_big.status_code == 400 and "Tệp quá lớn (tối đa" in too_big.content.decode()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(VERIFY, {"file": upload("tep.pdf", PDF_BYTES)}).status_code == 403


def test_the_verification_page_is_rate_limited_per_client(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ONECUA = {**settings.ONECUA, "VERIFY_PER_10_MIN": 2}
    for _ in range(2):
        assert client.post(VERIFY, {"file": upload("tep.pdf", PDF_BYTES)}).status_code == 200
    limited = client.post(VERIFY, {"file": upload("tep.pdf", PDF_BYTES)})
    assert limited.status_code == 429 and "quá nhiều lần" in limited.content.decode()
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(VERIFY, {"file": upload("tep.pdf", PDF_BYTES)}).status_code == 200
    cache.clear()


def test_the_qr_link_verifies_the_stored_document(world, dept_certificate, client):
    dossier = approved(world)
    record = ResultSignature.objects.get(dossier=dossier)
    response = client.get(reverse("printing:verify_stored", args=[record.key]))
    body = response.content.decode()
    assert response.status_code == 200 and reason(response) == "valid" and "Sở Tài chính" in body
    for personal in ("Trần Văn Nộp", "0912000111", "079203001234"):
        assert personal not in body  # the public page shows the verdict, not the document

    record.attachment.file.save("upload.pdf", ContentFile(b"%PDF-1.7 replaced"), save=True)
    assert reason(client.get(reverse("printing:verify_stored", args=[record.key]))) == "unreadable"


def test_unknown_or_malformed_qr_links_are_not_found(world, client):
    dossier = approved(world)  # not signed: its record has no verification page
    record = ResultSignature.objects.get(dossier=dossier)
    assert client.get(reverse("printing:verify_stored", args=[record.key])).status_code == 404
    assert client.get("/xac-thuc/00000000-0000-4000-8000-000000000000/").status_code == 404
    assert client.get("/xac-thuc/khong-phai-uuid/").status_code == 404
    assert client.get("/xac-thuc/%00/").status_code in {400, 404}
