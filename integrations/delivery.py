"""Delivering sync rows to the portal: claims with leases (as the notifications outbox), one dossier's rows
strictly in the order they were written, retries with back-off, refusals parked for a person.

* **Order.** A row may be claimed only while it is its dossier's *head*: no row of the same dossier with a
  smaller id is still undelivered (not `sent` nor `skipped`). Rows of one dossier are written under the
  dossier's row lock, so their ids grow in the order of the actions. `sent` and `skipped` are final, so a claim
  that sees the earlier rows done cannot be wrong, whatever runs concurrently; a row behind a pending, failed,
  refused or unmapped one simply waits. After delivering a row the worker claims the dossier's next one at once
  (`_claim_next`), so a dossier's backlog drains in one pass.
* **Claims.** One conditional `UPDATE … RETURNING` moves claimable rows (pending and due, or `sending` with an
  expired lease) to `sending` with a fresh claim token; two workers cannot both win a row.
* **Failures.** The portal unreachable (time-out, refused connection, 5xx, failed sign-in): the row goes back to
  pending with back-off (DVCQG["RETRY_BASE_SECONDS"] doubling up to RETRY_MAX_SECONDS, for ever), and the batch
  stops (the portal is down; the other rows keep their place). The portal refuses the message (error_code not 0,
  HTTP 400): the row is parked `rejected` with the portal's message, for the sync page's *Thử lại* / *Bỏ qua*.
* **Idempotency.** The portal keys dossiers by MaHoSo: DongBoHoSoMC is sent with isUpdating "False" until the
  dossier's first dossier row is delivered, "True" afterwards; a "đã tồn tại" answer to a creation (a delivery
  whose `sent` mark was lost) is sent again as an update, and "không tồn tại" to an update as a creation.
"""

import functools
import logging
import uuid
from collections import Counter
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from integrations.dvcqg import config
from integrations.dvcqg.transport import Reply, Transport, TransportError, get_transport
from integrations.models import DONE_STATUSES, SyncKind, SyncRow, SyncStatus

log = logging.getLogger(__name__)


def _table() -> str:
    return connection.ops.quote_name(SyncRow._meta.db_table)


def _columns() -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in SyncRow._meta.concrete_fields)


@functools.cache
def _claim_sql(vendor: str) -> str:
    t = _table()
    return (f"UPDATE {t} SET status = %s, claim_token = %s, claimed_at = %s, attempts = attempts + 1 "
            "WHERE id IN ({ids}) AND ((status = %s AND next_attempt_at <= %s) OR (status = %s AND claimed_at < %s)) "
            f"AND NOT EXISTS (SELECT 1 FROM {t} AS e WHERE e.dossier_id = {t}.dossier_id AND e.id < {t}.id "
            f"AND e.status NOT IN (%s, %s)) RETURNING {_columns()}")


@functools.cache
def _claim_next_sql(vendor: str) -> str:
    t = _table()
    return (f"UPDATE {t} SET status = %s, claim_token = %s, claimed_at = %s, attempts = attempts + 1 "
            f"WHERE id = (SELECT e.id FROM {t} AS e WHERE e.dossier_id = %s AND e.status NOT IN (%s, %s) "
            "ORDER BY e.id LIMIT 1) AND ((status = %s AND next_attempt_at <= %s) OR (status = %s AND claimed_at < %s)) "
            f"RETURNING {_columns()}")


def _db(name: str, value):
    return SyncRow._meta.get_field(name).get_db_prep_value(value, connection)


def _claim_params(now) -> tuple[list, list]:
    """(SET values, the claimable-condition values)."""
    lease_cut = now - config.lease()
    return ([SyncStatus.SENDING.value, _db("claim_token", uuid.uuid4()), _db("claimed_at", now)],
            [SyncStatus.PENDING.value, _db("next_attempt_at", now), SyncStatus.SENDING.value,
             _db("claimed_at", lease_cut)])


@functools.cache
def _converters(vendor: str):
    meta = SyncRow._meta
    compiler = SyncRow.objects.none().query.get_compiler(connection=connection)
    return compiler, compiler.get_converters([f.get_col(meta.db_table) for f in meta.concrete_fields])


def _as_rows(raw: list) -> list[SyncRow]:
    """RETURNING rows as model instances, with the values the ORM would read (SQLite returns text)."""
    if not raw:
        return []
    compiler, converters = _converters(connection.vendor)
    if converters:
        raw = list(compiler.apply_converters(raw, converters))
    names = [f.attname for f in SyncRow._meta.concrete_fields]
    return [SyncRow.from_db(connection.alias, names, values) for values in raw]


