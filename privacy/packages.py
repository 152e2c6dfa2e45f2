"""Archive packages: one ZIP per closed dossier, written next to its final name, verified, then moved in place.

Members: dossier.json (the dossier and its checklist, supplement requests, pauses, apology, form numbers, the rows
of the sections other apps registered through privacy.sections (surveys: the rating), correction requests),
events.json, notifications.json, attachments.json (their metadata) and files/ (the files), with manifest.json
listing the SHA-256 and size of every other member. The JSON files are Django's serialisation
(`manage.py loaddata` reads them back).
"""

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core import serializers
from django.utils import timezone

from dossiers.models import (
    Apology,
    ApologyProposal,
    Attachment,
    ClockPause,
    Dossier,
    DossierDocument,
    DossierEvent,
    FormNumber,
    SupplementRequest,
)
from notifications.models import Notification
from privacy.models import CorrectionRequest
from privacy.sections import archive_records

FORMAT = "onecua-archive/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class PackageError(Exception):
    """The package could not be written or did not verify; nothing was removed."""


@dataclass(frozen=True)
class Package:
    path: Path
    sha256: str
    size: int
    file_count: int
    stored_files: list[str]  # names in private storage, to delete once the live rows are blanked


def _json(objects) -> bytes:
    return serializers.serialize("json", objects, indent=2, ensure_ascii=False).encode("utf-8")


def package_name(dossier: Dossier, closed_at) -> PurePosixPath:
    """<year closed>/<dossier code>.zip (the code keeps only letters, digits, dots and dashes)."""
    safe = re.sub(r"[^A-Za-z0-9.\-]", "_", dossier.code) or f"dossier-{dossier.pk}"
    return PurePosixPath(f"{timezone.localtime(closed_at):%Y}") / f"{safe}.zip"


def _sha256_of(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _records(dossier: Dossier) -> dict[str, bytes]:
    related = [
        *DossierDocument.objects.filter(dossier=dossier).order_by("pk"),
        *SupplementRequest.objects.filter(dossier=dossier).order_by("pk"),
        *ClockPause.objects.filter(dossier=dossier).order_by("pk"),
        *Apology.objects.filter(dossier=dossier),
        *ApologyProposal.objects.filter(dossier=dossier).order_by("pk"),
        *FormNumber.objects.filter(dossier=dossier).order_by("pk"),
        *archive_records(dossier),
        *CorrectionRequest.objects.filter(dossier=dossier).order_by("pk"),
    ]
    return {
        "dossier.json": _json([dossier, *related]),
        "events.json": _json(DossierEvent.objects.filter(dossier=dossier).order_by("at", "pk")),
        "notifications.json": _json(Notification.objects.filter(dossier=dossier).order_by("created_at", "pk")),
    }


def _member_for(attachment: Attachment) -> str:
    return f"files/{attachment.pk}-{PurePosixPath(attachment.file.name).name}"


def write_package(dossier: Dossier, *, root: Path, closed_at) -> Package:
    """Write and verify the dossier's package under `root`; raise PackageError (leaving nothing behind) when a
    file is missing or altered, or the written ZIP does not read back identically."""
    final = Path(root) / package_name(dossier, closed_at)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial")
    attachments = list(Attachment.objects.filter(dossier=dossier).order_by("pk"))
    members: list[dict] = []
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in _records(dossier).items():
                archive.writestr(name, content)
                members.append({"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()})
            listing = []
            for attachment in attachments:
                if not attachment.file.name:
                    raise PackageError(f"tệp đính kèm {attachment.pk} không còn tên tệp lưu trữ")
                member = _member_for(attachment)
                digest, size = hashlib.sha256(), 0
                try:
                    with attachment.file.storage.open(attachment.file.name, "rb") as source, \
                            archive.open(member, "w", force_zip64=True) as target:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            size += len(chunk)
                            target.write(chunk)
                except FileNotFoundError as exc:
                    raise PackageError(f"không tìm thấy tệp của tệp đính kèm {attachment.pk}") from exc
                sha256 = digest.hexdigest()
                if sha256 != attachment.sha256:
                    raise PackageError(f"tệp đính kèm {attachment.pk} đã bị thay đổi (SHA-256 khác lúc tải lên)")
                members.append({"name": member, "size": size, "sha256": sha256})
                listing.append(attachment)
            content = _json(listing)
            archive.writestr("attachments.json", content)
            members.append({"name": "attachments.json", "size": len(content),
                            "sha256": hashlib.sha256(content).hexdigest()})
            manifest = {"format": FORMAT, "dossier": dossier.code, "dossier_id": dossier.pk,
                        "closed_at": closed_at.isoformat(), "created_at": timezone.now().isoformat(),
                        "members": members}
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        verify_package(partial)
        with open(partial, "rb") as handle:
            sha256, size = _sha256_of(handle)
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Package(path=final, sha256=sha256, size=size, file_count=len(attachments),
                   stored_files=[a.file.name for a in attachments])


def verify_package(path: Path) -> dict:
    """Read the ZIP back: every member named in the manifest, none other, each with its SHA-256 and size.
    Returns the manifest; raises PackageError."""
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.testzip() is not None:
                raise PackageError("gói lưu trữ bị hỏng (CRC)")
            manifest = json.loads(archive.read(MANIFEST))
            listed = {m["name"]: m for m in manifest["members"]}
            present = set(archive.namelist()) - {MANIFEST}
            if present != set(listed):
                raise PackageError("danh sách tệp trong gói khác với bản kê (manifest)")
            for name, entry in listed.items():
                with archive.open(name) as member:
                    sha256, size = _sha256_of(member)
                if (sha256, size) != (entry["sha256"], entry["size"]):
                    raise PackageError(f"tệp {name} trong gói không khớp mã băm của bản kê")
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PackageError(f"không đọc được gói lưu trữ: {exc}") from exc
    return manifest
