"""Reads about users: their memberships, roles and agencies."""

from .models import Role, StaffMembership


def memberships_of(*, user) -> list[StaffMembership]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_onecua_memberships", None)
    if cached is None:
        cached = list(StaffMembership.objects.filter(user=user, is_active=True).select_related("agency"))
        user._onecua_memberships = cached
    return cached


def is_staff_member(*, user) -> bool:
    return bool(memberships_of(user=user))


def agencies_for_role(*, user, roles: set[str] | None = None) -> set[int]:
    return {m.agency_id for m in memberships_of(user=user) if roles is None or m.role in roles}


def has_role(*, user, role: Role | str, agency_id: int | None = None) -> bool:
    return any(m.role == role and (agency_id is None or m.agency_id == agency_id) for m in memberships_of(user=user))
