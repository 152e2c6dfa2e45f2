"""Is this PDF a valid signed result? pyHanko's validation of the last signature in the file against the
configured trust roots (settings.SIGNING_TRUST_ROOTS: PEM or DER files, or directories of them), at the current
time, with no network access. One verdict for the public page /xac-thuc/ (an upload or the QR code's link to a
stored document) and for `manage.py verify_result`.

The verdict is valid only when the signature is intact and cryptographically valid, covers the whole file
(nothing was added after signing), and its certificate chains to a trust root and is valid now. Otherwise the
reason names the first problem found, in this order: not a PDF, unreadable, no signature, modified after signing,
revoked, expired, not yet valid, not trusted.
"""

import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.formatting import vn_date, vn_short_datetime

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str  # valid, not_pdf, unreadable, no_signature, modified, revoked, expired, not_yet_valid, untrusted
    message: str
    signer: str = ""  # the certificate's subject (the agency)
    signer_name: str = ""  # the person named in the signature (the leader)
    signed_at: datetime | None = None


# ---------------------------------------------------------------- the trust roots
_ROOTS: dict[tuple, list] = {}
_ROOTS_LOCK = threading.Lock()


STORAGE_PREFIX = "storage:"


def _root_sources() -> list[tuple[str, tuple, object]]:
    """(label, what identifies its current version, a reader of its bytes) for each configured root file: an
    entry "storage:<folder or file>" is read from private storage (the local disk or the bucket, one listing per
    folder), any other entry from the local file system."""
    from django.core.files.storage import default_storage

    from core.storage import entries

    sources = []
    for entry in getattr(settings, "SIGNING_TRUST_ROOTS", None) or []:
        text = str(entry).strip()
        if text.startswith(STORAGE_PREFIX):
            name = text[len(STORAGE_PREFIX):].strip("/")
            if not name:
                continue
            found = [e for e in entries(default_storage, name) if Path(e.name).suffix.lower() in CERT_SUFFIXES]
            if not found and Path(name).suffix.lower() in CERT_SUFFIXES:
                folder = name.rpartition("/")[0]
                found = [e for e in entries(default_storage, folder) if e.name == name]
            for item in found:
                sources.append((item.name, ("storage", item.name, item.modified.timestamp(), item.size),
                                lambda n=item.name: _read_stored(default_storage, n)))
            continue
        path = Path(text)
        files = []
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in CERT_SUFFIXES and p.is_file())
        elif path.is_file():
            files = [path]
        for file in files:
            stat = file.stat()
            sources.append((file.name, (str(file), stat.st_mtime_ns, stat.st_size), file.read_bytes))
    return sources


