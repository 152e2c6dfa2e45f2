"""Dossiers the national portal sends us: they enter the lifecycle as online submissions, once per portal code,
and their status changes go back as DongBoTrangThaiHoSo under the portal's code."""

import base64

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Channel, Dossier, State
from integrations.models import InboundDossier, SyncKind, SyncRow
from tests.builders import PDF_BYTES, fresh
from tests.integrations.walk import T

pytestmark = pytest.mark.django_db
AUTH = {"HTTP_AUTHORIZATION": "Bearer bi-mat-cua-cong"}


def payload(world, **changes):
    data = {
        "MaHoSo": "G22.99-250310-0001", "MaTTHC": world.procedure.national_code, "MaSoThue": "0312345678",
        "TenThuongNhan": "Công ty TNHH Thử Nghiệm", "MaDoiTuong": "TECH-123",
        "DiaChiDoanhNghiep": {"MaTinh": "H61", "DiaChiChiTiet": "12 Đường Một"}, "DienThoai": "0281234567",
        "Email": "lienhe@thunghiem.vn", "NguoiLienHe": "Nguyễn Liên Hệ", "SoDienThoaiNguoiLienHe": "0912345678",
        "TenChuongTrinhKhuyenMai": "Khuyến mại mùa hè", "NgayNopHoSo": "20250310080000",
        "TenTepDonDangKy": "don.pdf", "TepDonDangKy": base64.b64encode(PDF_BYTES).decode(),
    }
    data.update(changes)
    return data


def post(client, data, url="integrations:inbound", **extra):
    return client.post(reverse(url), data=data, content_type="application/json", **{**AUTH, **extra})


def test_an_inbound_dossier_enters_as_an_online_submission_once(world, dvcqg, client):
    response = post(client, payload(world))
    assert response.status_code == 200
    answer = response.json()
    assert answer["error_code"] == 0
    dossier = Dossier.objects.get(code=answer["MaHoSoDonVi"])
    assert (dossier.state, dossier.channel, dossier.receiving_agency) == (State.SUBMITTED, Channel.ONLINE, world.desk)
    assert dossier.applicant_is_organisation and dossier.applicant_id_number == "0312345678"
    assert dossier.attachments.count() == 1
    assert InboundDossier.objects.get(national_code="G22.99-250310-0001").dossier == dossier
    assert SyncRow.objects.filter(dossier=dossier).count() == 0  # the portal made it: no DongBoHoSoMC
    again = post(client, payload(world)).json()
    assert again["error_code"] == 1 and "đã tồn tại" in again["message"]
    assert Dossier.objects.count() == 1


def test_its_status_changes_go_back_under_the_portals_code(world, dvcqg, client, run):
    post(client, payload(world))
    dossier = Dossier.objects.get()
    run(T["receive"], services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"),
        provided_document_ids=list(dossier.documents.values_list("pk", flat=True)))
    rows = SyncRow.objects.filter(dossier=dossier)
    assert [r.kind for r in rows] == [SyncKind.STATUS]
    status = dvcqg.statuses["G22.99-250310-0001"][0]
    assert status["MaHoSoDonVi"] == dossier.code and status["TrangThai"] == "2"
    assert status["MaDoiTuong"] == "TECH-123" and status["NgayXuLy"] == "20250310090000"
    assert [c.body.get("type") for c in dvcqg.calls if c.service == "DongBoTrangThaiHoSo"] == ["2"]
    assert "DongBoHoSoMC" not in {c.service for c in dvcqg.calls}


@pytest.mark.parametrize(("changes", "reason"), [
    ({"MaSoThue": ""}, "Thiếu trường bắt buộc: MaSoThue"),
    ({"MaTTHC": "9.999999"}, "Không có thủ tục 9.999999"),
    ({"TepDonDangKy": "không phải base64!"}, "không giải mã được"),
    ({"TaiLieuNop": [{"TenTepDinhKem": "a.exe", "Base64": base64.b64encode(b"MZ" + b"\0" * 64).decode()}]}, "a.exe"),
])
def test_a_bad_inbound_dossier_is_refused_with_the_reason(world, dvcqg, client, changes, reason):
    answer = post(client, payload(world, **changes)).json()
    assert answer["error_code"] == -1 and reason in answer["message"], answer
    assert Dossier.objects.count() == 0 and InboundDossier.objects.count() == 0


def test_the_portal_must_present_its_token(world, dvcqg, client, settings):
    assert post(client, payload(world), HTTP_AUTHORIZATION="Bearer sai").status_code == 401
    assert post(client, payload(world), HTTP_AUTHORIZATION="").status_code == 401
    bad = client.post(reverse("integrations:inbound"), data=b"{not json", content_type="application/json", **AUTH)
    assert bad.status_code == 400
    assert client.get(reverse("integrations:inbound"), **AUTH).status_code == 405
    settings.DVCQG = {**settings.DVCQG, "INBOUND_TOKEN": ""}
    assert post(client, payload(world)).status_code == 404
    assert Dossier.objects.count() == 0


def test_the_portal_can_ask_about_one_of_our_dossiers(world, dvcqg, client, run):
    dossier = run(T["submit"], world.submitted, at_time=T["submit"])
    answer = post(client, {"madonvi": "H61", "service": "TraCuuHoSo", "masohoso": dossier.code},
                  url="integrations:lookup").json()
    assert answer["MaHoSo"] == dossier.code and answer["TrangThaiHoSo"] == "1"
    assert answer["DonViXuLy"] == world.desk.name
    missing = post(client, {"masohoso": "KHONG-CO"}, url="integrations:lookup").json()
    assert missing["error_code"] == "-1"
    assert fresh(dossier)


def test_inbound_dossiers_are_linked_even_while_the_push_is_off(world, client, settings):
    settings.DVCQG = {"ENABLED": False, "INBOUND_TOKEN": "bi-mat-cua-cong"}
    assert post(client, payload(world)).json()["error_code"] == 0
    assert post(client, payload(world)).json()["error_code"] == 1
    assert Dossier.objects.count() == 1 and InboundDossier.objects.count() == 1
