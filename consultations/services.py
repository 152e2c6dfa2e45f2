"""Every write of the consultations app: one transaction each, refusals with a Vietnamese message (core.errors)
that change nothing, files checked (dossiers.uploads) before anything is written and deleted again if the
transaction fails, notifications written to the outbox in the same transaction."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consultations import rules
from consultations.models import Consultation, ConsultationEvent, ConsultationFile, FileRole, Status
from core.errors import InvalidInput, TransitionRefused
from core.links import absolute_url
from dossiers.models import Dossier
from dossiers.uploads import check_upload
from notifications.models import Notification
from notifications.outbox import save_new
from notifications.sweep import leaders_to_email, staff_row
from procedures import worktime
from procedures.deadlines import DeadlineRule, compute_due
from procedures.formatting import vn_short_datetime
from procedures.models import Agency

MAX_TEXT = 5000
MAX_FILES = 5
MAX_WORKING_DAYS = 30


def default_working_days() -> int:
    return int(settings.ONECUA.get("CONSULTATION_REPLY_WORKING_DAYS", 5))


def reply_by(*, asked_at: datetime, agency: Agency, working_days: int) -> datetime:
    """The reply-by time: `working_days` working days on the consulted agency's legal clock."""
    rule = DeadlineRule(amount=Decimal(working_days), unit=worktime.Unit.WORKING_DAYS, cutoff=None)
    return compute_due(rule=rule, received_at=asked_at, agency=agency).due_at


