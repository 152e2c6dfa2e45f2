"""Private files wherever they are kept: the local disk (the embedded default) or an S3-protocol object store
(STORAGE_BACKEND=s3, core/s3.py). Everything the application does with a stored file beyond save/open/delete goes
through here, so that both behave alike:

- `private_storage_settings` builds STORAGES["default"] and PRIVATE_DOWNLOADS from the environment (settings);
- `download_response` answers a download after the view's access check: streamed (FileResponse), or, with
  PRIVATE_DOWNLOADS=presigned and an object store, a redirect to a pre-signed URL valid a few seconds;
- `open_stream`, `touch`, `entries`, `sha256_of`: reading without a temporary copy, refreshing a file's time,
  listing a folder with sizes and times in one request, a file's SHA-256.

Objects are never public: no ACL is sent (a bucket's objects are private unless granted), every URL is signed,
and no URL route serves the local folder. This module imports neither boto3 nor the models (settings import it).
"""

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "core.s3.PrivateS3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
DOWNLOAD_MODES = ("stream", "presigned")
CHUNK = 64 * 1024


# ---------------------------------------------------------------- settings
def private_storage_settings(env, *, location) -> tuple[dict, dict]:
    """(STORAGES["default"], PRIVATE_DOWNLOADS) from the environment: STORAGE_BACKEND local (the default) or s3,
    S3_ENDPOINT_URL, S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_ADDRESSING_STYLE (path,
    virtual or auto), S3_PREFIX, S3_PUBLIC_ENDPOINT_URL (the address browsers reach for pre-signed URLs, when
    it differs), PRIVATE_DOWNLOADS (stream or presigned) and PRIVATE_DOWNLOAD_URL_SECONDS (60)."""
    backend = env("STORAGE_BACKEND", default="local").strip().lower()
    mode = env("PRIVATE_DOWNLOADS", default="stream").strip().lower()
    seconds = env.int("PRIVATE_DOWNLOAD_URL_SECONDS", default=60)
    if mode not in DOWNLOAD_MODES:
        raise ImproperlyConfigured(f"PRIVATE_DOWNLOADS is {mode!r}: use 'stream' (the application sends the file) "
                                   "or 'presigned' (a redirect to a short-lived signed URL of the object store).")
    if not 1 <= seconds <= 3600:
        raise ImproperlyConfigured(f"PRIVATE_DOWNLOAD_URL_SECONDS is {seconds}: a pre-signed URL must live between "
                                   "1 and 3600 seconds (60 by default).")
    downloads = {"MODE": mode, "URL_SECONDS": seconds}
    if backend == "local":
        if mode == "presigned":
            raise ImproperlyConfigured("PRIVATE_DOWNLOADS=presigned needs an object store (STORAGE_BACKEND=s3): "
                                       "files on the local disk are always streamed by the application.")
        return {"BACKEND": LOCAL_BACKEND, "OPTIONS": {"location": str(location)}}, downloads
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND is {backend!r}: use 'local' (files under PRIVATE_STORAGE_ROOT) "
                                   "or 's3' (an S3-protocol object store: S3_BUCKET, S3_ENDPOINT_URL, …).")
    bucket = env("S3_BUCKET", default="").strip()
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET (the bucket of the private files) and "
                                   "usually S3_ENDPOINT_URL, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY.")
    style = env("S3_ADDRESSING_STYLE", default="path").strip().lower()
    if style not in ("path", "virtual", "auto"):
        raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE is {style!r}: use path, virtual or auto.")
    options = {
        "bucket_name": bucket,
        "endpoint_url": env("S3_ENDPOINT_URL", default="") or None,
        "region_name": env("S3_REGION", default="") or None,
        "access_key": env("S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env("S3_SECRET_ACCESS_KEY", default="") or None,
        "addressing_style": style,
        "location": env("S3_PREFIX", default="").strip("/"),
        "public_endpoint_url": env("S3_PUBLIC_ENDPOINT_URL", default="") or None,
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}, downloads


def downloads_setting() -> dict:
    from django.conf import settings

    return {"MODE": "stream", "URL_SECONDS": 60, **(getattr(settings, "PRIVATE_DOWNLOADS", None) or {})}


# ---------------------------------------------------------------- reading, listing, touching
@dataclass(frozen=True)
class Entry:
    name: str  # the storage name (prefix included)
    size: int
    modified: datetime


def is_object_store(storage) -> bool:
    """True for the S3 storage (it has no local path)."""
    return hasattr(storage, "open_stream")


def open_stream(storage, name: str):
    """(a file-like object to read `name` from, its size): straight from the object store's answer, without a
    temporary copy; a local file opened as it is. FileNotFoundError when there is none."""
    if is_object_store(storage):
        return storage.open_stream(name)
    handle = storage.open(name, "rb")
    return handle, handle.size


def _sha256_stream(handle) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def sha256_of(storage, name: str) -> str:
    handle, _size = open_stream(storage, name)
    try:
        return _sha256_stream(handle)
    finally:
        handle.close()


def sha256_file(path) -> str:
    """The SHA-256 of a local file (a `pathlib.Path`), read in chunks."""
    with path.open("rb") as handle:
        return _sha256_stream(handle)


def touch(storage, name: str) -> None:
    """Make `name` count as written now (the parked uploads' clean-up reads that time)."""
    if is_object_store(storage):
        storage.touch(name)
        return
    try:
        os.utime(storage.path(name))
    except (NotImplementedError, OSError):
        pass


def entries(storage, prefix: str) -> list[Entry]:
    """The files directly under `prefix` (a folder) with their sizes and times: one listing request for the
    object store; empty when the folder does not exist."""
    prefix = prefix.strip("/")
    if is_object_store(storage):
        return storage.entries(prefix)
    try:
        _dirs, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for file_name in sorted(files):
        name = f"{prefix}/{file_name}" if prefix else file_name
        try:
            found.append(Entry(name, storage.size(name), storage.get_modified_time(name).astimezone(UTC)))
        except FileNotFoundError:  # deleted meanwhile
            continue
    return found


# ---------------------------------------------------------------- downloads (after the view's access check)
def download_response(field_file, *, filename: str, content_type: str, inline: bool = False):
    """The answer to a private download the view has already allowed: the file streamed, or (PRIVATE_DOWNLOADS
    =presigned with an object store) a redirect to a URL signed for PRIVATE_DOWNLOAD_URL_SECONDS that makes the
    store answer with this name and type. Never cached by a browser or a proxy. FileNotFoundError (an OSError)
    when the file is gone."""
    from django.http import FileResponse, HttpResponseRedirect

    storage, name = field_file.storage, field_file.name
    setting = downloads_setting()
    if setting["MODE"] == "presigned" and is_object_store(storage):
        url = storage.presigned_download_url(name, filename=filename, content_type=content_type,
                                             seconds=int(setting["URL_SECONDS"]), inline=inline)
        response = HttpResponseRedirect(url)
        response["Referrer-Policy"] = "no-referrer"
    else:
        handle, size = open_stream(storage, name)
        response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
        response["Content-Length"] = str(size)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header FileResponse would write (RFC 6266, the name in ASCII or RFC 5987)."""
    from django.utils.http import content_disposition_header

    return content_disposition_header(not inline, filename)
