"""Notifications through an outbox: rows written in the action's transaction, delivered by a task after commit.

Delivery guarantees (honestly: at-least-once, with duplicates made rare and detectable, never silent):

* Nothing is lost. A row is written in the same transaction as the state change; the task is enqueued only
  after commit, and if the broker is down the row simply stays `pending` until `requeue` (beat, every
  minute) enqueues it again.
* A row is delivered by whoever *claims* it: one conditional UPDATE moves it from `pending` (or from an
  expired `sending` lease) to `sending` with a fresh `claim_token`. Two workers racing for one row cannot both
  win, so concurrent tasks, re-queues and retries of one row deliver it once. A row marked `sent` is never
  claimed again, by anything.
* The gap: a worker that dies after the backend accepted the message but before the `sent` mark leaves the
  row `sending`. When its lease (`NOTIFICATION_LEASE_SECONDS`, longer than the send task's hard time limit, so
  a live worker never loses its lease) expires, `requeue` sends it again. We chose at-least-once here: losing a
  receipt or a supplement request is worse than a second copy. The second copy carries the same Message-ID
  (derived from the idempotency key), which mail systems use to collapse duplicates, and the row's
  `deliveries` counter goes above 1, so the duplicate is visible on the outbox page. The same holds for an
  SMTP error that arrives after the server already accepted the message. Exactly-once delivery to a mailbox
  is not possible without the receiver's cooperation; exactly-once *marking* (one `sent_at`, one claim that
  wins) is what the database gives us.
"""

import functools
import logging
import secrets
from datetime import UTC, datetime
from types import SimpleNamespace

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone, translation

from core.links import tracking_url
from dossiers.models import Dossier
from dossiers.signals import AppointmentMove
from notifications.messages import (
    Message,
    _appointment_moved_message,
    _ascii,
    _body,
    _salutation,
    applicant_message,
)
from notifications.models import Notification, NotificationChannel
from notifications.tasks import dispatch, kick  # noqa: F401 - dispatch: part of this module's API

log = logging.getLogger(__name__)








































# The columns an outbox row is composed with; the others take the model's defaults (see _insert).
COMPOSED = ("idempotency_key", "kind", "channel", "recipient", "recipient_user_id", "dossier_id", "agency_id",
            "subject", "body")


def _tracking_prefix() -> str:
    """tracking_url() without the code: the same text, worked out once for a batch of messages."""
    return tracking_url(SimpleNamespace(code=""))


def _applicant_values(message: Message, key: str, *, dossier_id: int, agency_id: int, code: str, name: str,
                      is_organisation: bool, email: str, phone: str, procedure_name: str, agency_name: str,
                      tracking_prefix: str) -> list[tuple]:
    """The applicant's e-mail and SMS rows, as values in COMPOSED order: one composition for single actions and
    for the thousands of rows of a recomputation."""
    rows = []
    url = tracking_prefix + code
    if email:
        rows.append((f"{key}:email", message.kind, NotificationChannel.EMAIL.value, email, None, dossier_id,
                     agency_id, f"[Một Cửa] {message.subject}"[:255],
                     _body(_salutation(name, is_organisation), message.lines, code=code,
                           procedure_name=procedure_name, agency_name=agency_name, url=url)))
    if phone:
        rows.append((f"{key}:sms", message.kind, NotificationChannel.SMS.value, phone, None, dossier_id, agency_id,
                     "", _ascii(f"Mot Cua: {message.sms} Tra cuu: {url}")))
    return rows


def _applicant_rows(dossier: Dossier, message: Message, key: str) -> list[Notification]:
    return [Notification(**dict(zip(COMPOSED, row, strict=True))) for row in _applicant_row_values(dossier, message, key)]


def _applicant_row_values(dossier: Dossier, message: Message, key: str) -> list[tuple]:
    return _applicant_values(
        message, key, dossier_id=dossier.pk, agency_id=dossier.receiving_agency_id, code=dossier.code,
        name=dossier.applicant_name, is_organisation=dossier.applicant_is_organisation,
        email=dossier.applicant_email, phone=dossier.applicant_phone, procedure_name=dossier.procedure.name,
        agency_name=dossier.receiving_agency.name, tracking_prefix=_tracking_prefix())


# Sent while an applicant's message is composed (kwargs dossier, kind); a receiver may return a dict with
# "lines" (added to the e-mail) and "sms" (appended to the SMS), e.g. the satisfaction survey's rating link.
message_composing = Signal()


def _add_extras(dossier: Dossier, message: Message) -> None:
    for _receiver, extra in message_composing.send(sender=Dossier, dossier=dossier, kind=message.kind):
        if extra:
            message.lines += list(extra.get("lines", []))
            if extra.get("sms"):
                message.sms = f"{message.sms} {extra['sms']}"


# ---------------------------------------------------------------- writing the outbox (inside a transaction)
def enqueue(dossier: Dossier, action: str, *, event=None) -> int:
    """Write the applicant's notifications for `action` (call inside the action's transaction, after the event
    row); the send tasks are enqueued once the transaction commits. Returns the rows written (a key already
    present is skipped). Composed as plain values, written with one INSERT (no model instances: every action
    of every dossier comes through here)."""
    with translation.override("vi"):
        message = applicant_message(dossier, action, event=event)
        if message is None:
            return 0
        _add_extras(dossier, message)
        key = f"{message.kind}:{dossier.pk}:{event.pk if event is not None else dossier.version}"
        values = _applicant_row_values(dossier, message, key)
    return len(_insert_and_dispatch(values, _defaults()))


