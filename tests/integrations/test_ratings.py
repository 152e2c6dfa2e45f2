"""The monthly ratings summary (DongBoDanhGia): surveys hands the month's figures down through the provider it
registers (integrations sits below surveys), one sync row per desk and month goes through the outbox, and the
simulator — over real HTTP, on each transport — checks every field and keeps what it accepted."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from dossiers.models import Dossier
from integrations import ratings
from integrations.dvcqg.simulator_checks import check_rating
from integrations.dvcqg.transport import get_transport
from integrations.models import SyncKind, SyncRow, SyncStatus
from integrations.tasks import push_monthly_ratings, requeue_sync_rows
from surveys.models import Level, Via
from surveys.services import rating_submit
from tests.builders import at, vn

pytestmark = pytest.mark.django_db

VERY, OK, NOT = Level.VERY_SATISFIED, Level.SATISFIED, Level.NOT_SATISFIED
AFTER_OCTOBER = vn(2026, 11, 3, 9)


def rate(world, moment, overall, convenience, *, other_desk=False):
    dossier = world.returned()
    if other_desk:  # the builders walk a dossier at the first desk; only its receiving desk matters here
        Dossier.objects.filter(pk=dossier.pk).update(receiving_agency=world.other_desk)
    with at(moment):
        return rating_submit(dossier=dossier, overall=overall, convenience=convenience, via=Via.LINK)


@pytest.fixture
def october(world):
    """Three ratings at the desk and one at the other desk in October 2026 (Vietnam time); one each side of the
    month's edges, which do not count."""
    rate(world, vn(2026, 10, 1, 0, 5), VERY, VERY)
    rate(world, vn(2026, 10, 15, 10), VERY, OK)
    rate(world, vn(2026, 10, 31, 23, 50), NOT, OK)
    rate(world, vn(2026, 10, 20, 9), OK, NOT, other_desk=True)
    rate(world, vn(2026, 9, 30, 23, 55), NOT, NOT)
    rate(world, vn(2026, 11, 1, 0, 10), NOT, NOT)
    return world


def push(run, month="2026-10", moment=AFTER_OCTOBER) -> str:
    out = StringIO()
    run(moment, call_command, command_name="dvcqg_push_ratings", month=month, stdout=out)
    return out.getvalue()


@pytest.fixture
def run_command(run):
    def _run(moment, fn, command_name, **kwargs):
        return run(moment, lambda: fn(command_name, **kwargs))
    return _run


def test_the_month_goes_to_the_portal_one_item_per_desk(october, run_command, dvcqg):
    world = october
    out = push(run_command)
    assert "2 bản tin mới" in out
    rows = list(SyncRow.objects.filter(kind=SyncKind.RATING).order_by("agency__identifier"))
    assert [(r.agency_id, r.period.isoformat(), r.status, r.dossier_id) for r in rows] == [
        (world.desk.pk, "2026-10-01", SyncStatus.SENT, None), (world.other_desk.pk, "2026-10-01", SyncStatus.SENT, None)]
    calls = [c for c in dvcqg.calls if c.service == "DongBoDanhGia"]
    assert len(calls) == 2 and all(c.accepted and c.body["madonvi"] == "H61" and c.body["session"] for c in calls)
    desk = dvcqg.ratings[(world.desk.identifier, "10-2026", ratings.SUBJECT)]
    assert desk == {
        "NgayTongHop": "10-2026", "TongSoNguoiDanhGia": "3",
        # overall: 2 very satisfied, 0 satisfied, 1 not satisfied; convenience: 1, 2, 0
        "PhanTramDanhGiaRatHaiLong": "67%", "PhanTramDanhGiaHaiLong": "0%", "PhanTramDanhGiaChuaHaiLong": "33%",
        "PhanTramDanhGiaDichVuRatHaiLong": "33%", "PhanTramDanhGiaDichVuHaiLong": "67%",
        "PhanTramDanhGiaDichVuChuaHaiLong": "0%",
        "DanhSachNoiDungYKien": "", "MaThuTuc": "", "NoiDung": ratings.SUBJECT,
        "Madonvi": world.desk.identifier, "TenDonVi": world.desk.name}
    other = dvcqg.ratings[(world.other_desk.identifier, "10-2026", ratings.SUBJECT)]
    assert (other["TongSoNguoiDanhGia"], other["PhanTramDanhGiaHaiLong"], other["PhanTramDanhGiaDichVuChuaHaiLong"]) \
        == ("1", "100%", "100%")


