from accounts.selectors import memberships_of


def staff(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_memberships": []}
    return {"staff_memberships": memberships_of(user=user)}
