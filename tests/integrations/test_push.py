"""Contract tests over real HTTP: a dossier's life produces the documented calls to the national portal (the
simulator checks every field), in order, exactly once each; outages lose nothing and keep the order."""

import json
from datetime import timedelta

import pytest

from dossiers.models import Dossier
from integrations import delivery
from integrations.models import SyncKind, SyncRow, SyncStatus
from integrations.tasks import requeue_sync_rows
from tests.builders import at, fresh
from tests.integrations.conftest import DSTCODE
from tests.integrations.walk import EXPECTED, T, submit, walk

pytestmark = pytest.mark.django_db


def accepted_calls(portal, code):
    return portal.history(code)


def test_the_walk_sends_the_documented_calls_in_order(world, run, dvcqg):
    dossier = walk(world, run)
    assert accepted_calls(dvcqg, dossier.code) == EXPECTED
    assert not [c for c in dvcqg.calls if not c.accepted], [c.reply for c in dvcqg.calls if not c.accepted]
    assert SyncRow.objects.filter(dossier=dossier).exclude(status=SyncStatus.SENT).count() == 0
    assert SyncRow.objects.filter(dossier=dossier).count() == len(EXPECTED)


def test_the_first_dossier_call_creates_and_the_later_ones_update(world, run, dvcqg):
    dossier = walk(world, run, until="forward")
    pushes = [c.body for c in dvcqg.calls if c.service == "DongBoHoSoMC"]
    assert [p["isUpdating"] for p in pushes] == ["False", "True", "True"]
    assert all(p["madonvi"] == "H61" and p["session"] for p in pushes)
    assert all(c.headers.get("dstcode") == DSTCODE for c in dvcqg.calls if c.service != "login")
    assert list(dvcqg.dossiers) == [dossier.code]


def test_the_fields_and_formats_are_the_portals(world, run, dvcqg):
    dossier = walk(world, run, until="answer")
    d = fresh(dossier)
    pushed = dvcqg.dossiers[d.code]
    assert pushed["MaHoSo"] == d.code
    assert pushed["MaTTHC"] == world.procedure.national_code
    assert pushed["TenTTHC"] == "Cấp bản sao trích lục hộ tịch"
    assert pushed["MaLinhVuc"] == world.procedure.field.code
    assert pushed["TrangThaiHoSo"] == "4"
    assert pushed["NgayTiepNhan"] == "20250310090000"  # received 09:00 10/03/2025, Vietnam time
    assert pushed["NgayNopHoSo"] == "20250310080000"
    assert pushed["NgayHenTra"] == f"{d.appointment_at.astimezone(T['submit'].tzinfo):%Y%m%d%H%M%S}"
    assert pushed["KenhThucHien"] == "2" and pushed["LoaiDoiTuong"] == "1" and pushed["HinhThuc"] == "0"
    assert pushed["DonViXuLy"] == world.dept.name
    assert pushed["ChuHoSo"] == "Trần Văn Nộp"
    supplements = pushed["DanhSachHoSoBoSung"]
    assert len(supplements) == 1 and supplements[0]["NoiDungBoSung"] == "Bản sao giấy khai sinh; Ảnh 4x6"
    assert supplements[0]["NgayBoSung"] == "20250310140000" and supplements[0]["TrangThaiBoSung"] is True
    steps = dvcqg.progress[d.code]
    supplement_step = steps[3]
    assert supplement_step["TrangThai"] == "5"
    assert supplement_step["NoiDungXuLy"] == "Yêu cầu bổ sung, hoàn thiện hồ sơ-Bản sao giấy khai sinh; Ảnh 4x6"
    assert supplement_step["NguoiXuLy"] == "Cán bộ officer@dept"
    assert supplement_step["ThoiDiemXuLy"] == "20250310140000"
    assert supplement_step["PhongBanXuLy"] == world.dept.name
    assert [s["TrangThai"] for s in steps] == ["1", "2", "4", "5", "4"]


def test_results_and_return_carry_their_dates(world, run, dvcqg):
    dossier = walk(world, run)
    pushed = dvcqg.dossiers[dossier.code]
    assert pushed["TrangThaiHoSo"] == "10"
    assert pushed["NgayTra"] == "20250312090000"
    assert pushed["NgayKetThucXuLy"] == "20250311140000"


def test_a_fee_asked_for_goes_with_status_6_and_stays_on_later_messages(world, run, dvcqg):
    from dossiers import services

    dossier = walk(world, run, until="forward")
    run(T["supplement"], services.dossier_await_payment, dossier=fresh(dossier), actor=world.user("officer@dept"),
        reason="Lệ phí trước bạ", amount=135000)
    assert dvcqg.dossiers[dossier.code]["TrangThaiHoSo"] == "6"
    fee = {"TenPhiLePhi": "Lệ phí trước bạ", "MaPhiLePhi": "NVTC", "HinhThucThu": "1", "Gia": "135000",
           "LoaiPhiLePhi": "1"}
    assert fee in dvcqg.dossiers[dossier.code]["DanhSachLePhi"]
    run(T["answer"], services.dossier_confirm_payment, dossier=fresh(dossier), actor=world.user("officer@dept"))
    assert dvcqg.dossiers[dossier.code]["TrangThaiHoSo"] == "4"
    assert fee in dvcqg.dossiers[dossier.code]["DanhSachLePhi"]


