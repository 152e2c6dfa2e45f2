"""Checking uploaded files: size, type by content (magic bytes, not the name), then the whole content.

A PDF is parsed and refused when it carries JavaScript, a launch action, embedded files or a stream that
decompresses past a limit (checked incrementally, so the check itself cannot be bombed); an encrypted or
unreadable PDF is refused. An image (JPEG, PNG) is fully decoded within a pixel limit and re-encoded: what is
stored is the re-encoded image (`CheckedFile.content`), so nothing appended to or hidden around the picture (an
HTML page, a ZIP, comments, metadata) survives. Every refusal names the file and says why.

Parked uploads (the online submission keeps checked files under PARKED_DIR between the form and its
confirmation) older than ONECUA["PARKED_UPLOAD_HOURS"] are removed by `remove_parked_uploads` (a periodic task).
"""

import hashlib
import re
import zlib
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader
from pypdf._configuration import apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode
from pypdf.generic import ArrayObject, DictionaryObject, EncodedStreamObject, IndirectObject

from core.errors import InvalidInput
from core.storage import entries
from procedures.text import strip_diacritics

SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
TYPE_LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {content_type: ext for _magic, content_type, ext in SIGNATURES}
PARKED_DIR = "tmp"
DEFAULT_DOWNLOAD_STEM = "tep-dinh-kem"


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str
    size: int  # of what is to be stored (the re-encoded image, if any)
    sha256: str  # idem
    # What to store instead of the upload (a re-encoded image), or None: store the upload as it is.
    content: File | None = None


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def check_upload(uploaded) -> CheckedFile:
    """Raise InvalidInput with a message for the applicant if the file is too big, of a refused type or of an
    unsafe or unreadable content; otherwise describe what is to be stored."""
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
    data = uploaded.read(limit + 1)
    uploaded.seek(0)
    found = sniff(data[:16])
    labels = ", ".join(TYPE_LABELS.get(t, t) for t in allowed)
    if found is None or found[0] not in allowed or len(data) > limit:
        raise InvalidInput(
            _("Tệp “%(name)s” không phải là %(labels)s thực sự (hệ thống kiểm tra nội dung tệp, không dựa vào tên "
              "tệp). Hãy chọn tệp %(labels)s.") % {"name": name, "labels": labels}
        )
    content_type, extension = found
    content = None
    if content_type == "application/pdf":
        _check_pdf(data, name)
    else:
        data = _reencoded_image(data, content_type, name)
        content = ContentFile(data, name=f"upload{extension}")
    return CheckedFile(content_type=content_type, extension=extension, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), content=content)


# ---------------------------------------------------------------- PDF
_SCRIPT, _LAUNCH, _EMBEDDED = "script", "launch", "embedded"
# Names that only occur where a document can run a script, start a program or carry another file.
_FORBIDDEN_NAMES = {
    "/JS": _SCRIPT, "/JavaScript": _SCRIPT, "/XFA": _SCRIPT,  # XFA forms carry their own scripts
    "/Launch": _LAUNCH,
    "/EmbeddedFiles": _EMBEDDED, "/EmbeddedFile": _EMBEDDED, "/EF": _EMBEDDED, "/FileAttachment": _EMBEDDED,
}
_FLATE = {"/FlateDecode", "/Fl"}
_BOUNDED_DECODERS = {  # other filters that can expand; pypdf's decoders stop at the configured limit
    "/LZWDecode": LZWDecode, "/LZW": LZWDecode, "/RunLengthDecode": RunLengthDecode, "/RL": RunLengthDecode,
    "/ASCIIHexDecode": ASCIIHexDecode, "/AHx": ASCIIHexDecode, "/ASCII85Decode": ASCII85Decode,
    "/A85": ASCII85Decode,
}
_INFLATE_STEP = 1 << 20
# The raw bytes outside stream bodies, scanned too: objects pypdf cannot reach (an earlier revision, a broken
# cross-reference table a viewer would repair) are still seen.
_STREAM_EOL = re.compile(rb"[ \t]*(?:\r\n|\r|\n)")  # after the `stream` keyword
_NAME = re.compile(rb"/[^\x00\t\n\x0c\r /<>\[\]()%{}]*")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_JAVASCRIPT_URI = re.compile(r"^[\x00-\x20]*javascript:", re.I)


