"""The `process` key of catalog files (procedures/process_io.py): JSON and CSV import create a procedure's internal
process, validated with the admin's rules (hours add up to the deadline at 8 h a day, roles, kinds, a named agency
by its identifier); a rejected row writes nothing; export → import gives the same process; an unchanged process
writes nothing."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.catalog_io import catalog_export, catalog_parse_csv, catalog_parse_json
from procedures.models import Procedure
from procedures.process import ProcessStep
from procedures.services import catalog_import
from tests.factories import AgencyFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

HEADER = "national_code,name,field_code,field_name,level,deadline_amount,deadline_unit,process"


@pytest.fixture
def department():
    return AgencyFactory(identifier="H61.05", name="Sở Tư pháp")


def row(code="2.001000", *, amount="3", process=None, **extra) -> dict:
    data = {
        "national_code": code, "name": "Cấp phiếu lý lịch tư pháp", "field_code": "TUPHAP",
        "field_name": "Tư pháp", "level": "province", "deadline_amount": amount, "deadline_unit": "working_days",
        **extra,
    }
    if process is not None:
        data["process"] = process
    return data


def four_steps(last_hours="4", agency="H61.05") -> list[dict]:
    return [
        {"order": 1, "name": "Tiếp nhận", "role": "clerk", "agency_kind": "receiving", "hours": "4"},
        {"order": 2, "name": "Thẩm định | đối chiếu", "role": "officer", "agency_kind": "named", "agency": agency,
         "hours": 12},
        {"order": 3, "name": "Ký duyệt", "role": "leader", "agency_kind": "competent", "hours": "4",
         "may_skip": True},
        {"order": 4, "name": "Trả kết quả", "role": "clerk", "agency_kind": "receiving", "hours": last_hours},
    ]


def steps_of(code: str) -> list[tuple]:
    return list(
        ProcessStep.objects.filter(procedure__national_code=code)
        .order_by("order")
        .values_list("order", "name", "role", "agency_kind", "agency__identifier", "hours", "may_skip")
    )


EXPECTED = [
    (1, "Tiếp nhận", "clerk", "receiving", None, Decimal(4), False),
    (2, "Thẩm định | đối chiếu", "officer", "named", "H61.05", Decimal(12), False),
    (3, "Ký duyệt", "leader", "competent", None, Decimal(4), True),
    (4, "Trả kết quả", "clerk", "receiving", None, Decimal(4), False),
]


def import_json(items: list[dict]):
    return catalog_import(rows=catalog_parse_json(json.dumps(items, ensure_ascii=False)))


def test_json_import_creates_the_steps(department):
    report = import_json([row(process=four_steps())])

    assert (report.created, report.rejected) == (1, [])
    assert steps_of("2.001000") == EXPECTED


def test_csv_import_creates_the_steps_one_per_line_of_the_cell(department):
    cell = (
        "1 | Tiếp nhận | clerk | receiving |  | 4 | 0\n"
        "2 | Thẩm định | đối chiếu | officer | named | H61.05 | 12 | 0\n"
        "3 | Ký duyệt | leader | competent |  | 4 | 1\n"
        "4 | Trả kết quả | clerk | receiving |  | 4 | không\n"
    )
    text = HEADER + "\n" + '2.001000,Cấp phiếu lý lịch tư pháp,TUPHAP,Tư pháp,province,3,working_days,"' + cell + '"\n'

    report = catalog_import(rows=catalog_parse_csv(text))

    assert (report.created, report.rejected) == (1, [])
    assert steps_of("2.001000") == EXPECTED


def test_a_wrong_total_is_rejected_with_the_reason_and_writes_nothing_for_that_row(department):
    existing = ProcedureFactory(national_code="2.001001", name="Tên cũ")
    import_json([row("2.001001", process=four_steps())])
    before = steps_of("2.001001")

    report = import_json([
        row("2.001001", name="Tên mới", process=four_steps(last_hours="3")),
        row("2.001002", process=four_steps(last_hours="5")),
        row("2.001003", process=four_steps()),
    ])

    assert (report.created, report.updated) == (1, 0)
    assert [line for line, _reason in report.rejected] == [1, 2]
    assert "quy trình nội bộ" in report.rejected[0][1]
    assert "23 giờ" in report.rejected[0][1] and "24 giờ" in report.rejected[0][1]
    assert "25 giờ" in report.rejected[1][1]
    existing.refresh_from_db()
    assert existing.name == "Cấp phiếu lý lịch tư pháp"  # the earlier good import, not "Tên mới"
    assert steps_of("2.001001") == before == EXPECTED
    assert not Procedure.objects.filter(national_code="2.001002").exists()
    assert steps_of("2.001003") == EXPECTED


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"role": "boss"}, "“boss” không hợp lệ"),
        ({"agency_kind": "elsewhere"}, "“elsewhere” không hợp lệ"),
        ({"agency": "H99.99"}, "không có cơ quan mang mã định danh “H99.99”"),
        ({"agency": ""}, "cơ quan: hãy chọn cơ quan thực hiện bước này"),
        ({"agency_kind": "competent"}, "cơ quan: chỉ chọn cơ quan khi nơi thực hiện là cơ quan được chỉ định"),
        ({"order": 1}, "thứ tự bước lặp lại: 1"),
        ({"hours": "abc"}, "bước quy trình thứ 2, thời gian (giờ làm việc): "),
        ({"colour": "red"}, "không có trường “colour”"),
    ],
)
def test_a_bad_step_is_reported_with_its_reason_and_nothing_is_written(department, change, reason):
    process = four_steps()
    process[1] |= change

    report = import_json([row(process=process)])

    assert report.created == 0
    assert len(report.rejected) == 1 and reason in report.rejected[0][1], report.rejected
    assert not Procedure.objects.exists() and not ProcessStep.objects.exists()


def test_a_process_needs_a_deadline_in_working_time(department):
    report = import_json([row(amount="15", deadline_unit="calendar_days", process=four_steps())])

    assert "chỉ áp dụng cho thời hạn tính bằng giờ hoặc ngày làm việc" in report.rejected[0][1]
    assert not ProcessStep.objects.exists()


def test_a_new_deadline_the_kept_steps_no_longer_fit_is_rejected(department):
    import_json([row(process=four_steps())])

    report = import_json([row(amount="4")])  # no process key: the steps stay, and 24 h ≠ 32 h

    assert "quy trình nội bộ" in report.rejected[0][1] and "32 giờ" in report.rejected[0][1]
    assert Procedure.objects.get().deadline_amount == 3


def test_an_empty_process_removes_the_steps_and_an_absent_key_keeps_them(department):
    import_json([row(process=four_steps())])
    import_json([row()])
    assert steps_of("2.001000") == EXPECTED

    report = import_json([row(process=[])])

    assert report.updated == 1 and not ProcessStep.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_gives_the_same_process(department, fmt):
    import_json([row(process=four_steps()), row("2.001004", amount="6", deadline_unit="working_hours",
                                                 process=[{"order": 10, "name": "Giải quyết", "role": "officer",
                                                           "agency_kind": "competent", "hours": "6"}]),
                 row("2.001005")])
    exported = catalog_export(fmt=fmt)
    ProcessStep.objects.all().delete()
    Procedure.objects.all().delete()

    parse = catalog_parse_csv if fmt == "csv" else catalog_parse_json
    report = catalog_import(rows=parse(exported))

    assert (report.created, report.rejected) == (3, [])
    assert steps_of("2.001000") == EXPECTED
    assert steps_of("2.001004") == [(10, "Giải quyết", "officer", "competent", None, Decimal(6), False)]
    assert steps_of("2.001005") == []
    assert catalog_export(fmt=fmt) == exported


def test_json_export_carries_the_process_only_for_procedures_that_have_one(department):
    import_json([row(process=four_steps()), row("2.001005")])

    rows = {r["national_code"]: r for r in json.loads(catalog_export(fmt="json"))}

    assert "process" not in rows["2.001005"]
    assert rows["2.001000"]["process"][1] == {
        "order": 2, "name": "Thẩm định | đối chiếu", "role": "officer", "agency_kind": "named",
        "agency": "H61.05", "hours": "12", "may_skip": False,
    }


def test_an_unchanged_process_writes_nothing(department):
    import_json([row(process=four_steps())])
    ids = list(ProcessStep.objects.order_by("order").values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        report = import_json([row(process=four_steps())])

    assert (report.updated, report.rejected) == (1, [])
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert list(ProcessStep.objects.order_by("order").values_list("pk", flat=True)) == ids