def test_nothing_is_written_while_the_sync_is_off(world, run, settings, portal):
    settings.DVCQG = {"ENABLED": False, "URL": "http://127.0.0.1:9"}
    walk(world, run, until="receive")
    assert SyncRow.objects.count() == 0 and portal.calls == []


def test_a_failed_action_writes_no_row(world, run, dvcqg):
    from core.errors import InvalidInput
    from dossiers import services

    dossier = submit(world, run)
    before = SyncRow.objects.count()
    with pytest.raises(InvalidInput):
        run(T["receive"], services.dossier_request_supplement, dossier=dossier, actor=world.user("clerk@desk"),
            items=[])
    assert SyncRow.objects.count() == before


def test_the_portal_down_for_the_whole_walk_loses_nothing_and_keeps_the_order(world, run, dvcqg):
    dvcqg.down = True
    dossier = walk(world, run)
    rows = SyncRow.objects.filter(dossier=dossier).order_by("id")
    assert rows.count() == len(EXPECTED)
    assert set(rows.values_list("status", flat=True)) == {SyncStatus.PENDING}
    assert dvcqg.accepted == []
    first = rows.first()
    assert first.attempts >= 1 and "503" in first.last_error
    # Hours pass with the portal still down: the beat's re-queue retries the head only, nothing goes out.
    for hours in (1, 3, 6):
        with at(T["return"] + timedelta(hours=hours)):
            requeue_sync_rows()
    assert dvcqg.accepted == []
    assert SyncRow.objects.get(pk=first.pk).attempts >= 4
    assert SyncRow.objects.filter(dossier=dossier, attempts__gt=0).count() == 1  # the others waited their turn
    # The portal is back: the next re-queue delivers everything, in order, each once.
    dvcqg.down = False
    with at(T["return"] + timedelta(hours=8)):
        requeue_sync_rows()
    assert accepted_calls(dvcqg, dossier.code) == EXPECTED
    assert set(SyncRow.objects.filter(dossier=dossier).values_list("status", flat=True)) == {SyncStatus.SENT}
    assert set(SyncRow.objects.filter(dossier=dossier).values_list("deliveries", flat=True)) == {1}


def test_a_connection_refused_is_retried_with_growing_back_off(world, run, settings, portal):
    settings.DVCQG = {"ENABLED": True, "URL": "http://127.0.0.1:9", "USERNAME": "motcua", "PASSWORD": "motcua",
                      "MADONVI": "H61", "RETRY_BASE_SECONDS": 30, "REQUEUE_GRACE_SECONDS": 0}
    dossier = submit(world, run)
    head = SyncRow.objects.filter(dossier=dossier).order_by("id").first()
    waits = []
    for minutes in (1, 2, 4, 8):
        with at(T["submit"] + timedelta(minutes=minutes * 10)):
            requeue_sync_rows()
        head.refresh_from_db()
        waits.append(round((head.next_attempt_at - (T["submit"] + timedelta(minutes=minutes * 10)))
                           .total_seconds()))
    assert head.status == SyncStatus.PENDING
    assert "Không kết nối được" in head.last_error
    assert waits == [60, 120, 240, 480]


def test_a_later_row_never_goes_before_an_earlier_one(world, run, dvcqg):
    dvcqg.down = True
    dossier = walk(world, run, until="receive")
    first, second, *rest = SyncRow.objects.filter(dossier=dossier).order_by("id")
    dvcqg.down = False
    SyncRow.objects.filter(pk=first.pk).update(next_attempt_at=T["return"] + timedelta(days=1))
    SyncRow.objects.filter(pk__in=[second.pk, *[r.pk for r in rest]]).update(next_attempt_at=T["submit"])
    with at(T["return"]):
        assert delivery.claim([second.pk, *[r.pk for r in rest]]) == []
        outcome = delivery.deliver_batch([r.pk for r in [second, *rest]])
    assert outcome == {"skipped": 1 + len(rest)}
    assert dvcqg.accepted == []