class _Bomb(Exception):
    def __init__(self, limit: int):
        self.limit = limit


@dataclass
class _Budget:
    stream_limit: int  # bytes one stream may decompress to
    total_limit: int  # bytes all streams together may decompress to
    used: int = 0

    def spend(self, size: int) -> None:
        if size > self.stream_limit:
            raise _Bomb(self.stream_limit)
        self.used += size
        if self.used > self.total_limit:
            raise _Bomb(self.total_limit)

    def allowed(self) -> int:
        """The most one more stream may decompress to before a limit is passed (the check stops one byte on)."""
        return min(self.stream_limit, self.total_limit - self.used)


def _check_pdf(data: bytes, name: str) -> None:
    stream_limit = settings.ONECUA["MAX_PDF_STREAM_BYTES"]
    total_limit = settings.ONECUA["MAX_PDF_TOTAL_STREAM_BYTES"]
    problem = _raw_problem(data)
    if problem is None:
        limits = {key: stream_limit for key in (
            "zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
            "jbig2_maximum_output_length", "brotli_maximum_output_length",
            "array_based_stream_maximum_output_length", "image_maximum_buffer_size")}
        try:
            # The limits also bound what pypdf decompresses itself (object and cross-reference streams).
            with apply_configuration(jbig2dec_binary=None, **limits):
                reader = PdfReader(BytesIO(data), strict=False)
                if reader.is_encrypted:
                    raise InvalidInput(
                        _("Tệp “%(name)s” được đặt mật khẩu hoặc mã hóa nên hệ thống không kiểm tra được nội dung. "
                          "Hãy gỡ mật khẩu (hoặc in lại ra tệp PDF mới) rồi đính kèm lại.") % {"name": name})
                problem = _parsed_problem(reader, _Budget(stream_limit, total_limit))
        except InvalidInput:
            raise
        except _Bomb as exc:
            problem = exc
        except LimitReachedError:
            problem = _Bomb(stream_limit)
        except Exception:  # noqa: BLE001 - any failure to parse a hostile file is a refusal, never a 500
            raise InvalidInput(
                _("Tệp “%(name)s” bị hỏng hoặc không phải là tệp PDF hợp lệ nên không đọc được. Hãy xuất lại tệp "
                  "PDF hoặc quét lại giấy tờ rồi đính kèm.") % {"name": name}) from None
    if problem is None:
        return
    if isinstance(problem, _Bomb):
        raise InvalidInput(
            _("Tệp “%(name)s” chứa dữ liệu nén mà khi giải nén vượt quá %(limit)s MB nên không được chấp nhận. "
              "Hãy in lại tài liệu ra tệp PDF mới hoặc quét lại giấy tờ rồi đính kèm.")
            % {"name": name, "limit": f"{problem.limit / 1048576:g}"})
    messages = {
        _SCRIPT: _("Tệp “%(name)s” chứa mã JavaScript (có thể tự chạy khi mở tệp) nên không được chấp nhận. "
                   "Hãy in lại tài liệu ra tệp PDF mới hoặc quét lại giấy tờ rồi đính kèm."),
        _LAUNCH: _("Tệp “%(name)s” chứa lệnh mở chương trình hoặc tệp khác (Launch) nên không được chấp nhận. "
                   "Hãy in lại tài liệu ra tệp PDF mới hoặc quét lại giấy tờ rồi đính kèm."),
        _EMBEDDED: _("Tệp “%(name)s” có tệp khác đính kèm bên trong nên không được chấp nhận. Hãy đính kèm "
                     "riêng từng giấy tờ dưới dạng tệp PDF, JPEG hoặc PNG."),
    }
    raise InvalidInput(messages[problem] % {"name": name})


