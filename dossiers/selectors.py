"""Reads of dossiers. Every staff queryset starts from `dossiers_visible_to`, the one scoping selector."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role
from accounts.selectors import memberships_of
from procedures.models import Agency

from .models import Dossier, DossierEvent

# Roles that oversee a whole subtree of agencies (a province's inspector sees its communes).
SUBTREE_ROLES = {Role.INSPECTOR, Role.ADMIN}


def agency_subtree_ids(root_ids: set[int]) -> set[int]:
    """The agencies and all their descendants (one query per level of the tree)."""
    seen = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
        seen |= frontier
    return seen


def staff_agency_ids(*, user) -> set[int]:
    direct = {m.agency_id for m in memberships_of(user=user)}
    overseen = {m.agency_id for m in memberships_of(user=user) if m.role in SUBTREE_ROLES}
    return direct | (agency_subtree_ids(overseen) if overseen else set())


def dossiers_visible_to(*, user) -> QuerySet[Dossier]:
    """Staff: dossiers received by, handled by or once handed to one of their agencies. Citizens: their own."""
    if user is None or not user.is_authenticated:
        return Dossier.objects.none()
    agencies = staff_agency_ids(user=user)
    if agencies:
        handed = DossierEvent.objects.filter(dossier=OuterRef("pk")).filter(
            Q(to_agency_id__in=agencies) | Q(from_agency_id__in=agencies)
        )
        return Dossier.objects.filter(
            Q(receiving_agency_id__in=agencies) | Q(handling_agency_id__in=agencies) | Exists(handed)
        )
    return Dossier.objects.filter(applicant_user=user)


def dossier_for_staff(*, user, pk: int) -> Dossier:
    """One dossier the user may see, or Dossier.DoesNotExist (views answer 404, revealing nothing)."""
    return (
        dossiers_visible_to(user=user)
        .select_related("procedure", "receiving_agency", "handling_agency", "assigned_officer")
        .get(pk=pk)
    )


def dossier_events(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return dossier.events.select_related("actor", "from_agency", "to_agency").order_by("at", "id")


def national_status_code(dossier: Dossier) -> int:
    return dossier.national_status_code
