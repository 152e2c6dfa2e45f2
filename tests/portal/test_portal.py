"""The citizen portal: submit online, track by code + phone, answer a supplement, withdraw, my dossiers."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dossiers import services
from dossiers.models import Attachment, Dossier, State
from tests.builders import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    T_ACT,
    T_RECEIVE,
    T_SUBMIT,
    at,
    fresh,
    upload,
)
from tests.factories import ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def applicant_data(world, **extra):
    return {
        "agency": world.desk.pk, "applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
        "applicant_phone": "0903 123 456", "applicant_email": "huong@example.vn",
        "applicant_address": "Ấp Bình Hòa, phường Một", **extra,
    }


def submit_online(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    with at(T_SUBMIT):
        review = client.post(url, {**applicant_data(world), f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES),
                                   f"file_{world.proxy.pk}": upload("uy-quyen.png", PNG_BYTES)})
        assert review.status_code == 200, review.content.decode()[:2000]
        assert "Kiểm tra lại thông tin" in review.content.decode()
        done = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                           {"payload": review.context["payload"]})
    assert done.status_code == 302
    return Dossier.objects.get(applicant_name="Phạm Thị Ngọc Hương")


def test_submit_online_with_two_documents_shows_the_code(client, world):
    dossier = submit_online(client, world)
    assert dossier.state == State.SUBMITTED and dossier.channel == 2
    assert dossier.applicant_phone == "0903123456"
    assert Attachment.objects.filter(dossier=dossier).count() == 2
    assert all(d.provided for d in dossier.documents.all())
    with at(T_SUBMIT):
        page = client.get(reverse("portal:submitted", args=[dossier.code]))
    assert dossier.code in page.content.decode()
    assert "Thời hạn giải quyết được tính từ khi hồ sơ được tiếp nhận" in page.content.decode()


def test_a_renamed_executable_is_refused_and_everything_else_is_kept(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    response = client.post(url, {**applicant_data(world), f"file_{world.form.pk}": upload("to-khai.pdf", EXE_BYTES),
                                 f"file_{world.proxy.pk}": upload("uy-quyen.png", PNG_BYTES)})
    body = response.content.decode()
    assert response.status_code == 400
    assert "không phải là PDF, JPEG, PNG thực sự" in body
    assert 'value="Phạm Thị Ngọc Hương"' in body and 'value="079203004567"' in body
    assert "uy-quyen.png" in body  # the good file is kept
    assert not Dossier.objects.exists()


def test_missing_mandatory_document_and_bad_fields_are_explained(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    response = client.post(url, applicant_data(world, applicant_id_number="1234", applicant_phone="123",
                                               applicant_email="khong-phai-email"))
    body = response.content.decode()
    assert response.status_code == 400
    for message in ("Giấy tờ này là bắt buộc", "gồm đúng 12 chữ số", "Số điện thoại không hợp lệ",
                    "thư điện tử không hợp lệ"):
        assert message in body, message


def test_a_tampered_or_expired_review_is_refused_without_a_500(client, world):
    response = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                           {"payload": "gia-mao"})
    assert response.status_code == 302
    assert not Dossier.objects.exists()


def _review(client, world):
    """The signed review of a complete submission for world.procedure, and the token of its parked form file."""
    url = reverse("portal:submit", args=[world.procedure.national_code])
    with at(T_SUBMIT):
        review = client.post(url, {**applicant_data(world), f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)})
    assert review.status_code == 200, review.content.decode()[:2000]
    kept = re.search(rf'name="kept_{world.form.pk}" value="([^"]+)"', review.content.decode()).group(1)
    return review.context["payload"], kept


def test_a_review_for_one_procedure_is_refused_by_another_procedures_confirm(client, world):
    other = ProcedureFactory(name="Đăng ký kết hôn")
    other.agencies.add(world.desk)
    RequiredDocumentFactory(procedure=other, name="Tờ khai đăng ký kết hôn")  # mandatory, never attached
    payload, _kept = _review(client, world)
    with at(T_SUBMIT):
        response = client.post(reverse("portal:submit_confirm", args=[other.national_code]), {"payload": payload},
                               follow=True)
    assert not Dossier.objects.exists()
    assert "thuộc một thủ tục khác" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("portal:submit", args=[other.national_code])


def test_signed_tokens_of_one_kind_are_not_read_as_the_other(client, world):
    """A parked file's token posted as the review, or the review as a parked file: refused, never a 500."""
    payload, kept = _review(client, world)
    with at(T_SUBMIT):
        as_review = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                                {"payload": kept})
        as_file = client.post(reverse("portal:submit", args=[world.procedure.national_code]),
                              {**applicant_data(world), f"kept_{world.form.pk}": payload})
    assert as_review.status_code == 302 and as_file.status_code == 400
    assert "Giấy tờ này là bắt buộc" in as_file.content.decode()
    assert not Dossier.objects.exists()


