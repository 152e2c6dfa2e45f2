"""The calendar from the database: the due_date command, admin exceptions, the admin pages, the change signal."""

import subprocess
import sys
from datetime import date, datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from procedures.calendars import build_calendar
from procedures.models import CalendarException, CalendarExceptionKind
from procedures.signals import deadline_rules_changed
from tests.factories import AgencyFactory, ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db


def due_date(*args: str) -> str:
    out = StringIO()
    call_command("due_date", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            ["--received", "2025-03-10 10:00", "--amount", "3", "--unit", "working_days"],
            "2025-03-13T10:00:00+07:00",
        ),
        (
            ["--received", "2026-03-02 11:30", "--amount", "0", "--unit", "same_day", "--cutoff", "11:30"],
            "2026-03-03T17:00:00+07:00",
        ),
        (
            ["--received", "2026-08-21 14:00", "--amount", "1", "--unit", "working_days"],
            "2026-08-22T14:00:00+07:00",
        ),
        (
            [
                "--received",
                "2026-03-02T04:30:00+00:00",
                "--amount",
                "0",
                "--unit",
                "same_day",
                "--cutoff",
                "11:30",
            ],
            "2026-03-03T17:00:00+07:00",
        ),
        (
            ["--received", "2026-02-13 16:00", "--amount", "2", "--unit", "working_hours"],
            "2026-02-23T08:00:00+07:00",
        ),
    ],
)
def test_due_date_command_prints_exactly_one_iso_line(args, expected):
    assert due_date(*args) == expected + "\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--received", "02/03/2026", "--amount", "1", "--unit", "working_days"], "--received"),
        (["--received", "2026-03-02 10:00", "--amount", "x", "--unit", "working_days"], "--amount"),
        (["--received", "2026-03-02 10:00", "--amount", "1", "--unit", "weeks"], "--unit"),
        (["--received", "2026-03-02 10:00", "--amount", "2", "--unit", "same_day"], "same_day"),
        (
            [
                "--received",
                "2026-03-02 10:00",
                "--amount",
                "1",
                "--unit",
                "working_days",
                "--cutoff",
                "25:00",
            ],
            "--cutoff",
        ),
        (
            ["--received", "2026-03-02 10:00", "--amount", "1", "--unit", "working_days", "--agency", "H99"],
            "H99",
        ),
        (["--received", "2099-03-02 10:00", "--amount", "1", "--unit", "working_days"], "Không tính được"),
    ],
)
def test_due_date_command_refuses_bad_input_with_status_2(args, message):
    with pytest.raises(CommandError) as exc:
        due_date(*args)
    assert exc.value.returncode == 2
    assert message in str(exc.value)