def _first(found: set[str]) -> str | None:
    for problem in (_SCRIPT, _LAUNCH, _EMBEDDED):
        if problem in found:
            return problem
    return None


def _outside_streams(data: bytes) -> bytes:
    """The file without its stream bodies (binary data where any byte sequence may occur), in linear time."""
    parts, position, search = [], 0, 0
    while (start := data.find(b"stream", search)) >= 0:
        search = start + len(b"stream")
        if start and data[start - 1:start].isalpha():
            continue  # `endstream`, or a longer word
        eol = _STREAM_EOL.match(data, search)
        if eol is None:
            continue
        end = data.find(b"endstream", eol.end())
        if end < 0:
            break
        parts.append(data[position:start])
        position = search = end + len(b"endstream")
    parts.append(data[position:])
    return b" ".join(parts)


def _raw_problem(data: bytes) -> str | None:
    outside_streams = _outside_streams(data)
    found = set()
    for match in _NAME.finditer(outside_streams):
        name = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group()).decode("latin-1")
        if name in _FORBIDDEN_NAMES:
            found.add(_FORBIDDEN_NAMES[name])
    return _first(found)


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _parsed_problem(reader: PdfReader, budget: _Budget) -> str | None:
    """Every object of the file (not only those reachable from the catalogue), each dictionary's keys and the
    values that name an action, each stream decompressed with a limit."""
    found: set[str] = set()
    roots = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots += [IndirectObject(number, generation, reader) for number in numbers]
    roots += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    for root in roots:
        stack = [_resolve(root)]
        while stack:
            obj = stack.pop()
            if isinstance(obj, DictionaryObject):
                for key, value in dict.items(obj):
                    if key in _FORBIDDEN_NAMES:
                        found.add(_FORBIDDEN_NAMES[key])
                    if key in ("/S", "/Subtype", "/Type", "/URI"):
                        value = _resolve(value)
                        if isinstance(value, str) and value in _FORBIDDEN_NAMES:
                            found.add(_FORBIDDEN_NAMES[value])
                        if key == "/URI" and isinstance(value, str) and _JAVASCRIPT_URI.match(value):
                            found.add(_SCRIPT)
                    if not isinstance(value, IndirectObject):  # indirect objects are roots of their own
                        stack.append(value)
                if isinstance(obj, EncodedStreamObject):
                    _check_stream(obj, budget)
            elif isinstance(obj, ArrayObject):
                stack.extend(v for v in obj if not isinstance(v, IndirectObject))
    return _first(found)


def _check_stream(stream: EncodedStreamObject, budget: _Budget) -> None:
    """Decode the stream through its general-purpose filters with a limit; image codecs (DCT, JPX, JBIG2,
    CCITT) and unknown filters end the chain (their output is pixels, not decompressed by this check)."""
    filters = _resolve(dict.get(stream, "/Filter"))
    filters = [_resolve(f) for f in filters] if isinstance(filters, ArrayObject) else [filters]
    data = stream._data
    for index, name in enumerate(filters):
        last = not any(f in _FLATE or f in _BOUNDED_DECODERS for f in filters[index + 1:])
        if name in _FLATE:
            size, data = _inflate(data, budget.allowed(), keep=not last)
        elif name in _BOUNDED_DECODERS:
            data = _BOUNDED_DECODERS[name].decode(data)  # bounded by the pypdf configuration
            size = len(data)
        else:
            break
        budget.spend(size)
        if last:
            break