def test_track_wrong_phone_answers_exactly_like_a_missing_code(client, world):
    dossier = world.submitted()
    wrong_phone = client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0999999999"})
    no_such = client.post(reverse("portal:track"), {"ma": "H61.22.10-250310-9999", "sdt": "0999999999"})
    assert wrong_phone.status_code == no_such.status_code == 404
    def strip(response):
        body = response.content.decode().replace(dossier.code, "X").replace("H61.22.10-250310-9999", "X")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)

    assert strip(wrong_phone) == strip(no_such)
    ok = client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"})
    assert ok.status_code == 302 and ok["Location"] == reverse("portal:dossier", args=[dossier.code])


def test_tracking_is_rate_limited_per_client(client, world, settings):
    settings.ONECUA = {**settings.ONECUA, "TRACK_LOOKUPS_PER_10_MIN": 3}
    for _ in range(3):
        assert client.post(reverse("portal:track"), {"ma": "X", "sdt": "0900000000"}).status_code == 404
    limited = client.post(reverse("portal:track"), {"ma": "X", "sdt": "0900000000"})
    assert limited.status_code == 429 and "quá nhiều lần" in limited.content.decode()


def test_a_link_with_only_the_code_prefills_it_and_shows_no_error(client, world):
    """The QR code of form 01 and the SMS/e-mail links carry ?ma=<code> only: no error before submitting."""
    dossier = world.received()
    response = client.get(reverse("portal:track"), {"ma": dossier.code})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{dossier.code}"' in body
    assert "Vui lòng nhập" not in body and "has-error" not in body and 'role="alert"' not in body
    assert client.get(reverse("portal:dossier", args=[dossier.code])).status_code == 404


