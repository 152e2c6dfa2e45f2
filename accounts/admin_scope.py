"""Who administers what in the admin, and the choices an admin form may offer: the rules every scoped admin page
follows (the users' pages in accounts/admin.py, the catalog's in accounts/catalog_admin.py).

A superuser manages every agency and user; an agency administrator (an active Role.ADMIN membership) the
subtrees of their administrator memberships (accounts.scoping.staff_agency_ids).
"""

from django.db.models import Q

from accounts.models import Role, StaffMembership, User
from procedures.models import Agency


def administered_agency_ids(user) -> set[int] | None:
    """The agencies whose agencies, users and memberships `user` manages in the admin: None for a superuser (all),
    otherwise the subtrees of their active administrator memberships (empty: none)."""
    from accounts.scoping import staff_agency_ids

    if user.is_superuser:
        return None
    return staff_agency_ids(user=user, roles={Role.ADMIN})


def administered_roots(user) -> set[int]:
    """The agencies of the user's own administrator memberships (the tops of what they manage)."""
    from accounts.selectors import memberships_of

    return {m.agency_id for m in memberships_of(user=user) if m.role == Role.ADMIN}


def users_of(agency_ids) -> "Q":
    """Users with a membership (active or not) in one of the agencies."""
    return Q(pk__in=StaffMembership.objects.filter(agency_id__in=agency_ids).values("user_id"))


def scoped_choices(model, request):
    """The rows of `model` an admin form may offer the user (None: no narrowing)."""
    scope = administered_agency_ids(request.user)
    if scope is None:
        return None
    if model is Agency:
        return Agency.objects.filter(pk__in=scope)
    if model is User:
        return User.objects.filter(users_of(scope))
    return None


class ScopedChoicesMixin:
    """Agencies and users offered by a form's select, autocomplete or filter box (and accepted on submit) are the
    administrator's: the admin otherwise offers every row of the related table."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and (queryset := scoped_choices(db_field.remote_field.model, request)) is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and (queryset := scoped_choices(db_field.remote_field.model, request)) is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)
