"""Who may do what with a feedback, and why not: one place for the services, which refuse, and the pages, which
show only the buttons that work. No writes here."""

from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import memberships_of
from core.errors import ActionForbidden, TransitionRefused
from feedback.models import Feedback, Status

# action -> the statuses it may start from
FROM = {
    "assign": (Status.RECEIVED, Status.ASSIGNED),
    "answer": (Status.ASSIGNED,),
    "publish": (Status.ANSWERED,),
    "close": (Status.ANSWERED,),
}


def roles_at(user, agency_id: int) -> set[str]:
    return {m.role for m in memberships_of(user=user) if m.agency_id == agency_id}


def is_leader(user, feedback: Feedback) -> bool:
    return Role.LEADER in roles_at(user, feedback.agency_id)


def _state_error(feedback: Feedback, action: str) -> TransitionRefused:
    messages = {
        "assign": _("Phản ánh %(code)s đang ở trạng thái “%(status)s”: chỉ giao xử lý khi chưa được trả lời."),
        "answer": _("Phản ánh %(code)s đang ở trạng thái “%(status)s”: chỉ trả lời khi đã được giao cho cán bộ "
                    "xử lý và chưa trả lời."),
        "publish": _("Phản ánh %(code)s đang ở trạng thái “%(status)s”: chỉ công khai khi đã có trả lời và chưa "
                     "công khai hoặc đóng."),
        "close": _("Phản ánh %(code)s đang ở trạng thái “%(status)s”: chỉ đóng khi đã có trả lời và chưa công "
                   "khai hoặc đóng."),
    }
    return TransitionRefused(messages[action] % {"code": feedback.code, "status": feedback.get_status_display()})


def refusal(feedback: Feedback, *, user, action: str) -> ActionForbidden | TransitionRefused | None:
    """Why `user` may not do `action` on `feedback` now (None: they may)."""
    if action in ("assign", "publish", "close"):
        if not is_leader(user, feedback):
            return ActionForbidden(_("Chỉ lãnh đạo của %(agency)s mới được giao xử lý, công khai hoặc đóng phản "
                                     "ánh này.") % {"agency": feedback.agency.name})
    elif action == "answer":
        if feedback.assigned_to_id != user.pk and not is_leader(user, feedback):
            return ActionForbidden(_("Chỉ cán bộ được giao xử lý hoặc lãnh đạo của %(agency)s mới được trả lời "
                                     "phản ánh này.") % {"agency": feedback.agency.name})
    if feedback.status not in FROM[action]:
        return _state_error(feedback, action)
    return None


def allowed_actions(feedback: Feedback, *, user) -> set[str]:
    return {action for action in FROM if refusal(feedback, user=user, action=action) is None}
