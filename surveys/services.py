"""Every write of the surveys app: one transaction each, the dossier row locked, refusals with a Vietnamese
message (core.errors), notifications through the outbox (notifications) after commit."""

import logging

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import ActionForbidden, InvalidInput, TransitionRefused
from core.links import absolute_url
from dossiers.models import Dossier, DossierEvent, State, Timeliness
from notifications.outbox import save_new
from notifications.sweep import leaders_to_email, staff_row
from procedures.formatting import vn_short_datetime
from surveys import indices
from surveys.models import (
    AUTOMATIC_FIELDS,
    MANUAL_FIELDS,
    Answer,
    EvaluationIndices,
    FollowUp,
    FollowUpStatus,
    Level,
    Question,
    QuestionnaireResponse,
    Rating,
    Via,
)
from surveys.selectors import leader_agency_ids, may_enter_indices

log = logging.getLogger(__name__)

# Sent INSIDE the rating's transaction with kwarg `rating` (saved, `rating.dossier` loaded): receivers (the
# statistics summary) write in the same transaction, so a rating and the figures counting it commit together.
rating_recorded = Signal()


def _lock_dossier(dossier_id: int) -> Dossier:
    try:
        return (Dossier.objects.select_for_update(of=("self",))
                .select_related("procedure", "receiving_agency").get(pk=dossier_id))
    except Dossier.DoesNotExist:
        raise TransitionRefused(_("Hồ sơ không còn tồn tại.")) from None


def already_rated_error(dossier: Dossier, rated_at) -> TransitionRefused:
    return TransitionRefused(
        _("Hồ sơ %(code)s đã được đánh giá lúc %(at)s. Mỗi hồ sơ chỉ được đánh giá một lần; cảm ơn bạn.")
        % {"code": dossier.code, "at": vn_short_datetime(rated_at)})


def not_returned_error(dossier: Dossier) -> TransitionRefused:
    return TransitionRefused(
        _("Hồ sơ %(code)s chưa được trả kết quả nên chưa thể đánh giá. Bạn có thể đánh giá sau khi nhận kết quả.")
        % {"code": dossier.code})


def rate_first_error() -> TransitionRefused:
    return TransitionRefused(_("Hãy đánh giá nhanh mức độ hài lòng trước khi trả lời phiếu khảo sát."))


def questionnaire_sent_error(dossier: Dossier) -> TransitionRefused:
    return TransitionRefused(_("Phiếu khảo sát của hồ sơ %(code)s đã được gửi; mỗi hồ sơ chỉ gửi một lần.")
                             % {"code": dossier.code})


# ---------------------------------------------------------------- the quick rating
def rating_submit(*, dossier: Dossier, overall: int, convenience: int, comment: str = "", via: str) -> Rating:
    """Record the applicant's rating of a returned dossier, once. A "Không hài lòng" answer opens a follow-up
    and writes an e-mail to each leader of the receiving agency (sent after commit)."""
    if overall not in Level.values or convenience not in Level.values:
        raise InvalidInput(_("Hãy chọn mức độ hài lòng chung và mức độ thuận tiện."))
    if via not in Via.values:
        raise InvalidInput(_("Hình thức đánh giá không hợp lệ."))
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        locked = _lock_dossier(dossier.pk)
        if locked.state != State.RETURNED:
            raise not_returned_error(locked)
        existing = Rating.objects.filter(dossier=locked).values_list("rated_at", flat=True).first()
        if existing is not None:
            raise already_rated_error(locked, existing)
        try:
            with transaction.atomic():
                rating = Rating.objects.create(dossier=locked, overall=overall, convenience=convenience,
                                               comment=comment, via=via)
        except IntegrityError:
            # A concurrent submission won (databases that ignore the row lock, e.g. SQLite): say so, record nothing.
            raise already_rated_error(locked, timezone.now()) from None
        rating.dossier = locked
        if rating.is_not_satisfied:
            _open_follow_up(rating)
        rating_recorded.send(sender=Rating, rating=rating)
    return rating


def _open_follow_up(rating: Rating) -> FollowUp:
    dossier = rating.dossier
    follow_up = FollowUp.objects.create(rating=rating, dossier=dossier, agency_id=dossier.receiving_agency_id)
    leaders = [m.user for m in leaders_to_email(agency_ids=[dossier.receiving_agency_id])
               .order_by("user_id")]
    if not leaders:
        log.warning("Follow-up %s: agency %s has no leader with an e-mail address", follow_up.pk,
                    dossier.receiving_agency_id)
        return follow_up
    url = absolute_url(reverse("surveys_staff:follow_up", args=[follow_up.pk]))
    with translation.override("vi"):
        lines = [
            _("Người nộp hồ sơ %(code)s (%(procedure)s) tại %(agency)s đã đánh giá:")
            % {"code": dossier.code, "procedure": dossier.procedure.name, "agency": dossier.receiving_agency.name},
            _("  - Mức độ hài lòng chung: %(level)s") % {"level": Level(rating.overall).label},
            _("  - Mức độ thuận tiện: %(level)s") % {"level": Level(rating.convenience).label},
        ]
        if rating.comment:
            lines.append(_("  - Góp ý: %(comment)s") % {"comment": rating.comment})
        lines += ["", _("Đề nghị đồng chí xem xét và ghi nhận nội dung phản hồi, biện pháp khắc phục tại: %(url)s")
                  % {"url": url}]
        subject = _("Hồ sơ %(code)s: người nộp không hài lòng, cần lãnh đạo phản hồi") % {"code": dossier.code}
        rows = [staff_row(
            key=f"satisfaction-follow-up:{follow_up.pk}:{user.pk}", kind="satisfaction_follow_up", user=user,
            agency_id=dossier.receiving_agency_id, dossier=dossier, subject=subject, lines=lines)
            for user in leaders]
    save_new(rows)
    return follow_up


