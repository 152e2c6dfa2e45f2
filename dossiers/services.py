"""Every write to a dossier: one transaction, the row locked, the fsm transition, the event row, side effects
after commit. Each function is `dossier_<verb>(*, dossier, actor, ...)` and returns the fresh dossier."""

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
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

from . import form_numbers, notifications, permissions
from .errors import ConcurrentChange, InvalidInput, TransitionRefused
from .models import (
    OPEN_STATES,
    Apology,
    ApologyProposal,
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
         number: Callable[[Dossier, datetime], None] | None = None,
         attach: Callable[[Dossier, DossierEvent], None] | None = None) -> Dossier:
    """Lock, check, transition, change, record, save; notify after commit. Nothing changes if anything fails.

    `number` draws values from a counter row every action at the desk updates (the tracking book). The rows
    only this action writes come first (event, outbox); the shared rows (that counter, then the statistics
    summary written by `announce_figures`) come last, so their locks are held only for a statement or two and
    the commit, which is what lets many clerks of one desk act at once. `attach` stores the files the action
    brings, linked to its event."""
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
        if attach is not None:
            attach(locked, event)
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
                   set_count: int = 1, uploads: Sequence["Upload"] = (),
                   applicant_user=None, submitted_at: datetime | None = None) -> Dossier:
    """A new dossier in `submitted`: online by the applicant, or entered at the desk by a clerk, with its files
    (each checked before anything is written; a refused file creates nothing)."""
    if actor is not APPLICANT:
        permissions.check(user=actor, action="create_at_desk", agency_id=receiving_agency.pk)
    if not receiving_agency.is_one_stop_desk:
        raise InvalidInput(_("%(agency)s không phải là Bộ phận Một cửa.") % {"agency": receiving_agency})
    if not procedure.is_active:
        raise InvalidInput(_("Thủ tục này hiện không còn áp dụng."))
    checked = _check_uploads(uploads, already=0)
    now = submitted_at or timezone.now()
    # Ids of the procedure's RequiredDocument rows (at later steps, ids of the dossier's own checklist lines).
    provided = set(provided_required_document_ids) | {u.document_id for u in uploads if u.document_id}
    with _files_kept_only_on_commit(), transaction.atomic():
        dossier = Dossier.objects.create(
            code=next_dossier_code(agency=receiving_agency, at=now),
            procedure=procedure,
            receiving_agency=receiving_agency,
            handling_agency=receiving_agency,
            competent_agency=receiving_agency,
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
        if uploads:
            lines = {line.required_document_id: line for line in dossier.documents.all()}
            _store_uploads(dossier, actor=actor, uploads=uploads, checked=checked, event=event,
                           purpose=AttachmentPurpose.APPLICATION, lines=lines)
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
        form_numbers.issue_form_number(d)
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
        request = SupplementRequest.objects.create(
            dossier=d, number=d.desk_supplement_count if before else d.supplement_count, before_reception=before,
            items=items, reason=reason, requested_by=actor, requested_at=now)
        form_numbers.issue_form_number(request)
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


def dossier_answer_supplement(*, dossier: Dossier, actor, note: str = "", uploads: Sequence["Upload"] = (),
                              provided_document_ids: Iterable[int] = (), expected_version: int | None = None) -> Dossier:
    """The applicant (or the desk on their behalf) supplies what was asked, with the files it brings (checked
    first, stored with the answer in one transaction): back to the desk before reception, or resumed at the
    authority after it, with the due time moved by the paused working time (rule 7)."""
    transition = "supplement_at_desk" if dossier.received_at is None else "supplement_at_authority"
    limit = settings.ONECUA["MAX_FILES_PER_SUPPLEMENT"]
    if len(uploads) > limit:
        raise InvalidInput(_("Bạn chọn %(n)s tệp; mỗi lần bổ sung được gửi tối đa %(limit)s tệp.")
                           % {"n": len(uploads), "limit": limit})
    checked = _check_uploads(uploads, already=dossier.attachments.count())

    def attach(d, event):
        _store_uploads(d, actor=actor, uploads=uploads, checked=checked, event=event,
                       purpose=AttachmentPurpose.SUPPLEMENT)

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

    with _files_kept_only_on_commit():
        return _run(dossier=dossier, actor=actor, action="answer_supplement", transition=transition,
                    permission="answer_supplement", change=change, expected_version=expected_version,
                    attach=attach if uploads else None)


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
        if from_agency.pk == d.receiving_agency_id:
            # The desk hands over to the authority competent to decide (itself, for a centre that decides).
            d.competent_agency = to_agency
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
        # The agency whose leader decides is the competent one (forms 06 and 07, the reports); the result goes
        # back to the desk that received the dossier.
        d.competent_agency = from_agency
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


def _note_only(*, dossier: Dossier, actor, action: str, note: str, expected_version: int | None,
               apply: Callable[[Dossier], None]) -> Dossier:
    """An action that changes no state (a proposal for the leader): the row locked and checked as for a
    transition, `apply` (its own checks and rows), its event written, the version moved on so a page shown
    before it is out of date."""
    now = timezone.now()
    with transaction.atomic():
        d = Dossier.objects.select_for_update(of=("self",)).select_related("receiving_agency").get(pk=dossier.pk)
        expected = dossier.version if expected_version is None else expected_version
        if d.state != dossier.state or d.version != expected:
            raise ConcurrentChange(_("Hồ sơ %(code)s vừa được người khác cập nhật. Hãy tải lại trang để xem "
                                     "trạng thái mới.") % {"code": d.code})
        permissions.check(user=actor, action=action, dossier=d)
        apply(d)
        Dossier.objects.filter(pk=d.pk).update(version=F("version") + 1)
        d.version += 1
        _record(d, action=action, actor=actor, from_state=d.state, at=now, note=note)
    return d


def dossier_propose_stop(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    """The officer proposes to stop handling (form 05 at the agency's initiative); the leader decides."""
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do đề xuất dừng giải quyết."))

    def apply(d):
        if not can_proceed(d.stop):
            raise _refuse_transition(d, "propose_stop")

    return _note_only(dossier=dossier, actor=actor, action="propose_stop", note=reason.strip(),
                      expected_version=expected_version, apply=apply)


def stop_proposal(dossier: Dossier) -> DossierEvent | None:
    """The officer's pending proposal to stop (none once the dossier's state changed after it)."""
    last = dossier.events.exclude(action="propose_stop").order_by("-at", "-id").first()
    proposals = dossier.events.filter(action="propose_stop")
    if last is not None:
        proposals = proposals.filter(id__gt=last.id)
    return proposals.select_related("actor").order_by("-id").first()


def dossier_stop(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    """The leader's decision to stop handling, with its reasons (on the officer's proposal or not)."""
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do dừng giải quyết."))

    def change(d, now):
        _close_pause(d, now)
        d.decision_reason, d.finished_at = reason.strip(), now
        d.competent_agency = d.handling_agency  # the leader's agency decided
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
def _check_apology(d: Dossier, *, reason: str, new_appointment_at: datetime) -> None:
    if not reason.strip():
        raise InvalidInput(_("Hãy nêu lý do chậm giải quyết."))
    if d.state not in OPEN_STATES:
        raise _refuse_transition(d, "apologise")
    if Apology.objects.filter(dossier=d).exists():
        raise TransitionRefused(_("Hồ sơ này đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần."))
    if new_appointment_at <= d.appointment_at:
        raise InvalidInput(_("Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại."))


def apology_is_late(d: Dossier, at: datetime) -> bool:
    """Later than the legal limit: less than N working days (setting, default 1) before the due time."""
    cal = _calendar(d)
    lead = timedelta(seconds=cal.seconds_per_day * settings.ONECUA["APOLOGY_MIN_LEAD_WORKING_DAYS"])
    return worktime.working_time_between(cal, at, d.due_at) < lead


def pending_apology_proposal(dossier: Dossier) -> ApologyProposal | None:
    if Apology.objects.filter(dossier=dossier).exists():
        return None
    return dossier.apology_proposals.select_related("proposed_by").first()


def dossier_propose_apology(*, dossier: Dossier, actor, reason: str, new_appointment_at: datetime,
                            expected_version: int | None = None) -> Dossier:
    """The officer proposes form 04 (reason and new appointment); the leader issues it."""
    def apply(d):
        _check_apology(d, reason=reason, new_appointment_at=new_appointment_at)
        ApologyProposal.objects.create(dossier=d, reason=reason.strip(), new_appointment_at=new_appointment_at,
                                       proposed_by=actor, proposed_at=timezone.now())

    if not reason.strip():
        raise InvalidInput(_("Hãy nêu lý do chậm giải quyết."))
    note = _("%(reason)s (hẹn lại: %(at)s)") % {"reason": reason.strip(), "at": vn_short_datetime(new_appointment_at)}
    return _note_only(dossier=dossier, actor=actor, action="propose_apology", note=note,
                      expected_version=expected_version, apply=apply)


def dossier_apologise(*, dossier: Dossier, actor, reason: str, new_appointment_at: datetime,
                      expected_version: int | None = None) -> Dossier:
    """The leader issues form 04, once, at any time while the dossier is open (on the officer's proposal or
    not); it sets the appointment time shown to the applicant, never timeliness (judged against due_at). One
    issued later than the legal limit (N working days before the due time) is marked late."""
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
        _check_apology(d, reason=reason, new_appointment_at=new_appointment_at)
        proposal = pending_apology_proposal(d)
        late = apology_is_late(d, now)
        apology = Apology.objects.create(
            dossier=d, reason=reason.strip(), original_appointment_at=d.appointment_at,
            new_appointment_at=new_appointment_at, issued_by=actor, issued_at=now, is_late=late,
            proposed_by=proposal.proposed_by if proposal else None)
        form_numbers.issue_form_number(apology)
        Dossier.objects.filter(pk=d.pk).update(appointment_at=new_appointment_at, version=F("version") + 1)
        d.refresh_from_db()
        note = reason.strip() + (" " + _("(lập muộn, sau thời hạn luật định)") if late else "")
        event = _record(d, action="apologise", actor=actor, from_state=d.state, at=now, note=note)
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
@dataclass(frozen=True)
class Upload:
    """A file brought with an action: an uploaded file (name, size, read/seek/chunks) and, at creation, the id
    of the procedure's required document it supports."""

    file: object
    document_id: int | None = None


_saved_files: ContextVar[list | None] = ContextVar("onecua_saved_files", default=None)


@contextmanager
def _files_kept_only_on_commit():
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


def _check_uploads(uploads: Sequence[Upload], *, already: int) -> list:
    """Check every file before anything is written (InvalidInput naming the first refused file)."""
    from .uploads import check_upload

    checked = [check_upload(upload.file) for upload in uploads]
    limit = settings.ONECUA["MAX_FILES_PER_DOSSIER"]
    if already + len(uploads) > limit:
        raise InvalidInput(_("Hồ sơ đã có quá nhiều tệp (tối đa %(n)s).") % {"n": limit})
    return checked


def _store_uploads(dossier: Dossier, *, actor, uploads: Sequence[Upload], checked: list, event, purpose: str,
                   lines: dict | None = None) -> list[Attachment]:
    stored = []
    for upload, check in zip(uploads, checked, strict=True):
        document = (lines or {}).get(upload.document_id)
        stored.append(_store_attachment(dossier, actor=actor, uploaded=upload.file, checked=check,
                                        document=document, purpose=purpose, event=event))
    return stored


def _store_attachment(dossier: Dossier, *, actor, uploaded, checked, document, purpose: str,
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


def attachment_add(*, dossier: Dossier, actor, uploaded, document: DossierDocument | None = None,
                   purpose: str = "application") -> Attachment:
    """Store a checked file in private storage, linked to a checklist line (a scan added to a dossier later)."""
    if actor is not APPLICANT and not permissions.allowed(user=actor, action="answer_supplement", dossier=dossier):
        permissions.check(user=actor, action="upload", dossier=dossier)
    if document is not None and document.dossier_id != dossier.pk:
        raise InvalidInput(_("Giấy tờ không thuộc hồ sơ này."))
    (checked,) = _check_uploads([Upload(uploaded)], already=dossier.attachments.count())
    with _files_kept_only_on_commit(), transaction.atomic():
        return _store_attachment(dossier, actor=actor, uploaded=uploaded, checked=checked, document=document,
                                 purpose=purpose)


# ---------------------------------------------------------------- use cases: one service, one transaction
@transaction.atomic(durable=True)
def _in_one_transaction(work: Callable[[], Dossier]) -> Dossier:
    return work()


def dossier_intake_at_desk(*, procedure: Procedure, receiving_agency: Agency, channel: int,
                           applicant: ApplicantData, actor, request_text: str = "",
                           provided_required_document_ids: Iterable[int] = (), set_count: int = 1,
                           uploads: Sequence[Upload] = (), receive: bool = False) -> Dossier:
    """A walk-in dossier entered at the desk with its scans, in one transaction: a refused file or a refused
    reception leaves no dossier and no file. With `receive`, a complete dossier is also received at once
    (form 01 can be printed)."""
    def work() -> Dossier:
        dossier = dossier_create(
            procedure=procedure, receiving_agency=receiving_agency, channel=channel, applicant=applicant,
            actor=actor, request_text=request_text, provided_required_document_ids=provided_required_document_ids,
            set_count=set_count, uploads=uploads)
        return dossier_receive(dossier=dossier, actor=actor) if receive else dossier

    with _files_kept_only_on_commit():
        return _in_one_transaction(work)


def dossier_submit_online(*, procedure: Procedure, receiving_agency: Agency, applicant: ApplicantData,
                          uploads: Sequence[Upload], request_text: str = "", applicant_user=None) -> Dossier:
    """The applicant's online submission with its files, in one transaction."""
    with _files_kept_only_on_commit():
        return _in_one_transaction(lambda: dossier_create(
            procedure=procedure, receiving_agency=receiving_agency, channel=Channel.ONLINE, applicant=applicant,
            actor=APPLICANT, request_text=request_text, uploads=uploads, applicant_user=applicant_user))
