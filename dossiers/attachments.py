"""Files brought with an action: checked before anything is written, stored in private storage with the
action's rows, and deleted again if the transaction fails."""
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from dossiers.models import Attachment, Dossier
from dossiers.runner import APPLICANT


# ---------------------------------------------------------------- attachments
@dataclass(frozen=True)
class Upload:
    """A file brought with an action: an uploaded file (name, size, read/seek/chunks) and, at creation, the id
    of the procedure's required document it supports."""

    file: object
    document_id: int | None = None


_saved_files: ContextVar[list | None] = ContextVar("onecua_saved_files", default=None)


@contextmanager
def files_kept_only_on_commit():
    """Files written to storage inside the block are deleted again when the block fails: the database rows that
    named them are rolled back with it, and a file no row names is an orphan. Nested blocks share the outer
    journal (the outer transaction decides)."""
    if _saved_files.get() is not None:
        yield
        return
    token = _saved_files.set([])
    try:
        yield
    except BaseException:
        for storage, name in _saved_files.get():
            storage.delete(name)
        raise
    finally:
        _saved_files.reset(token)


def check_uploads(uploads: Sequence[Upload], *, already: int) -> list:
    """Check every file before anything is written (InvalidInput naming the first refused file)."""
    from dossiers.uploads import check_upload

    checked = [check_upload(upload.file) for upload in uploads]
    limit = settings.ONECUA["MAX_FILES_PER_DOSSIER"]
    if already + len(uploads) > limit:
        raise InvalidInput(_("Hồ sơ đã có quá nhiều tệp (tối đa %(n)s).") % {"n": limit})
    return checked


def store_uploads(dossier: Dossier, *, actor, uploads: Sequence[Upload], checked: list, event, purpose: str,
                   lines: dict | None = None) -> list[Attachment]:
    stored = []
    for upload, check in zip(uploads, checked, strict=True):
        document = (lines or {}).get(upload.document_id)
        stored.append(store_attachment(dossier, actor=actor, uploaded=upload.file, checked=check,
                                        document=document, purpose=purpose, event=event))
    return stored


def store_attachment(dossier: Dossier, *, actor, uploaded, checked, document, purpose: str,
                      event=None) -> Attachment:
    attachment = Attachment(
        dossier=dossier, document=document, purpose=purpose, event=event,
        original_name=(getattr(uploaded, "name", "") or "tep")[-255:],
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
        uploaded_by=None if actor is APPLICANT else actor,
    )
    # A re-encoded image (checked.content) is stored instead of what was sent: nothing appended survives.
    attachment.file.save(f"upload{checked.extension}", checked.content or uploaded, save=False)
    journal = _saved_files.get()
    if journal is not None:
        journal.append((attachment.file.storage, attachment.file.name))
    attachment.save()
    if document is not None and not document.provided:
        document.provided = True
        document.save(update_fields=["provided"])
    return attachment


