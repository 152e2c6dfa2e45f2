"""Catalog import/export: the import_procedures and export_procedures commands, their parsing and service."""

import json
import os
import subprocess
import sys
from datetime import date, time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from procedures.catalog_io import catalog_parse_csv
from procedures.models import (
    DeadlineUnit,
    DocumentCopyKind,
    Field,
    Procedure,
    ProcedureFee,
    RequiredDocument,
    ResultType,
)
from procedures.services import catalog_import
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, RequiredDocumentFactory

DATA = Path(__file__).parent / "data"
HEADER = "national_code,name,field_code,field_name,level,deadline_amount,deadline_unit"


@pytest.fixture
def agencies(db):
    return {
        identifier: AgencyFactory(
            identifier=identifier, name=f"Trung tâm Phục vụ hành chính công {identifier}"
        )
        for identifier in ("H61.22.10", "H61.22.11")
    }


def run(command: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Procedure.objects.count(),
        RequiredDocument.objects.count(),
        ProcedureFee.objects.count(),
        Procedure.agencies.through.objects.count(),
    )


def documents(code: str) -> list[tuple]:
    return list(
        RequiredDocument.objects.filter(procedure__national_code=code)
        .order_by("position")
        .values_list("position", "name", "copy_kind", "count", "mandatory")
    )


def agency_ids(code: str) -> list[str]:
    return sorted(Procedure.objects.get(national_code=code).agencies.values_list("identifier", flat=True))


# CSV import


@pytest.mark.django_db
def test_csv_import_creates_the_catalog(agencies):
    out, err = run("import_procedures", DATA / "catalog.csv")

    assert "Đã nhập: tạo mới 3, cập nhật 0, từ chối 0 dòng." in out
    assert err == ""
    birth = Procedure.objects.get(national_code="1.001193")
    assert birth.name == "Đăng ký khai sinh"
    assert (birth.field.code, birth.field.name) == ("HOTICH", "Hộ tịch")
    assert (birth.deadline_amount, birth.deadline_unit) == (0, DeadlineUnit.SAME_DAY)
    assert birth.cutoff_time == time(15, 0)
    assert birth.result_type == ResultType.BOTH
    assert birth.effective_from == date(2025, 7, 1)  # written 01/07/2025
    assert birth.is_active is True  # "có"
    assert documents("1.001193") == [
        (1, "Tờ khai đăng ký khai sinh", "original", 1, True),
        (2, "Giấy chứng sinh", "original", 1, True),  # count and mandatory left out: 1, bắt buộc
        (3, "Văn bản ủy quyền (nếu có)", "either", 1, False),
    ]
    assert list(birth.fees.values_list("description", "amount")) == [("Lệ phí đăng ký khai sinh đúng hạn", 0)]
    assert agency_ids("1.001193") == ["H61.22.10", "H61.22.11"]

    copy = Procedure.objects.get(national_code="2.000815")
    assert copy.field.name == "Chứng thực"
    assert copy.effective_from == date(2025, 7, 1)  # written 2025-07-01
    assert list(copy.fees.order_by("id").values_list("amount", flat=True)) == [2000, 1000]
    assert agency_ids("2.000815") == ["H61.22.10", "H61.22.11"]  # separated by a space

    status = Procedure.objects.get(national_code="1.004873")
    assert status.field == birth.field  # field_name left empty: the existing field, unchanged
    assert (status.deadline_amount, status.deadline_unit) == (3, DeadlineUnit.WORKING_DAYS)
    assert status.is_active is False  # "không"
    assert status.cutoff_time is None
    assert list(status.fees.values_list("amount", flat=True)) == [None]  # "description |": no fixed amount


@pytest.mark.django_db
def test_reimporting_the_same_csv_changes_nothing(agencies):
    run("import_procedures", DATA / "catalog.csv")
    before = counts()
    document_ids = sorted(RequiredDocument.objects.values_list("id", flat=True))

    out, _err = run("import_procedures", DATA / "catalog.csv")

    assert "tạo mới 0, cập nhật 3, từ chối 0 dòng" in out
    assert counts() == before == (3, 6, 4, 5)
    # Documents are updated in place, so whatever points at them keeps pointing at the same rows.
    assert sorted(RequiredDocument.objects.values_list("id", flat=True)) == document_ids
    assert Field.objects.count() == 2


