"""A signed-in citizen downloads everything held about them (and nothing about anyone else), and asks for a
correction, which the receiving desk's clerks see and answer."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from core.errors import ActionForbidden
from dossiers.models import Dossier
from notifications.models import Notification
from privacy.models import CorrectionRequest, CorrectionStatus
from privacy.services import correction_request_create
from surveys import services as survey_services
from surveys.models import Level, Via
from tests.builders import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db

OTHER = {"applicant_name": "Hoàng Văn Người Khác", "applicant_phone": "0987654321",
         "applicant_id_number": "079999888777", "applicant_email": "nguoikhac@example.vn"}


@pytest.fixture
def data(owned):
    mine, theirs = owned
    Dossier.objects.filter(pk=theirs.pk).update(**OTHER)
    survey_services.rating_submit(dossier=mine, overall=Level.VERY_SATISFIED, convenience=Level.SATISFIED,
                                  comment="Cán bộ hướng dẫn tận tình", via=Via.LINK)
    return mine, theirs


def download(client, fmt: str):
    response = client.get(reverse("privacy:my_data_download", args=[fmt]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response


def test_the_pages_need_a_signed_in_citizen(client, data):
    for url in (reverse("privacy:my_data"), reverse("privacy:my_data_download", args=["json"]),
                reverse("privacy:correction")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert reverse("privacy:my_data") == "/tai-khoan/du-lieu-cua-toi/"


def test_the_json_holds_the_account_and_the_citizens_dossier_and_nothing_of_another(client, world, data):
    mine, theirs = data
    client.force_login(world.citizen)
    page = client.get(reverse("privacy:my_data"))
    assert page.status_code == 200 and 'id="download-json"' in page.content.decode()
    response = download(client, "json")
    assert response["Content-Type"].startswith("application/json")
    assert "attachment;" in response["Content-Disposition"]
    text = response.content.decode()
    payload = json.loads(text)
    assert payload["account"]["username"] == "congdan"
    assert payload["account"]["full_name"] == "Nguyễn Thị Công Dân"
    assert [d["code"] for d in payload["dossiers"]] == [mine.code]
    dossier = payload["dossiers"][0]
    assert dossier["applicant"]["name"] == "Trần Văn Nộp"
    assert dossier["applicant"]["id_number"] == "079203001234" and dossier["applicant"]["phone"] == "0912000111"
    assert dossier["state"] == "Đã trả kết quả"
    assert any("được tiếp nhận" in row["text"] for row in dossier["timeline"])
    assert dossier["rating"]["comment"] == "Cán bộ hướng dẫn tận tình"
    sent = Notification.objects.filter(dossier=mine, recipient_user__isnull=True)
    assert sent.exists()
    assert sorted(n["body"] for n in dossier["notifications"]) == sorted(sent.values_list("body", flat=True))
    assert [a["name"] for a in dossier["attachments"]] == ["to-khai.pdf"]
    # Nothing of the other citizen's dossier, nor the messages to staff.
    for value in (theirs.code, *OTHER.values(), "cua-nguoi-khac.png"):
        assert value not in text
    staff_bodies = Notification.objects.filter(recipient_user__isnull=False).values_list("body", flat=True)
    assert not any(body and body in text for body in staff_bodies)


def test_the_zip_holds_the_json_and_only_the_citizens_files(client, world, data):
    mine, theirs = data
    client.force_login(world.citizen)
    response = download(client, "zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    attachment = mine.attachments.get()
    assert names == ["du-lieu-cua-toi.json", f"files/{mine.code}/{attachment.pk}-to-khai.pdf"]
    assert archive.read(names[1]) == PDF_BYTES
    assert PNG_BYTES not in b"".join(archive.read(n) for n in names)
    payload = json.loads(archive.read("du-lieu-cua-toi.json"))
    assert [d["code"] for d in payload["dossiers"]] == [mine.code]
    assert payload["dossiers"][0]["attachments"][0]["file_in_zip"] == names[1]


def test_the_other_citizen_gets_only_their_own(client, world, data):
    mine, theirs = data
    other = theirs.applicant_user
    client.force_login(other)
    text = download(client, "json").content.decode()
    payload = json.loads(text)
    assert [d["code"] for d in payload["dossiers"]] == [theirs.code]
    assert mine.code not in text and "Trần Văn Nộp" not in text and "Cán bộ hướng dẫn tận tình" not in text


def test_an_unknown_format_is_404(client, world, data):
    client.force_login(world.citizen)
    assert client.get("/tai-khoan/du-lieu-cua-toi/tai-ve.xml").status_code == 404


# ---------------------------------------------------------------- correction requests
def test_a_correction_request_is_recorded_confirmed_and_seen_by_the_receiving_desk(client, world, data):
    mine, theirs = data
    client.force_login(world.citizen)
    form = client.get(reverse("privacy:correction"))
    assert form.status_code == 200 and mine.code in form.content.decode()
    assert theirs.code not in form.content.decode()
    response = client.post(reverse("privacy:correction"), {
        "dossier": mine.pk, "field": "address", "wrong_value": "Ấp Bình Hòa", "correct_value": "Ấp Bình Hòa 2"})
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get()
    assert (correction.user, correction.dossier, correction.agency, correction.field, correction.wrong_value,
            correction.correct_value, correction.status) == (
        world.citizen, mine, world.desk, "address", "Ấp Bình Hòa", "Ấp Bình Hòa 2", CorrectionStatus.OPEN)
    assert response["Location"] == reverse("privacy:correction_sent", args=[correction.pk])
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    body = confirmation.content.decode()
    assert "Đã gửi yêu cầu đính chính" in body and world.desk.name in body and "Ấp Bình Hòa 2" in body

    # Another citizen cannot read it.
    client.force_login(theirs.applicant_user)
    assert client.get(response["Location"]).status_code == 404

    # The receiving desk's clerks see it; another desk's do not.
    client.force_login(world.user("clerk@other_desk"))
    assert "Ấp Bình Hòa 2" not in client.get(reverse("privacy:corrections")).content.decode()
    assert client.post(reverse("privacy:correction_close", args=[correction.pk]),
                       {"response": "Không phải việc của tôi"}).status_code == 404
    client.force_login(world.user("clerk@desk"))
    listing = client.get(reverse("privacy:corrections"))
    assert listing.status_code == 200 and "Ấp Bình Hòa 2" in listing.content.decode()
    done = client.post(reverse("privacy:correction_close", args=[correction.pk]),
                       {"response": "Đã sửa địa chỉ trong hồ sơ"})
    assert done.status_code == 302
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.DONE and correction.handled_by == world.user("clerk@desk")

    # The citizen reads the answer.
    client.force_login(world.citizen)
    assert "Đã sửa địa chỉ trong hồ sơ" in client.get(reverse("privacy:my_data")).content.decode()


def test_an_account_correction_needs_no_dossier(client, world, data):
    client.force_login(world.citizen)
    response = client.post(reverse("privacy:correction"), {"dossier": "", "field": "name",
                                                            "correct_value": "Nguyễn Thị Công Dân B"})
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get()
    assert correction.dossier is None and correction.agency is None


def test_a_correction_about_another_citizens_dossier_is_refused(client, world, data):
    mine, theirs = data
    client.force_login(world.citizen)
    response = client.post(reverse("privacy:correction"), {
        "dossier": theirs.pk, "field": "phone", "wrong_value": "0987654321", "correct_value": "0900000000"})
    assert response.status_code == 400
    assert not CorrectionRequest.objects.exists()
    with pytest.raises(ActionForbidden):
        correction_request_create(actor=world.citizen, dossier=theirs, field="phone", wrong_value="",
                                  correct_value="0900000000")
    assert not CorrectionRequest.objects.exists()


def test_a_correction_without_the_right_value_is_explained(client, world, data):
    client.force_login(world.citizen)
    response = client.post(reverse("privacy:correction"), {"dossier": "", "field": "name", "correct_value": ""})
    assert response.status_code == 400 and "Hãy ghi thông tin đúng." in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_staff_without_a_desk_do_not_see_the_correction_list(client, world):
    client.force_login(world.user("officer@dept"))
    assert client.get(reverse("privacy:corrections")).status_code == 404