def claim(row_ids: list[int]) -> list[SyncRow]:
    """Claim those of `row_ids` that are claimable and their dossier's head, in id order."""
    if not row_ids:
        return []
    now = timezone.now()
    set_values, condition = _claim_params(now)
    sql = _claim_sql(connection.vendor).format(ids=", ".join(["%s"] * len(row_ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*set_values, *row_ids, *condition, *(s.value for s in DONE_STATUSES)])
        rows = _as_rows(cursor.fetchall())
    return sorted(rows, key=lambda r: r.pk)


def _claim_next(dossier_id: int) -> SyncRow | None:
    now = timezone.now()
    set_values, condition = _claim_params(now)
    with connection.cursor() as cursor:
        cursor.execute(_claim_next_sql(connection.vendor),
                       [*set_values, dossier_id, *(s.value for s in DONE_STATUSES), *condition])
        rows = _as_rows(cursor.fetchall())
    return rows[0] if rows else None


def _release(rows: list[SyncRow]) -> None:
    """Give back rows claimed but not tried (the batch stopped): pending again, the attempt not counted."""
    for row in rows:
        SyncRow.objects.filter(pk=row.pk, claim_token=row.claim_token, status=SyncStatus.SENDING).update(
            status=SyncStatus.PENDING, claim_token=None, claimed_at=None, attempts=max(row.attempts - 1, 0))


# ---------------------------------------------------------------- sending one row
def _push(transport: Transport, row: SyncRow) -> Reply:
    if row.kind == SyncKind.PROGRESS:
        return transport.push_progress(row.payload)
    if row.kind == SyncKind.STATUS:
        return transport.push_status(row.payload)
    if row.kind == SyncKind.RATING:
        return transport.push_ratings(row.payload)
    updating = not row.creates
    reply = transport.push_dossier(row.payload, updating=updating)
    message = reply.message.lower()
    if not reply.ok and updating and "không tồn tại" in message:
        reply = transport.push_dossier(row.payload, updating=False)
    elif not reply.ok and not updating and "đã tồn tại" in message:
        reply = transport.push_dossier(row.payload, updating=True)
    return reply


@functools.cache
def _mark_sql(vendor: str) -> tuple[str, str]:
    """(mark sent while our claim holds, count a late delivery): plain statements, built once."""
    t = _table()
    return (f"UPDATE {t} SET status = %s, sent_at = %s, claim_token = NULL, claimed_at = NULL, "
            "deliveries = deliveries + 1, last_error = '', portal_message = %s "
            "WHERE id = %s AND claim_token = %s AND status = %s",
            f"UPDATE {t} SET deliveries = deliveries + 1 WHERE id = %s")


def _mark_sent(row: SyncRow, message: str) -> SyncRow | None:
    """Mark the row sent and claim its dossier's next row, in one transaction (one commit per row)."""
    mark, late = _mark_sql(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(mark, [SyncStatus.SENT.value, _db("sent_at", timezone.now()), message[:2000], row.pk,
                              _db("claim_token", row.claim_token), SyncStatus.SENDING.value])
        if cursor.rowcount == 0:  # our lease ran out and someone else took the row: the portal may have it twice
            cursor.execute(late, [row.pk])
            log.error("DVCQG: row %s delivered after its lease expired: possible duplicate", row.pk)
        return _claim_next(row.dossier_id) if row.dossier_id is not None else None


def send(row: SyncRow, transport: Transport) -> tuple[str, SyncRow | None]:
    """Send a row this worker has claimed and mark it: ("sent", the dossier's next row, claimed, if any),
    ("rejected", None) or ("retry", None)."""
    mine = SyncRow.objects.filter(pk=row.pk, claim_token=row.claim_token, status=SyncStatus.SENDING)
    try:
        reply = _push(transport, row)
    except Exception as exc:  # noqa: BLE001 - the portal unreachable, or anything unexpected: retried later
        wait = config.backoff(row.attempts)
        mine.update(status=SyncStatus.PENDING, claim_token=None, claimed_at=None,
                    next_attempt_at=timezone.now() + wait, last_error=f"{exc}"[:2000])
        if isinstance(exc, TransportError):
            log.warning("DVCQG: row %s (%s, dossier %s) not delivered, attempt %s, next in %s s: %s", row.pk,
                        row.kind, row.dossier_id, row.attempts, int(wait.total_seconds()), exc)
        else:
            log.exception("DVCQG: row %s (%s, dossier %s) failed unexpectedly", row.pk, row.kind, row.dossier_id)
        return "retry", None
    if reply.ok:
        return "sent", _mark_sent(row, reply.message)
    mine.update(status=SyncStatus.REJECTED, claim_token=None, claimed_at=None, portal_message=reply.message[:2000],
                last_error=reply.message[:2000])
    log.warning("DVCQG: the portal refused row %s (%s, dossier %s, %s): %s", row.pk, row.kind, row.dossier_id,
                row.ma_ho_so, reply.message)
    return "rejected", None


def _chain(row: SyncRow, transport: Transport, outcomes: Counter) -> str:
    """Deliver `row`, then the rows of its dossier behind it while each succeeds."""
    outcome = "sent"
    while row is not None:
        outcome, row = send(row, transport)
        outcomes[outcome] += 1
    return outcome


def deliver_batch(row_ids: list[int], *, claim_size: int | None = None) -> dict[str, int]:
    """Deliver rows (and the rows their dossiers have behind them), claimed `claim_size` at a time
    (DVCQG["CLAIM_SIZE"]). A row waiting behind an earlier one of its dossier brings that dossier's first
    undelivered row along when its turn has come (after an outage, a dossier's next action flushes its backlog).
    Stops at the first row the portal could not be reached for. Returns the count of each outcome ("skipped": not
    claimable now: delivered, waiting behind an earlier row, not due, or held by another worker)."""
    size = claim_size or int(config.option("CLAIM_SIZE"))
    transport = get_transport()
    outcomes: Counter = Counter()
    ids = sorted(set(row_ids))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        claimed = claim(chunk)
        outcomes["skipped"] += len(chunk) - len(claimed)
        if len(claimed) < len(chunk):
            claimed += _heads_behind(set(chunk) - {r.pk for r in claimed}, {r.dossier_id for r in claimed})
        for position, row in enumerate(claimed):
            if _chain(row, transport, outcomes) == "retry":
                _release(claimed[position + 1:])
                outcomes["stopped"] += len(ids) - start - position - 1
                return dict(outcomes)
    return dict(outcomes)


def _heads_behind(skipped: set[int], busy: set[int]) -> list[SyncRow]:
    """For rows not claimed, their dossiers' first undelivered rows, claimed when due (one query to find the
    dossiers, one claim per dossier: only when a dossier has a backlog)."""
    dossiers = set(SyncRow.objects.filter(pk__in=skipped).exclude(status__in=DONE_STATUSES)
                   .values_list("dossier_id", flat=True)) - busy
    # A monthly ratings row has no dossier (and no order to keep): the re-queue picks it up again.
    heads = [_claim_next(dossier_id) for dossier_id in sorted(d for d in dossiers if d is not None)]
    return [head for head in heads if head is not None]


# ---------------------------------------------------------------- what the re-queue picks up
def heads_due(*, older_than=None, limit: int = 5000) -> list[int]:
    """Rows to enqueue again: each dossier's head, pending and due (and older than the grace period, so rows
    whose after-commit enqueue is in flight are left to it), or `sending` with an expired lease."""
    now = timezone.now()
    grace = older_than if older_than is not None else config.timedelta_option("REQUEUE_GRACE_SECONDS")
    earlier = SyncRow.objects.filter(dossier_id=OuterRef("dossier_id"), id__lt=OuterRef("id")).exclude(
        status__in=DONE_STATUSES)
    waiting = (Q(status=SyncStatus.PENDING, next_attempt_at__lte=now, created_at__lte=now - grace)
               | Q(status=SyncStatus.SENDING, claimed_at__lt=now - config.lease()))
    return list(SyncRow.objects.filter(waiting).filter(~Exists(earlier)).order_by("next_attempt_at", "id")
                .values_list("id", flat=True)[:limit])


def purge_sent(*, limit: int = 5000) -> int:
    """Delete rows delivered more than DVCQG["KEEP_SENT_DAYS"] days ago (their payloads hold personal data). A
    later action on such a dossier writes a creating DongBoHoSoMC again; the portal's "đã tồn tại" turns it into
    an update. Monthly ratings rows are kept: they hold no personal data, and they are what makes a month's push
    happen once (integrations/ratings.py)."""
    cutoff = timezone.now() - timedelta(days=int(config.option("KEEP_SENT_DAYS")))
    old = list(SyncRow.objects.filter(status=SyncStatus.SENT, sent_at__lt=cutoff).exclude(kind=SyncKind.RATING)
               .values_list("id", flat=True)[:limit])
    return SyncRow.objects.filter(pk__in=old).delete()[0] if old else 0
