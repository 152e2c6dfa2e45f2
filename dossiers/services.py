"""Every write to a dossier: one transaction, the row locked, the fsm transition, the event row, side effects
after commit. Each function is `dossier_<verb>(*, dossier, actor, ...)` and returns the fresh dossier."""

from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, StaffMembership
from core.errors import ActionForbidden, DossierError, InvalidInput
from dossiers import form_numbers, steps
from dossiers.actions import ACTIONS

# The creation and form 04 services live in their own modules and are part of this module's API (the
# registry calls `services.dossier_<action>`).
from dossiers.apologies import dossier_apologise, dossier_propose_apology  # noqa: F401
from dossiers.attachments import (
    Upload,
    check_uploads,
    files_kept_only_on_commit,
    store_uploads,
)
from dossiers.creation import ApplicantData, attachment_add, dossier_create, dossier_submit_online  # noqa: F401
from dossiers.models import (
    Apology,
    AttachmentPurpose,
    ClockPause,
    Dossier,
    Outcome,
    PauseKind,
    ResultDelivery,
    State,
    SupplementRequest,
)
from dossiers.runner import (  # APPLICANT: the marker callers pass as `actor` when the applicant acts
    ANY_VERSION,
    APPLICANT,  # noqa: F401
    calendar_of,
    in_one_transaction,
    locked_dossier,
    next_book_entry,
    record_only,
    refused,
    run_action,
)
from procedures import worktime
from procedures.deadlines import DeadlineRule, compute_due
from procedures.formatting import vn_short_datetime
from procedures.models import Agency, Procedure


