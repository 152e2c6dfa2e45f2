"""Reads about users: their memberships, roles and agencies."""

from django.conf import settings
from django.urls import reverse

from accounts.models import StaffMembership, User
from core.compiled import Compiled
from core.prepared import Prepared


def _active_memberships(user_id):
    return StaffMembership.objects.filter(user_id=user_id, is_active=True).select_related("agency")


def _active_memberships_with_user(user_id):
    return StaffMembership.objects.filter(user_id=user_id, is_active=True).select_related("agency", "user")


# Read on every staff request (scoping, the navigation, the idle timeout): compiled once per connection.
_MEMBERSHIPS = Compiled(size=2)
_USER = Prepared(lambda pk: User._default_manager.filter(pk=pk), probe=-1)


def user_with_memberships(pk: int) -> User | None:
    """The user `pk` with their active memberships already read (memberships_of runs no query for it): a staff
    member in ONE statement (the memberships with their agency and user), anyone else in two (no membership,
    then the user). Each compiled once per connection. For the session's user (accounts.backends)."""
    memberships = _MEMBERSHIPS.instances("with_user", _active_memberships_with_user, [pk])
    if memberships:
        user = memberships[0].user
        for membership in memberships:
            membership.user = user
    else:
        user = _USER.get(pk)
    if user is not None:
        user._onecua_memberships = memberships
    return user


def memberships_of(*, user) -> list[StaffMembership]:
    """The user's active memberships with their agencies: one query per request, kept on the user object (the
    scoping, the context processors and the views all read this list)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_onecua_memberships", None)
    if cached is None:
        cached = _MEMBERSHIPS.instances("active", _active_memberships, [user.pk])
        user._onecua_memberships = cached
    return cached


def is_staff_member(*, user) -> bool:
    return bool(memberships_of(user=user))



def landing_url(user) -> str:
    """Where a sign-in lands without a `next`: staff on their workspace queues, everyone else where
    LOGIN_REDIRECT_URL says (the home page)."""
    return reverse("workspace:home") if is_staff_member(user=user) else reverse(settings.LOGIN_REDIRECT_URL)
