"""Backups (ops/backup.py; `make backup` / `make restore`): a small history is backed up (pg_dump custom format +
every object of the private storage, SHA-256 manifest), restored into a NEW empty database and a NEW empty
storage by `manage.py restore` in another process, then checked there: `rebuild_figures --check` (the statistics
summary against a recount of the restored dossiers) and the file-checksum pass (`restore --verify-only`) find no
difference. A damaged backup and a non-empty target are refused, changing nothing. PostgreSQL only (pg_dump)."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dossiers.models import Attachment, Dossier, DossierEvent
from notifications.models import Notification
from ops import backup
from tests.builders import PDF_BYTES, at, upload, vn
from tests.storage import s3server

ROOT = Path(settings.BASE_DIR)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="pg_dump/pg_restore need PostgreSQL (CI runs this on its PostgreSQL suite)"),
    pytest.mark.django_db(transaction=True),
]


def _admin():
    params = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=params["USER"], password=params["PASSWORD"],
                             host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432)
    admin.autocommit = True
    return admin


@pytest.fixture
def empty_database():
    """A new, empty database on the same server; its URL. Dropped afterwards."""
    names = []

    def make(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME']}_{suffix}"[:63]
        admin = _admin()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        names.append(name)
        params = connection.settings_dict
        password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
        return (f"postgres://{params['USER'] or 'postgres'}{password}@{params['HOST'] or '127.0.0.1'}:"
                f"{params['PORT'] or 5432}/{name}")

    yield make
    admin = _admin()
    with admin.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def manage(*args: str, database_url: str, storage: Path, bucket_env: dict | None = None) -> subprocess.CompletedProcess:
    """manage.py in another process, on the given database and storage folder (the embedded settings), or on the
    bucket `bucket_env` names (S3Server.environment)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(storage.parent), "LANG": "C.UTF-8",
           "DJANGO_SETTINGS_MODULE": "onecua.settings.dev", "DATABASE_URL": database_url,
           "PRIVATE_STORAGE_ROOT": str(storage), "STORAGE_BACKEND": "local", "CELERY_BROKER_URL": "",
           **(bucket_env or {})}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def count(database_url: str, sql: str) -> int:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]
    finally:
        conn.close()


def history(client, world) -> None:
    """Dossiers in several states, one submitted online with its file, one returned with its result."""
    code = world.procedure.national_code
    with at(vn(2025, 3, 10, 8, 0)):
        review = client.post(reverse("portal:submit", args=[code]), {
            "agency": world.desk.pk, "applicant_name": "Lê Thị Sao Lưu", "applicant_id_number": "079123456789",
            "applicant_phone": "0912345678", "applicant_address": "Ấp Bình Hòa",
            f"file_{world.form.pk}": upload("to-khai.pdf", PDF_BYTES)})
        assert review.status_code == 200
        assert client.post(reverse("portal:submit_confirm", args=[code]),
                           {"payload": review.context["payload"]}).status_code == 302
    world.processing()
    world.returned()
    world.refused()
    world.desk_supplement()


