"""Every write of the feedback app: one transaction each, the feedback row locked, refusals with a Vietnamese
message (core.errors) that change nothing, notifications written to the outbox in the same transaction."""

import logging
import secrets
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, StaffMembership
from core.errors import InvalidInput, TransitionRefused
from core.links import absolute_url
from dossiers.models import Dossier
from feedback import redaction, rules, selectors
from feedback.models import OPEN_STATUSES, Feedback, FeedbackEvent, Kind, Status
from notifications.models import Notification, NotificationChannel
from notifications.outbox import save_new
from notifications.sweep import leaders_to_email, staff_row
from procedures import worktime
from procedures.deadlines import DeadlineRule, compute_due
from procedures.formatting import vn_short_datetime
from procedures.models import Agency, Procedure

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_CONTENT = 5000
ASSIGNABLE_ROLES = (Role.OFFICER, Role.CLERK, Role.LEADER)


def answer_working_days() -> int:
    return int(settings.ONECUA.get("FEEDBACK_ANSWER_WORKING_DAYS", 10))


def due_time(*, received_at: datetime, agency: Agency) -> datetime:
    """The answer's due time: FEEDBACK_ANSWER_WORKING_DAYS working days on the agency's legal clock."""
    rule = DeadlineRule(amount=Decimal(answer_working_days()), unit=worktime.Unit.WORKING_DAYS, cutoff=None)
    return compute_due(rule=rule, received_at=received_at, agency=agency).due_at


def _new_code(now: datetime) -> str:
    return "PA" + worktime.to_local(now).strftime("%y%m%d") + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))


def _event(feedback: Feedback, *, action: str, actor, from_status: str, note: str = "") -> None:
    FeedbackEvent.objects.create(feedback=feedback, at=timezone.now(), actor=actor, action=action,
                                 from_status=from_status, to_status=feedback.status, note=note)


def _lock(feedback: Feedback) -> Feedback:
    try:
        return Feedback.objects.select_for_update(of=("self",)).select_related("agency", "procedure").get(
            pk=feedback.pk)
    except Feedback.DoesNotExist:
        raise TransitionRefused(_("Phản ánh không còn tồn tại.")) from None


def _checked(feedback: Feedback, *, actor, action: str) -> None:
    if error := rules.refusal(feedback, user=actor, action=action):
        raise error


# ---------------------------------------------------------------- the sender
def feedback_submit(*, procedure: Procedure, agency: Agency, kind: str, content: str, sender_name: str,
                    sender_phone: str, sender_email: str = "", dossier: Dossier | None = None,
                    user=None) -> Feedback:
    """A citizen's (or anyone's) feedback about a procedure, or about a dossier they may see. The caller has
    checked the sender's right to the dossier (tracking session or account); the phone is already normalised."""
    content = (content or "").strip()
    sender_name = " ".join((sender_name or "").split())
    if not content or not sender_name or not sender_phone:
        raise InvalidInput(_("Hãy nhập họ tên, số điện thoại và nội dung phản ánh."))
    if len(content) > MAX_CONTENT:
        raise InvalidInput(_("Nội dung phản ánh dài nhất %(n)s ký tự.") % {"n": MAX_CONTENT})
    if kind not in Kind.values:
        raise InvalidInput(_("Loại phản ánh không hợp lệ."))
    if dossier is not None and (dossier.procedure_id != procedure.pk or dossier.receiving_agency_id != agency.pk):
        raise InvalidInput(_("Hồ sơ không thuộc thủ tục hoặc nơi tiếp nhận đã chọn."))
    now = timezone.now()
    due = due_time(received_at=now, agency=agency)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                feedback = Feedback.objects.create(
                    code=_new_code(now), kind=kind, procedure=procedure, dossier=dossier, agency=agency,
                    sender_name=sender_name[:255], sender_phone=sender_phone, sender_email=sender_email or "",
                    sender_user=user if user is not None and user.is_authenticated else None, content=content,
                    received_at=now, due_at=due)
                _event(feedback, action="submit", actor=None, from_status="")
                _tell_leaders_received(feedback)
            return feedback
        except IntegrityError:  # the random code was taken (one chance in ~33 million): draw another
            continue
    raise TransitionRefused(_("Chưa gửi được phản ánh, xin thử lại."))


def _tell_leaders_received(feedback: Feedback) -> None:
    url = absolute_url(reverse("feedback_staff:detail", args=[feedback.pk]))
    with translation.override("vi"):
        subject = _("Phản ánh, kiến nghị mới %(code)s cần giao xử lý") % {"code": feedback.code}
        lines = [_("%(agency)s nhận phản ánh, kiến nghị %(code)s về thủ tục “%(procedure)s”.")
                 % {"agency": feedback.agency.name, "code": feedback.code, "procedure": feedback.procedure.name},
                 _("Hạn trả lời: %(due)s.") % {"due": vn_short_datetime(feedback.due_at)},
                 _("Đề nghị đồng chí giao cán bộ xử lý tại: %(url)s") % {"url": url}]
        rows = [staff_row(key=f"feedback-received:{feedback.pk}:{m.user_id}", kind="feedback_received",
                          user=m.user, agency_id=feedback.agency_id, subject=subject, lines=lines)
                for m in leaders_to_email(agency_ids=[feedback.agency_id]).order_by("user_id")]
    save_new(rows)