@pytest.mark.django_db
def test_reimporting_a_changed_csv_updates_in_place(agencies):
    run("import_procedures", DATA / "catalog.csv")

    out, _err = run("import_procedures", DATA / "catalog_updated.csv")

    assert "tạo mới 0, cập nhật 3, từ chối 0 dòng" in out
    assert Procedure.objects.count() == 3
    assert Procedure.objects.get(national_code="1.001193").name == "Đăng ký khai sinh (cập nhật)"
    assert documents("1.001193") == [
        (1, "Tờ khai đăng ký khai sinh", "original", 1, True),
        (2, "Giấy chứng sinh", "certified_copy", 2, True),
    ]
    assert agency_ids("1.001193") == ["H61.22.11"]
    copy = Procedure.objects.get(national_code="2.000815")
    assert (copy.deadline_amount, copy.deadline_unit) == (4, DeadlineUnit.WORKING_HOURS)
    assert list(copy.fees.values_list("description", "amount")) == [("Phí chứng thực", 3000)]
    assert counts() == (3, 5, 3, 4)


@pytest.mark.django_db
def test_columns_left_out_leave_documents_fees_and_agencies_alone(agencies, tmp_path):
    run("import_procedures", DATA / "catalog.csv")
    path = write(
        tmp_path, "names.csv", f"{HEADER}\n1.001193,Đăng ký khai sinh mới,HOTICH,,commune,0,same_day\n"
    )

    run("import_procedures", path)

    birth = Procedure.objects.get(national_code="1.001193")
    assert birth.name == "Đăng ký khai sinh mới"
    assert len(documents("1.001193")) == 3
    assert birth.fees.count() == 1
    assert agency_ids("1.001193") == ["H61.22.10", "H61.22.11"]
    assert birth.cutoff_time == time(15, 0)  # no cutoff_time column either


@pytest.mark.django_db
def test_empty_cells_clear_documents_fees_and_agencies(agencies, tmp_path):
    run("import_procedures", DATA / "catalog.csv")
    path = write(
        tmp_path,
        "cleared.csv",
        f"{HEADER},cutoff_time,documents,fees,agencies\n1.001193,Đăng ký khai sinh,HOTICH,,commune,0,same_day,,,,\n",
    )

    run("import_procedures", path)

    birth = Procedure.objects.get(national_code="1.001193")
    assert (documents("1.001193"), birth.fees.count(), agency_ids("1.001193")) == ([], 0, [])
    assert birth.cutoff_time is None


@pytest.mark.django_db
def test_rejected_rows_are_reported_by_physical_line_and_the_others_imported(agencies):
    out, err = run("import_procedures", DATA / "catalog_with_errors.csv")

    # Line 2's record spans lines 2–3 (a newline inside the documents cell), so the bad code is on line 4.
    assert err.splitlines() == [
        "Dòng 4: mã thủ tục “1.00X” không hợp lệ: dạng d.dddddd, có thể thêm hậu tố (ví dụ 1.001193).",
        "Dòng 5: đơn vị thời hạn: “tuan” không hợp lệ; dùng một trong các giá trị: "
        "working_hours, working_days, calendar_days, same_day.",
        "Dòng 6: thời hạn giải quyết: thời hạn “trong ngày” phải có số lượng bằng 0.",
        "Dòng 7: nơi tiếp nhận: không có cơ quan mang mã định danh “H61.99”.",
        "Dòng 8: thành phần hồ sơ thứ 2, số lượng: phải là số nguyên.",
    ]
    assert "Đã nhập: tạo mới 2, cập nhật 0, từ chối 5 dòng." in out
    assert sorted(Procedure.objects.values_list("national_code", flat=True)) == ["1.000001", "1.000007"]
    assert len(documents("1.000001")) == 2
    assert documents("1.000007") == [(1, "Đơn đề nghị", "original", 1, True)]
    assert RequiredDocument.objects.count() == 3  # nothing from the rejected row 8


