"""What staff do on the sync page: send a row again (after the cause is fixed), or skip it so the dossier's later
rows may go."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ActionForbidden, InvalidInput, TransitionRefused
from integrations.delivery import heads_due
from integrations.models import DONE_STATUSES, PARKED_STATUSES, SyncRow, SyncStatus
from integrations.outbox import remap, unmapped_message
from integrations.selectors import acting_agency_ids
from integrations.tasks import dispatch

# Rows a person may send again: parked ones, and pending ones waiting for their back-off to end.
RETRYABLE = (*PARKED_STATUSES, SyncStatus.PENDING)


def _check(row: SyncRow, actor) -> None:
    if row.agency_id not in acting_agency_ids(user=actor):
        raise ActionForbidden(_("Bạn không có quyền gửi lại bản tin đồng bộ của nơi tiếp nhận này."))


def _dispatch_after(row: SyncRow) -> None:
    """After commit: the dossier's first undelivered row (if its turn has come, the rest follows it); a monthly
    ratings row, which belongs to no dossier, itself."""
    if row.dossier_id is None:
        transaction.on_commit(lambda: dispatch([row.pk]))
        return
    head = (SyncRow.objects.filter(dossier_id=row.dossier_id).exclude(status__in=DONE_STATUSES).order_by("id")
            .values_list("id", flat=True).first())
    if head is not None:
        transaction.on_commit(lambda: dispatch([head]))


def sync_row_retry(*, row: SyncRow, actor) -> SyncRow:
    """Send again now. An unmapped row (and the dossier's other unmapped rows) looks its status up again first,
    and stays as it is when there is still no mapping."""
    _check(row, actor)
    with transaction.atomic():
        locked = SyncRow.objects.select_for_update().get(pk=row.pk)
        if locked.status not in RETRYABLE:
            raise TransitionRefused(_("Bản tin này đã được gửi, đang gửi hoặc đã bỏ qua; không thể gửi lại."))
        rows = [locked]
        if locked.status == SyncStatus.UNMAPPED and locked.dossier_id is not None:
            rows += list(SyncRow.objects.select_for_update().filter(
                dossier_id=locked.dossier_id, status=SyncStatus.UNMAPPED).exclude(pk=locked.pk))
        now = timezone.now()
        for r in rows:
            if r.status == SyncStatus.UNMAPPED and not remap(r):
                if r.pk == locked.pk:
                    raise InvalidInput(unmapped_message(r.local_state, r.action))
                continue
            r.status, r.attempts, r.next_attempt_at, r.last_error = SyncStatus.PENDING, 0, now, ""
            r.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "payload",
                                  "national_code"])
        _dispatch_after(locked)
    locked.refresh_from_db()
    return locked


def sync_row_skip(*, row: SyncRow, actor) -> SyncRow:
    """Give up on a parked row (the portal will never take it): the dossier's later rows may go."""
    _check(row, actor)
    with transaction.atomic():
        changed = SyncRow.objects.filter(pk=row.pk, status__in=PARKED_STATUSES).update(
            status=SyncStatus.SKIPPED, claim_token=None, claimed_at=None,
            last_error=_("Bỏ qua bởi %(user)s lúc %(at)s") % {
                "user": actor, "at": timezone.localtime().strftime("%H:%M %d/%m/%Y")})
        if not changed:
            raise TransitionRefused(_("Chỉ bỏ qua được bản tin bị Cổng từ chối hoặc chưa ánh xạ trạng thái."))
        _dispatch_after(row)
    row.refresh_from_db()
    return row


def sync_rows_retry_rejected(*, actor, agency_id: int | None = None) -> int:
    """Send again every row the portal refused, at the desks the actor acts for (or one of them)."""
    agencies = acting_agency_ids(user=actor)
    if agency_id is not None:
        agencies &= {agency_id}
    if not agencies:
        raise ActionForbidden(_("Bạn không có quyền gửi lại bản tin đồng bộ."))
    with transaction.atomic():
        rows = SyncRow.objects.filter(agency_id__in=agencies, status=SyncStatus.REJECTED)
        count = rows.update(status=SyncStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="")
        transaction.on_commit(lambda: dispatch(heads_due(older_than=timedelta(0))))
    return count