# ---------------------------------------------------------------- desk: receive, refuse, supplement
def dossier_receive(*, dossier: Dossier, actor, note: str = "", expected_version: int | None = None,
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
        due = compute_due(rule=DeadlineRule.of(procedure), received_at=now, calendar=calendar_of(d))
        d.received_at, d.clock_started_at, d.due_at, d.appointment_at = now, due.clock_start, due.due_at, due.due_at
        steps.copy_process(d, calendar=calendar_of(d), now=now)  # the internal process, fixed at reception too
        # Paper documents are scanned at the desk: a dossier received with its files attached is digitised.
        d.is_digitised = d.attachments.filter(purpose=AttachmentPurpose.APPLICATION).exists()
        appointment = _("Hẹn trả: %(at)s") % {"at": vn_short_datetime(due.due_at)}
        return {"note": f"{appointment}. {note.strip()}" if note.strip() else appointment}

    def number(d: Dossier, now):
        d.book_entry_no = next_book_entry(agency=d.receiving_agency, at=now)

    return run_action(dossier=dossier, actor=actor, action="receive", change=change, expected_version=expected_version, number=number)


def dossier_refuse(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do từ chối tiếp nhận."))

    def change(d, now):
        d.decision_reason, d.finished_at = reason.strip(), now
        form_numbers.issue_form_number(d)
        return {"note": reason.strip()}

    return run_action(dossier=dossier, actor=actor, action="refuse", change=change, expected_version=expected_version)


def dossier_request_supplement(*, dossier: Dossier, actor, items: list[str], reason: str = "",
                               expected_version: int | None = None) -> Dossier:
    """Form 02. Before reception: the desk asks, the clock has not started. After: the authority asks, the clock
    pauses and the request is counted (more than one counts as late under Decision 766)."""
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise InvalidInput(_("Hãy liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung."))
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

    return run_action(dossier=dossier, actor=actor, action="request_supplement", change=change, expected_version=expected_version)


def close_pause(d: Dossier, now) -> None:
    pause = d.pauses.filter(ended_at__isnull=True).first()
    if pause is None:
        return
    new_due = worktime.due_after_resume(calendar_of(d), d.due_at, pause.started_at, now)
    pause.ended_at, pause.due_after = now, new_due
    pause.save(update_fields=["ended_at", "due_after"])
    if d.has_steps:  # every later step moves by the paused working time, as the dossier does (rule 7)
        steps.recompute_steps(d, calendar=calendar_of(d), pauses=[(p.started_at, p.ended_at) for p in d.pauses.all()])
    if not Apology.objects.filter(dossier=d).exists():
        d.appointment_at = new_due
    d.due_at = new_due


def dossier_answer_supplement(*, dossier: Dossier, actor, note: str = "", uploads: Sequence["Upload"] = (),
                              provided_document_ids: Iterable[int] = (), expected_version: int | None = None) -> Dossier:
    """The applicant (or the desk on their behalf) supplies what was asked, with the files it brings (checked
    first, stored with the answer in one transaction): back to the desk before reception, or resumed at the
    authority after it, with the due time moved by the paused working time (rule 7)."""
    limit = settings.ONECUA["MAX_FILES_PER_SUPPLEMENT"]
    if len(uploads) > limit:
        raise InvalidInput(_("Bạn chọn %(n)s tệp; mỗi lần bổ sung được gửi tối đa %(limit)s tệp.")
                           % {"n": len(uploads), "limit": limit})
    checked = check_uploads(uploads, already=dossier.attachments.count())

    def attach(d, event):
        store_uploads(d, actor=actor, uploads=uploads, checked=checked, event=event,
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
            close_pause(d, now)
        return {"note": note}

    with files_kept_only_on_commit():
        return in_one_transaction(lambda: run_action(dossier=dossier, actor=actor, action="answer_supplement", change=change, expected_version=expected_version,
                    attach=attach if uploads else None))


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

    return run_action(dossier=dossier, actor=actor, action="forward", change=change, expected_version=expected_version)


def dossier_assign(*, dossier: Dossier, actor, officer, note: str = "", expected_version: int | None = None) -> Dossier:
    if not StaffMembership.objects.filter(user=officer, agency_id=dossier.handling_agency_id, role=Role.OFFICER,
                                          is_active=True).exists():
        raise InvalidInput(_("%(user)s không phải chuyên viên của cơ quan đang xử lý hồ sơ.") % {"user": officer})

    def change(d, now):
        d.assigned_officer = officer
        return {"note": note or _("Phân công: %(user)s") % {"user": officer}}

    return run_action(dossier=dossier, actor=actor, action="assign", change=change, expected_version=expected_version)


def dossier_propose(*, dossier: Dossier, actor, outcome: str, note: str, result_file=None,
                    expected_version: int | None = None) -> Dossier:
    """The officer proposes the outcome, with the result document (a PDF) when there is one: the leader's
    approval signs it (printing/), or the decision text is rendered and signed when none was attached."""
    if outcome not in Outcome.values:
        raise InvalidInput(_("Đề xuất không hợp lệ."))
    if outcome == Outcome.DECLINED and not note.strip():
        raise InvalidInput(_("Đề xuất không giải quyết phải nêu rõ lý do."))
    uploads = [Upload(result_file)] if result_file else []
    checked = check_uploads(uploads, already=dossier.attachments.count())
    if checked and checked[0].content_type != "application/pdf":
        raise InvalidInput(_("Văn bản kết quả phải là tệp PDF."))

    def change(d, now):
        d.proposed_outcome, d.proposal_note = outcome, note.strip()
        return {"note": f"{Outcome(outcome).label}. {note.strip()}".strip()}

    def attach(d, event):
        store_uploads(d, actor=actor, uploads=uploads, checked=checked, event=event, purpose=AttachmentPurpose.RESULT)

    with files_kept_only_on_commit():
        return run_action(dossier=dossier, actor=actor, action="propose", change=change,
                          expected_version=expected_version, attach=attach if uploads else None)


def dossier_await_payment(*, dossier: Dossier, actor, reason: str, amount: int | None = None,
                          expected_version: int | None = None) -> Dossier:
    """The clock pauses while the applicant meets a financial obligation (`reason`: what is to be paid;
    `amount`: in đồng, when it is paid online; payments/ opens the payment)."""
    if amount is not None and amount <= 0:
        raise InvalidInput(_("Số tiền phải lớn hơn 0 đồng."))

    def change(d, now):
        ClockPause.objects.create(dossier=d, kind=PauseKind.PAYMENT, started_at=now, due_before=d.due_at)
        return {"note": reason, "details": {"amount": amount}}

    return run_action(dossier=dossier, actor=actor, action="await_payment", change=change, expected_version=expected_version)


def dossier_confirm_payment(*, dossier: Dossier, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    def change(d, now):
        close_pause(d, now)
        return {"note": note}

    return run_action(dossier=dossier, actor=actor, action="confirm_payment", change=change, expected_version=expected_version)


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

    return run_action(dossier=dossier, actor=actor, action=action, change=change,
                expected_version=expected_version)


def dossier_approve(*, dossier: Dossier, actor, note: str = "", expected_version: int | None = None) -> Dossier:
    return _decide(dossier=dossier, actor=actor, outcome=Outcome.APPROVED, note=note, expected_version=expected_version)


def dossier_decline(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    return _decide(dossier=dossier, actor=actor, outcome=Outcome.DECLINED, note=reason,
                   expected_version=expected_version)


def dossier_propose_stop(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    """The officer proposes to stop handling (form 05 at the agency's initiative); the leader decides."""
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do đề xuất dừng giải quyết."))

    def apply(d, now):
        if not ACTIONS["propose_stop"].is_possible(d):
            raise refused(d, "propose_stop")
        return reason.strip()

    return record_only(dossier=dossier, actor=actor, action="propose_stop", expected_version=expected_version,
                        apply=apply)




def dossier_stop(*, dossier: Dossier, actor, reason: str, expected_version: int | None = None) -> Dossier:
    """The leader's decision to stop handling, with its reasons (on the officer's proposal or not)."""
    if not reason.strip():
        raise InvalidInput(_("Hãy ghi rõ lý do dừng giải quyết."))

    def change(d, now):
        close_pause(d, now)
        d.decision_reason, d.finished_at = reason.strip(), now
        d.competent_agency = d.handling_agency  # the leader's agency decided
        return {"note": reason.strip()}

    return run_action(dossier=dossier, actor=actor, action="stop", change=change,
                expected_version=expected_version)


def dossier_withdraw(*, dossier: Dossier, actor, reason: str = "", expected_version: int | None = None) -> Dossier:
    """The applicant withdraws while no decision exists (form 05 stop notice)."""

    def change(d, now):
        close_pause(d, now)
        d.decision_reason, d.finished_at = reason.strip() or _("Người nộp rút hồ sơ"), now
        return {"note": d.decision_reason}

    return run_action(dossier=dossier, actor=actor, action="withdraw", change=change, expected_version=expected_version)


def dossier_return_result(*, dossier: Dossier, actor, delivery: str, note: str = "", postal_tracking_no: str = "",
                          expected_version: int | None = None) -> Dossier:
    """The result leaves the desk: handed over, posted (with the postal item's number, shown to the
    applicant) or made available online."""
    if delivery not in ResultDelivery.values:
        raise InvalidInput(_("Hãy chọn hình thức trả kết quả."))
    postal_tracking_no = postal_tracking_no.strip()
    if delivery == ResultDelivery.POST and not postal_tracking_no:
        raise InvalidInput(_("Hãy ghi số hiệu bưu gửi khi trả kết quả qua bưu chính."))

    def change(d, now):
        d.postal_tracking_no = postal_tracking_no if delivery == ResultDelivery.POST else ""
        d.result_delivery, d.returned_at = delivery, now
        d.result_is_electronic = d.result_is_electronic or delivery == ResultDelivery.ELECTRONIC
        return {"note": f"{ResultDelivery(delivery).label}. {note}".strip()}

    return run_action(dossier=dossier, actor=actor, action="return_result", change=change, expected_version=expected_version)
































def dossier_claim(*, dossier: Dossier, user) -> Dossier:
    """A signed-in applicant adds to their account a dossier they proved is theirs (its code with its phone or
    ID number): the link and its event row in one transaction. A dossier already linked to another account is
    refused; one already linked to this account is left as it is."""
    if dossier.applicant_user_id == user.pk:
        return dossier
    if dossier.applicant_user_id is not None:
        raise ActionForbidden(_("Hồ sơ này đã thuộc một tài khoản khác."))

    def apply(d, now):
        if d.applicant_user_id is not None:
            raise ActionForbidden(_("Hồ sơ này đã thuộc một tài khoản khác."))
        Dossier.objects.filter(pk=d.pk).update(applicant_user=user)
        d.applicant_user = user
        return ""

    return in_one_transaction(lambda: record_only(dossier=dossier, actor=user, action="claim",
                                                   expected_version=None, apply=apply))


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

    with files_kept_only_on_commit():
        return in_one_transaction(work)


def dossier_payment_received(*, dossier_id: int, reference: str, amount: int,
                             may_resume: Callable[[Dossier], bool] | None = None) -> Dossier | None:
    """The gateway confirmed the applicant's online payment `reference` (payments/ checked its signature,
    reference and amount): recorded on the dossier, and a dossier paused for a financial obligation resumes
    with its due time moved by the paused working time (rule 7). The gateway saw no page: the event applies to
    the dossier as it is now (locked once; no version check). `may_resume(locked)` False: a dossier paused in
    awaiting_payment stays paused and nothing is recorded (returns None)."""
    note = _("%(amount)s đồng (mã %(reference)s)") % {"amount": f"{amount:,}".replace(",", "."), "reference": reference}
    # The lock takes no savepoint (its only refusal, a dossier gone, comes before any write); the resumption,
    # which may be refused by the registry, takes its own. The recording has no refusal: an error after its
    # first write fails the caller's whole transaction instead of leaving half of it behind.
    with locked_dossier(int(dossier_id), actor=APPLICANT, action="payment_received", expected_version=ANY_VERSION,
                        savepoint=False) as held:
        if held.state == State.AWAITING_PAYMENT:
            if may_resume is not None and not may_resume(held):
                return None

            def change(d, now):
                close_pause(d, now)
                return {"note": note}

            with transaction.atomic():
                return run_action(dossier=held, actor=APPLICANT, action="payment_received", change=change,
                                  expected_version=ANY_VERSION)
        try:
            return record_only(dossier=held, actor=APPLICANT, action="payment_received",
                               expected_version=ANY_VERSION, apply=lambda d, now: note)
        except DossierError as exc:
            raise RuntimeError(f"payment_received not recorded on dossier {dossier_id}: {exc}") from exc