def _text(value: str, *, empty: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(empty)
    if len(value) > MAX_TEXT:
        raise InvalidInput(_("Nội dung dài nhất %(n)s ký tự.") % {"n": MAX_TEXT})
    return value


def _checked_files(uploads: Sequence) -> list:
    if len(uploads) > MAX_FILES:
        raise InvalidInput(_("Gửi kèm nhiều nhất %(n)s tệp.") % {"n": MAX_FILES})
    return [check_upload(upload) for upload in uploads]  # InvalidInput naming the first refused file


def _store(consultation: Consultation, *, role: str, uploads: Sequence, checked: list, actor, saved: list) -> None:
    for uploaded, check in zip(uploads, checked, strict=True):
        row = ConsultationFile(consultation=consultation, role=role,
                               original_name=(getattr(uploaded, "name", "") or "tep")[-255:],
                               content_type=check.content_type, size=check.size, sha256=check.sha256,
                               uploaded_by=actor)
        # A re-encoded image (check.content) is stored instead of what was sent.
        row.file.save(f"upload{check.extension}", check.content or uploaded, save=False)
        saved.append((row.file.storage, row.file.name))
        row.save()


def _forget(saved: list) -> None:
    for storage, name in saved:
        storage.delete(name)


def _event(consultation: Consultation, *, action: str, actor, note: str = "") -> None:
    ConsultationEvent.objects.create(consultation=consultation, dossier_id=consultation.dossier_id,
                                     at=timezone.now(), actor=actor, action=action, note=note[:500])


def _link(consultation: Consultation) -> str:
    return absolute_url(reverse("consultations:detail", args=[consultation.pk]))


# ---------------------------------------------------------------- asking
def consultation_ask(*, dossier: Dossier, actor, agencies: Sequence[Agency], question: str,
                     working_days: int | None = None, uploads: Sequence = ()) -> list[Consultation]:
    """The officer handling `dossier` asks each of `agencies` for an opinion. The dossier's own files are shared
    with them (read through the consultation's page); the dossier itself does not move and does not change."""
    if error := rules.ask_refusal(dossier, user=actor):
        raise error
    question = _text(question, empty=_("Hãy nhập nội dung xin ý kiến."))
    days = default_working_days() if working_days is None else working_days
    if not isinstance(days, int) or not 1 <= days <= MAX_WORKING_DAYS:
        raise InvalidInput(_("Thời hạn trả lời từ 1 đến %(n)s ngày làm việc.") % {"n": MAX_WORKING_DAYS})
    agencies = list({a.pk: a for a in agencies}.values())
    if not agencies:
        raise InvalidInput(_("Hãy chọn ít nhất một cơ quan được xin ý kiến."))
    if any(a.pk == dossier.handling_agency_id for a in agencies):
        raise InvalidInput(_("Không xin ý kiến chính cơ quan đang xử lý hồ sơ."))
    checked = _checked_files(uploads)
    now, saved, made = timezone.now(), [], []
    try:
        with transaction.atomic():
            for agency in agencies:
                consultation = Consultation.objects.create(
                    dossier=dossier, asking_agency_id=dossier.handling_agency_id, consulted_agency=agency,
                    asked_by=actor, question=question, working_days=days, asked_at=now,
                    reply_by=reply_by(asked_at=now, agency=agency, working_days=days))
                _store(consultation, role=FileRole.QUESTION, uploads=uploads, checked=checked, actor=actor,
                       saved=saved)
                ConsultationFile.objects.bulk_create([
                    ConsultationFile(consultation=consultation, role=FileRole.DOSSIER, attachment=a,
                                     original_name=a.original_name, content_type=a.content_type, size=a.size,
                                     sha256=a.sha256, uploaded_by=None, uploaded_at=a.uploaded_at)
                    for a in dossier.attachments.order_by("pk")])
                _event(consultation, action="ask", actor=actor,
                       note=_("Xin ý kiến %(agency)s, hạn trả lời %(due)s")
                       % {"agency": agency.name, "due": vn_short_datetime(consultation.reply_by)})
                save_new(_asked_rows(consultation, dossier, agency))
                made.append(consultation)
    except BaseException:
        _forget(saved)
        raise
    return made


def _asked_rows(consultation: Consultation, dossier: Dossier, agency: Agency) -> list[Notification]:
    with translation.override("vi"):
        subject = _("Xin ý kiến về hồ sơ %(code)s") % {"code": dossier.code}
        lines = [_("%(asking)s xin ý kiến %(agency)s về hồ sơ %(code)s.")
                 % {"asking": dossier.handling_agency.name, "agency": agency.name, "code": dossier.code},
                 _("Hạn trả lời: %(due)s.") % {"due": vn_short_datetime(consultation.reply_by)},
                 _("Xem và trả lời tại: %(url)s") % {"url": _link(consultation)}]
        return [staff_row(key=f"consultation-asked:{consultation.pk}:{m.user_id}", kind="consultation_asked",
                          user=m.user, agency_id=agency.pk, subject=subject, lines=lines)
                for m in leaders_to_email(agency_ids=[agency.pk]).order_by("user_id")]


# ---------------------------------------------------------------- answering
def consultation_answer(*, consultation: Consultation, actor, answer: str, uploads: Sequence = ()) -> Consultation:
    """An officer or leader of the consulted agency answers; late when after the reply-by time. The asker is
    told through the outbox."""
    if error := rules.answer_refusal(consultation, user=actor):
        raise error
    answer = _text(answer, empty=_("Hãy nhập nội dung trả lời."))
    checked = _checked_files(uploads)
    saved = []
    try:
        with transaction.atomic():
            try:
                locked = (Consultation.objects.select_for_update(of=("self",))
                          .select_related("dossier", "consulted_agency", "asked_by").get(pk=consultation.pk))
            except Consultation.DoesNotExist:
                raise TransitionRefused(_("Yêu cầu xin ý kiến không còn tồn tại.")) from None
            if error := rules.answer_refusal(locked, user=actor):
                raise error
            now = timezone.now()
            locked.status, locked.answer, locked.answered_at, locked.answered_by = Status.ANSWERED, answer, now, actor
            locked.timeliness = worktime.timeliness(locked.reply_by, now).value
            locked.save(update_fields=["status", "answer", "answered_at", "answered_by", "timeliness"])
            _store(locked, role=FileRole.ANSWER, uploads=uploads, checked=checked, actor=actor, saved=saved)
            _event(locked, action="answer", actor=actor, note=str(locked.get_timeliness_display()))
            save_new(_answered_rows(locked))
    except BaseException:
        _forget(saved)
        raise
    return locked


def _answered_rows(consultation: Consultation) -> list[Notification]:
    asker = consultation.asked_by
    if not asker.email:
        return []
    with translation.override("vi"):
        subject = _("%(agency)s đã trả lời xin ý kiến về hồ sơ %(code)s") % {
            "agency": consultation.consulted_agency.name, "code": consultation.dossier.code}
        lines = [subject + f" ({consultation.get_timeliness_display()}).",
                 _("Xem tại: %(url)s") % {"url": _link(consultation)}]
        return [staff_row(key=f"consultation-answered:{consultation.pk}", kind="consultation_answered", user=asker,
                          agency_id=consultation.asking_agency_id, subject=subject, lines=lines)]


# ---------------------------------------------------------------- the periodic flag
def consultation_flag_overdue(*, now: datetime | None = None) -> int:
    """Consultations unanswered past the reply-by time: marked once, and the leaders of both agencies (and the
    asker) told through the outbox. Idempotent: a second run finds nothing new."""
    now = now or timezone.now()
    flagged = 0
    ids = list(Consultation.objects.filter(status=Status.OPEN, reply_by__lt=now, overdue_notified_at__isnull=True)
               .values_list("pk", flat=True)[:1000])
    for pk in ids:
        with transaction.atomic():
            locked = (Consultation.objects.select_for_update(of=("self",))
                      .select_related("dossier", "consulted_agency", "asked_by")
                      .filter(pk=pk, status=Status.OPEN, overdue_notified_at__isnull=True).first())
            if locked is None:
                continue
            locked.overdue_notified_at = now
            locked.save(update_fields=["overdue_notified_at"])
            _event(locked, action="overdue", actor=None)
            save_new(_overdue_rows(locked))
            flagged += 1
    return flagged


def _overdue_rows(consultation: Consultation) -> list[Notification]:
    agency_ids = [consultation.asking_agency_id, consultation.consulted_agency_id]
    recipients = {m.user.pk: (m.user, m.agency_id) for m in leaders_to_email(agency_ids=agency_ids).order_by("user_id")}
    if consultation.asked_by.email:
        recipients.setdefault(consultation.asked_by.pk, (consultation.asked_by, consultation.asking_agency_id))
    with translation.override("vi"):
        subject = _("Xin ý kiến về hồ sơ %(code)s đã quá hạn trả lời") % {"code": consultation.dossier.code}
        lines = [_("%(agency)s chưa trả lời xin ý kiến về hồ sơ %(code)s, hạn trả lời %(due)s.")
                 % {"agency": consultation.consulted_agency.name, "code": consultation.dossier.code,
                    "due": vn_short_datetime(consultation.reply_by)},
                 _("Xem tại: %(url)s") % {"url": _link(consultation)}]
        return [staff_row(key=f"consultation-overdue:{consultation.pk}:{user.pk}", kind="consultation_overdue",
                          user=user, agency_id=agency_id, subject=subject, lines=lines)
                for user, agency_id in recipients.values()]
