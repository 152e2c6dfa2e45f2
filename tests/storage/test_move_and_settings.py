"""`manage.py move_files_to_storage` (disk → bucket, SHA-256 checked, idempotent, mismatches exit non-zero), the
storage settings read from the environment, and production refusing to start without a shared cache."""

import io
import os
import subprocess
import sys

import environ
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from core.storage import private_storage_settings

FILES = {
    "dossiers/2025/03/0a1b2c.pdf": b"%PDF-1.7 first attachment",
    "signing/trust-roots/ca.pem": b"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
    "tracking-books/so-theo-doi.pdf": b"%PDF-1.7 a tracking book",
}


def local_tree(root):
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def stored(s3, bucket) -> dict:
    client = s3.client()
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", ())]
    return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("move_files_to_storage", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_files_are_copied_verified_and_a_second_run_copies_nothing(tmp_path, s3, bucket):
    root = local_tree(tmp_path / "private")
    out, _err = run_command("--source", str(root), "--dry-run")
    assert "0 copied and verified, 0 already stored with the same SHA-256, 3 to copy (dry run" in out
    assert stored(s3, bucket) == {}
    out, _err = run_command("--source", str(root))
    assert "3 files under" in out and "3 copied and verified, 0 already stored" in out and "0 mismatches" in out
    assert stored(s3, bucket) == FILES
    out, _err = run_command("--source", str(root))
    assert "0 copied and verified, 3 already stored with the same SHA-256" in out
    assert stored(s3, bucket) == FILES


def test_a_stored_object_with_other_content_is_reported_not_overwritten_and_the_exit_is_non_zero(tmp_path, s3,
                                                                                                 bucket):
    root = local_tree(tmp_path / "private")
    s3.client().put_object(Bucket=bucket, Key="tracking-books/so-theo-doi.pdf", Body=b"%PDF-1.7 something else")
    with pytest.raises(CommandError, match="1 files differ"):
        run_command("--source", str(root))
    assert stored(s3, bucket)["tracking-books/so-theo-doi.pdf"] == b"%PDF-1.7 something else"
    assert stored(s3, bucket)["dossiers/2025/03/0a1b2c.pdf"] == FILES["dossiers/2025/03/0a1b2c.pdf"]
    # As an operator runs it: the process's exit status is 1 and the file is named.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "onecua.settings.dev", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "PRIVATE_STORAGE_ROOT": str(root), **s3.environment(bucket)}
    proc = subprocess.run([sys.executable, "manage.py", "move_files_to_storage"], cwd=django_settings.BASE_DIR,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "MISMATCH tracking-books/so-theo-doi.pdf: stored with other content" in proc.stderr
    assert "2 already stored with the same SHA-256" in proc.stdout


def test_the_command_refuses_to_copy_the_local_storage_onto_itself(settings):
    with pytest.raises(CommandError, match="set STORAGE_BACKEND=s3"):
        run_command("--source", settings.STORAGES["default"]["OPTIONS"]["location"])


def settings_from(**variables):
    os.environ.update(variables)
    try:
        return private_storage_settings(environ.Env(), location="/srv/private")
    finally:
        for name in variables:
            os.environ.pop(name, None)


def test_the_environment_chooses_the_storage_and_the_download_mode():
    local, downloads = settings_from()
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert local["OPTIONS"]["location"] == "/srv/private" and downloads == {"MODE": "stream", "URL_SECONDS": 60}
    s3, downloads = settings_from(STORAGE_BACKEND="s3", S3_BUCKET="motcua", S3_ENDPOINT_URL="http://minio:9000",
                                  PRIVATE_DOWNLOADS="presigned", PRIVATE_DOWNLOAD_URL_SECONDS="30",
                                  S3_ADDRESSING_STYLE="virtual")
    assert s3["BACKEND"] == "core.s3.PrivateS3Storage" and downloads == {"MODE": "presigned", "URL_SECONDS": 30}
    assert s3["OPTIONS"]["bucket_name"] == "motcua" and s3["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert s3["OPTIONS"]["addressing_style"] == "virtual"


@pytest.mark.parametrize("variables, message", [
    ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND is 'ftp'"),
    ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
    ({"PRIVATE_DOWNLOADS": "presigned"}, "PRIVATE_DOWNLOADS=presigned needs an object store"),
    ({"PRIVATE_DOWNLOADS": "public"}, "PRIVATE_DOWNLOADS is 'public'"),
    ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "PRIVATE_DOWNLOAD_URL_SECONDS": "86400"}, "between 1 and 3600"),
])
def test_wrong_storage_variables_are_refused_with_a_clear_message(variables, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        settings_from(**variables)


def test_the_s3_storage_never_writes_public_objects_nor_unsigned_urls(s3, bucket):
    from django.core.files.storage import storages

    storage = storages["default"]
    assert storage.default_acl is None and storage.querystring_auth is True and storage.custom_domain is None
    assert storage.file_overwrite is False
    from core.s3 import PrivateS3Storage

    forced = PrivateS3Storage(**{**s3.storage_setting(bucket)["OPTIONS"], "default_acl": "public-read",
                                 "querystring_auth": False, "file_overwrite": True})
    assert (forced.default_acl, forced.querystring_auth, forced.file_overwrite) == (None, True, False)
    assert "X-Amz-Signature=" in forced.url("any.pdf")


PROD = {"DJANGO_SETTINGS_MODULE": "onecua.settings.prod",
        "DJANGO_SECRET_KEY": "ci-6hQ2vR8mZk1LwP0xYt7NcJ3bFa9GdUe5Hs4Kq2Wm8Vr1Tz6Py0Lo3Ni7Bx5Cj",
        "DJANGO_ALLOWED_HOSTS": "motcua.example.gov.vn", "PUBLIC_BASE_URL": "https://motcua.example.gov.vn"}


def start_production(tmp_path, **variables):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "PRIVATE_STORAGE_ROOT": str(tmp_path),
           **PROD, **variables}
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                           "print('started', settings.SESSION_ENGINE)"],
                          cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_shared_cache(tmp_path):
    refused = start_production(tmp_path)
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "onecua.E004: CACHE_URL is not set to a shared cache" in refused.stderr
    refused = start_production(tmp_path, CACHE_URL="locmemcache://")
    assert refused.returncode != 0 and "onecua.E004" in refused.stderr
    started = start_production(tmp_path, CACHE_URL="redis://127.0.0.1:6379/4")
    assert started.returncode == 0, started.stderr[-2000:]
    assert "started django.contrib.sessions.backends.cached_db" in started.stdout


def test_presigned_urls_name_the_public_address_when_browsers_reach_the_store_elsewhere(s3, bucket):
    from core.s3 import PrivateS3Storage

    storage = PrivateS3Storage(**s3.storage_setting(bucket)["OPTIONS"], public_endpoint_url="https://tep.example.vn")
    url = storage.presigned_download_url("dossiers/a.pdf", filename="to-khai.pdf", content_type="application/pdf",
                                         seconds=60)
    assert url.startswith(f"https://tep.example.vn/{bucket}/dossiers/a.pdf?") and "X-Amz-Expires=60" in url
    inner = PrivateS3Storage(**s3.storage_setting(bucket)["OPTIONS"])
    assert inner.presigned_download_url("dossiers/a.pdf", filename="a.pdf", content_type="application/pdf",
                                        seconds=60).startswith(f"{s3.endpoint}/{bucket}/")
