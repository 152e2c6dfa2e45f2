"""Attachments: checked by content and size, stored privately under a random name."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings

from core.errors import ActionForbidden, InvalidInput
from dossiers import services
from dossiers.models import Attachment
from tests.builders import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES, upload

pytestmark = pytest.mark.django_db


def stored_files() -> set[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "name, content, content_type, extension",
    [
        ("Tờ khai cấp bản sao.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("ảnh CCCD.png", PNG_BYTES, "image/png", ".png"),
        ("ảnh chụp.JPG", JPEG_BYTES, "image/jpeg", ".jpg"),
        ("tờ khai.png", PDF_BYTES, "application/pdf", ".pdf"),  # the content decides, not the name
    ],
)
def test_an_allowed_file_is_stored_privately_under_a_random_name(
    world, client, name, content, content_type, extension
):
    dossier = world.received()
    document = dossier.documents.get(name="Tờ khai cấp bản sao")
    document.provided = False
    document.save()

    attachment = services.attachment_add(
        dossier=dossier, actor=world.user("clerk@desk"), uploaded=upload(name, content), document=document
    )

    attachment.refresh_from_db()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        content_type,
        len(content),
    )
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    stored = Path(attachment.file.path)
    assert re.fullmatch(r"[0-9a-f]{32}" + re.escape(extension), stored.name)
    assert Path(name).stem not in attachment.file.name
    assert stored.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT))
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    assert not any(stored.is_relative_to(Path(d)) for d in settings.STATICFILES_DIRS)
    assert stored.read_bytes() == content
    # No public URL serves it, even to a signed-in clerk of the right desk.
    url = attachment.file.url
    assert not url.startswith(settings.STATIC_URL)
    client.force_login(world.user("clerk@desk"))
    assert client.get(url).status_code == 404
    # The checklist line is ticked.
    document.refresh_from_db()
    assert document.provided


def test_the_applicant_may_upload(world):
    dossier = world.submitted()
    attachment = services.attachment_add(
        dossier=dossier, actor=services.APPLICANT, uploaded=upload("a.pdf", PDF_BYTES)
    )
    assert attachment.uploaded_by is None and attachment.dossier == dossier


def test_a_renamed_executable_is_refused(world):
    dossier = world.received()
    files_before = stored_files()
    with pytest.raises(InvalidInput) as exc:
        services.attachment_add(
            dossier=dossier, actor=world.user("clerk@desk"), uploaded=upload("x.pdf", EXE_BYTES)
        )
    assert exc.value.message == (
        "Tệp “x.pdf” không phải là PDF, JPEG, PNG thực sự (hệ thống kiểm tra nội dung tệp, không dựa vào tên tệp). "
        "Hãy chọn tệp PDF, JPEG, PNG."
    )
    assert not Attachment.objects.exists()
    assert stored_files() == files_before


def test_an_oversize_file_is_refused(world, settings):
    settings.ONECUA = {**settings.ONECUA, "MAX_UPLOAD_BYTES": 1024 * 1024}
    dossier = world.received()
    files_before = stored_files()
    big = PDF_BYTES + b"0" * (1024 * 1024 + 512 * 1024 - len(PDF_BYTES))
    with pytest.raises(InvalidInput) as exc:
        services.attachment_add(
            dossier=dossier, actor=world.user("clerk@desk"), uploaded=upload("ban-ve.pdf", big)
        )
    assert exc.value.message == "Tệp “ban-ve.pdf” có dung lượng 1.5 MB, vượt quá giới hạn 1 MB."
    assert not Attachment.objects.exists()
    assert stored_files() == files_before

    # Exactly at the limit is accepted.
    services.attachment_add(
        dossier=dossier, actor=world.user("clerk@desk"), uploaded=upload("vua-du.pdf", big[: 1024 * 1024])
    )
    assert Attachment.objects.count() == 1


def test_an_empty_file_is_refused(world):
    with pytest.raises(InvalidInput, match="rỗng"):
        services.attachment_add(
            dossier=world.received(), actor=world.user("clerk@desk"), uploaded=upload("a.pdf", b"")
        )


def test_too_many_files_are_refused(world, settings):
    settings.ONECUA = {**settings.ONECUA, "MAX_FILES_PER_DOSSIER": 1}
    dossier = world.received()
    clerk = world.user("clerk@desk")
    services.attachment_add(dossier=dossier, actor=clerk, uploaded=upload("a.pdf", PDF_BYTES))
    with pytest.raises(InvalidInput, match="quá nhiều tệp"):
        services.attachment_add(dossier=dossier, actor=clerk, uploaded=upload("b.pdf", PDF_BYTES))
    assert Attachment.objects.count() == 1


def test_staff_of_another_agency_cannot_upload(world):
    dossier = world.received()
    with pytest.raises(ActionForbidden, match="Bạn không có quyền đính kèm tệp"):
        services.attachment_add(
            dossier=dossier, actor=world.user("clerk@other_desk"), uploaded=upload("a.pdf", PDF_BYTES)
        )
    assert not Attachment.objects.exists()


def test_a_document_of_another_dossier_is_refused(world):
    dossier, other = world.received(), world.received()
    with pytest.raises(InvalidInput, match="Giấy tờ không thuộc hồ sơ này"):
        services.attachment_add(
            dossier=dossier,
            actor=world.user("clerk@desk"),
            uploaded=upload("a.pdf", PDF_BYTES),
            document=other.documents.first(),
        )
    assert not Attachment.objects.exists()