@pytest.mark.django_db
def test_catalog_parse_csv_numbers_records_by_their_first_physical_line():
    text = (DATA / "catalog_with_errors.csv").read_text(encoding="utf-8")
    # A blank line is skipped but still counted.
    text = text.replace("\n1.000007", "\n\n1.000007")

    rows = catalog_parse_csv(text)

    assert [(line, data["national_code"]) for line, data in rows] == [
        (2, "1.000001"),
        (4, "1.00X"),
        (5, "1.000003"),
        (6, "1.000004"),
        (7, "1.000005"),
        (8, "1.000006"),
        (11, "1.000007"),
    ]
    assert rows[0][1]["documents"] == [
        {"name": "Tờ khai", "copy_kind": "original", "count": "1", "mandatory": "1"},
        {"name": "Giấy tờ tùy thân", "copy_kind": "copy", "count": "1", "mandatory": "0"},
    ]


def row(**values) -> dict:
    return {
        "national_code": "1.000100",
        "name": "Thủ tục thử",
        "field_code": "HOTICH",
        "field_name": "Hộ tịch",
        "level": "commune",
        "deadline_amount": "3",
        "deadline_unit": "working_days",
        **values,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (
            {"level": "xa"},
            "cấp thực hiện: “xa” không hợp lệ; dùng một trong các giá trị: central, province, commune.",
        ),
        ({"online_level": "4"}, "mức độ dịch vụ công trực tuyến: “4” không hợp lệ"),
        ({"result_type": "Bản giấy"}, "kết quả: “Bản giấy” không hợp lệ"),
        ({"deadline_amount": "0"}, "thời hạn giải quyết: hãy nhập thời hạn lớn hơn 0."),
        ({"deadline_amount": "ba"}, "thời hạn giải quyết: nhập một số."),
        ({"cutoff_time": "25:00"}, "giờ chốt tiếp nhận: giờ không hợp lệ; viết dạng HH:MM (ví dụ 15:00)."),
        ({"effective_from": "31/02/2025"}, "hiệu lực từ ngày: ngày không hợp lệ"),
        (
            {"effective_from": "02/07/2025", "effective_to": "2025-07-01"},
            "ngày hết hiệu lực phải sau ngày có hiệu lực",
        ),
        ({"is_active": "có lẽ"}, "đang áp dụng: “có lẽ” không phải giá trị có/không"),
        ({"name": ""}, "tên thủ tục: trường này là bắt buộc."),
        ({"field_code": "MOI", "field_name": ""}, "lĩnh vực “MOI” chưa có; hãy điền field_name để tạo mới."),
        (
            {"documents": [{"name": "Tờ khai", "copy_kind": "scan"}]},
            "thành phần hồ sơ thứ 1, loại bản: “scan”",
        ),
        (
            {"documents": [{"name": "Tờ khai", "count": 0}]},
            "thành phần hồ sơ thứ 1, số lượng: phải từ 1 trở lên.",
        ),
        ({"documents": [{"name": "Tờ khai", "mandatory": "đôi khi"}]}, "thành phần hồ sơ thứ 1, bắt buộc:"),
        (
            {"documents": [{"copy_kind": "copy"}]},
            "thành phần hồ sơ thứ 1, tên giấy tờ: trường này là bắt buộc.",
        ),
        (
            {"documents": [{"name": "Tờ khai", "copies": 2}]},
            "thành phần hồ sơ thứ 1: không có trường “copies”.",
        ),
        ({"documents": "Tờ khai"}, "thành phần hồ sơ: phải là một danh sách."),
        ({"fees": [{"description": "Lệ phí", "amount": -5}]}, "phí, lệ phí thứ 1, mức thu (đồng):"),
        ({"fees": [{"description": "Lệ phí", "amount": "1500.5"}]}, "phí, lệ phí thứ 1, mức thu (đồng):"),
        ({"deadline_ammount": "3"}, "không có trường “deadline_ammount” trong mẫu nhập."),
    ],
)
def test_a_bad_value_rejects_the_row_with_its_reason(values, reason):
    report = catalog_import(rows=[(7, row(**values)), (8, row(national_code="1.000101"))])

    assert [line for line, _message in report.rejected] == [7]
    assert reason in report.rejected[0][1]
    assert (report.created, report.updated) == (1, 0)
    assert list(Procedure.objects.values_list("national_code", flat=True)) == ["1.000101"]


