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
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from accounts.models import Role, StaffMembership
from procedures import worktime
from procedures.calendars import build_calendar
from procedures.formatting import mask_digits, vn_datetime, vn_short_datetime
from procedures.text import strip_diacritics

from .documents import tracking_url
from .errors import ActionForbidden, TransitionRefused
from .models import (
    RUNNING_STATES,
    Dossier,
    Notification,
    NotificationChannel,
    NotificationStatus,
)

log = logging.getLogger(__name__)


def _option(name: str, default):
    return settings.ONECUA.get(name, default)


def lease_seconds() -> int:
    return int(_option("NOTIFICATION_LEASE_SECONDS", 600))


def max_attempts() -> int:
    return int(_option("NOTIFICATION_MAX_ATTEMPTS", 6))


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 30 min (well under the broker's visibility timeout)."""
    base = int(_option("NOTIFICATION_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempt - 1, 0), 30 * 60))


# ---------------------------------------------------------------- masking personal data
def mask_phone(phone: str) -> str:
    """'0912000111' → '09******11': enough to tell numbers apart in a log, not enough to call."""
    return mask_digits("".join(ch for ch in phone or "" if ch.isdigit()))


def mask_id_number(value: str) -> str:
    """'079203001234' → '*********234'."""
    return mask_digits(value, keep_start=0, keep_end=3)


def mask_email(address: str) -> str:
    local, _, domain = (address or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def masked_recipient(notification: Notification) -> str:
    if notification.channel == NotificationChannel.SMS:
        return mask_phone(notification.recipient)
    return mask_email(notification.recipient)


# ---------------------------------------------------------------- console backends (development)
class ConsoleEmailBackend(BaseEmailBackend):
    """Development e-mail backend (settings.EMAIL_BACKEND's default outside production, which refuses it): logs
    the masked recipients, the idempotency key and the subject. Never the text: it holds the applicant's name and
    address, and links (the rating link's token opens the rating page)."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            log.info("E-mail to %s [%s]: %s (%s characters, text not shown)",
                     ", ".join(mask_email(address) for address in message.recipients()),
                     message.extra_headers.get("X-Onecua-Idempotency-Key", "-"), message.subject,
                     len(message.body or ""))
        return len(email_messages)


class ConsoleSMSBackend:
    """Development SMS backend: logs the masked phone, the idempotency key and the length. Never the text: it
    carries links (the rating link's token) and whatever reason or items the staff typed."""

    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        log.info("SMS to %s [%s]: %s characters, text not shown", mask_phone(phone), idempotency_key, len(text))


class LocmemSMSBackend:
    """Test backend: keeps messages in `LocmemSMSBackend.outbox` (phone, text, idempotency_key)."""

    outbox: list[tuple[str, str, str]] = []

    def send(self, *, phone: str, text: str, idempotency_key: str) -> None:
        type(self).outbox.append((phone, text, idempotency_key))


def sms_backend():
    path = getattr(settings, "ONECUA_SMS_BACKEND", "dossiers.notifications.ConsoleSMSBackend")
    return import_string(path)()


# ---------------------------------------------------------------- content
def _ascii(text: str) -> str:
    """SMS without diacritics (one GSM-7 segment holds 160 characters, a Unicode one only 70)."""
    return text if text.isascii() else strip_diacritics(text)


@dataclass
class Message:
    kind: str
    subject: str
    lines: list[str]
    sms: str
    extra: dict = field(default_factory=dict)


def _salutation(name: str, is_organisation: bool) -> str:
    return f"Kính gửi {name}," if is_organisation else f"Kính gửi Ông/Bà {name},"


def _body(salutation: str, lines: list[str], *, code: str, procedure_name: str, agency_name: str, url: str) -> str:
    province = settings.ONECUA.get("PROVINCE_NAME", "")
    parts = [
        salutation,
        "",
        *lines,
        "",
        f"Mã hồ sơ: {code}",
        f"Thủ tục: {procedure_name}",
        f"Nơi tiếp nhận: {agency_name}",
        "",
        f"Tra cứu tình trạng hồ sơ: {url}",
        "",
        f"Thư này được gửi tự động từ Cổng dịch vụ công Một Cửa{' tỉnh ' + province if province else ''}; "
        "xin Ông/Bà không trả lời thư này.",
    ]
    return "\n".join(parts)


def _vn_times(value: datetime) -> tuple[str, str]:
    """(vn_datetime, vn_short_datetime) of one instant from one conversion: the recomputation formats two
    instants for each of thousands of messages (tests hold the text equal to procedures.formatting's)."""
    local = worktime.to_local(value)
    hour, minute, day = f"{local.hour:02d}", f"{local.minute:02d}", f"{local.day:02d}/{local.month:02d}/{local.year}"
    return f"{hour} giờ {minute} phút, ngày {day}", f"{hour}:{minute} {day}"


def _appointment_moved_message(code: str, old_appointment: datetime, new_appointment: datetime) -> Message:
    new, new_short = _vn_times(new_appointment)
    return Message("appointment_moved", f"Hồ sơ {code}: thay đổi thời gian hẹn trả kết quả", [
        "Do lịch làm việc của cơ quan nhà nước thay đổi, thời gian hẹn trả kết quả hồ sơ của Ông/Bà "
        "được điều chỉnh:",
        f"  - Thời gian hẹn cũ: {_vn_times(old_appointment)[0]}",
        f"  - Thời gian hẹn mới: {new}",
    ], f"HS {code} doi lich hen tra ket qua sang {new_short}.")


def applicant_message(dossier: Dossier, action: str, *, old_appointment: datetime | None = None) -> Message | None:
    """What the applicant is told after `action`, or None when the action concerns only the staff."""
    code = dossier.code
    reason = dossier.decision_reason
    if action == "receive":
        return Message("received", f"Hồ sơ {code} đã được tiếp nhận", [
            f"Hồ sơ của Ông/Bà đã được tiếp nhận lúc {vn_datetime(dossier.received_at)}.",
            f"Thời gian hẹn trả kết quả: {vn_datetime(dossier.appointment_at)}.",
        ], f"HS {code} da duoc tiep nhan, hen tra ket qua {vn_short_datetime(dossier.appointment_at)}.")
    if action == "request_supplement":
        request = dossier.supplement_requests.order_by("-requested_at", "-id").first()
        items = list(request.items) if request else []
        lines = ["Hồ sơ của Ông/Bà cần được bổ sung, hoàn thiện các nội dung sau:"]
        lines += [f"  - {item}" for item in items]
        if request and request.reason:
            lines.append(f"Lý do: {request.reason}")
        lines.append("Đề nghị Ông/Bà bổ sung đầy đủ một lần để hồ sơ được tiếp tục giải quyết.")
        return Message("supplement_requested", f"Hồ sơ {code} cần bổ sung, hoàn thiện", lines,
                       f"HS {code} can bo sung: {'; '.join(items)}.")
    if action == "apologise":
        apology = dossier.apology
        return Message("apology", f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}", [
            "Cơ quan giải quyết chân thành xin lỗi Ông/Bà vì hồ sơ chưa thể có kết quả đúng hẹn.",
            f"Lý do: {apology.reason}",
            f"Thời gian hẹn trả kết quả mới: {vn_datetime(apology.new_appointment_at)}.",
        ], f"Xin loi: HS {code} cham tra ket qua, hen lai {vn_short_datetime(apology.new_appointment_at)}.")
    if action in ("approve", "decline"):
        outcome = "được giải quyết" if action == "approve" else "có văn bản trả lời không giải quyết"
        return Message("resolved", f"Hồ sơ {code} đã có kết quả", [
            f"Hồ sơ của Ông/Bà đã {outcome}.",
            f"Mời Ông/Bà nhận kết quả tại {dossier.receiving_agency.name} hoặc theo hình thức đã đăng ký.",
        ], f"HS {code} da co ket qua, moi nhan tai {dossier.receiving_agency.name}.")
    if action == "return_result":
        delivery = dossier.get_result_delivery_display()
        return Message("returned", f"Hồ sơ {code} đã trả kết quả", [
            f"Kết quả giải quyết hồ sơ đã được trả cho Ông/Bà lúc {vn_datetime(dossier.returned_at)}"
            + (f" ({delivery})." if delivery else "."),
            "Mời Ông/Bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ.",
        ], f"HS {code} da tra ket qua.")
    if action == "refuse":
        return Message("refused", f"Hồ sơ {code} không được tiếp nhận", [
            "Hồ sơ của Ông/Bà không được tiếp nhận giải quyết.", f"Lý do: {reason}",
        ], f"HS {code} khong duoc tiep nhan. Ly do: {reason}")
    if action == "withdraw":
        return Message("withdrawn", f"Hồ sơ {code} đã được rút", [
            f"Hồ sơ đã được rút theo đề nghị của Ông/Bà lúc {vn_datetime(dossier.finished_at)}.",
        ], f"HS {code} da duoc rut theo de nghi.")
    if action == "stop":
        return Message("stopped", f"Hồ sơ {code} bị dừng giải quyết", [
            "Cơ quan có thẩm quyền đã dừng giải quyết hồ sơ của Ông/Bà.", f"Lý do: {reason}",
        ], f"HS {code} bi dung giai quyet. Ly do: {reason}")
    if action == "appointment_moved":
        return _appointment_moved_message(code, old_appointment, dossier.appointment_at)
    return None


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
    values = _applicant_values(
        message, key, dossier_id=dossier.pk, agency_id=dossier.receiving_agency_id, code=dossier.code,
        name=dossier.applicant_name, is_organisation=dossier.applicant_is_organisation,
        email=dossier.applicant_email, phone=dossier.applicant_phone, procedure_name=dossier.procedure.name,
        agency_name=dossier.receiving_agency.name, tracking_prefix=_tracking_prefix())
    return [Notification(**dict(zip(COMPOSED, row, strict=True))) for row in values]


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
def enqueue(dossier: Dossier, action: str, *, event=None) -> list[Notification]:
    """Write the applicant's notifications for `action` (call inside the action's transaction, after the event
    row); the send tasks are enqueued once the transaction commits."""
    with translation.override("vi"):
        message = applicant_message(dossier, action)
        if message is None:
            return []
        _add_extras(dossier, message)
        key = f"{message.kind}:{dossier.pk}:{event.pk if event is not None else dossier.version}"
        rows = _applicant_rows(dossier, message, key)
    return save_new(rows)


def _moved_key(dossier_id: int, new_appointment: datetime) -> str:
    # A run that moves nothing writes nothing, so the key needs no determinism beyond "this move".
    return (f"appointment_moved:{dossier_id}:{new_appointment.astimezone(UTC):%Y%m%dT%H%M}:"
            f"{secrets.token_hex(6)}")


def appointment_moved_rows(dossier: Dossier, *, old_appointment: datetime) -> list[Notification]:
    with translation.override("vi"):
        message = applicant_message(dossier, "appointment_moved", old_appointment=old_appointment)
        return _applicant_rows(dossier, message, _moved_key(dossier.pk, dossier.appointment_at))


class AppointmentMove(NamedTuple):
    """What the applicant's "appointment moved" message needs, read straight from the dossier rows."""

    dossier_id: int
    agency_id: int
    code: str
    applicant_name: str
    applicant_is_organisation: bool
    applicant_email: str
    applicant_phone: str
    procedure_name: str
    agency_name: str
    old_appointment: datetime
    new_appointment: datetime


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
    """The database values of every column after COMPOSED for a new row: pending, due now, never tried."""
    defaults = Notification()
    defaults.next_attempt_at = defaults.created_at
    return tuple(f.get_db_prep_save(getattr(defaults, f.attname), connection) for f in _fields()[len(COMPOSED):])


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
        transaction.on_commit(lambda: dispatch(ids))
    return inserted


def dispatch(ids) -> int:
    """Enqueue send tasks (one row, or batches). A broker failure is logged and the rows stay pending for `requeue`."""
    from .tasks import send_notification, send_notifications

    ids = list(ids)
    if not ids:
        return 0
    sent = 0
    try:
        if len(ids) == 1:
            send_notification.delay(ids[0])
            sent = 1
        else:
            # Thousands of rows (a recomputation, a sweep, a re-queue) travel as a few batch tasks: 200 rows take
            # a worker about a second (minutes with a slow mail server, still inside the task's time limit; rows
            # are claimed a few at a time, NOTIFICATION_CLAIM_SIZE), and publishing 75,000 rows is 375 messages.
            size = int(_option("NOTIFICATION_BATCH_SIZE", 200))
            with send_notifications.app.producer_or_acquire() as producer:
                for start in range(0, len(ids), size):
                    batch = ids[start:start + size]
                    send_notifications.apply_async((batch,), producer=producer)
                    sent += len(batch)
    except Exception as exc:  # noqa: BLE001 - the rows are safe in the outbox; requeue will enqueue them
        log.warning("Could not enqueue %s notification(s) from id %s (%s: %s); they stay pending for the "
                    "re-queue task", len(ids) - sent, ids[sent], type(exc).__name__, exc)
    return sent


# ---------------------------------------------------------------- delivering (the worker)
def message_id(notification: Notification) -> str:
    digest = hashlib.sha256(notification.idempotency_key.encode()).hexdigest()[:32]
    domain = _option("MAIL_DOMAIN", "motcua.local")
    return f"<{digest}.{notification.pk}@{domain}>"


def _deliver_now(notification: Notification) -> None:
    if notification.channel == NotificationChannel.EMAIL:
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={"Message-ID": message_id(notification),
                     "X-Onecua-Idempotency-Key": notification.idempotency_key},
        ).send(fail_silently=False)
    else:
        sms_backend().send(phone=notification.recipient, text=notification.body,
                           idempotency_key=notification.idempotency_key)


def claim(notification_id: int) -> uuid.UUID | None:
    """Take the row for sending; None if it is sent, failed, not yet due, or someone else holds its lease."""
    claimed = _claim([notification_id])
    return claimed[0].claim_token if claimed else None


@functools.cache
def _claim_sql(vendor: str) -> str:
    """The claim's text (built once; `{ids}` is filled per call)."""
    meta = Notification._meta
    quote = connection.ops.quote_name
    return (f"UPDATE {quote(meta.db_table)} SET status = %s, claim_token = %s, claimed_at = %s, "
            "attempts = attempts + 1 WHERE id IN ({ids}) AND ((status = %s AND next_attempt_at <= %s) "
            f"OR (status = %s AND claimed_at < %s)) "
            f"RETURNING {', '.join(quote(f.column) for f in meta.concrete_fields)}")


def _claim(notification_ids: list[int]) -> list[Notification]:
    """The claim as one `UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35) for one row or a batch: the rows come back
    with their new lease and attempt count, so the sender needs no second query. Rows not claimable (see
    `claim`) are simply not returned. The rows of one call share a claim token (the lease is the batch's)."""
    if not notification_ids:
        return []
    now = timezone.now()
    meta = Notification._meta

    def db(name, value):
        return meta.get_field(name).get_db_prep_value(value, connection)

    sql = _claim_sql(connection.vendor)
    with connection.cursor() as cursor:  # closed at once: SQLite keeps a table lock while a statement is open
        cursor.execute(
            sql.format(ids=", ".join(["%s"] * len(notification_ids))),
            [NotificationStatus.SENDING.value, db("claim_token", uuid.uuid4()), db("claimed_at", now),
             *notification_ids, NotificationStatus.PENDING.value, db("next_attempt_at", now),
             NotificationStatus.SENDING.value, db("claimed_at", now - timedelta(seconds=lease_seconds()))])
        rows = cursor.fetchall()
    if not rows:
        return []
    # The database's values as the ORM would read them (SQLite returns text for dates and UUIDs).
    fields = meta.concrete_fields
    compiler = Notification.objects.none().query.get_compiler(connection=connection)
    converters = compiler.get_converters([f.get_col(meta.db_table) for f in fields])
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    names = [f.attname for f in fields]
    order = {pk: i for i, pk in enumerate(notification_ids)}
    claimed = [Notification.from_db(connection.alias, names, values) for values in rows]
    return sorted(claimed, key=lambda n: order[n.pk])


@dataclass
class Delivery:
    outcome: str  # "sent", "skipped", "retry", "failed"
    retry_in: timedelta | None = None


def deliver(notification_id: int) -> Delivery:
    """Claim, send, mark. Safe to call any number of times, concurrently, for the same row."""
    claimed = _claim([notification_id])
    return _send_claimed(claimed[0]) if claimed else Delivery("skipped")


def deliver_batch(notification_ids: list[int], *, claim_size: int | None = None) -> dict[str, int]:
    """Deliver many rows: claimed `claim_size` at a time in one statement (NOTIFICATION_CLAIM_SIZE, 20), each then
    sent and marked on its own, so a worker that dies mid-batch leaves at most one row sent-but-unmarked. The
    send task's hard time limit stays under the lease, so the rows claimed and not yet sent keep their lease.
    Returns the count of each outcome ("skipped": sent, failed, not due, or held by someone else)."""
    size = claim_size or int(_option("NOTIFICATION_CLAIM_SIZE", 20))
    outcomes: dict[str, int] = {}
    for start in range(0, len(notification_ids), size):
        chunk = notification_ids[start:start + size]
        claimed = _claim(chunk)
        if len(claimed) < len(chunk):
            outcomes["skipped"] = outcomes.get("skipped", 0) + len(chunk) - len(claimed)
        for notification in claimed:
            outcome = _send_claimed(notification).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@functools.cache
def _mark_sql(vendor: str) -> tuple[str, str]:
    """(mark sent while our claim holds, count a late delivery): plain statements, built once."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    return (f"UPDATE {table} SET status = %s, sent_at = %s, deliveries = deliveries + 1, last_error = '' "
            "WHERE id = %s AND claim_token = %s AND status = %s",
            f"UPDATE {table} SET deliveries = deliveries + 1 WHERE id = %s")


def _send_claimed(notification: Notification) -> Delivery:
    """Send a row this worker has claimed, then mark it (sent, or back to pending with a back-off, or failed)."""
    token = notification.claim_token
    try:
        _deliver_now(notification)
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row and retried
        final = notification.attempts >= max_attempts()
        wait = backoff(notification.attempts)
        Notification.objects.filter(pk=notification.pk, claim_token=token).update(
            status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
            claim_token=None, claimed_at=None, next_attempt_at=timezone.now() + wait,
            last_error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("Notification %s (%s to %s) failed, attempt %s: %s", notification.pk, notification.channel,
                    masked_recipient(notification), notification.attempts, type(exc).__name__)
        return Delivery("failed") if final else Delivery("retry", wait)
    meta = Notification._meta
    mark, late = _mark_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(mark, [NotificationStatus.SENT.value,
                              meta.get_field("sent_at").get_db_prep_value(timezone.now(), connection),
                              notification.pk, meta.get_field("claim_token").get_db_prep_value(token, connection),
                              NotificationStatus.SENDING.value])
        if cursor.rowcount == 0:
            # Our lease expired and someone else re-claimed the row: the recipient may get two copies (same
            # Message-ID). Count it so the outbox page shows it.
            cursor.execute(late, [notification.pk])
            log.error("Notification %s delivered after its lease expired: possible duplicate", notification.pk)
    return Delivery("sent")


def requeue(*, older_than: timedelta | None = None, limit: int = 5000) -> int:
    """Enqueue rows never sent: pending and due (older than a grace period, so rows whose after-commit
    enqueue is still in flight are left to it), and `sending` rows whose lease expired without a `sent` mark."""
    now = timezone.now()
    if older_than is None:
        older_than = timedelta(seconds=int(_option("NOTIFICATION_REQUEUE_GRACE_SECONDS", 60)))
    waiting = (Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now, created_at__lte=now - older_than)
               | Q(status=NotificationStatus.SENDING, claimed_at__lt=now - timedelta(seconds=lease_seconds())))
    ids = list(Notification.objects.filter(waiting).order_by("next_attempt_at", "pk")
               .values_list("pk", flat=True)[:limit])
    return dispatch(ids)


# ---------------------------------------------------------------- the outbox page (staff)
OUTBOX_ROLES = {Role.ADMIN, Role.CLERK}


# Rows staff may send again: never one sent or being sent.
RETRYABLE = (NotificationStatus.FAILED, NotificationStatus.PENDING)


def outbox_agency_ids(*, user) -> set[int]:
    """Agencies whose outbox the user may see: where they are a clerk, and (admins) the subtree they manage."""
    from .selectors import staff_agency_ids

    return staff_agency_ids(user=user, roles=OUTBOX_ROLES)


def outbox_for(*, user, status: str | None = None) -> QuerySet[Notification]:
    agencies = outbox_agency_ids(user=user)
    qs = Notification.objects.filter(agency_id__in=agencies).select_related("dossier", "agency")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def notification_retry(*, notification: Notification, actor) -> Notification:
    """Staff ask for another attempt now: only a failed or waiting row, never one already sent."""
    if notification.agency_id not in outbox_agency_ids(user=actor):
        raise ActionForbidden("Bạn không có quyền gửi lại thông báo này.")
    with transaction.atomic():
        changed = Notification.objects.filter(
            pk=notification.pk, status__in=RETRYABLE
        ).update(status=NotificationStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
        if not changed:
            raise TransitionRefused("Thông báo này đã được gửi hoặc đang được gửi; không thể gửi lại.")
        pk = notification.pk
        transaction.on_commit(lambda: dispatch([pk]))
    notification.refresh_from_db()
    return notification


# ---------------------------------------------------------------- deadline sweep (officers)


@dataclass
class SweepSummary:
    digests: int = 0
    apology_prompts: int = 0


def leaders_to_email(*, agency_ids) -> QuerySet[StaffMembership]:
    """The active leader memberships of those agencies whose user has an e-mail address (user loaded)."""
    return (StaffMembership.objects.filter(agency_id__in=agency_ids, role=Role.LEADER, is_active=True)
            .exclude(user__email="").select_related("user"))


def staff_row(*, key: str, kind: str, user, agency_id: int, subject: str, lines: list[str],
               dossier=None) -> Notification:
    return Notification(
        idempotency_key=key, kind=kind, channel=NotificationChannel.EMAIL, recipient=user.email,
        recipient_user=user, agency_id=agency_id, dossier=dossier, subject=f"[Một Cửa] {subject}"[:255],
        body="\n".join([f"Kính gửi {user.display_name},", "", *lines, "",
                        "Thư này được gửi tự động từ hệ thống Một Cửa."]))


def deadline_sweep(*, now: datetime | None = None) -> SweepSummary:
    """Once a day per officer (the hourly runs after the first find the rows already written): a digest of
    dossiers due today and overdue. One working day before the last moment an apology may be issued, the
    handling officer (or, unassigned, the agency's leaders) is prompted to issue it. Idempotent by key."""
    now = now or timezone.now()
    today = worktime.to_local(now).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=worktime.TZ)
    summary = SweepSummary()
    calendars: dict[int, object] = {}

    def calendar_of(agency):
        if agency.pk not in calendars:
            calendars[agency.pk] = build_calendar(agency=agency)
        return calendars[agency.pk]

    due = list(Dossier.objects.filter(state__in=RUNNING_STATES, due_at__lt=tomorrow)
               .select_related("handling_agency", "procedure").order_by("due_at", "pk"))
    by_agency: dict[int, list[Dossier]] = {}
    for d in due:
        by_agency.setdefault(d.handling_agency_id, []).append(d)
    staff = (StaffMembership.objects.filter(agency_id__in=by_agency, role__in=[Role.OFFICER, Role.LEADER],
                                            is_active=True).exclude(user__email="")
             .select_related("user", "agency"))
    rows = []
    with translation.override("vi"):
        for m in staff:
            if not calendar_of(m.agency).is_working_day(today):
                continue
            mine = [d for d in by_agency[m.agency_id]
                    if m.role == Role.LEADER or d.assigned_officer_id == m.user_id]
            if not mine:
                continue
            overdue = [d for d in mine if d.due_at <= now]
            today_list = [d for d in mine if d.due_at > now]
            lines = [f"Tình hình hồ sơ tại {m.agency.name} ngày {today:%d/%m/%Y}:", ""]
            if overdue:
                lines.append(f"Quá hạn ({len(overdue)}):")
                lines += [f"  - {d.code} – {d.procedure.name} – hạn {vn_short_datetime(d.due_at)}" for d in overdue]
            if today_list:
                lines.append(f"Đến hạn hôm nay ({len(today_list)}):")
                lines += [f"  - {d.code} – {d.procedure.name} – hạn {vn_short_datetime(d.due_at)}"
                          for d in today_list]
            rows.append(staff_row(
                key=f"digest:{m.user_id}:{m.agency_id}:{m.role}:{today:%Y%m%d}", kind="digest", user=m.user,
                agency_id=m.agency_id, subject=f"Hồ sơ đến hạn và quá hạn ngày {today:%d/%m/%Y}", lines=lines))

        lead_days = settings.ONECUA["APOLOGY_MIN_LEAD_WORKING_DAYS"]
        at_risk = (Dossier.objects.filter(state__in=RUNNING_STATES, apology__isnull=True, due_at__gt=now,
                                          due_at__lt=now + timedelta(days=7 * (lead_days + 2)))
                   .select_related("receiving_agency", "handling_agency", "assigned_officer", "procedure"))
        risky = []
        for d in at_risk:
            cal = calendar_of(d.receiving_agency)
            remaining = worktime.working_time_between(cal, now, d.due_at)
            lead = timedelta(seconds=cal.seconds_per_day * lead_days)
            if lead <= remaining <= lead + timedelta(seconds=cal.seconds_per_day):
                risky.append(d)
        # Unassigned dossiers go to their agency's leaders: read once for all those agencies.
        leaders: dict[int, list] = {}
        for m in leaders_to_email(agency_ids={d.handling_agency_id for d in risky
                                              if not (d.assigned_officer_id and d.assigned_officer.email)}):
            leaders.setdefault(m.agency_id, []).append(m.user)
        for d in risky:
            if d.assigned_officer_id and d.assigned_officer.email:
                recipients = [d.assigned_officer]
            else:
                recipients = leaders.get(d.handling_agency_id, [])
            for user in recipients:
                rows.append(staff_row(
                    key=f"apology-prompt:{d.pk}:{d.due_at:%Y%m%dT%H%M}:{user.pk}", kind="apology_prompt",
                    user=user, agency_id=d.handling_agency_id, dossier=d,
                    subject=f"Hồ sơ {d.code} có nguy cơ trễ hạn: lập phiếu xin lỗi (mẫu 04)",
                    lines=[f"Hồ sơ {d.code} ({d.procedure.name}) có hạn giải quyết {vn_datetime(d.due_at)}.",
                           f"Nếu không kịp giải quyết, phiếu xin lỗi và hẹn lại phải được lập chậm nhất "
                           f"{lead_days} ngày làm việc trước hạn giải quyết."]))
    with transaction.atomic():
        created = save_new(rows)
    summary.digests = sum(1 for r in created if r.kind == "digest")
    summary.apology_prompts = sum(1 for r in created if r.kind == "apology_prompt")
    log.info("Deadline sweep: %s digests, %s apology prompts", summary.digests, summary.apology_prompts)
    return summary
