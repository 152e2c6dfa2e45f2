"""Reads about users: their memberships, roles and agencies."""

from django.conf import settings
from django.urls import reverse

from accounts.models import StaffMembership


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



def landing_url(user) -> str:
    """Where a sign-in lands without a `next`: staff on their workspace queues, everyone else where
    LOGIN_REDIRECT_URL says (the home page)."""
    return reverse("workspace:home") if is_staff_member(user=user) else reverse(settings.LOGIN_REDIRECT_URL)