def test_a_lost_sent_mark_is_sent_again_as_an_update_and_the_portal_keeps_one_dossier(world, run, dvcqg):
    dossier = submit(world, run)
    row = SyncRow.objects.get(dossier=dossier, kind=SyncKind.DOSSIER)
    # The worker died after the portal took the dossier, before marking it: the lease ran out.
    SyncRow.objects.filter(pk=row.pk).update(status=SyncStatus.SENDING, claimed_at=T["submit"],
                                             claim_token="00000000-0000-0000-0000-000000000001")
    with at(T["submit"] + timedelta(hours=1)):
        requeue_sync_rows()
    row.refresh_from_db()
    assert row.status == SyncStatus.SENT and row.deliveries == 2
    assert len(dvcqg.dossiers) == 1
    creations = [c for c in dvcqg.calls if c.service == "DongBoHoSoMC"]
    assert [(c.body["isUpdating"], c.accepted) for c in creations] == [("False", True), ("False", False),
                                                                       ("True", True)]


def test_the_session_is_reused_for_ten_minutes_then_renewed(world, run, dvcqg):
    from dossiers import services

    dossier = submit(world, run)

    run(T["submit"] + timedelta(minutes=9), services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"))
    assert dvcqg.logins == 1
    run(T["submit"] + timedelta(minutes=11), services.dossier_forward, dossier=fresh(dossier),
        actor=world.user("clerk@desk"), to_agency=world.dept)
    assert dvcqg.logins == 2
    assert len(accepted_calls(dvcqg, dossier.code)) == 6


def test_a_session_the_portal_dropped_is_renewed_once(world, run, dvcqg):
    dossier = submit(world, run)
    dvcqg.sessions.clear()  # the portal restarted
    from dossiers import services

    run(T["receive"], services.dossier_receive, dossier=dossier, actor=world.user("clerk@desk"))
    assert dvcqg.logins == 2
    assert [s for s, _c in accepted_calls(dvcqg, dossier.code)] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"] * 2


def test_wrong_credentials_keep_the_rows_waiting(world, run, dvcqg, settings):
    settings.DVCQG = {**settings.DVCQG, "PASSWORD": "sai"}
    dossier = submit(world, run)
    row = SyncRow.objects.filter(dossier=dossier).order_by("id").first()
    assert row.status == SyncStatus.PENDING and "Đăng nhập Cổng DVCQG không thành công" in row.last_error


def test_the_payload_is_what_the_dossier_was_at_the_time(world, run, dvcqg):
    dvcqg.down = True
    dossier = walk(world, run)
    first = SyncRow.objects.filter(dossier=dossier, kind=SyncKind.DOSSIER).order_by("id").first()
    assert first.payload["TrangThaiHoSo"] == "1" and first.payload["NgayHenTra"] == ""
    assert json.dumps(first.payload, ensure_ascii=False)  # plain JSON, nothing lazy
    assert Dossier.objects.get(pk=dossier.pk).state == "returned"


def test_dvcqg_sync_delivers_the_backlog_by_hand_in_order(world, run, dvcqg):
    from io import StringIO

    from django.core.management import call_command

    dvcqg.down = True
    dossier = walk(world, run, until="forward")
    head = SyncRow.objects.filter(dossier=dossier).order_by("id").first()
    assert head.next_attempt_at > T["forward"]  # the forward's own attempt failed: the head waits its back-off
    dvcqg.down = False
    out = StringIO()
    with at(T["forward"] + timedelta(seconds=20)):
        call_command("dvcqg_sync", stdout=out)
    assert dvcqg.accepted == [] and "Đã gửi 0" in out.getvalue()
    assert SyncRow.objects.get(pk=head.pk).attempts == head.attempts
    with at(T["forward"] + timedelta(seconds=20)):
        call_command("dvcqg_sync", "--all", stdout=out)
    assert accepted_calls(dvcqg, dossier.code) == EXPECTED[:6]
    assert "Đã gửi 6" in out.getvalue() and "Đã gửi: 6" in out.getvalue()


def test_after_an_outage_the_dossiers_next_action_flushes_its_backlog(world, run, dvcqg):
    from dossiers import services

    dvcqg.down = True
    dossier = walk(world, run, until="receive")
    dvcqg.down = False
    # The head's back-off is over; the next action's rows bring the dossier's backlog along, in order.
    run(T["forward"], services.dossier_forward, dossier=fresh(dossier), actor=world.user("clerk@desk"),
        to_agency=world.dept)
    assert accepted_calls(dvcqg, dossier.code) == EXPECTED[:6]


def test_rows_sent_long_ago_are_deleted_and_a_later_action_still_updates(world, run, dvcqg):
    from dossiers import services

    dossier = walk(world, run, until="receive")
    with at(T["receive"] + timedelta(days=29)):
        requeue_sync_rows()
    assert SyncRow.objects.filter(dossier=dossier).count() == 4
    with at(T["receive"] + timedelta(days=31)):
        requeue_sync_rows()
    assert SyncRow.objects.filter(dossier=dossier).count() == 0
    run(T["receive"] + timedelta(days=31), services.dossier_forward, dossier=fresh(dossier),
        actor=world.user("clerk@desk"), to_agency=world.dept)
    assert accepted_calls(dvcqg, dossier.code) == EXPECTED[:6]
    assert len(dvcqg.dossiers) == 1