@pytest.mark.django_db
def test_a_value_that_cannot_be_read_gets_one_reason_not_a_cascade():
    report = catalog_import(
        rows=[(2, row(name=["Đăng ký"])), (3, row(national_code="1.000101", deadline_amount="1234567"))]
    )

    assert report.rejected[0] == (2, "tên thủ tục: phải là chuỗi hoặc số.")
    line, reason = report.rejected[1]
    assert line == 3
    assert reason.startswith("thời hạn giải quyết: ")
    assert ";" not in reason  # not also "hãy nhập thời hạn lớn hơn 0" from the model's clean()


@pytest.mark.django_db
def test_an_unchanged_row_writes_nothing():
    catalog_import(rows=[(2, row(documents=[{"name": "Tờ khai"}], fees=[{"description": "Lệ phí"}]))])
    updated_at = Procedure.objects.get().updated_at

    report = catalog_import(
        rows=[(2, row(documents=[{"name": "Tờ khai"}], fees=[{"description": "Lệ phí"}]))]
    )

    assert (report.created, report.updated, report.rejected) == (0, 1, [])
    assert Procedure.objects.get().updated_at == updated_at


@pytest.mark.django_db
def test_a_rejected_row_leaves_no_new_field_behind():
    report = catalog_import(
        rows=[(2, row(field_code="MOI", field_name="Lĩnh vực mới", deadline_unit="tuan"))]
    )

    assert len(report.rejected) == 1
    assert not Field.objects.filter(code="MOI").exists()


@pytest.mark.django_db
def test_field_name_renames_an_existing_field():
    FieldFactory(code="HOTICH", name="Hộ tịch (tên cũ)")

    catalog_import(rows=[(2, row(field_name="Hộ tịch"))])

    assert Field.objects.get(code="HOTICH").name == "Hộ tịch"


@pytest.mark.django_db
def test_a_code_repeated_in_the_file_is_rejected_the_second_time():
    report = catalog_import(rows=[(2, row(name="Lần đầu")), (3, row(name="Lần hai"))])

    assert report.rejected == [
        (3, "mã thủ tục “1.000100” lặp lại trong tệp: chỉ nhập lần xuất hiện đầu tiên.")
    ]
    assert Procedure.objects.get().name == "Lần đầu"


@pytest.mark.django_db
def test_a_row_with_more_cells_than_the_header_is_rejected(tmp_path):
    path = write(
        tmp_path,
        "extra.csv",
        f"{HEADER}\n1.000100,Đăng ký, kết hôn,HOTICH,Hộ tịch,commune,0,same_day\n"
        f"1.000101,Đăng ký kết hôn,HOTICH,Hộ tịch,commune,0,same_day,,\n",  # empty trailing cells are fine
    )

    _out, err = run("import_procedures", path)

    assert err.startswith("Dòng 2: dòng có nhiều ô hơn dòng tiêu đề (thừa “same_day”)")
    assert list(Procedure.objects.values_list("national_code", flat=True)) == ["1.000101"]


@pytest.mark.django_db
def test_changing_a_deadline_announces_it_after_commit(django_capture_on_commit_callbacks):
    catalog_import(rows=[(2, row())])

    with django_capture_on_commit_callbacks() as unchanged:
        catalog_import(rows=[(2, row(name="Tên mới"))])
    with django_capture_on_commit_callbacks() as changed:
        catalog_import(rows=[(2, row(deadline_amount="5"))])

    def announcements(callbacks):  # the catalog's cache version is replaced after commit too: not an announcement
        return [c for c in callbacks if getattr(c, "__name__", "") != "new_catalog_version"]

    assert (len(announcements(unchanged)), len(announcements(changed))) == (0, 1)


@pytest.mark.django_db
def test_dry_run_saves_nothing(agencies):
    out, err = run("import_procedures", DATA / "catalog_with_errors.csv", "--dry-run")

    assert "Chạy thử, không lưu gì: sẽ tạo mới 2, cập nhật 0, từ chối 5 dòng." in out
    assert "Dòng 4:" in err
    assert counts() == (0, 0, 0, 0)
    assert not Field.objects.exists()


# JSON import