# ---------------------------------------------------------------- the agency
def assignable_officers(feedback: Feedback):
    """Staff of the feedback's agency a leader may give it to."""
    from accounts.models import User

    ids = StaffMembership.objects.filter(agency_id=feedback.agency_id, role__in=ASSIGNABLE_ROLES,
                                         is_active=True).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username")


def feedback_assign(*, feedback: Feedback, actor, officer) -> Feedback:
    """A leader of the agency gives the feedback to one of its staff (again, to change who answers)."""
    _checked(feedback, actor=actor, action="assign")
    if officer is None or not assignable_officers(feedback).filter(pk=officer.pk).exists():
        raise InvalidInput(_("Hãy chọn một cán bộ của %(agency)s.") % {"agency": feedback.agency.name})
    with transaction.atomic():
        locked = _lock(feedback)
        _checked(locked, actor=actor, action="assign")
        before = locked.status
        locked.status, locked.assigned_to, locked.assigned_at = Status.ASSIGNED, officer, timezone.now()
        locked.save(update_fields=["status", "assigned_to", "assigned_at"])
        _event(locked, action="assign", actor=actor, from_status=before, note=officer.display_name)
        if officer.email:
            url = absolute_url(reverse("feedback_staff:detail", args=[locked.pk]))
            with translation.override("vi"):
                subject = _("Được giao trả lời phản ánh, kiến nghị %(code)s") % {"code": locked.code}
                lines = [_("Đồng chí được giao trả lời phản ánh, kiến nghị %(code)s về thủ tục “%(procedure)s”.")
                         % {"code": locked.code, "procedure": locked.procedure.name},
                         _("Hạn trả lời: %(due)s.") % {"due": vn_short_datetime(locked.due_at)},
                         _("Xem và trả lời tại: %(url)s") % {"url": url}]
            save_new([staff_row(key=f"feedback-assigned:{locked.pk}:{officer.pk}:{locked.assigned_at:%s%f}",
                                kind="feedback_assigned", user=officer, agency_id=locked.agency_id,
                                subject=subject, lines=lines)])
    return locked


def suggested_public_texts(feedback: Feedback) -> tuple[str, str]:
    """The published version's first draft: the content and the answer with personal data removed."""
    names = [feedback.sender_name]
    return (redaction.redact(feedback.content, names=names), redaction.redact(feedback.answer, names=names))


def feedback_answer(*, feedback: Feedback, actor, answer: str) -> Feedback:
    """The assigned officer (or a leader of the agency) answers; the sender is told through the outbox."""
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput(_("Hãy nhập nội dung trả lời."))
    if len(answer) > MAX_CONTENT:
        raise InvalidInput(_("Nội dung trả lời dài nhất %(n)s ký tự.") % {"n": MAX_CONTENT})
    _checked(feedback, actor=actor, action="answer")
    with transaction.atomic():
        locked = _lock(feedback)
        _checked(locked, actor=actor, action="answer")
        before, now = locked.status, timezone.now()
        locked.status, locked.answer, locked.answered_at, locked.answered_by = Status.ANSWERED, answer, now, actor
        locked.timeliness = worktime.timeliness(locked.due_at, now).value
        locked.public_content, locked.public_answer = suggested_public_texts(locked)
        locked.save(update_fields=["status", "answer", "answered_at", "answered_by", "timeliness",
                                   "public_content", "public_answer"])
        _event(locked, action="answer", actor=actor, from_status=before, note=locked.get_timeliness_display())
        save_new(_sender_rows(locked))
    return locked


def _sender_rows(feedback: Feedback) -> list[Notification]:
    """The sender's e-mail (with the answer) and SMS (a pointer to the lookup page)."""
    url = absolute_url(reverse("feedback:lookup"))
    rows = []
    with translation.override("vi"):
        if feedback.sender_email:
            body = "\n".join([
                _("Kính gửi %(name)s,") % {"name": feedback.sender_name}, "",
                _("%(agency)s trả lời phản ánh, kiến nghị %(code)s của bạn về thủ tục “%(procedure)s”:")
                % {"agency": feedback.agency.name, "code": feedback.code, "procedure": feedback.procedure.name},
                "", feedback.answer, "",
                _("Tra cứu bằng mã phản ánh và số điện thoại tại: %(url)s") % {"url": url}, "",
                _("Thư này được gửi tự động từ hệ thống Một Cửa.")])
            rows.append(Notification(
                idempotency_key=f"feedback-answered:{feedback.pk}:email", kind="feedback_answered",
                channel=NotificationChannel.EMAIL, recipient=feedback.sender_email, dossier_id=feedback.dossier_id,
                agency_id=feedback.agency_id, body=body,
                subject=(_("[Một Cửa] Trả lời phản ánh, kiến nghị %(code)s") % {"code": feedback.code})[:255]))
        rows.append(Notification(
            idempotency_key=f"feedback-answered:{feedback.pk}:sms", kind="feedback_answered",
            channel=NotificationChannel.SMS, recipient=feedback.sender_phone, dossier_id=feedback.dossier_id,
            agency_id=feedback.agency_id, subject="",
            body=f"Mot Cua: Phan anh {feedback.code} da duoc tra loi. Tra cuu: {url}"))
    return rows


