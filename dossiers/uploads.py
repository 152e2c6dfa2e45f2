"""Checking uploaded files: size, type by content (magic bytes, not the name), count per dossier."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int
    sha256: str


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def check_upload(uploaded) -> CheckedFile:
    """Raise InvalidInput with a message for the applicant if the file is too big or of a refused type."""
    limit = settings.ONECUA["MAX_UPLOAD_BYTES"]
    allowed = settings.ONECUA["ALLOWED_UPLOAD_TYPES"]
    name = getattr(uploaded, "name", "") or _("tệp")
    if uploaded.size == 0:
        raise InvalidInput(_("Tệp “%(name)s” rỗng.") % {"name": name})
    if uploaded.size > limit:
        raise InvalidInput(
            _("Tệp “%(name)s” có dung lượng %(size)s MB, vượt quá giới hạn %(limit)s MB.")
            % {"name": name, "size": f"{uploaded.size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"}
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    found = sniff(head)
    labels = ", ".join(TYPE_LABELS.get(t, t) for t in allowed)
    if found is None or found[0] not in allowed:
        raise InvalidInput(
            _("Tệp “%(name)s” không phải là %(labels)s thực sự (hệ thống kiểm tra nội dung tệp, không dựa vào tên "
              "tệp). Hãy chọn tệp %(labels)s.") % {"name": name, "labels": labels}
        )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(content_type=found[0], extension=found[1], size=uploaded.size, sha256=digest.hexdigest())