@pytest.mark.django_db
def test_json_import(agencies):
    out, err = run("import_procedures", DATA / "catalog.json")

    assert "Đã nhập: tạo mới 3, cập nhật 0, từ chối 1 mục." in out
    assert err.splitlines() == [
        "Mục 3: mã thủ tục “1.0000XX” không hợp lệ: dạng d.dddddd, có thể thêm hậu tố (ví dụ 1.001193)."
    ]
    building = Procedure.objects.get(national_code="1.013225")
    assert (building.deadline_amount, building.deadline_unit) == (15, DeadlineUnit.CALENDAR_DAYS)
    assert building.effective_from == date(2025, 7, 1)
    assert building.field.name == "Hoạt động xây dựng"
    assert documents("1.013225") == [
        (1, "Đơn đề nghị cấp giấy phép xây dựng", DocumentCopyKind.ORIGINAL, 1, True),
        (2, "Bản vẽ thiết kế xây dựng", DocumentCopyKind.COPY, 2, True),
    ]
    assert list(building.fees.order_by("id").values_list("amount", flat=True)) == [75000, None]
    assert Procedure.objects.get(national_code="2.000815").is_active is False
    assert agency_ids("2.000815") == []


@pytest.mark.django_db
def test_json_keys_left_out_keep_their_values(agencies, tmp_path):
    run("import_procedures", DATA / "catalog.json")
    path = write(
        tmp_path,
        "short.json",
        json.dumps(
            [
                {
                    "national_code": "1.001193",
                    "name": "Đăng ký khai sinh",
                    "field_code": "HOTICH",
                    "level": "commune",
                    "deadline_unit": "same_day",
                    "result_description": "Giấy khai sinh (bản chính)",
                }
            ]
        ),
    )

    out, _err = run("import_procedures", path)

    assert "cập nhật 1" in out
    birth = Procedure.objects.get(national_code="1.001193")
    assert birth.result_description == "Giấy khai sinh (bản chính)"
    assert birth.cutoff_time == time(15, 0)
    assert birth.legal_basis == "Luật Hộ tịch năm 2014."
    assert len(documents("1.001193")) == 2
    assert agency_ids("1.001193") == ["H61.22.10", "H61.22.11"]


@pytest.mark.django_db
def test_json_required_keys_must_be_present(agencies, tmp_path):
    run("import_procedures", DATA / "catalog.json")
    path = write(
        tmp_path,
        "no-level.json",
        '[{"national_code": "1.001193", "name": "Khai sinh", "field_code": "HOTICH"}]',
    )

    _out, err = run("import_procedures", path)

    assert "Mục 1: cấp thực hiện: trường này là bắt buộc; đơn vị thời hạn: trường này là bắt buộc." in err


@pytest.mark.django_db
def test_a_json_item_that_is_not_an_object_is_rejected(tmp_path):
    path = write(tmp_path, "list.json", json.dumps([row(), "1.000200"]))

    _out, err = run("import_procedures", path)

    assert err.strip() == "Mục 2: không phải một đối tượng JSON ({…})."
    assert Procedure.objects.count() == 1


# Files that cannot be read: CommandError (exit status 2), nothing imported


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("malformed.json", None, [], "Tệp JSON sai cú pháp ở dòng 3, cột 27"),
        ("object.json", '{"national_code": "1.001193"}', [], "Tệp JSON phải là một danh sách"),
        ("catalog.xlsx", "x", [], "Không nhận ra định dạng của tệp"),
        (
            "catalog.csv",
            "x",
            ["--format", "xml"],
            "Định dạng “xml” không được hỗ trợ: chỉ dùng csv hoặc json.",
        ),
        ("missing.csv", False, [], "Không tìm thấy tệp"),
        ("latin1.csv", b"national_code,name\n1.001193,\xd0\xe3ng k\xfd", [], "không phải văn bản UTF-8"),
        (
            "columns.csv",
            "national_code,ten_thu_tuc\n",
            [],
            "Dòng tiêu đề có cột không thuộc mẫu: ten_thu_tuc.",
        ),
        ("semicolons.csv", f"{HEADER.replace(',', ';')}\n", [], "Các cột phải phân cách bằng dấu phẩy."),
        ("required.csv", "national_code,name\n", [], "thiếu cột bắt buộc: field_code, level, deadline_unit."),
        ("empty.csv", "", [], "Tệp CSV trống"),
        ("quotes.csv", f'{HEADER}\n1.000100,"Đăng ký,HOTICH\n', [], "Tệp CSV sai cấu trúc ở dòng 2"),
    ],
)
def test_an_unreadable_file_is_a_command_error(tmp_path, name, content, args, message):
    path = tmp_path / name
    if content is None:
        path = DATA / name
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not False:
        path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        run("import_procedures", path, *args)

    assert message in str(excinfo.value)
    assert excinfo.value.returncode == 2
    assert Procedure.objects.count() == 0


