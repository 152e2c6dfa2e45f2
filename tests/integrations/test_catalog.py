"""manage.py dvcqg_pull_catalog over real HTTP: creates and updates procedures by national code through the
catalog import, reports rejected procedures with the reason, --dry-run and --since."""

import copy
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.catalog import deadline, money, procedure_row
from integrations.dvcqg.simulator import DEMO_CATALOG
from procedures.models import Procedure
from tests.factories import FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


def pull(*args):
    out, err = StringIO(), StringIO()
    call_command("dvcqg_pull_catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def catalog(dvcqg):
    dvcqg.catalog = copy.deepcopy(DEMO_CATALOG)
    broken = copy.deepcopy(DEMO_CATALOG["1.004227"])
    broken.update(MATTHC="2.000001", TENTTHC="Thủ tục thời hạn lạ", NGAYCAPNHAT="20250320080000")
    broken["CACHTHUCTHUCHIEN"][0]["THOIGIAN"][0]["DONVITINH"] = "Tuần trăng"
    dvcqg.catalog["2.000001"] = broken
    return dvcqg.catalog


def test_the_pull_creates_and_updates_procedures_and_reports_the_rejected(catalog):
    ProcedureFactory(national_code="1.001193", name="Tên cũ", field=FieldFactory(code="HOTICH", name="Hộ tịch"),
                     deadline_amount=Decimal("3"), deadline_unit="working_days")
    out, err = pull()
    assert "tạo mới 1, cập nhật 1, từ chối 1" in out
    assert "Thủ tục 2.000001:" in err and "đơn vị thời hạn" in err
    birth = Procedure.objects.get(national_code="1.001193")
    assert birth.name == "Đăng ký khai sinh"
    assert (birth.deadline_amount, birth.deadline_unit) == (0, "same_day")
    assert [(d.name, d.mandatory, d.copy_kind) for d in birth.documents.order_by("position")] == [
        ("Tờ khai đăng ký khai sinh", True, "original"), ("Giấy chứng sinh", True, "original")]
    assert [(f.description, f.amount) for f in birth.fees.all()] == [("Miễn lệ phí đúng hạn", 0)]
    residence = Procedure.objects.get(national_code="1.004227")
    assert (residence.name, residence.level, residence.is_active) == ("Đăng ký thường trú", "commune", True)
    assert (residence.deadline_amount, residence.deadline_unit) == (7, "working_days")
    assert residence.field.name == "Đăng ký, quản lý cư trú"
    assert [(f.description, f.amount) for f in residence.fees.all()] == [("Lệ phí đăng ký cư trú", 20000)]
    assert not Procedure.objects.filter(national_code="2.000001").exists()


def test_a_second_pull_changes_nothing_and_duplicates_nothing(catalog):
    pull()
    before = list(Procedure.objects.values_list("national_code", "name", "updated_at").order_by("national_code"))
    out, _err = pull()
    assert "tạo mới 0, cập nhật 2" in out
    assert list(Procedure.objects.values_list("national_code", "name", "updated_at")
                .order_by("national_code")) == before


def test_the_portal_changing_a_procedure_updates_it(catalog):
    pull()
    catalog["1.004227"]["TENTTHC"] = "Đăng ký thường trú (sửa đổi)"
    catalog["1.004227"]["TRANGTHAI"] = 0
    pull()
    residence = Procedure.objects.get(national_code="1.004227")
    assert residence.name == "Đăng ký thường trú (sửa đổi)" and not residence.is_active


def test_dry_run_saves_nothing(catalog):
    out, _err = pull("--dry-run")
    assert "Chạy thử" in out and "sẽ tạo mới 2" in out
    assert Procedure.objects.count() == 0


def test_since_fetches_only_what_changed_on_or_after_the_date(catalog, dvcqg):
    out, _err = pull("--since", "10/03/2025")
    assert "Cổng có 3 thủ tục, 1 không đổi từ ngày đã chọn" in out
    assert list(Procedure.objects.values_list("national_code", flat=True)) == ["1.004227"]
    fetched = [c.body.get("maTTHC") for c in dvcqg.calls if c.service == "LayThuTuc"]
    assert fetched == ["1.004227", "2.000001"]


def test_a_portal_that_is_down_stops_the_pull_with_a_message(catalog, dvcqg):
    dvcqg.down = True
    with pytest.raises(CommandError, match="Không lấy được danh sách thủ tục"):
        pull()
    with pytest.raises(CommandError, match="dd/mm/yyyy"):
        pull("--since", "2025-13-45")


@pytest.mark.parametrize("transport", ["gateway", "oauth"])
def test_the_other_transports_pull_the_same_catalog(catalog, settings, transport):
    settings.DVCQG = {**settings.DVCQG, "TRANSPORT": transport, "OAUTH_CLIENT_ID": "motcua",
                      "OAUTH_CLIENT_SECRET": "motcua"}
    out, _err = pull()
    assert "tạo mới 2, cập nhật 0, từ chối 1" in out


@pytest.mark.parametrize(("text", "amount"), [
    ("không", 0), ("Miễn phí", 0), ("20.000", 20000), ("135,000 đồng", 135000), (50000, 50000),
    ("Theo quy định", None), ("", None),
])
def test_fee_amounts_are_read_defensively(text, amount):
    assert money(text) == amount


def test_documents_listed_in_only_some_cases_are_not_mandatory():
    item = {"MATTHC": "1.000001", "TENTTHC": "X", "THANHPHANHOSO": [
        {"TRUONGHOP": "A", "GIAYTO": [{"MAGIAYTO": "1", "TENGIAYTO": "Tờ khai", "SOBANCHINH": "1"},
                                      {"MAGIAYTO": "2", "TENGIAYTO": "Giấy ủy quyền", "SOBANSAO": "1"}]},
        {"TRUONGHOP": "B", "GIAYTO": [{"MAGIAYTO": "1", "TENGIAYTO": "Tờ khai", "SOBANCHINH": "1",
                                       "SOBANSAO": "1"}]}]}
    documents = procedure_row(item)["documents"]
    assert documents == [{"name": "Tờ khai", "copy_kind": "original", "count": 1, "mandatory": True},
                         {"name": "Giấy ủy quyền", "copy_kind": "copy", "count": 1, "mandatory": False}]


@pytest.mark.parametrize(("amount", "unit", "expected"), [
    ("0", "Ngày", ("0", "same_day")), ("5", "Ngày làm việc", ("5", "working_days")),
    ("15", "Ngày", ("15", "calendar_days")), ("4", "Giờ làm việc", ("4", "working_hours")),
    ("1,5", "Ngày làm việc", ("1.5", "working_days")), ("x", "Ngày", None), ("3", "Tháng", None),
])
def test_deadlines_are_read_from_the_counter_channel(amount, unit, expected):
    item = {"CACHTHUCTHUCHIEN": [
        {"KENH": "2", "THOIGIAN": [{"THOIGIANGIAIQUYET": "99", "DONVITINH": "Ngày"}]},
        {"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": amount, "DONVITINH": unit}]}]}
    found = deadline(item)
    assert (found[:2] if found else None) == expected