def feedback_publish(*, feedback: Feedback, actor, public_content: str, public_answer: str) -> Feedback:
    """A leader publishes the redacted version on the procedure's page. Text still holding the sender's name,
    phone or e-mail, or any e-mail address or long number, is refused."""
    public_content, public_answer = (public_content or "").strip(), (public_answer or "").strip()
    if not public_content or not public_answer:
        raise InvalidInput(_("Hãy nhập nội dung phản ánh và nội dung trả lời sẽ công khai."))
    _checked(feedback, actor=actor, action="publish")
    found = redaction.leftovers(f"{public_content}\n{public_answer}", names=[feedback.sender_name],
                                phones=[feedback.sender_phone], emails=[feedback.sender_email])
    if found:
        labels = {"email": _("địa chỉ thư điện tử"), "number": _("số điện thoại hoặc số giấy tờ"),
                  "name": _("họ tên người gửi")}
        raise InvalidInput(_("Nội dung công khai còn thông tin cá nhân (%(what)s). Hãy xóa trước khi công khai.")
                           % {"what": ", ".join(str(labels[f]) for f in found)})
    with transaction.atomic():
        locked = _lock(feedback)
        _checked(locked, actor=actor, action="publish")
        before = locked.status
        locked.status, locked.published_at = Status.PUBLISHED, timezone.now()
        locked.public_content, locked.public_answer = public_content, public_answer
        locked.save(update_fields=["status", "published_at", "public_content", "public_answer"])
        _event(locked, action="publish", actor=actor, from_status=before)
        selectors.published_changed(procedure_id=locked.procedure_id)  # the procedure page's cached answers
    return locked


def feedback_close(*, feedback: Feedback, actor, reason: str = "") -> Feedback:
    """A leader closes an answered feedback without publishing it."""
    _checked(feedback, actor=actor, action="close")
    with transaction.atomic():
        locked = _lock(feedback)
        _checked(locked, actor=actor, action="close")
        before = locked.status
        locked.status, locked.closed_at = Status.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        _event(locked, action="close", actor=actor, from_status=before, note=(reason or "").strip()[:500])
    return locked


# ---------------------------------------------------------------- the periodic flag
def feedback_flag_overdue(*, now: datetime | None = None) -> int:
    """Feedback still unanswered past its due time: marked once, and the agency's leaders (and the assigned
    officer) told through the outbox. Idempotent: a second run finds nothing new."""
    now = now or timezone.now()
    flagged = 0
    ids = list(Feedback.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now, overdue_notified_at__isnull=True)
               .values_list("pk", flat=True)[:1000])
    for pk in ids:
        with transaction.atomic():
            locked = (Feedback.objects.select_for_update(of=("self",)).select_related("agency", "procedure",
                                                                                      "assigned_to")
                      .filter(pk=pk, status__in=OPEN_STATUSES, overdue_notified_at__isnull=True).first())
            if locked is None:
                continue
            locked.overdue_notified_at = now
            locked.save(update_fields=["overdue_notified_at"])
            _event(locked, action="overdue", actor=None, from_status=locked.status)
            save_new(_overdue_rows(locked))
            flagged += 1
    return flagged


def _overdue_rows(feedback: Feedback) -> list[Notification]:
    url = absolute_url(reverse("feedback_staff:detail", args=[feedback.pk]))
    recipients = [m.user for m in leaders_to_email(agency_ids=[feedback.agency_id]).order_by("user_id")]
    if feedback.assigned_to is not None and feedback.assigned_to.email and feedback.assigned_to not in recipients:
        recipients.append(feedback.assigned_to)
    with translation.override("vi"):
        subject = _("Phản ánh, kiến nghị %(code)s đã quá hạn trả lời") % {"code": feedback.code}
        lines = [_("Phản ánh, kiến nghị %(code)s về thủ tục “%(procedure)s” quá hạn trả lời từ %(due)s.")
                 % {"code": feedback.code, "procedure": feedback.procedure.name,
                    "due": vn_short_datetime(feedback.due_at)},
                 _("Xem tại: %(url)s") % {"url": url}]
        return [staff_row(key=f"feedback-overdue:{feedback.pk}:{user.pk}", kind="feedback_overdue", user=user,
                          agency_id=feedback.agency_id, subject=subject, lines=lines) for user in recipients]