def _moved_key(dossier_id: int, new_appointment: datetime) -> str:
    # A run that moves nothing writes nothing, so the key needs no determinism beyond "this move".
    return (f"appointment_moved:{dossier_id}:{new_appointment.astimezone(UTC):%Y%m%dT%H%M}:"
            f"{secrets.token_hex(6)}")


def appointment_moved_rows(dossier: Dossier, *, old_appointment: datetime) -> list[Notification]:
    with translation.override("vi"):
        message = applicant_message(dossier, "appointment_moved", old_appointment=old_appointment)
        return _applicant_rows(dossier, message, _moved_key(dossier.pk, dossier.appointment_at))




def enqueue_appointment_moves(moves: list[AppointmentMove]) -> int:
    """Tell many applicants at once (a recomputation's chunk, inside its transaction): the same text as
    `appointment_moved_rows`, composed from plain values and written with multi-row INSERTs. Returns the rows."""
    prefix = _tracking_prefix()
    values = []
    with translation.override("vi"):
        for m in moves:
            message = _appointment_moved_message(m.code, m.old_appointment, m.new_appointment)
            values += _applicant_values(
                message, _moved_key(m.dossier_id, m.new_appointment), dossier_id=m.dossier_id,
                agency_id=m.agency_id, code=m.code, name=m.applicant_name,
                is_organisation=m.applicant_is_organisation, email=m.applicant_email, phone=m.applicant_phone,
                procedure_name=m.procedure_name, agency_name=m.agency_name, tracking_prefix=prefix)
    return len(_insert_and_dispatch(values, _defaults()))


def save_new(rows: list[Notification]) -> list[Notification]:
    """Insert rows (an idempotency key already present is skipped) and dispatch the new ones after commit.
    Returns the rows really inserted, with their ids."""
    if not rows:
        return []
    fields = _fields()
    by_key = {r.idempotency_key: r for r in rows}
    inserted = _insert_and_dispatch([tuple(f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields)
                                     for r in rows])
    fresh = []
    for pk, key in inserted:
        by_key[key].pk = pk
        fresh.append(by_key[key])
    return fresh


@functools.cache
def _fields() -> list:
    """Every column but the id, COMPOSED first."""
    fields = {f.attname: f for f in Notification._meta.concrete_fields if not f.primary_key}
    return [fields.pop(name) for name in COMPOSED] + list(fields.values())


def _defaults() -> tuple:
    """The database values of every column after COMPOSED for a new row: pending, due now, never tried (the
    model's defaults; the constant ones prepared once, the times taken now: created and due at one instant)."""
    now = timezone.now()
    return tuple(f.get_db_prep_save(now if timed else f.get_default(), connection) if timed or value is _CALL
                 else value for f, timed, value in _default_values(connection.vendor))


_CALL = object()


@functools.cache
def _default_values(vendor: str) -> list[tuple]:
    """(field, is a time set to now, prepared constant or _CALL) for the columns after COMPOSED."""
    out = []
    for f in _fields()[len(COMPOSED):]:
        if f.default is timezone.now:
            out.append((f, True, None))
        elif callable(f.default):
            out.append((f, False, _CALL))
        else:
            out.append((f, False, f.get_db_prep_save(f.get_default(), connection)))
    return out


@functools.cache
def _insert_sql(vendor: str, width: int) -> tuple[str, str, str]:
    """The INSERT's text around its VALUES rows, for rows of `width` values (built once per width)."""
    fields = _fields()
    quote = connection.ops.quote_name
    if vendor == "postgresql":  # a VALUES list under SELECT has no column types of its own
        def typed(sql, f):
            return f"{sql}::{f.db_type(connection)}"
    else:  # SQLite takes any value as it is (a CAST to "datetime" would even turn it into a number)
        def typed(sql, f):
            return sql
    select = ", ".join([*(typed(f"v.column{i}", f) for i, f in enumerate(fields[:width], 1)),
                        *(typed("%s", f) for f in fields[width:])])
    head = (f"INSERT INTO {quote(Notification._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"SELECT {select} FROM (VALUES ")
    # WHERE true: SQLite would otherwise read ON CONFLICT as the join's ON.
    tail = ") AS v WHERE true ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
    return head, "(" + ", ".join(["%s"] * width) + ")", tail


def _insert_and_dispatch(rows: list[tuple], shared: tuple = ()) -> list[tuple[int, str]]:
    """INSERT … SELECT … FROM (VALUES …) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, key: rows of
    database values for the first columns of `_fields()`, and `shared` values (sent once per statement) for the
    columns after them; a few statements for thousands of rows. The rows inserted are dispatched after commit;
    returns their (id, idempotency_key)."""
    if not rows:
        return []
    width = len(rows[0])
    head, one, tail = _insert_sql(connection.vendor, width)
    limit = connection.features.max_query_params or 1_000_000
    per_statement = max(1, min(1000, (limit - len(shared)) // width))
    inserted = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail,
                           [*shared, *(v for row in chunk for v in row)])
            inserted += cursor.fetchall()
    if inserted:
        ids = [pk for pk, _key in inserted]
        transaction.on_commit(lambda: kick(ids))
    return inserted




































# ---------------------------------------------------------------- deadline sweep (officers)








