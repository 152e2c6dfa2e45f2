from accounts.selectors import memberships_of
from dossiers.selectors import OVERSIGHT_ROLES


def reports_nav(request):
    """Staff navigation: a link to the reports for leaders, inspectors and administrators (no extra query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_see_reports": any(m.role in OVERSIGHT_ROLES for m in memberships_of(user=user))}