def test_pushing_a_month_again_writes_and_sends_nothing_new(october, run_command, dvcqg):
    push(run_command)
    again = push(run_command, moment=AFTER_OCTOBER + timedelta(days=1))
    assert "0 bản tin mới" in again and "2 bản tin đã có" in again
    assert SyncRow.objects.filter(kind=SyncKind.RATING).count() == 2
    assert set(dvcqg.rating_deliveries.values()) == {1}
    with pytest.raises(Exception):  # noqa: B017,PT011 - the database itself refuses a second row
        SyncRow.objects.create(kind=SyncKind.RATING, agency=october.desk, period=ratings.previous_month(
            AFTER_OCTOBER.date()), action=ratings.RATING_ACTION, payload=[])


def test_the_beat_task_pushes_the_previous_month_by_default(october, run, dvcqg):
    result = run(vn(2026, 11, 1, 0, 30), push_monthly_ratings)
    assert result == {"month": "2026-10", "enabled": True, "provider": True, "created": 2, "refreshed": 0,
                      "unchanged": 0}
    assert len(dvcqg.ratings) == 2
    # In January, December of the year before.
    assert ratings.previous_month(vn(2027, 1, 10).date()).isoformat() == "2026-12-01"


def test_a_row_not_sent_yet_gets_the_current_figures(october, run_command, dvcqg):
    dvcqg.down = True
    push(run_command)
    assert set(SyncRow.objects.filter(kind=SyncKind.RATING).values_list("status", flat=True)) == {SyncStatus.PENDING}
    row = SyncRow.objects.get(kind=SyncKind.RATING, agency=october.desk)
    SyncRow.objects.filter(pk=row.pk).update(payload=[])  # as if written before the last ratings came in
    dvcqg.down = False
    out = push(run_command, moment=AFTER_OCTOBER + timedelta(hours=2))  # after the back-off
    assert "1 bản tin cập nhật" in out
    assert dvcqg.ratings[(october.desk.identifier, "10-2026", ratings.SUBJECT)]["TongSoNguoiDanhGia"] == "3"


def test_the_portal_down_loses_nothing(october, run_command, run, dvcqg):
    dvcqg.down = True
    push(run_command)
    rows = SyncRow.objects.filter(kind=SyncKind.RATING)
    assert set(rows.values_list("status", flat=True)) == {SyncStatus.PENDING}
    assert sorted(r.attempts for r in rows) == [0, 1]  # the batch stopped at the first failure
    assert "503" in rows.get(attempts=1).last_error
    assert dvcqg.ratings == {}
    dvcqg.down = False
    run(AFTER_OCTOBER + timedelta(hours=3), requeue_sync_rows)
    assert set(rows.values_list("status", flat=True)) == {SyncStatus.SENT}
    assert len(dvcqg.ratings) == 2


