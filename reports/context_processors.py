from accounts.scoping import is_overseer


def reports_nav(request):
    """Staff navigation: a link to the reports for leaders, inspectors and administrators (no extra query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_see_reports": is_overseer(user=user)}