def _read_stored(storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return handle.read()


def trust_roots() -> list:
    """The configured root certificates (asn1crypto), read again when a file changes."""
    from pyhanko.keys import load_certs_from_pemder_data

    sources = _root_sources()
    signature = tuple(version for _label, version, _read in sources)
    with _ROOTS_LOCK:
        if signature in _ROOTS:
            return _ROOTS[signature]
    roots = []
    for label, _version, read in sources:
        try:
            roots.extend(load_certs_from_pemder_data(read()))
        except Exception:  # noqa: BLE001 - one unreadable file must not hide the others
            logger.error("Signing trust root %s is not a PEM or DER certificate; ignored.", Path(label).name)
    with _ROOTS_LOCK:
        _ROOTS.clear()
        _ROOTS[signature] = roots
    return roots


def validation_context():
    from pyhanko_certvalidator import ValidationContext

    # An explicit list (even empty) of roots: pyHanko never falls back to the operating system's TLS roots.
    return ValidationContext(trust_roots=list(trust_roots()), allow_fetching=False, revocation_mode="soft-fail")


# ---------------------------------------------------------------- the verdict
def _when(value: datetime | None) -> str:
    return vn_short_datetime(value) if value else ""


def _subject(certificate) -> str:
    try:
        return certificate.subject.native.get("common_name") or certificate.subject.human_friendly
    except Exception:  # noqa: BLE001
        return ""


def verify_pdf(data: bytes) -> Verdict:
    """The verdict on a PDF's signature (never raises on bad input)."""
    if PDF_MAGIC not in data[:1024]:
        return Verdict(False, "not_pdf", _("Tệp này không phải tệp PDF."))
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - any parsing failure of an untrusted file
        if b"/ByteRange" in data:
            return Verdict(False, "modified", _("Không hợp lệ: tệp đã ký nhưng đã bị sửa đổi hoặc hư hỏng sau khi "
                                                "ký (không đọc được cấu trúc PDF)."))
        return Verdict(False, "unreadable", _("Không đọc được tệp PDF: tệp bị hỏng hoặc không đúng định dạng."))
    if not signatures:
        return Verdict(False, "no_signature", _("Không hợp lệ: tệp PDF này không có chữ ký số."))
    try:
        return _judge(signatures[-1])
    except Exception:  # noqa: BLE001 - a malformed signature object
        logger.warning("A signature could not be validated.", exc_info=True)
        return Verdict(False, "modified", _("Không hợp lệ: chữ ký số trong tệp bị hỏng hoặc tài liệu đã bị sửa đổi "
                                            "sau khi ký."))


def _judge(embedded) -> Verdict:
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    usage = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)
    try:
        status = validate_pdf_signature(embedded, validation_context(), key_usage_settings=usage)
    except SignatureValidationError:
        return Verdict(False, "modified", _("Không hợp lệ: chữ ký số không khớp với nội dung tài liệu (tài liệu "
                                            "đã bị sửa đổi sau khi ký)."))
    signer = _subject(status.signing_cert)
    name = embedded.sig_object.get("/Name")
    facts = {"signer": signer, "signer_name": str(name) if name else "", "signed_at": status.signer_reported_dt}
    if not (status.intact and status.valid):
        return Verdict(False, "modified", _("Không hợp lệ: tài liệu đã bị sửa đổi sau khi ký (nội dung không còn "
                                            "khớp với chữ ký số của %(signer)s).") % facts, **facts)
    from pyhanko.sign.diff_analysis import ModificationLevel

    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not whole and status.modification_level not in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return Verdict(False, "modified", _("Không hợp lệ: tài liệu đã bị sửa đổi sau khi ký (có nội dung được "
                                            "thêm vào sau chữ ký số của %(signer)s).") % facts, **facts)
    if not status.trusted:
        return _trust_problem(status, facts)
    if not status.bottom_line:
        return Verdict(False, "modified", _("Không hợp lệ: chữ ký số không đáp ứng các ràng buộc của tài liệu."),
                       **facts)
    who = signer + (_(" (người ký: %(name)s)") % {"name": facts["signer_name"]} if facts["signer_name"] else "")
    message = _("Hợp lệ: ký bởi %(who)s lúc %(at)s, không bị sửa đổi sau khi ký.") % {
        "who": who, "at": _when(facts["signed_at"])}
    return Verdict(True, "valid", message, **facts)


def _trust_problem(status, facts: dict) -> Verdict:
    from pyhanko.sign.ades.report import AdESIndeterminate

    indication = status.trust_problem_indic
    certificate = status.signing_cert
    now = timezone.now()
    if status.revoked:
        return Verdict(False, "revoked", _("Không hợp lệ: chứng thư số của %(signer)s đã bị thu hồi.") % facts,
                       **facts)
    not_after, not_before = certificate.not_valid_after, certificate.not_valid_before
    path_found = indication != AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND
    if path_found and (indication in (AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.EXPIRED)
                       or now > not_after):
        return Verdict(False, "expired", _("Không hợp lệ: chứng thư số của %(signer)s đã hết hạn ngày %(date)s.")
                       % {**facts, "date": vn_date(not_after)}, **facts)
    if path_found and (indication == AdESIndeterminate.NOT_YET_VALID or now < not_before):
        return Verdict(False, "not_yet_valid", _("Không hợp lệ: chứng thư số của %(signer)s chưa có hiệu lực "
                                                 "(từ ngày %(date)s).") % {**facts, "date": vn_date(not_before)}, **facts)
    return Verdict(False, "untrusted", _("Không hợp lệ: người ký không được tin cậy — chứng thư số của "
                                         "%(signer)s không do tổ chức chứng thực được tin cậy cấp.") % facts, **facts)


def verify_stored(signature) -> Verdict:
    """The verdict on a stored signed result (printing.models.ResultSignature), read from private storage."""
    if not signature.is_signed:
        return Verdict(False, "no_signature", _("Không hợp lệ: văn bản này không có chữ ký số."))
    try:
        with signature.attachment.file.open("rb") as handle:
            data = handle.read()
    except OSError:
        logger.error("The stored signed result %s cannot be read.", signature.pk)
        return Verdict(False, "unreadable", _("Không đọc được văn bản đã lưu; hãy liên hệ cơ quan giải quyết."))
    return verify_pdf(data)