def test_due_date_command_exit_status_and_stderr_from_the_shell():
    proc = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "due_date",
            "--received",
            "hôm qua",
            "--amount",
            "1",
            "--unit",
            "working_days",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "onecua.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "--received" in proc.stderr and "không hợp lệ" in proc.stderr


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_extra_day_off_added_in_the_admin_changes_the_answer(admin_client):
    args = ["--received", "2026-12-03 10:00", "--amount", "1", "--unit", "working_days"]
    assert due_date(*args) == "2026-12-04T10:00:00+07:00\n"
    response = admin_client.post(
        reverse("admin:procedures_calendarexception_add"),
        {
            "date": "2026-12-04",
            "kind": CalendarExceptionKind.DAY_OFF,
            "note": "Nghỉ thêm theo thông báo",
            "province": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert due_date(*args) == "2026-12-07T10:00:00+07:00\n"


def test_extra_working_saturday_shortens_the_walk():
    CalendarException.objects.create(
        date=date(2026, 12, 5), kind=CalendarExceptionKind.WORKING_DAY, note="Làm bù"
    )
    assert due_date("--received", "2026-12-04 10:00", "--amount", "1", "--unit", "working_days") == (
        "2026-12-05T10:00:00+07:00\n"
    )


def test_province_scoped_exception_applies_only_in_that_province():
    tay_ninh = AgencyFactory(identifier="H61", name="Tây Ninh", parent=None)
    desk = AgencyFactory(identifier="H61.22.10", parent=tay_ninh)
    other = AgencyFactory(identifier="H62", name="Tỉnh khác", parent=None)
    CalendarException.objects.create(
        date=date(2026, 12, 4), kind=CalendarExceptionKind.DAY_OFF, note="Lễ địa phương", province=tay_ninh
    )
    assert not build_calendar(agency=desk).is_working_day(date(2026, 12, 4))
    assert build_calendar(agency=other).is_working_day(date(2026, 12, 4))
    assert build_calendar().is_working_day(date(2026, 12, 4))
    args = ["--received", "2026-12-03 10:00", "--amount", "1", "--unit", "working_days"]
    assert due_date(*args, "--agency", "H61.22.10") == "2026-12-07T10:00:00+07:00\n"
    assert due_date(*args, "--agency", "H62") == "2026-12-04T10:00:00+07:00\n"


def test_agency_working_hours_are_used():
    desk = AgencyFactory(identifier="H61.30")
    desk.morning_open = datetime(2026, 1, 1, 7, 30).time()
    desk.save()
    assert due_date(
        "--received", "2026-03-02 06:00", "--amount", "1", "--unit", "working_hours", "--agency", "H61.30"
    ) == ("2026-03-02T08:30:00+07:00\n")


def test_admin_due_calculator_page_shows_the_due_time(admin_client):
    procedure = ProcedureFactory(national_code="1.004873", deadline_amount=3)
    response = admin_client.get(
        reverse("admin:procedures_due_calculator"),
        {"received_date": "10/03/2025", "received_time": "10:00", "procedure": procedure.pk},
    )
    assert response.status_code == 200
    assert "10 giờ 00 phút, ngày 13/03/2025" in response.content.decode()


def test_admin_due_calculator_explains_a_bad_date(admin_client):
    procedure = ProcedureFactory()
    response = admin_client.get(
        reverse("admin:procedures_due_calculator"),
        {"received_date": "31/02/2025", "received_time": "10:00", "procedure": procedure.pk},
    )
    assert response.status_code == 200
    assert "dd/mm/yyyy" in response.content.decode()


def test_admin_year_view_shows_days_off_and_make_up_saturday(admin_client):
    CalendarException.objects.create(
        date=date(2026, 12, 31), kind=CalendarExceptionKind.DAY_OFF, note="Nghỉ cuối năm"
    )
    response = admin_client.get(reverse("admin:procedures_calendar_year"), {"year": 2026})
    special = {(c.day, c.css) for c in response.context["special"]}
    assert (date(2026, 8, 22), "makeup") in special
    assert (date(2026, 2, 17), "holiday") in special
    assert (date(2026, 8, 31), "holiday") in special
    assert (date(2026, 12, 31), "exception-off") in special
    assert (date(2026, 3, 2), "working") not in special
    assert "Nghỉ cuối năm" in response.content.decode()


def test_admin_pages_need_an_administrator(client):
    response = client.get(reverse("admin:procedures_due_calculator"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_changes_to_the_calendar_or_a_deadline_announce_a_recompute(
    admin_client, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["procedure_id"], kwargs["reason"]))

    deadline_rules_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("admin:procedures_calendarexception_add"),
                {"date": "2026-12-04", "kind": "day_off", "note": "Nghỉ", "province": ""},
            )
        assert received == [(None, "calendar_exception")]
        procedure = ProcedureFactory()
        data = {
            "national_code": procedure.national_code,
            "name": procedure.name,
            "field": procedure.field_id,
            "level": procedure.level,
            "online_level": procedure.online_level,
            "deadline_amount": "5",
            "deadline_unit": "working_days",
            "result_type": "paper",
            "is_active": "on",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
            "fees-TOTAL_FORMS": "0",
            "fees-INITIAL_FORMS": "0",
            "process_steps-TOTAL_FORMS": "0",
            "process_steps-INITIAL_FORMS": "0",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                reverse("admin:procedures_procedure_change", args=[procedure.pk]), data
            )
        assert response.status_code == 302, response.content.decode()[:3000]
        assert received[-1] == (procedure.pk, "procedure_deadline")
        count = len(received)
        data["name"] = "Tên mới"
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(reverse("admin:procedures_procedure_change", args=[procedure.pk]), data)
        assert len(received) == count  # a name change does not move any due time
    finally:
        deadline_rules_changed.disconnect(listener)


def test_due_date_on_a_database_not_yet_migrated_says_to_run_make_migrate(tmp_path):
    proc = subprocess.run(
        [sys.executable, "manage.py", "due_date", "--received", "2026-03-02 10:00", "--amount", "1",
         "--unit", "working_days"],
        cwd=settings.BASE_DIR, capture_output=True, text=True,
        env={"DJANGO_SETTINGS_MODULE": "onecua.settings.dev", "PATH": "/usr/bin:/bin",
             "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "make migrate" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
