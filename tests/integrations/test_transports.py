"""The province gateway and the OAuth variant carry the same dossier to the simulator; the simulator itself
refuses what the portal would refuse, with the portal's error shape; formats and limits of the payloads."""

import json
import urllib.request
from datetime import timedelta

import pytest

from dossiers import services
from integrations.dvcqg.payloads import portal_time, progress_object
from integrations.dvcqg.simulator import Simulator, start
from integrations.dvcqg.simulator_checks import check_dossier
from integrations.models import SyncRow, SyncStatus
from tests.builders import fresh, last_event
from tests.integrations.walk import EXPECTED, T, submit, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings, dvcqg):
    settings.DVCQG = {**settings.DVCQG, "TRANSPORT": "gateway"}
    return dvcqg


@pytest.fixture
def oauth(settings, dvcqg):
    settings.DVCQG = {**settings.DVCQG, "TRANSPORT": "oauth", "OAUTH_CLIENT_ID": "motcua",
                      "OAUTH_CLIENT_SECRET": "motcua"}
    return dvcqg


def test_the_gateway_carries_the_whole_walk_in_order(world, run, gateway):
    dossier = walk(world, run)
    assert gateway.history(dossier.code) == [
        ({"DongBoHoSoMC": "ThemMoi" if n == 0 else "CapNhat", "CapNhatTienDoHoSoMC": "DongBoTienTrinh"}[s], c)
        for n, (s, c) in enumerate(EXPECTED)]
    assert {c.transport for c in gateway.calls} == {"gateway"}
    assert all(isinstance(c.body, list) and len(c.body) == 1 for c in gateway.calls)
    assert "session" not in json.dumps([c.body for c in gateway.calls])
    assert gateway.logins == 0


def test_the_gateways_already_exists_answer_turns_a_creation_into_an_update(world, run, gateway):
    dossier = submit(world, run)
    row = SyncRow.objects.filter(dossier=dossier).order_by("id").first()
    SyncRow.objects.filter(pk=row.pk).update(status=SyncStatus.PENDING, next_attempt_at=T["submit"])
    from integrations import delivery

    run(T["receive"], delivery.deliver_batch, row_ids=[row.pk])
    assert [c.service for c in gateway.calls[-2:]] == ["ThemMoi", "CapNhat"]
    assert SyncRow.objects.get(pk=row.pk).deliveries == 2


def test_oauth_reuses_its_token_and_sends_iso_progress(world, run, oauth):
    oauth.token_ttl = 2 * 3600
    dossier = walk(world, run, until="forward")
    names = {"DongBoHoSoMC": "CapNhatTrangThai", "CapNhatTienDoHoSoMC": "CapNhatTienTrinh"}
    expected = [("NoiHoSo" if n == 0 else names[s], c) for n, (s, c) in enumerate(EXPECTED)]
    assert oauth.history(dossier.code) == expected[:6]
    assert oauth.logins == 1
    progress = oauth.progress[dossier.code][0]
    assert progress["ThoiDiemXuLy"] == "2025-03-10T08:00:00.000" and progress["TrangThai"] == 1
    assert all(c.headers["authorization"].startswith("Bearer ") for c in oauth.calls)
    # The token (two hours, kept until 30 s before it ends) has expired an hour later: a new one is fetched.
    run(T["forward"] + timedelta(hours=1), services.dossier_request_supplement, dossier=fresh(dossier),
        actor=world.user("officer@dept"), items=["Ảnh"])
    assert oauth.logins == 2 and oauth.history(dossier.code) == expected[:8]


def test_a_server_error_is_retried_not_parked(world, run, dvcqg):
    dvcqg.fail_next(1)
    dossier = submit(world, run)
    head = SyncRow.objects.filter(dossier=dossier).order_by("id").first()
    assert head.status == SyncStatus.PENDING and "HTTP 500" in head.last_error


# ---------------------------------------------------------------- the simulator's own rules
def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_the_simulator_refuses_a_malformed_dossier_with_the_portals_error_shape():
    running = start(Simulator())
    try:
        _status, login = post(running.url + "/auth", {"username": "motcua", "password": "motcua"})
        bad = {"MaHoSo": "X-1", "MaTTHC": "abc", "TenTTHC": "T", "MaLinhVuc": "L", "TenLinhVuc": "L",
               "LoaiDoiTuong": "9", "TrichYeuHoSo": "T", "NgayTiepNhan": "10/03/2025", "NgayHenTra": "",
               "TrangThaiHoSo": 4, "HinhThuc": "0"}
        status, reply = post(running.url + "/integration", {"session": login["session"], "madonvi": "H61",
                                                            "service": "DongBoHoSoMC", "isUpdating": "False",
                                                            "data": [bad]})
        assert status == 200 and reply["error_code"] == "-1"
        for problem in ("MaTTHC không hợp lệ", "LoaiDoiTuong không hợp lệ", "NgayTiepNhan sai định dạng",
                        "TrangThaiHoSo phải là chuỗi", "thiếu trường DonViXuLy"):
            assert problem in reply["message"], reply["message"]
        status, reply = post(running.url + "/integration", {"session": login["session"], "madonvi": "H61",
                                                            "service": "CapNhatTienDoHoSoMC", "data": [{
                                                                "MaHoSo": "X-1", "NguoiXuLy": "A",
                                                                "ThoiDiemXuLy": "20250310080000",
                                                                "NoiDungXuLy": "B", "TrangThai": "2"}]})
        assert reply["error_code"] == "-1" and "chưa được đồng bộ" in reply["message"]
        assert running.simulator.accepted == []
    finally:
        running.stop()


def test_portal_time_is_vietnam_time_to_the_second(world):
    assert portal_time(T["receive"]) == "20250310090000"
    assert portal_time(T["receive"].astimezone(tz=None).replace(microsecond=999999)) == "20250310090000"
    assert portal_time(None) == ""


def test_long_values_are_cut_to_the_portals_limits(world, run, dvcqg):
    dossier = run(T["submit"], world.submitted, at_time=T["submit"])
    from dossiers.models import Dossier

    Dossier.objects.filter(pk=dossier.pk).update(request_text="Nội dung " * 300)
    world.user("clerk@desk").full_name = "Nguyễn Văn Một Cái Tên Rất Dài Của Cán Bộ Một Cửa Phường"
    world.user("clerk@desk").save()
    d = run(T["receive"], services.dossier_receive, dossier=fresh(dossier), actor=world.user("clerk@desk"))
    step = progress_object(d, last_event(d), status="2")
    assert step["NguoiXuLy"] == "Nguyễn Văn Một Cái Tên Rất Dài Của Cán Bộ Một Cửa Phường"[:46] + "..."
    pushed = dvcqg.dossiers[d.code]
    assert len(pushed["TrichYeuHoSo"]) == 998 and pushed["TrichYeuHoSo"].endswith("...")
    assert not check_dossier(pushed)
    assert dvcqg.history(d.code) == EXPECTED[:4]
