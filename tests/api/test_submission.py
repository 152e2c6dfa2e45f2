"""Online submission through the API: the portal's checks and the portal's service, so the dossier is the one the
portal would have made; a refused file is explained in a problem and nothing is created."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dossiers.models import Attachment, Dossier
from tests.api.conftest import assert_problem, connect
from tests.builders import EXE_BYTES, PDF_BYTES, PNG_BYTES, T_SUBMIT, at, pdf_file, upload
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

APPLICANT = {"applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
             "applicant_phone": "0903 123 456", "applicant_email": "huong@example.vn",
             "applicant_address": "Ấp Bình Hòa, phường Một", "request_text": "Cấp 02 bản sao",
             "requested_delivery": "post"}
PNG_WITH_TAIL = PNG_BYTES + b"<html><script>alert(1)</script></html>"  # what re-encoding removes


def api_form(world, **extra):
    return {"procedure": world.procedure.national_code, "agency": world.desk.identifier, **APPLICANT,
            "document_ids": [world.form.pk, world.proxy.pk],
            "files": [upload("to-khai.pdf", PDF_BYTES), upload("uy-quyen.png", PNG_WITH_TAIL)], **extra}


def submit_on_the_portal(world) -> Dossier:
    url = reverse("portal:submit", args=[world.procedure.national_code])
    client = Client()
    review = client.post(url, {**APPLICANT, "agency": world.desk.pk,
                               f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES),
                               f"file_{world.proxy.pk}": upload("uy-quyen.png", PNG_WITH_TAIL)})
    assert review.status_code == 200, review.content.decode()[:2000]
    done = client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                       {"payload": review.context["payload"]})
    assert done.status_code == 302
    return Dossier.objects.get(code=done["Location"].rstrip("/").rsplit("/", 1)[-1])


def described(dossier: Dossier) -> dict:
    """Everything of a dossier but its code and row ids."""
    skip = {"id", "code", "created_at", "updated_at"}
    row = {f.attname: getattr(dossier, f.attname) for f in Dossier._meta.concrete_fields if f.attname not in skip}
    row["documents"] = list(dossier.documents.order_by("position").values_list("position", "name", "provided"))
    row["attachments"] = list(dossier.attachments.order_by("document__position").values_list(
        "document__position", "purpose", "original_name", "content_type", "size", "sha256", "uploaded_by"))
    row["events"] = list(dossier.events.values_list("action", "from_state", "to_state", "actor", "actor_label",
                                                    "note", "at"))
    return row


def stored_files() -> set[str]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "dossiers"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_the_api_makes_the_dossier_the_portal_makes(world):
    system = connect(world.desk)
    with at(T_SUBMIT):
        portal = submit_on_the_portal(world)
        response = system.api.post("/api/v1/dossiers/", api_form(world))
    assert response.status_code == 201, response.content
    body = response.json()
    made = Dossier.objects.get(code=body["code"])
    assert response["Location"] == f"/api/v1/dossiers/{made.code}/"
    assert described(made) == described(portal)
    assert made.channel == 2 and made.state == "submitted" and made.applicant_phone == "0903123456"
    assert made.requested_delivery == "post"
    # Files were checked: the PNG is stored re-encoded (nothing appended survives), the PDF as sent.
    png = made.attachments.get(content_type="image/png")
    assert b"<script>" not in png.file.read()
    assert body["applicant"]["name"] == "Phạm Thị Ngọc Hương" and len(body["attachments"]) == 2
    assert [(e["action"], e["to_state"]) for e in body["events"]] == [("submit", "submitted")]


def test_a_refused_file_is_explained_and_nothing_is_created(world):
    system = connect(world.desk)
    dossiers, attachments, files = Dossier.objects.count(), Attachment.objects.count(), stored_files()
    for name, content in (("to-khai.pdf", EXE_BYTES),
                          ("co-javascript.pdf", pdf_file(b"<< /Type /Catalog /OpenAction << /S /JavaScript "
                                                         b"/JS (app.alert(1)) >> >>"))):
        form = api_form(world, files=[upload("uy-quyen.png", PNG_BYTES), upload(name, content)],
                        document_ids=[world.proxy.pk, world.form.pk])
        body = assert_problem(system.api.post("/api/v1/dossiers/", form), 400, "invalid-input")
        assert name in body["detail"]
    assert (Dossier.objects.count(), Attachment.objects.count(), stored_files()) == (dossiers, attachments, files)


@pytest.mark.parametrize("change, field, words", [
    ({"document_ids": [1]}, "document_ids", "một id giấy tờ cho mỗi tệp"),
    ({"files": [], "document_ids": []}, "files", "Còn thiếu giấy tờ bắt buộc: Tờ khai cấp bản sao"),
    ({"applicant_id_number": "12345"}, "applicant_id_number", "đúng 12 chữ số"),
    ({"applicant_phone": "0123"}, "applicant_phone", "Số điện thoại không hợp lệ"),
    ({"applicant_email": "khong-phai-email"}, "applicant_email", "thư điện tử không hợp lệ"),
    ({"applicant_name": ""}, "applicant_name", "Vui lòng nhập họ và tên"),
    ({"agency": "H61.03"}, "agency", "không được tiếp nhận tại cơ quan này"),
    ({"procedure": "9.999999"}, "procedure", "Không có thủ tục trực tuyến"),
    ({"requested_delivery": "bo-cau"}, "requested_delivery", ""),
])
def test_refused_fields_are_listed_in_the_problem(world, change, field, words):
    system = connect(world.desk)
    count = Dossier.objects.count()
    body = assert_problem(system.api.post("/api/v1/dossiers/", api_form(world, **change)), 400, "validation-error")
    assert [e["field"] for e in body["errors"]] == [field]
    assert words in body["errors"][0]["detail"] and words in body["detail"]
    assert Dossier.objects.count() == count


def test_an_unknown_document_id_and_a_procedure_not_offered_online(world):
    system = connect(world.desk)
    body = assert_problem(system.api.post("/api/v1/dossiers/", api_form(world, document_ids=[world.form.pk, 999999])),
                          400, "validation-error")
    assert "999999" in body["detail"]
    offline = ProcedureFactory(online_level="none")
    offline.agencies.add(world.desk)
    assert_problem(system.api.post("/api/v1/dossiers/", api_form(world, procedure=offline.national_code)), 400,
                   "validation-error")


def test_too_many_files_are_refused_with_the_limit(world, settings):
    settings.ONECUA = {**settings.ONECUA, "MAX_FILES_PER_DOSSIER": 2}
    system = connect(world.desk)
    form = api_form(world, files=[upload(f"trang-{i}.pdf", PDF_BYTES) for i in range(3)],
                    document_ids=[world.form.pk] * 3)
    body = assert_problem(system.api.post("/api/v1/dossiers/", form), 400, "invalid-input")
    assert "tối đa 2" in body["detail"]
    assert not Dossier.objects.exists()


def test_a_json_body_without_files_is_read_and_checked_too(world):
    system = connect(world.desk)
    response = system.api.post("/api/v1/dossiers/", {k: v for k, v in api_form(world).items()
                                                      if k not in ("files", "document_ids")},
                               content_type="application/json")
    body = assert_problem(response, 400, "validation-error")
    assert body["errors"][0]["field"] == "files"
    assert_problem(system.api.post("/api/v1/dossiers/", "{khong-phai-json", content_type="application/json"), 400,
                   "bad-request")
    assert_problem(system.api.post("/api/v1/dossiers/", "x", content_type="text/plain"), 415,
                   "unsupported-media-type")