def test_a_backup_restores_into_an_empty_database_and_storage_with_nothing_different(
        client, world, tmp_path, empty_database):
    history(client, world)
    assert Attachment.objects.exists() and Dossier.objects.count() >= 5
    call_command("rebuild_figures", "--check", stdout=open(os.devnull, "w"))  # the source agrees with itself

    target = tmp_path / "backup"
    call_command("backup", output=str(target), stdout=open(os.devnull, "w"))
    manifest = backup.read_manifest(target)
    assert (target / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    names = {item["name"] for item in manifest["objects"]}
    assert {a.file.name for a in Attachment.objects.all()} <= names
    assert set(backup.storage_names(default_storage)) == names
    sums = (target / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 1 + len(names)
    checked = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=target, capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Restored by another process into a new empty database and a new empty folder.
    url, storage = empty_database("restore"), tmp_path / "restored-private"
    done = manage("restore", "--input", str(target), database_url=url, storage=storage)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checksums verified" in done.stdout

    figures = manage("rebuild_figures", "--check", database_url=url, storage=storage)
    assert figures.returncode == 0 and "0 rows differ" in figures.stdout, figures.stdout + figures.stderr
    files = manage("restore", "--input", str(target), "--verify-only", database_url=url, storage=storage)
    assert files.returncode == 0 and "0 differences" in files.stdout, files.stdout + files.stderr
    for table in (m._meta.db_table for m in (Dossier, DossierEvent, Attachment, Notification)):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert count(url, f"SELECT count(*) FROM {table}") == cursor.fetchone()[0], table
    for item in manifest["objects"]:
        assert (storage / item["name"]).read_bytes() == default_storage.open(item["name"]).read()

    # Restoring again over what is there now: refused, nothing changed.
    again = manage("restore", "--input", str(target), database_url=url, storage=storage)
    assert again.returncode != 0 and "not empty" in again.stderr
    assert count(url, "SELECT count(*) FROM dossiers_dossier") == Dossier.objects.count()


def test_a_damaged_backup_is_refused_before_anything_is_written(client, world, tmp_path, empty_database):
    history(client, world)
    target = tmp_path / "backup"
    call_command("backup", output=str(target), stdout=open(os.devnull, "w"))
    name = next(item["name"] for item in backup.read_manifest(target)["objects"] if item["name"].endswith(".pdf"))
    damaged = target / "objects" / name
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"X")

    url, storage = empty_database("damaged"), tmp_path / "restored-private"
    refused = manage("restore", "--input", str(target), database_url=url, storage=storage)
    assert refused.returncode != 0
    assert "damaged" in refused.stderr and name in refused.stderr
    assert count(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    assert not storage.exists() or not any(storage.rglob("*"))
    # A backup never overwrites: into a directory already holding one, refused.
    with pytest.raises(Exception, match="not empty"):
        call_command("backup", output=str(target), stdout=open(os.devnull, "w"))


@pytest.fixture(scope="module")
def s3():
    server = s3server.start()
    yield server
    server.server.stop()


def _bucket_objects(s3, bucket: str) -> dict[str, bytes]:
    client = s3.client()
    names = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for item in page.get("Contents", [])]
    return {name: client.get_object(Bucket=bucket, Key=name)["Body"].read() for name in names}


def test_a_backup_of_a_bucket_restores_into_an_empty_database_and_an_empty_bucket(
        client, world, tmp_path, empty_database, s3, settings):
    """The object-store deployment: the files live in an S3-protocol bucket (moto's server on a loopback port);
    the backup copies every object out, the restore puts them into a NEW empty bucket, checksums checked."""
    source = s3.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_setting(source)}
    settings.PRIVATE_DOWNLOADS = {"MODE": "stream", "URL_SECONDS": 60}
    history(client, world)
    stored = _bucket_objects(s3, source)
    assert {a.file.name for a in Attachment.objects.all()} <= set(stored) and stored

    target = tmp_path / "backup"
    call_command("backup", output=str(target), stdout=open(os.devnull, "w"))
    manifest = backup.read_manifest(target)
    assert {item["name"] for item in manifest["objects"]} == set(stored)

    url, empty = empty_database("bucket"), s3.new_bucket()
    bucket_env = s3.environment(empty)
    done = manage("restore", "--input", str(target), database_url=url, storage=tmp_path / "unused",
                  bucket_env=bucket_env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _bucket_objects(s3, empty) == stored  # every object, byte for byte
    assert not (tmp_path / "unused").exists()  # nothing went to a local folder
    figures = manage("rebuild_figures", "--check", database_url=url, storage=tmp_path / "unused",
                     bucket_env=bucket_env)
    assert figures.returncode == 0 and "0 rows differ" in figures.stdout, figures.stdout + figures.stderr
    files = manage("restore", "--input", str(target), "--verify-only", database_url=url,
                   storage=tmp_path / "unused", bucket_env=bucket_env)
    assert files.returncode == 0 and "0 differences" in files.stdout, files.stdout + files.stderr

    # An object changed in the bucket afterwards: the checksum pass names it and fails.
    name = next(n for n in stored if n.endswith(".pdf"))
    s3.client().put_object(Bucket=empty, Key=name, Body=stored[name][:-1] + b"X")
    changed = manage("restore", "--input", str(target), "--verify-only", database_url=url,
                     storage=tmp_path / "unused", bucket_env=bucket_env)
    assert changed.returncode != 0 and name in changed.stdout + changed.stderr

    # A bucket that is not empty is refused, nothing written to it.
    url2 = empty_database("bucket2")
    again = manage("restore", "--input", str(target), database_url=url2, storage=tmp_path / "unused",
                   bucket_env=bucket_env)
    assert again.returncode != 0 and "not empty" in again.stderr
    assert count(url2, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