@pytest.mark.django_db
def test_an_explicit_format_overrides_the_extension(agencies, tmp_path):
    path = tmp_path / "catalog.txt"
    path.write_bytes((DATA / "catalog.csv").read_bytes())

    out, _err = run("import_procedures", path, "--format", "CSV")

    assert "tạo mới 3" in out


def test_the_command_exits_with_status_2_and_no_traceback():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onecua.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_procedures", str(DATA / "malformed.json")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "Tệp JSON sai cú pháp" in result.stderr
    assert "Traceback" not in result.stderr


# Export and the round trip


@pytest.fixture
def catalog(agencies):
    """The JSON sample plus a procedure with the awkward text a CSV must survive."""
    run("import_procedures", DATA / "catalog.json")
    awkward = ProcedureFactory(
        national_code="2.002000",
        name='Thủ tục có dấu phẩy, "ngoặc kép" và ký tự |',
        description="Bước 1: nộp hồ sơ.\nBước 2: nhận kết quả.",
        deadline_amount=Decimal("1.5"),
        cutoff_time=time(11, 30),
        effective_to=date(2030, 12, 31),
        effective_from=date(2025, 1, 1),
    )
    RequiredDocumentFactory(
        procedure=awkward, position=1, name="Bản vẽ | mặt bằng", copy_kind="either", count=3
    )
    RequiredDocumentFactory(procedure=awkward, position=2, name="Giấy tờ, văn bản khác", mandatory=False)
    awkward.fees.create(description="Phí | tính theo trang", amount=None)
    awkward.agencies.set(agencies.values())
    return awkward


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_an_empty_catalog_gives_the_same_catalog(catalog, tmp_path, fmt):
    path = tmp_path / f"catalog.{fmt}"
    out, _err = run("export_procedures", "--output", path)
    assert f"Đã xuất 4 thủ tục ra tệp “{path}”." in out
    before, exported = counts(), path.read_text(encoding="utf-8-sig")
    Procedure.objects.all().delete()
    Field.objects.all().delete()

    out, err = run("import_procedures", path)

    assert "tạo mới 4, cập nhật 0, từ chối 0" in out
    assert err == ""
    assert counts() == before
    again, _err = run("export_procedures", "--format", fmt)
    assert again == exported


@pytest.mark.django_db
def test_export_writes_json_to_stdout_by_default(catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        out, _err = run("export_procedures")

    rows = json.loads(out)
    assert [r["national_code"] for r in rows] == ["1.001193", "1.013225", "2.000815", "2.002000"]
    assert rows[0] == json.loads((DATA / "catalog.json").read_text(encoding="utf-8"))[0] | {
        "documents": [
            {"name": "Tờ khai đăng ký khai sinh", "copy_kind": "original", "count": 1, "mandatory": True},
            {"name": "Giấy chứng sinh", "copy_kind": "original", "count": 1, "mandatory": True},
        ],
    }
    assert rows[3]["deadline_amount"] == "1.5"
    assert rows[3]["fees"] == [{"description": "Phí | tính theo trang", "amount": None}]


@pytest.mark.django_db
def test_csv_export_to_a_file_has_a_bom_for_excel(catalog, tmp_path):
    path = tmp_path / "danh-muc.csv"

    run("export_procedures", "--output", path)

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfnational_code,name,field_code,field_name,level,")
    assert "Bản vẽ | mặt bằng | either | 3 | 1\nGiấy tờ, văn bản khác | original | 1 | 0" in raw.decode(
        "utf-8-sig"
    )


@pytest.mark.django_db
def test_the_json_demo_catalog_imports_cleanly():
    for identifier in ("H61.01", "H61.22.10", "H61.22.11", "H61.22.12"):
        AgencyFactory(identifier=identifier)

    out, err = run(
        "import_procedures", Path(settings.BASE_DIR) / "procedures" / "fixtures" / "demo_catalog.json"
    )

    assert err == ""
    assert "tạo mới 11, cập nhật 0, từ chối 0 mục" in out
