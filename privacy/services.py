"""Writes of the privacy app: the access log, correction requests, the archiving of closed dossiers."""

import ipaddress
import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import ratelimit
from core.errors import ActionForbidden, InvalidInput, TransitionRefused
from dossiers.models import TERMINAL_STATES, Attachment, Dossier
from notifications.models import Notification
from privacy.models import (
    ARCHIVED_MARK,
    AccessKind,
    CorrectionField,
    CorrectionRequest,
    CorrectionStatus,
    DossierArchive,
    PersonalDataAccess,
)
from privacy.packages import write_package

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- the access log
def _client_address(request) -> str | None:
    """The client's address: accounts.ratelimit.client_ip when the project has it (proxies), else REMOTE_ADDR;
    None when it is not an IP address."""
    if request is None:
        return None
    finder = getattr(ratelimit, "client_ip", None)
    value = finder(request) if finder is not None else request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(str(value or "").strip()))
    except ValueError:
        return None


def _check_kind(what: str) -> str:
    if what not in AccessKind.values:
        raise ValueError(f"unknown access kind {what!r}; one of {AccessKind.values}")
    return what


def access_record(*, actor, dossier: Dossier, what: str, request=None, detail: str = "") -> PersonalDataAccess | None:
    """Log that `actor` opened `dossier`'s personal data (`what`: an AccessKind value; `detail`: the form number,
    the attachment, the export). One INSERT, in autocommit or in the caller's transaction; call it only once the
    access was allowed. Nothing is logged for an anonymous actor."""
    _check_kind(what)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return PersonalDataAccess.objects.create(user=actor, dossier=dossier, kind=what, detail=str(detail)[:100],
                                             client_address=_client_address(request))


def access_record_many(*, actor, dossiers, what: str, request=None, detail: str = "") -> int:
    """The same for every dossier of an export (one multi-row INSERT); returns the number of rows."""
    _check_kind(what)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return 0
    address, now = _client_address(request), timezone.now()
    rows = [PersonalDataAccess(user=actor, dossier_id=d.pk, kind=what, detail=str(detail)[:100], at=now,
                               client_address=address) for d in dossiers]
    PersonalDataAccess.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def access_log_purge(*, now: datetime | None = None) -> int:
    """Delete the rows older than ONECUA["ACCESS_LOG_DAYS"] days; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ONECUA["ACCESS_LOG_DAYS"])
    deleted, _by_model = PersonalDataAccess.objects.filter(at__lt=cutoff).delete()
    return deleted


# ---------------------------------------------------------------- correction requests
@transaction.atomic
def correction_request_create(*, actor, dossier: Dossier | None, field: str, wrong_value: str,
                              correct_value: str) -> CorrectionRequest:
    """A citizen asks for their data to be corrected: about one of their own dossiers (the receiving desk handles
    it) or their account (dossier None)."""
    if actor is None or not actor.is_authenticated:
        raise ActionForbidden(_("Hãy đăng nhập để gửi yêu cầu đính chính."))
    if dossier is not None and dossier.applicant_user_id != actor.pk:
        raise ActionForbidden(_("Hồ sơ này không thuộc tài khoản của bạn."))
    if field not in CorrectionField.values:
        raise InvalidInput(_("Hãy chọn thông tin cần đính chính."))
    wrong_value, correct_value = wrong_value.strip(), correct_value.strip()
    if not correct_value:
        raise InvalidInput(_("Hãy ghi thông tin đúng."))
    return CorrectionRequest.objects.create(
        user=actor, dossier=dossier, agency_id=dossier.receiving_agency_id if dossier else None, field=field,
        wrong_value=wrong_value[:1000], correct_value=correct_value[:1000])


@transaction.atomic
def correction_request_close(*, actor, correction: CorrectionRequest, response: str) -> CorrectionRequest:
    """A clerk of the receiving desk records what was done (the correction itself is made by the dossier's
    ordinary procedure) and closes the request."""
    from privacy.selectors import corrections_for_desk

    row = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
    if not corrections_for_desk(user=actor, status=None).filter(pk=row.pk).exists():
        raise ActionForbidden(_("Chỉ cán bộ một cửa của nơi tiếp nhận hồ sơ mới xử lý được yêu cầu này."))
    if row.status != CorrectionStatus.OPEN:
        raise TransitionRefused(_("Yêu cầu này đã được xử lý."))
    if not response.strip():
        raise InvalidInput(_("Hãy ghi nội dung trả lời cho công dân."))
    row.status, row.handled_by, row.handled_at, row.response = CorrectionStatus.DONE, actor, timezone.now(), \
        response.strip()
    row.save(update_fields=["status", "handled_by", "handled_at", "response"])
    return row


# ---------------------------------------------------------------- archiving closed dossiers
def archive_root() -> Path:
    return Path(settings.ARCHIVE_ROOT)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # the rows no longer name it: an orphan to clean by hand, reported in the log
            log.exception("archive: could not delete %s from private storage", name)


def dossier_archive(*, actor, dossier: Dossier, before: datetime) -> DossierArchive | None:
    """Export one closed dossier to its archive package, then remove its personal data from the live rows.

    In one transaction, with the dossier row locked: check it is still closed before `before` and not archived,
    write and verify the package (packages.write_package), blank the applicant's fields (name, ID number, phone,
    address → "[đã lưu trữ]"; e-mail, birth date, the authorised person, the request text → empty; the link to
    the citizen's account removed), delete the attachment rows and the correction requests (both are in the
    package), blank the notifications' recipients and bodies, and mark it archived. The files leave private
    storage after the commit.
    Figures are untouched: no statistics field changes and the Dossier row stays. Returns None when the dossier
    no longer qualifies (archived meanwhile, reopened); raises packages.PackageError when the package fails (and
    then nothing changed)."""
    package = None
    try:
        with transaction.atomic():
            d = Dossier.objects.select_for_update().get(pk=dossier.pk)
            closed_at = d.returned_at or d.finished_at
            if (d.state not in TERMINAL_STATES or closed_at is None or closed_at >= before
                    or DossierArchive.objects.filter(dossier=d).exists()):
                return None
            package = write_package(d, root=archive_root(), closed_at=closed_at)
            now = timezone.now()
            Dossier.objects.filter(pk=d.pk).update(
                applicant_name=ARCHIVED_MARK, applicant_id_number=ARCHIVED_MARK, applicant_phone=ARCHIVED_MARK,
                applicant_address=ARCHIVED_MARK, applicant_email="", applicant_birth_date=None,
                authorised_name="", authorised_id_number="", authorised_phone="", request_text="",
                applicant_user=None, version=F("version") + 1, updated_at=now)
            Attachment.objects.filter(dossier=d).delete()  # their list and files are in the package
            Notification.objects.filter(dossier=d).update(recipient="", body="")
            CorrectionRequest.objects.filter(dossier=d).delete()  # in the package too; they name the citizen
            archive = DossierArchive.objects.create(
                dossier=d, closed_at=closed_at, archived_at=now, archived_by=actor,
                package=package.path.relative_to(archive_root()).as_posix(), package_sha256=package.sha256,
                package_size=package.size, file_count=package.file_count)
            names = list(package.stored_files)
            transaction.on_commit(lambda: _delete_files(names))
    except BaseException:
        if package is not None:  # written but the database kept nothing: the next run writes it again
            package.path.unlink(missing_ok=True)
        raise
    return archive