def test_a_refused_summary_is_parked_shown_and_sent_again_from_the_page(
        october, run_command, dvcqg, client, django_capture_on_commit_callbacks):
    dvcqg.reject_next(1, "Đơn vị chưa được khai báo trên Cổng")
    push(run_command)
    parked = SyncRow.objects.get(kind=SyncKind.RATING, status=SyncStatus.REJECTED)
    assert "chưa được khai báo" in parked.portal_message
    client.force_login(october.user("clerk@desk" if parked.agency_id == october.desk.pk else "clerk@other_desk"))
    page = client.get("/can-bo/dong-bo-dvcqg/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Đánh giá tháng 10/2026" in html and "Đánh giá hằng tháng (DongBoDanhGia)" in html
    with at(AFTER_OCTOBER + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:retry", args=[parked.pk]), follow=True)
    assert "đánh giá tháng 10/2026" in response.content.decode()
    parked.refresh_from_db()
    assert parked.status == SyncStatus.SENT and len(dvcqg.ratings) == 2


@pytest.mark.parametrize("variant", ["gateway", "oauth"])
def test_the_other_transports_carry_the_summary(october, run_command, dvcqg, settings, variant):
    settings.DVCQG = {**settings.DVCQG, "TRANSPORT": variant, "OAUTH_CLIENT_ID": "motcua",
                      "OAUTH_CLIENT_SECRET": "motcua"}
    push(run_command)
    calls = [c for c in dvcqg.calls if c.service == "DongBoDanhGia"]
    assert [c.transport for c in calls] == [variant, variant] and all(c.accepted for c in calls)
    assert all(isinstance(c.body, list) and "session" not in c.body[0] for c in calls)
    assert len(dvcqg.ratings) == 2


def test_the_simulator_refuses_a_summary_that_breaks_the_rules(dvcqg):
    item = {"NgayTongHop": "10-2026", "TongSoNguoiDanhGia": "3", "PhanTramDanhGiaRatHaiLong": "67%",
            "PhanTramDanhGiaHaiLong": "0%", "PhanTramDanhGiaChuaHaiLong": "33%",
            "PhanTramDanhGiaDichVuRatHaiLong": "50%", "PhanTramDanhGiaDichVuHaiLong": "50%",
            "PhanTramDanhGiaDichVuChuaHaiLong": "0%", "DanhSachNoiDungYKien": "", "MaThuTuc": "",
            "NoiDung": ratings.SUBJECT, "Madonvi": "H61.22.10", "TenDonVi": "Trung tâm"}
    assert check_rating(item) == []
    assert get_transport().push_ratings([item]).ok
    reply = get_transport().push_ratings([{**item, "NgayTongHop": "2026-10", "PhanTramDanhGiaHaiLong": "10%"}])
    assert not reply.ok and "M-YYYY" in reply.message and "100%" in reply.message
    reply = get_transport().push_ratings([{**item, "TongSoNguoiDanhGia": 3}])
    assert not reply.ok and "TongSoNguoiDanhGia phải là chuỗi" in reply.message
    assert not get_transport().push_ratings([]).ok


@pytest.mark.parametrize(("counts", "expected"), [
    ((1, 1, 1), ("33%", "33%", "34%")), ((2, 0, 1), ("67%", "0%", "33%")), ((1, 1, 0), ("50%", "50%", "0%")),
    ((0, 0, 5), ("0%", "0%", "100%")), ((199, 1, 0), ("100%", "0%", "0%")), ((1, 199, 0), ("0%", "100%", "0%")),
])
def test_the_percents_are_whole_and_add_up_to_100(counts, expected):
    assert ratings.percents(counts) == expected
    assert sum(int(p[:-1]) for p in expected) == 100


def test_the_command_refuses_bad_months_and_says_when_the_sync_is_off(october, run_command, dvcqg, settings):
    for month, message in [("2026-13", "Tháng không hợp lệ"), ("10/2026", "Tháng không hợp lệ"),
                           ("2026-11", "chưa kết thúc"), ("2027-01", "chưa kết thúc")]:
        with pytest.raises(CommandError, match=message):
            push(run_command, month=month)
    settings.DVCQG = {**settings.DVCQG, "ENABLED": False}
    with pytest.raises(CommandError, match="đang tắt"):
        push(run_command)
    assert not SyncRow.objects.filter(kind=SyncKind.RATING).exists()
    assert dvcqg.ratings == {}


def test_a_month_without_ratings_sends_nothing(world, run_command, dvcqg):
    assert "0 bản tin mới" in push(run_command)
    assert not SyncRow.objects.filter(kind=SyncKind.RATING).exists() and dvcqg.ratings == {}


def test_sent_summaries_outlive_the_purge_so_a_month_goes_once(october, run_command, dvcqg, settings):
    """purge_sent deletes delivered dossier rows after KEEP_SENT_DAYS (personal data), never the monthly rows:
    they hold none, and they are what keeps a month from being pushed twice."""
    from integrations.delivery import purge_sent

    settings.DVCQG = {**settings.DVCQG, "KEEP_SENT_DAYS": 1}
    push(run_command)
    sent = SyncRow.objects.filter(kind=SyncKind.RATING, status=SyncStatus.SENT)
    assert sent.count() == 2
    SyncRow.objects.filter(kind=SyncKind.RATING).update(sent_at=AFTER_OCTOBER - timedelta(days=30))
    with at(AFTER_OCTOBER + timedelta(days=2)):
        purge_sent()
    assert sent.count() == 2
    again = push(run_command, moment=AFTER_OCTOBER + timedelta(days=2))
    assert "0 bản tin mới" in again
    assert set(dvcqg.rating_deliveries.values()) == {1}