def test_the_tracking_form_sends_the_phone_by_post_with_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    dossier = world.received()
    page = client.get(reverse("portal:track"), {"ma": dossier.code}).content.decode()
    form = next(f for f in re.findall(r"<form[^>]*>.*?</form>", page, re.S) if 'name="sdt"' in f)
    assert 'method="post"' in form.split(">", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    pair = {"ma": dossier.code, "sdt": "0912000111"}
    assert client.post(reverse("portal:track"), pair).status_code == 403
    ok = client.post(reverse("portal:track"), {**pair, "csrfmiddlewaretoken": token})
    assert ok.status_code == 302 and ok["Location"] == reverse("portal:dossier", args=[dossier.code])
    assert "0912000111" not in ok["Location"]
    assert client.get(ok["Location"]).status_code == 200


def test_a_phone_in_the_query_string_is_not_used_to_look_up(client, world):
    dossier = world.received()
    response = client.get(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"}, follow=True)
    assert response.redirect_chain == [(f"{reverse('portal:track')}?ma={dossier.code}", 302)]
    assert response.status_code == 200
    assert "0912000111" not in response.content.decode() and "Vui lòng nhập" not in response.content.decode()
    assert client.get(reverse("portal:dossier", args=[dossier.code])).status_code == 404


def test_an_incomplete_submission_is_explained(client, world):
    response = client.post(reverse("portal:track"), {"ma": "H61.22.10-250310-0001", "sdt": ""})
    assert "Vui lòng nhập số điện thoại hoặc số định danh." in response.content.decode()


def test_citizen_tracks_answers_supplement_and_reads_the_appointment(client, world):
    dossier = world.received()
    officer = world.user("officer@desk")
    with at(T_RECEIVE):
        services.dossier_forward(dossier=dossier, actor=world.user("clerk@desk"), to_agency=world.desk)
    with at(T_ACT):
        services.dossier_request_supplement(dossier=fresh(dossier), actor=officer, items=["Bản sao sổ hộ khẩu"])
    client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "079203001234"})  # by ID number
    page = client.get(reverse("portal:dossier", args=[dossier.code]))
    body = page.content.decode()
    assert "Bản sao sổ hộ khẩu" in body and "Bổ sung hồ sơ" in body
    assert "13/03/2025" in body  # the appointment
    with at(T_ACT.replace(hour=14)):
        response = client.post(reverse("portal:answer", args=[dossier.code]),
                               {"note": "Đã bổ sung", "files": [upload("so-ho-khau.pdf", PDF_BYTES)]})
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert dossier.state == State.PROCESSING
    assert dossier.attachments.filter(purpose="supplement").count() == 1
    receipt = client.get(reverse("portal:form_pdf", args=[dossier.code, "01"]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"


def test_answering_without_files_is_explained(client, world):
    dossier = world.desk_supplement()
    client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"})
    response = client.post(reverse("portal:answer", args=[dossier.code]), {"note": "xin bổ sung"})
    assert response.status_code == 400 and "ít nhất một tệp" in response.content.decode()
    assert fresh(dossier).state == State.SUPPLEMENT_REQUESTED


def test_too_many_files_in_one_supplement_are_refused_with_the_limit(client, world, settings):
    settings.ONECUA = {**settings.ONECUA, "MAX_FILES_PER_SUPPLEMENT": 2}
    dossier = world.desk_supplement()
    client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"})
    files = [upload(f"trang-{i}.pdf", PDF_BYTES) for i in range(3)]
    response = client.post(reverse("portal:answer", args=[dossier.code]), {"note": "ba trang", "files": files})
    assert response.status_code == 400
    assert "tối đa 2 tệp" in response.content.decode() and "ba trang" in response.content.decode()
    assert fresh(dossier).state == State.SUPPLEMENT_REQUESTED and not dossier.attachments.exists()


def test_withdraw_needs_confirmation_then_issues_form_05(client, world):
    dossier = world.received()
    client.post(reverse("portal:track"), {"ma": dossier.code, "sdt": "0912000111"})
    url = reverse("portal:withdraw", args=[dossier.code])
    refused = client.post(url, {"reason": "Không cần nữa"})
    assert refused.status_code == 400 and "xác nhận" in refused.content.decode()
    assert fresh(dossier).state == State.RECEIVED
    with at(T_ACT):
        assert client.post(url, {"reason": "Không cần nữa", "confirm": "on"}).status_code == 302
    assert fresh(dossier).state == State.WITHDRAWN
    assert client.get(reverse("portal:form_pdf", args=[dossier.code, "05"])).status_code == 200


def test_pages_of_an_untracked_dossier_are_404(client, world):
    dossier = world.submitted()
    for name in ("dossier", "answer", "withdraw"):
        assert client.get(reverse(f"portal:{name}", args=[dossier.code])).status_code == 404


def test_my_dossiers_lists_own_and_claims_by_code_and_phone(client, world):
    anonymous = world.submitted()
    client.force_login(world.citizen)
    response = client.post(reverse("portal:mine"), {"ma": anonymous.code, "sdt": "0912000111"})
    assert response.status_code == 302
    assert fresh(anonymous).applicant_user == world.citizen
    page = client.get(reverse("portal:mine"))
    assert anonymous.code in page.content.decode()
    wrong = client.post(reverse("portal:mine"), {"ma": anonymous.code, "sdt": "0900000000"})
    assert "Không tìm thấy hồ sơ" in wrong.content.decode()


def test_register_and_sign_in_with_phone(client):
    response = client.post(reverse("accounts:register"), {
        "full_name": "Võ Thị Thu", "phone": "0987111222", "password1": "Matkhau!2026x", "password2": "Matkhau!2026x"})
    assert response.status_code == 302
    client.logout()
    assert client.login(username="0987 111 222", password="Matkhau!2026x")


def test_catalog_page_publishes_processing_reality_once_data_exists(client, world):
    url = reverse("procedures:detail", args=[world.procedure.national_code])
    with at(T_ACT):
        assert "Thời gian giải quyết thực tế" not in client.get(url).content.decode()
    world.resolved()
    with at(T_ACT):
        body = client.get(url).content.decode()
    assert "Thời gian giải quyết thực tế" in body and "Trên 1 hồ sơ" in body and "100%" in body
