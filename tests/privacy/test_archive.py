"""Retention: `archive_dossiers` exports closed dossiers to verified ZIP packages, then removes their personal
data from the live database while every figure stays the same; idempotent; --dry-run changes nothing."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from dossiers import services
from dossiers.models import Attachment, Dossier, DossierEvent, figures_of
from notifications.models import Notification
from privacy.models import ARCHIVED_MARK, CorrectionRequest, DossierArchive
from privacy.packages import verify_package
from privacy.services import correction_request_create
from reports import tally
from tests.builders import PDF_BYTES, PNG_BYTES, T_ACT, at, fresh, upload, vn

pytestmark = pytest.mark.django_db

BEFORE = "01/04/2025"


@pytest.fixture
def closed(world):
    """A returned dossier of the citizen (two files, a correction request), a refused one, one withdrawn later
    (June 2025) and one still open."""
    returned = world.returned(applicant_user=world.citizen)
    Dossier.objects.filter(pk=returned.pk).update(applicant_email="nop@example.vn", applicant_address="Ấp Bình Hòa",
                                                  authorised_name="Trần Ủy Quyền")
    for name, content in (("to-khai.pdf", PDF_BYTES), ("anh-cccd.png", PNG_BYTES)):
        services.attachment_add(dossier=fresh(returned), actor=world.user("clerk@desk"), uploaded=upload(name, content))
    correction_request_create(actor=world.citizen, dossier=returned, field="address", wrong_value="Ấp Bình Hòa",
                              correct_value="Ấp Bình Hòa 2")
    refused = world.refused()
    late = world.received()
    with at(vn(2025, 6, 2, 9)):
        services.dossier_withdraw(dossier=fresh(late), actor=world.user("clerk@desk"), reason="Không cần nữa")
    still_open = world.received(at_time=T_ACT)
    return {"returned": fresh(returned), "refused": fresh(refused), "late": fresh(late), "open": fresh(still_open)}


def run(*args, **kwargs) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("archive_dossiers", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue() + err.getvalue()


def archive_files() -> dict[str, str]:
    root = Path(settings.ARCHIVE_ROOT)
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def live_state() -> dict:
    """Every live row the command may change."""
    return {
        "dossiers": list(Dossier.objects.order_by("pk").values()),
        "attachments": list(Attachment.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "corrections": list(CorrectionRequest.objects.order_by("pk").values()),
        "events": list(DossierEvent.objects.order_by("pk").values()),
        "archives": list(DossierArchive.objects.values()),
        "files": sorted(p.name for p in Path(settings.PRIVATE_STORAGE_ROOT).rglob("*") if p.is_file()),
    }


def test_the_package_holds_the_dossier_its_events_and_files_with_correct_checksums(closed,
                                                                                    django_capture_on_commit_callbacks):
    returned = closed["returned"]
    attachments = {a.pk: a for a in returned.attachments.all()}
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--before", BEFORE)
    mark = DossierArchive.objects.get(dossier=returned)
    path = Path(settings.ARCHIVE_ROOT) / mark.package
    assert mark.package == f"2025/{returned.code}.zip" and path.is_file()
    assert returned.code in output and str(path) in output
    content = path.read_bytes()
    assert mark.package_sha256 == hashlib.sha256(content).hexdigest() and mark.package_size == len(content)
    assert mark.file_count == 2

    archive = zipfile.ZipFile(path)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["dossier"] == returned.code
    members = {m["name"]: m for m in manifest["members"]}
    # Every member but the manifest is listed, with the SHA-256 and size of its bytes.
    assert set(members) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in members.items():
        data = archive.read(name)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data), name
    assert {"dossier.json", "events.json", "notifications.json", "attachments.json"} <= set(members)
    files = {name: archive.read(name) for name in members if name.startswith("files/")}
    assert sorted(files.values()) == sorted([PDF_BYTES, PNG_BYTES])
    for name in files:
        pk = int(name.split("/")[1].split("-")[0])
        assert members[name]["sha256"] == attachments[pk].sha256  # the hash taken at upload
    dossier_rows = json.loads(archive.read("dossier.json"))
    dossier_row = next(r for r in dossier_rows if r["model"] == "dossiers.dossier")
    assert dossier_row["fields"]["applicant_name"] == "Trần Văn Nộp"
    assert dossier_row["fields"]["applicant_id_number"] == "079203001234"
    assert any(r["model"] == "privacy.correctionrequest" for r in dossier_rows)
    events = json.loads(archive.read("events.json"))
    assert [e["fields"]["action"] for e in events] == list(
        DossierEvent.objects.filter(dossier=returned).order_by("at", "pk").values_list("action", flat=True))
    assert verify_package(path)["dossier"] == returned.code
    # Nothing left half-written.
    assert not any(name.endswith(".partial") for name in archive_files())


def test_personal_data_leaves_the_live_rows_and_the_files_leave_private_storage(closed,
                                                                                 django_capture_on_commit_callbacks):
    returned = closed["returned"]
    stored = [a.file.name for a in returned.attachments.all()]
    assert all(default_storage.exists(name) for name in stored)
    notifications = Notification.objects.filter(dossier=returned)
    assert notifications.exists()
    with django_capture_on_commit_callbacks(execute=True):
        run("--before", BEFORE)
    d = fresh(returned)
    assert (d.applicant_name, d.applicant_id_number, d.applicant_phone, d.applicant_address) == (ARCHIVED_MARK,) * 4
    assert (d.applicant_email, d.applicant_birth_date, d.authorised_name, d.request_text) == ("", None, "", "")
    assert d.applicant_user is None
    assert not Attachment.objects.filter(dossier=returned).exists()
    assert not any(default_storage.exists(name) for name in stored)
    assert set(notifications.values_list("recipient", "body")) == {("", "")}
    assert not CorrectionRequest.objects.exists()  # they named the citizen; they are in the package
    assert fresh(closed["refused"]).applicant_phone == ARCHIVED_MARK
    # Closed after the date, or still open: untouched.
    for key in ("late", "open"):
        assert fresh(closed[key]).applicant_phone == "0912000111"
        assert not DossierArchive.objects.filter(dossier=closed[key]).exists()
    # The search by phone no longer finds it; the staff page still opens, without the person.
    from dossiers.selectors import find_tracked_dossier

    assert find_tracked_dossier(code=d.code, secret="0912000111") is None


def test_figures_are_unchanged(closed, world, client, django_capture_on_commit_callbacks):
    assert tally.differences() == []
    figures_before = {d.pk: figures_of(d) for d in Dossier.objects.all()}
    summary_before = tally.stored_rows()
    count_before = Dossier.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        run("--before", BEFORE)
    assert DossierArchive.objects.count() == 2
    assert Dossier.objects.count() == count_before
    assert {d.pk: figures_of(d) for d in Dossier.objects.all()} == figures_before
    assert tally.stored_rows() == summary_before
    assert tally.differences() == []
    client.force_login(world.user("clerk@desk"))
    page = client.get(reverse("workspace:detail", args=[closed["returned"].pk]))
    assert page.status_code == 200 and "079203001234" not in page.content.decode()


def test_dry_run_changes_nothing(closed):
    before = live_state()
    output = run("--before", BEFORE, "--dry-run")
    assert closed["returned"].code in output and closed["refused"].code in output
    assert closed["late"].code not in output and closed["open"].code not in output
    assert "không thay đổi gì" in output
    assert archive_files() == {}
    assert live_state() == before


def test_a_second_run_archives_nothing(closed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("--before", BEFORE)
    packages, state = archive_files(), live_state()
    assert len(packages) == 2
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--before", BEFORE)
    assert "Đã lưu trữ 0 hồ sơ." in output
    assert archive_files() == packages and live_state() == state


def test_the_default_date_is_today_minus_the_retention_years(closed, settings, django_capture_on_commit_callbacks):
    settings.ONECUA = {**settings.ONECUA, "RETENTION_YEARS": 5}
    with time_machine.travel(vn(2030, 3, 10, 12), tick=False):
        assert "Đã lưu trữ 0 hồ sơ." in run()  # closed on 10/03/2025: not yet five years
    with time_machine.travel(vn(2030, 3, 11, 12), tick=False), django_capture_on_commit_callbacks(execute=True):
        output = run()
    assert "trước ngày 11/03/2025" in output and "Đã lưu trữ 2 hồ sơ." in output


def test_an_iso_date_is_accepted_and_a_bad_one_refused(closed):
    assert "Hồ sơ kết thúc trước ngày 01/04/2025" in run("--before", "2025-04-01", "--dry-run")
    with pytest.raises(CommandError):
        run("--before", "31/02/2025")


def test_a_missing_file_keeps_that_dossier_untouched_and_archives_the_others(closed,
                                                                             django_capture_on_commit_callbacks):
    returned = closed["returned"]
    default_storage.delete(returned.attachments.first().file.name)
    before = fresh(returned)
    with pytest.raises(CommandError) as exc, django_capture_on_commit_callbacks(execute=True):
        run("--before", BEFORE)
    assert returned.code in str(exc.value)
    assert fresh(returned).applicant_phone == before.applicant_phone == "0912000111"
    assert Attachment.objects.filter(dossier=returned).count() == 2
    assert not DossierArchive.objects.filter(dossier=returned).exists()
    assert list(archive_files()) == [f"2025/{closed['refused'].code}.zip"]  # no partial package left


def test_an_archived_dossier_leaves_the_citizens_download(client, world, closed, django_capture_on_commit_callbacks):
    client.force_login(world.citizen)
    assert closed["returned"].code in client.get(reverse("privacy:my_data_download", args=["json"])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        run("--before", BEFORE)
    text = client.get(reverse("privacy:my_data_download", args=["json"])).content.decode()
    assert closed["returned"].code not in text and "079203001234" not in text
