from accounts.models import Role
from accounts.scoping import is_overseer
from accounts.selectors import memberships_of
from surveys.selectors import open_follow_up_count


def follow_ups(request):
    """Staff navigation: leaders see the number of open "not satisfied" follow-ups (one COUNT query); leaders,
    inspectors and administrators get the results page link (no query: memberships are already loaded)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"satisfaction_results": is_overseer(user=user)}
    leader_of = {m.agency_id for m in memberships_of(user=user) if m.role == Role.LEADER}
    if leader_of:
        context["open_follow_ups"] = open_follow_up_count(agency_ids=leader_of)
    return context
