"""Every write to a dossier: one transaction, the row locked, the fsm transition, the event row, side effects
after commit. Each function is `dossier_<verb>(*, dossier, actor, ...)` and returns the fresh dossier."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from accounts.models import Role, StaffMembership
from procedures import worktime
from procedures.calendars import build_calendar
from procedures.deadlines import DeadlineRule, compute_due
from procedures.formatting import vn_short_datetime
from procedures.models import Agency, Procedure

from . import notifications, permissions
from .errors import ConcurrentChange, InvalidInput, TransitionRefused
from .models import (
    OPEN_STATES,
    Apology,
    Attachment,
    AttachmentPurpose,
    Channel,
    ClockPause,
    CounterKind,
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    Outcome,
    PauseKind,
    ResultDelivery,
    State,
    SupplementRequest,
    figures_of,
)

# Sent after commit for every action: kwargs dossier_id, action, from_state, to_state.
dossier_changed = Signal()
# Sent INSIDE the writing transaction whenever fields in FIGURE_FIELDS may have changed: kwargs
# `changes`, a list of (before, after) dicts (before is None for a new dossier). Receivers (the statistics
# summary) write in the same transaction, so the figures can never disagree with the rows they count.
dossier_figures_changed = Signal()


def announce_figures(changes: list) -> None:
    changes = [(before, after) for before, after in changes if before != after]
    if changes:
        dossier_figures_changed.send(sender=Dossier, changes=changes)

APPLICANT = object()  # marker: the applicant acts (the caller has verified code + phone or the account)


# ---------------------------------------------------------------- counters and codes
def _next_value(*, kind: str, agency: Agency, day) -> int:
    """Increment the (kind, agency, day) counter; the UPDATE locks its row until commit, so values are distinct."""
    value = _increment(kind=kind, agency=agency, day=day)
    if value is None:
        try:
            with transaction.atomic():
                DossierCounter.objects.create(kind=kind, agency=agency, day=day, last_value=1)
                return 1
        except IntegrityError:
            value = _increment(kind=kind, agency=agency, day=day)
    return value


def _increment(*, kind: str, agency: Agency, day) -> int | None:
    """UPDATE … RETURNING: the increment and its value in one statement; None when the row does not exist yet."""
    meta = DossierCounter._meta
    column = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {column(meta.db_table)} SET {column('last_value')} = {column('last_value')} + 1 "
            f"WHERE {column('kind')} = %s AND {column(meta.get_field('agency').column)} = %s "
            f"AND {column('day')} = %s RETURNING {column('last_value')}",
            [kind, agency.pk, meta.get_field("day").get_db_prep_value(day, connection)])
        row = cursor.fetchone()
    return None if row is None else row[0]


def next_dossier_code(*, agency: Agency, at: datetime) -> str:
    day = worktime.to_local(at).date()
    value = _next_value(kind=CounterKind.CODE, agency=agency, day=day)
    return f"{agency.identifier}-{day:%y%m%d}-{value:04d}"


def next_book_entry(*, agency: Agency, at: datetime) -> int:
    day = worktime.to_local(at).date().replace(month=1, day=1)
    return _next_value(kind=CounterKind.BOOK, agency=agency, day=day)


# ---------------------------------------------------------------- the action runner
def _actor_label(actor) -> str:
    if actor is APPLICANT or actor is None:
        return _("Người nộp hồ sơ")
    return str(actor)


def _record(dossier: Dossier, *, action: str, actor, from_state: str, note: str = "", from_agency=None,
            to_agency=None, at=None, step_timeliness: str = "") -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        actor=None if actor is APPLICANT else actor,
        actor_label=_actor_label(actor),
        from_state=from_state,
        to_state=dossier.state,
        note=note,
        from_agency=from_agency,
        to_agency=to_agency,
        at=at or timezone.now(),
        step_timeliness=step_timeliness,
    )


def _refuse_transition(dossier: Dossier, action: str) -> TransitionRefused:
    rule = permissions.RULES.get(action)
    return TransitionRefused(
        _("Không thể %(action)s: hồ sơ %(code)s đang ở trạng thái “%(state)s”.")
        % {"action": rule.label if rule else action, "code": dossier.code, "state": State(dossier.state).label}
    )


def _run(*, dossier: Dossier, actor, action: str, transition: str, permission: str | None,
         change: Callable[[Dossier, datetime], dict | None], expected_version: int | None = None,
         number: Callable[[Dossier, datetime], None] | None = None) -> Dossier:
    """Lock, check, transition, change, record, save; notify after commit. Nothing changes if anything fails.

    `number` draws values from a counter row every action at the desk updates (the tracking book). The rows
    only this action writes come first (event, outbox); the shared rows (that counter, then the statistics
    summary written by `announce_figures`) come last, so their locks are held only for a statement or two and
    the commit, which is what lets many clerks of one desk act at once."""
    now = timezone.now()
    with transaction.atomic():
        try:
            locked = (Dossier.objects.select_for_update(of=("self",))
                      .select_related("procedure", "receiving_agency").get(pk=dossier.pk))
        except Dossier.DoesNotExist:
            raise TransitionRefused(_("Hồ sơ không còn tồn tại.")) from None
        # The caller's copy is what the actor saw: any later change (even one keeping the state) is a conflict.
        expected = dossier.version if expected_version is None else expected_version
        if locked.version != expected or locked.state != dossier.state:
            raise ConcurrentChange(
                _("Hồ sơ %(code)s vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới.")
                % {"code": locked.code}
            )
        if permission is not None and actor is not APPLICANT:
            permissions.check(user=actor, action=permission, dossier=locked)
        method = getattr(locked, transition)
        if not can_proceed(method):
            raise _refuse_transition(locked, permission or action)
        from_state = locked.state
        before = figures_of(locked)
        columns = [f.attname for f in Dossier._meta.concrete_fields if not f.primary_key]
        read = [getattr(locked, name) for name in columns]
        event_kwargs = change(locked, now) or {}
        method()
        event = _record(locked, action=action, actor=actor, from_state=from_state, at=now, **event_kwargs)
        notifications.enqueue(locked, action, event=event)
        if number is not None:
            number(locked, now)
        version = locked.version
        locked.version = F("version") + 1
        try:
            # Only the columns this action changed (the row is locked: nobody else changed the others).
            locked.save(update_fields=[name for name, value in zip(columns, read, strict=True)
                                       if name == "version" or getattr(locked, name) != value])
        except ConcurrentTransition:
            raise ConcurrentChange(
                _("Hồ sơ %(code)s vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới.")
                % {"code": locked.code}
            ) from None
        # The row is locked and was just written from this copy: only the version needs its new value (no
        # reload, which would also drop the procedure and agency loaded with the lock).
        locked.version = version + 1
        announce_figures([(before, figures_of(locked))])
        dossier_id, to_state = locked.pk, locked.state
        transaction.on_commit(
            lambda: dossier_changed.send(
                sender=Dossier, dossier_id=dossier_id, action=action, from_state=from_state, to_state=to_state
            )
        )
    return locked


def _calendar(dossier: Dossier):
    return build_calendar(agency=dossier.receiving_agency)


# ---------------------------------------------------------------- creation
@dataclass
class ApplicantData:
    name: str
    id_number: str
    phone: str
    address: str = ""
    email: str = ""
    birth_date: object = None
    is_organisation: bool = False
    authorised_name: str = ""
    authorised_id_number: str = ""
    authorised_phone: str = ""


def dossier_create(*, procedure: Procedure, receiving_agency: Agency, channel: int, applicant: ApplicantData,
                   actor, request_text: str = "", provided_required_document_ids: Iterable[int] = (),
                   set_count: int = 1,
                   applicant_user=None, submitted_at: datetime | None = None) -> Dossier:
    """A new dossier in `submitted`: online by the applicant, or entered at the desk by a clerk."""
    if actor is not APPLICANT:
        permissions.check(user=actor, action="create_at_desk", agency_id=receiving_agency.pk)
    if not receiving_agency.is_one_stop_desk:
        raise InvalidInput(_("%(agency)s không phải là Bộ phận Một cửa.") % {"agency": receiving_agency})
    if not procedure.is_active:
        raise InvalidInput(_("Thủ tục này hiện không còn áp dụng."))
    now = submitted_at or timezone.now()
    # Ids of the procedure's RequiredDocument rows (at later steps, ids of the dossier's own checklist lines).
    provided = set(provided_required_document_ids)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            code=next_dossier_code(agency=receiving_agency, at=now),
            procedure=procedure,
            receiving_agency=receiving_agency,
            handling_agency=receiving_agency,
            channel=channel,
            applicant_user=applicant_user,
            applicant_name=applicant.name,
            applicant_id_number=applicant.id_number,
            applicant_phone=applicant.phone,
            applicant_address=applicant.address,
            applicant_email=applicant.email,
            applicant_birth_date=applicant.birth_date,
            applicant_is_organisation=applicant.is_organisation,
            authorised_name=applicant.authorised_name,
            authorised_id_number=applicant.authorised_id_number,
            authorised_phone=applicant.authorised_phone,
            request_text=request_text or procedure.name,
            set_count=set_count,
            deadline_amount=procedure.deadline_amount,
            deadline_unit=procedure.deadline_unit,
            deadline_cutoff=procedure.cutoff_time,
            submitted_at=now,
        )
        DossierDocument.objects.bulk_create(
            DossierDocument(
                dossier=dossier,
                required_document=doc,
                position=doc.position,
                name=doc.name,
                copy_kind=doc.copy_kind,
                count=doc.count,
                mandatory=doc.mandatory,
                provided=doc.pk in provided,
            )
            for doc in procedure.documents.all()
        )
        announce_figures([(None, figures_of(dossier))])
        event = _record(dossier, action="submit", actor=actor, from_state="", at=now,
                        note=Channel(channel).label)
        notifications.enqueue(dossier, "submit", event=event)
        dossier_id = dossier.pk
        transaction.on_commit(lambda: dossier_changed.send(
            sender=Dossier, dossier_id=dossier_id, action="submit", from_state="", to_state=State.SUBMITTED))
    return dossier


# ---------------------------------------------------------------- desk: receive, refuse, supplement
def dossier_receive(*, dossier: Dossier, actor, expected_version: int | None = None,
                    provided_document_ids: Iterable[int] | None = None) -> Dossier:
    def change(d: Dossier, now):
        documents = list(d.documents.all())
        if provided_document_ids is not None:
            ids = set(provided_document_ids)
            for doc in documents:
                if doc.provided != (doc.pk in ids):
                    doc.provided = doc.pk in ids
                    doc.save(update_fields=["provided"])
        missing = [doc.name for doc in documents if doc.mandatory and not doc.provided]
        if missing:
            raise InvalidInput(
                _("Chưa thể tiếp nhận: còn thiếu giấy tờ bắt buộc: %(items)s. Hãy yêu cầu bổ sung (mẫu 02).")
                % {"items": "; ".join(missing)}
            )
        # The rule in force at reception is the one the dossier keeps.
        procedure = d.procedure
        d.deadline_amount, d.deadline_unit, d.deadline_cutoff = (
            procedure.deadline_amount, procedure.deadline_unit, procedure.cutoff_time)
        due = compute_due(rule=DeadlineRule.of(procedure), received_at=now, calendar=_calendar(d))
        d.received_at, d.clock_started_at, d.due_at, d.appointment_at = now, due.clock_start, due.due_at, due.due_at
        # Paper documents are scanned at the desk: a dossier received with its files attached is digitised.
        d.is_digitised = d.attachments.filter(purpose=AttachmentPurpose.APPLICATION).exists()
        return {"note": _("Hẹn trả: %(at)s") % {"at": vn_short_datetime(due.due_at)}}

    def number(d: Dossier, now):
        d.book_entry_no = next_book_entry(agency=d.receiving_agency, at=now)

    return _run(dossier=dossier, actor=actor, action="receive", transition="receive", permission="receive",
                change=change, expected_version=expected_version, number=number)


def dossier_refuse(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do từ chối tiếp nhận."))

    def change(d, now):
        d.decision_reason, d.finished_at = reason.strip(), now
        return {"note": reason.strip()}

    return _run(dossier=dossier, actor=actor, action="refuse", transition="refuse", permission="refuse",
                change=change, expected_version=expected_version)


def dossier_request_supplement(*, dossier: Dossier, actor, items: list[str], reason: str = "",
                               expected_version: int | None = None) -> Dossier:
    """Form 02. Before reception: the desk asks, the clock has not started. After: the authority asks, the clock
    pauses and the request is counted (more than one counts as late under Decision 766)."""
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise InvalidInput(_("Hãy liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung."))
    permission = "request_supplement_at_desk" if dossier.received_at is None else "request_supplement"

    def change(d, now):
        before = d.received_at is None
        if before:
            d.desk_supplement_count += 1
        else:
            d.supplement_count += 1
            ClockPause.objects.create(dossier=d, kind=PauseKind.SUPPLEMENT, started_at=now, due_before=d.due_at)
        SupplementRequest.objects.create(
            dossier=d, number=d.desk_supplement_count if before else d.supplement_count, before_reception=before,
            items=items, reason=reason, requested_by=actor, requested_at=now)
        return {"note": "; ".join(items)}

    return _run(dossier=dossier, actor=actor, action="request_supplement", transition="request_supplement",
                permission=permission, change=change, expected_version=expected_version)


def _close_pause(d: Dossier, now) -> None:
    pause = d.pauses.filter(ended_at__isnull=True).first()
    if pause is None:
        return
    new_due = worktime.due_after_resume(_calendar(d), d.due_at, pause.started_at, now)
    pause.ended_at, pause.due_after = now, new_due
    pause.save(update_fields=["ended_at", "due_after"])
    if not Apology.objects.filter(dossier=d).exists():
        d.appointment_at = new_due
    d.due_at = new_due


def dossier_answer_supplement(*, dossier: Dossier, actor, note: str = "",
                              provided_document_ids: Iterable[int] = (), expected_version: int | None = None) -> Dossier:
    """The applicant (or the desk on their behalf) supplies what was asked: back to the desk before reception,
    or resumed at the authority after it, with the due time moved by the paused working time (rule 7)."""
    transition = "supplement_at_desk" if dossier.received_at is None else "supplement_at_authority"

    def change(d, now):
        request = d.supplement_requests.filter(answered_at__isnull=True).order_by("-requested_at").first()
        if request is not None:
            request.answered_at, request.answer_note = now, note
            request.save(update_fields=["answered_at", "answer_note"])
        ids = set(provided_document_ids)
        if ids:
            d.documents.filter(pk__in=ids).update(provided=True)
        if d.received_at is not None:
            _close_pause(d, now)
        return {"note": note}

    return _run(dossier=dossier, actor=actor, action="answer_supplement", transition=transition,
                permission="answer_supplement", change=change, expected_version=expected_version)


# ---------------------------------------------------------------- handling
def _step_timeliness(d: Dossier, now) -> str:
    return worktime.timeliness(d.due_at, now).value if d.due_at else ""


def dossier_forward(*, dossier: Dossier, actor, to_agency: Agency, note: str = "",
                    expected_version: int | None = None) -> Dossier:
    """Hand over to the competent authority (possibly the desk's own agency), or on to another agency."""
    # From `received` the hand-over starts processing even within one agency (a commune centre handling its
    # own procedures); once processing, forwarding to the agency already holding the dossier is a mistake.
    if to_agency.pk == dossier.handling_agency_id and dossier.state != State.RECEIVED:
        raise InvalidInput(_("Hồ sơ đang ở chính cơ quan này; hãy chọn cơ quan nhận khác."))
    if to_agency.valid_to is not None and to_agency.valid_to < timezone.localdate():
        raise InvalidInput(_("%(agency)s đã ngừng hoạt động.") % {"agency": to_agency})

    def change(d, now):
        from_agency = d.handling_agency
        d.handling_agency, d.assigned_officer = to_agency, None
        d.proposed_outcome, d.proposal_note = "", ""
        return {"from_agency": from_agency, "to_agency": to_agency, "note": note,
                "step_timeliness": _step_timeliness(d, now)}

    return _run(dossier=dossier, actor=actor, action="forward", transition="forward", permission="forward",
                change=change, expected_version=expected_version)


def dossier_assign(*, dossier: Dossier, actor, officer, note: str = "", expected_version: int | None = None) -> Dossier:
    if not StaffMembership.objects.filter(user=officer, agency_id=dossier.handling_agency_id, role=Role.OFFICER,
                                          is_active=True).exists():
        raise InvalidInput(_("%(user)s không phải chuyên viên của cơ quan đang xử lý hồ sơ.") % {"user": officer})

    def change(d, now):
        d.assigned_officer = officer
        return {"note": note or _("Phân công: %(user)s") % {"user": officer}}

    return _run(dossier=dossier, actor=actor, action="assign", transition="assign", permission="assign",
                change=change, expected_version=expected_version)


def dossier_propose(*, dossier: Dossier, actor, outcome: str, note: str,
                    expected_version: int | None = None) -> Dossier:
    if outcome not in Outcome.values:
        raise InvalidInput(_("Đề xuất không hợp lệ."))
    if outcome == Outcome.DECLINED and not note.strip():
        raise InvalidInput(_("Đề xuất không giải quyết phải nêu rõ lý do."))

    def change(d, now):
        d.proposed_outcome, d.proposal_note = outcome, note.strip()
        return {"note": f"{Outcome(outcome).label}. {note.strip()}".strip()}

    return _run(dossier=dossier, actor=actor, action="propose", transition="propose", permission="propose",
                change=change, expected_version=expected_version)


def dossier_await_payment(*, dossier: Dossier, actor, note: str, expected_version: int | None = None) -> Dossier:
    def change(d, now):
        ClockPause.objects.create(dossier=d, kind=PauseKind.PAYMENT, started_at=now, due_before=d.due_at)
        return {"note": note}

    return _run(dossier=dossier, actor=actor, action="await_payment", transition="await_payment",
                permission="await_payment", change=change, expected_version=expected_version)


def dossier_confirm_payment(*, dossier: Dossier, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    def change(d, now):
        _close_pause(d, now)
        return {"note": note}

    return _run(dossier=dossier, actor=actor, action="confirm_payment", transition="confirm_payment",
                permission="confirm_payment", change=change, expected_version=expected_version)


def _decide(*, dossier, actor, outcome: str, note: str, expected_version) -> Dossier:
    action = "approve" if outcome == Outcome.APPROVED else "decline"

    def change(d, now):
        if d.proposed_outcome != outcome:
            raise InvalidInput(_("Quyết định khác với đề xuất của chuyên viên; hãy trả lại để đề xuất lại."))
        from_agency = d.handling_agency
        d.outcome, d.resolved_at = outcome, now
        d.timeliness = worktime.timeliness(d.due_at, now).value
        if outcome == Outcome.DECLINED:
            d.decision_reason = note.strip() or d.proposal_note
        # The result goes back to the desk that received the dossier.
        d.handling_agency = d.receiving_agency
        return {"note": note, "from_agency": from_agency, "to_agency": d.receiving_agency,
                "step_timeliness": d.timeliness}

    return _run(dossier=dossier, actor=actor, action=action, transition=action, permission=action, change=change,
                expected_version=expected_version)


def dossier_approve(*, dossier: Dossier, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    return _decide(dossier=dossier, actor=actor, outcome=Outcome.APPROVED, note=note, expected_version=expected_version)


def dossier_decline(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    return _decide(dossier=dossier, actor=actor, outcome=Outcome.DECLINED, note=reason,
                   expected_version=expected_version)


def dossier_stop(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do dừng giải quyết."))

    def change(d, now):
        _close_pause(d, now)
        d.decision_reason, d.finished_at = reason.strip(), now
        return {"note": reason.strip()}

    return _run(dossier=dossier, actor=actor, action="stop", transition="stop", permission="stop", change=change,
                expected_version=expected_version)


def dossier_withdraw(*, dossier: Dossier, actor, reason: str = "", expected_version: int | None = None) -> Dossier:
    """The applicant withdraws while no decision exists (form 05 stop notice)."""

    def change(d, now):
        _close_pause(d, now)
        d.decision_reason, d.finished_at = reason.strip() or _("Người nộp rút hồ sơ"), now
        return {"note": d.decision_reason}

    return _run(dossier=dossier, actor=actor, action="withdraw", transition="withdraw", permission="withdraw",
                change=change, expected_version=expected_version)


def dossier_return_result(*, dossier: Dossier, actor, delivery: str, note: str = "",
                          expected_version: int | None = None) -> Dossier:
    if delivery not in ResultDelivery.values:
        raise InvalidInput(_("Hãy chọn hình thức trả kết quả."))

    def change(d, now):
        d.result_delivery, d.returned_at = delivery, now
        d.result_is_electronic = d.result_is_electronic or delivery == ResultDelivery.ELECTRONIC
        return {"note": f"{ResultDelivery(delivery).label}. {note}".strip()}

    return _run(dossier=dossier, actor=actor, action="return_result", transition="return_result",
                permission="return_result", change=change, expected_version=expected_version)


# ---------------------------------------------------------------- apology (form 04)
def dossier_apologise(*, dossier: Dossier, actor, reason: str, new_appointment_at: datetime,
                      expected_version: int | None = None) -> Dossier:
    """Allowed once, at least N working days (setting, default 1) before the due time; sets the appointment
    time shown to the applicant. Timeliness is still judged against due_at."""
    if not reason.strip():
        raise InvalidInput(_("Hãy nêu lý do chậm giải quyết."))
    now = timezone.now()
    with transaction.atomic():
        d = Dossier.objects.select_for_update().select_related("receiving_agency").get(pk=dossier.pk)
        expected = dossier.version if expected_version is None else expected_version
        if d.state != dossier.state or d.version != expected:
            raise ConcurrentChange(_("Hồ sơ %(code)s vừa được người khác cập nhật. Hãy tải lại trang.")
                                   % {"code": d.code})
        permissions.check(user=actor, action="apologise", dossier=d)
        if d.state not in OPEN_STATES:
            raise _refuse_transition(d, "apologise")
        if Apology.objects.filter(dossier=d).exists():
            raise TransitionRefused(_("Hồ sơ này đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần."))
        cal = _calendar(d)
        lead_days = settings.ONECUA["APOLOGY_MIN_LEAD_WORKING_DAYS"]
        lead = timedelta(seconds=cal.seconds_per_day * lead_days)
        if worktime.working_time_between(cal, now, d.due_at) < lead:
            raise TransitionRefused(
                _("Đã quá thời điểm lập phiếu xin lỗi: phải lập chậm nhất %(n)s ngày làm việc trước hạn giải quyết "
                  "(%(due)s).") % {"n": lead_days, "due": vn_short_datetime(d.due_at)})
        if new_appointment_at <= d.appointment_at:
            raise InvalidInput(_("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."))
        Apology.objects.create(dossier=d, reason=reason.strip(), original_appointment_at=d.appointment_at,
                               new_appointment_at=new_appointment_at, issued_by=actor, issued_at=now)
        Dossier.objects.filter(pk=d.pk).update(appointment_at=new_appointment_at, version=F("version") + 1)
        d.refresh_from_db()
        event = _record(d, action="apologise", actor=actor, from_state=d.state, at=now, note=reason.strip())
        notifications.enqueue(d, "apologise", event=event)
        dossier_id, state = d.pk, d.state
        transaction.on_commit(lambda: dossier_changed.send(
            sender=Dossier, dossier_id=dossier_id, action="apologise", from_state=state, to_state=state))
    return d


# ---------------------------------------------------------------- recomputation (rule 8)
def dossier_recompute_due(*, dossier: Dossier, calendar=None) -> bool:
    """Recompute an open dossier's due time from its stored inputs with the current calendar; True if it moved."""
    if dossier.state not in OPEN_STATES or dossier.received_at is None:
        return False
    cal = calendar or _calendar(dossier)
    pauses = [(p.started_at, p.ended_at) for p in dossier.pauses.all()]
    new_due = worktime.recompute_due(cal, dossier.received_at, dossier.deadline_amount, dossier.deadline_unit,
                                     cutoff=dossier.deadline_cutoff, pauses=pauses)
    if new_due == dossier.due_at:
        return False
    from .recompute import apply_moves  # the recomputation's own write (it imports this module)

    # A copy read before someone acted is skipped (its pauses may be stale); report only rows really updated.
    follows = dossier.appointment_at == dossier.due_at
    changed, _notified = apply_moves({dossier.pk: (dossier.version, new_due, follows, dossier.due_at)}, {})
    if changed:
        dossier.due_at = new_due
        if follows:
            dossier.appointment_at = new_due
    return bool(changed)


# ---------------------------------------------------------------- attachments
def attachment_add(*, dossier: Dossier, actor, uploaded, document: DossierDocument | None = None,
                   purpose: str = "application") -> Attachment:
    """Store a checked file in private storage, linked to a checklist line."""
    from .uploads import check_upload

    if actor is not APPLICANT and not permissions.allowed(user=actor, action="answer_supplement", dossier=dossier):
        permissions.check(user=actor, action="upload", dossier=dossier)
    checked = check_upload(uploaded)
    if dossier.attachments.count() >= settings.ONECUA["MAX_FILES_PER_DOSSIER"]:
        raise InvalidInput(_("Hồ sơ đã có quá nhiều tệp (tối đa %(n)s).") % {"n": settings.ONECUA["MAX_FILES_PER_DOSSIER"]})
    if document is not None and document.dossier_id != dossier.pk:
        raise InvalidInput(_("Giấy tờ không thuộc hồ sơ này."))
    with transaction.atomic():
        attachment = Attachment(
            dossier=dossier, document=document, purpose=purpose,
            original_name=(getattr(uploaded, "name", "") or "tep")[-255:],
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
            uploaded_by=None if actor is APPLICANT else actor,
        )
        attachment.file.save(f"upload{checked.extension}", uploaded, save=False)
        attachment.save()
        if document is not None and not document.provided:
            document.provided = True
            document.save(update_fields=["provided"])
    return attachment