def _inflate(data: bytes, limit: int, *, keep: bool) -> tuple[int, bytes]:
    """Inflate at most limit + 1 bytes, a megabyte at a time; only the size is kept unless `keep`. A corrupt
    stream counts what decoded before the error (a viewer cannot show more)."""
    for wbits in (zlib.MAX_WBITS | 32, -zlib.MAX_WBITS):  # zlib or gzip header, then raw deflate
        inflater, size, parts, pending = zlib.decompressobj(wbits), 0, [], data
        try:
            while True:
                piece = inflater.decompress(pending, _INFLATE_STEP)
                size += len(piece)
                if size > limit:
                    return size, b""
                if keep:
                    parts.append(piece)
                pending = inflater.unconsumed_tail
                if inflater.eof or (not pending and not piece):
                    break
        except zlib.error:
            if size == 0 and wbits > 0:
                continue
        return size, b"".join(parts)
    return 0, b""


# ---------------------------------------------------------------- images
def _reencoded_image(data: bytes, content_type: str, name: str) -> bytes:
    """Decode the whole image (within the pixel limit) and encode it again: only the picture is kept."""
    image_format = "JPEG" if content_type == "image/jpeg" else "PNG"
    max_pixels = settings.ONECUA["MAX_IMAGE_PIXELS"]
    too_big = _("Tệp “%(name)s” là ảnh quá lớn (vượt quá %(limit)s triệu điểm ảnh). Hãy chụp hoặc quét lại với "
                "độ phân giải thấp hơn rồi đính kèm.") % {"name": name, "limit": f"{max_pixels / 1e6:g}"}
    try:
        with Image.open(BytesIO(data), formats=[image_format]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidInput(too_big)
            image.load()
            out = BytesIO()
            image.save(out, image_format, **_save_options(image))
            return out.getvalue()
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        raise InvalidInput(too_big) from None
    except Exception:  # noqa: BLE001 - whatever does not decode is refused
        raise InvalidInput(
            _("Tệp “%(name)s” không phải là ảnh %(label)s hợp lệ (không đọc được nội dung ảnh) nên không được "
              "chấp nhận. Hãy chụp hoặc quét lại giấy tờ rồi đính kèm.")
            % {"name": name, "label": TYPE_LABELS[content_type]}) from None


def _save_options(image: Image.Image) -> dict:
    """The picture, its resolution, colour profile and (JPEG) orientation; no comment, EXIF or text chunk."""
    options = {}
    if dpi := image.info.get("dpi"):
        options["dpi"] = dpi
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    if image.format in ("JPEG", "MPO"):
        # The original quantisation tables and subsampling: a second check of the same file changes nothing.
        options.update({"quality": "keep"} if image.format == "JPEG" else {"quality": 90})
        options["comment"] = b""
        orientation = image.getexif().get(0x0112)
        if orientation and orientation != 1:
            exif = Image.Exif()
            exif[0x0112] = orientation
            options["exif"] = exif
    return options


# ---------------------------------------------------------------- downloads
def download_name(*, document_name: str, content_type: str) -> str:
    """The name a download is offered under: the checklist document's name in ASCII ('Tờ khai đăng ký' →
    'to-khai-dang-ky') or a neutral name, with the extension of the detected type. Never the uploaded name."""
    stem = slugify(strip_diacritics(document_name or ""))[:80].strip("-") or DEFAULT_DOWNLOAD_STEM
    return stem + EXTENSIONS.get(content_type, "")


# ---------------------------------------------------------------- parked uploads
def remove_parked_uploads(*, older_than: timedelta | None = None) -> int:
    """Delete parked uploads (files directly under PARKED_DIR) last written more than `older_than` ago (default
    ONECUA["PARKED_UPLOAD_HOURS"]); return how many were deleted."""
    if older_than is None:
        older_than = timedelta(hours=settings.ONECUA["PARKED_UPLOAD_HOURS"])
    cutoff = timezone.now() - older_than
    removed = 0
    # One listing with the times (one request to an object store, not one per file).
    for entry in entries(default_storage, PARKED_DIR):
        if entry.modified < cutoff:
            default_storage.delete(entry.name)  # deleting a file confirmed (and deleted) meanwhile is no error
            removed += 1
    return removed
