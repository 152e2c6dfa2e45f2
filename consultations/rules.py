"""Who may ask and who may answer, and why not: one place for the services, which refuse, and the pages, which
show only the buttons that work. No writes here."""

from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import memberships_of
from consultations.models import Consultation, Status
from core.errors import ActionForbidden, TransitionRefused
from dossiers.states import OPEN_STATES

ASKING_ROLES = {Role.OFFICER, Role.LEADER}
ANSWERING_ROLES = {Role.OFFICER, Role.LEADER}


def roles_at(user, agency_id: int) -> set[str]:
    return {m.role for m in memberships_of(user=user) if m.agency_id == agency_id}


def ask_refusal(dossier, *, user) -> ActionForbidden | TransitionRefused | None:
    """Only an officer or leader of the agency handling the dossier asks, while the dossier is open."""
    if not roles_at(user, dossier.handling_agency_id) & ASKING_ROLES:
        return ActionForbidden(_("Chỉ chuyên viên hoặc lãnh đạo của cơ quan đang xử lý hồ sơ mới được xin ý kiến."))
    if dossier.state not in OPEN_STATES:
        return TransitionRefused(_("Hồ sơ %(code)s đang ở trạng thái “%(state)s”: chỉ xin ý kiến khi hồ sơ đang "
                                   "được giải quyết.") % {"code": dossier.code, "state": dossier.get_state_display()})
    return None


def answer_refusal(consultation: Consultation, *, user) -> ActionForbidden | TransitionRefused | None:
    """Only an officer or leader of the consulted agency answers, once."""
    if not roles_at(user, consultation.consulted_agency_id) & ANSWERING_ROLES:
        return ActionForbidden(_("Chỉ chuyên viên hoặc lãnh đạo của cơ quan được xin ý kiến mới được trả lời."))
    if consultation.status != Status.OPEN:
        return TransitionRefused(_("Yêu cầu xin ý kiến này đã được trả lời."))
    return None
