from accounts.models import Role
from accounts.selectors import memberships_of
from dossiers.selectors import OVERSIGHT_ROLES

from .selectors import open_follow_up_count


def follow_ups(request):
    """Staff navigation: leaders see the number of open "not satisfied" follow-ups (one COUNT query); leaders,
    inspectors and administrators get the results page link (no query: memberships are already loaded)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = memberships_of(user=user)
    context = {"satisfaction_results": any(m.role in OVERSIGHT_ROLES for m in memberships)}
    leader_of = {m.agency_id for m in memberships if m.role == Role.LEADER}
    if leader_of:
        context["open_follow_ups"] = open_follow_up_count(agency_ids=leader_of)
    return context