def follow_up_refusal(follow_up: FollowUp, *, user) -> ActionForbidden | TransitionRefused | None:
    """Why `user` may not respond to this follow-up (None: they may): only a leader of the agency, only once."""
    if follow_up.agency_id not in leader_agency_ids(user=user):
        return ActionForbidden(_("Chỉ lãnh đạo của nơi tiếp nhận hồ sơ mới được phản hồi đánh giá này."))
    if follow_up.status != FollowUpStatus.OPEN:
        return TransitionRefused(_("Đánh giá này đã được phản hồi lúc %(at)s.")
                                 % {"at": vn_short_datetime(follow_up.responded_at)})
    return None


def follow_up_respond(*, follow_up: FollowUp, actor, response: str) -> FollowUp:
    """A leader of the agency records the response; the follow-up is closed."""
    response = (response or "").strip()
    if not response:
        raise InvalidInput(_("Hãy nhập nội dung phản hồi, biện pháp khắc phục."))
    if isinstance(refusal := follow_up_refusal(follow_up, user=actor), ActionForbidden):
        raise refusal
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if refusal := follow_up_refusal(locked, user=actor):
            raise refusal
        locked.status, locked.response = FollowUpStatus.CLOSED, response
        locked.responded_by, locked.responded_at = actor, timezone.now()
        locked.save(update_fields=["status", "response", "responded_by", "responded_at"])
    return locked


# ---------------------------------------------------------------- the questionnaire
def questionnaire_submit(*, dossier: Dossier, answers: dict[int, int], via: str) -> QuestionnaireResponse:
    """The optional SIPAS-style questionnaire, after the quick rating, once per dossier. Unanswered questions
    are simply left out; at least one answer is needed."""
    answers = {int(q): int(s) for q, s in answers.items() if s not in (None, "")}
    if not answers:
        raise InvalidInput(_("Hãy chọn mức đánh giá cho ít nhất một tiêu chí."))
    if any(score < 1 or score > 5 for score in answers.values()):
        raise InvalidInput(_("Mức đánh giá phải từ 1 đến 5."))
    with transaction.atomic():
        locked = _lock_dossier(dossier.pk)
        if locked.state != State.RETURNED:
            raise not_returned_error(locked)
        if not Rating.objects.filter(dossier=locked).exists():
            raise rate_first_error()
        if QuestionnaireResponse.objects.filter(dossier=locked).exists():
            raise questionnaire_sent_error(locked)
        questions = set(Question.objects.filter(pk__in=answers, is_active=True).values_list("pk", flat=True))
        if questions != set(answers):
            raise InvalidInput(_("Phiếu khảo sát đã thay đổi. Hãy tải lại trang và trả lời lại."))
        try:
            with transaction.atomic():
                response = QuestionnaireResponse.objects.create(dossier=locked, via=via)
        except IntegrityError:
            raise questionnaire_sent_error(locked) from None
        Answer.objects.bulk_create(Answer(response=response, question_id=q, score=s) for q, s in answers.items())
    return response


# ---------------------------------------------------------------- the nine indices
def _automatic(locked: Dossier) -> dict:
    """The automatic indices of a returned dossier, with the time they were scored."""
    late_steps = DossierEvent.objects.filter(dossier=locked, step_timeliness=Timeliness.LATE).count()
    return {**indices.automatic_scores(locked, late_steps=late_steps), "computed_at": timezone.now()}


def indices_compute(*, dossier_id: int) -> EvaluationIndices | None:
    """Score the automatic indices of a returned dossier (idempotent; the entered ones are kept)."""
    with transaction.atomic():
        locked = _lock_dossier(dossier_id)
        if locked.state != State.RETURNED:
            return None
        row, _created = EvaluationIndices.objects.update_or_create(dossier=locked, defaults=_automatic(locked))
    return row


def indices_enter(*, dossier: Dossier, actor, scores: dict[str, int | None]) -> EvaluationIndices:
    """The desk clerk of the receiving agency, or an inspector over it, scores the indices the system cannot."""
    if not may_enter_indices(user=actor, dossier=dossier):
        raise ActionForbidden(_("Chỉ cán bộ một cửa của nơi tiếp nhận hoặc thanh tra mới được chấm các chỉ số này."))
    unknown = set(scores) - set(MANUAL_FIELDS)
    if unknown or any(v is not None and v not in (0, 1, 2) for v in scores.values()):
        raise InvalidInput(_("Mỗi chỉ số được chấm 2, 1 hoặc 0 điểm."))
    with transaction.atomic():
        locked = _lock_dossier(dossier.pk)
        if locked.state != State.RETURNED:
            raise TransitionRefused(_("Chỉ chấm các chỉ số đánh giá khi hồ sơ đã trả kết quả."))
        row = EvaluationIndices.objects.filter(dossier=locked).first()
        if row is None or any(getattr(row, name) is None for name in AUTOMATIC_FIELDS if name != "total_time"):
            # Returned before the automatic scoring ran (e.g. before this app existed): score them now too.
            automatic = _automatic(locked)
        else:
            automatic = {}
        row, _created = EvaluationIndices.objects.update_or_create(
            dossier=locked, defaults={**automatic, **scores, "entered_by": actor, "entered_at": timezone.now()})
    return row
