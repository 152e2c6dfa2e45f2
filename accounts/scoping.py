"""Who may see which agencies: the scoping every staff query goes through (dossiers, reports, the admin)."""

from accounts.models import Role
from accounts.selectors import memberships_of
from procedures.models import Agency

# Roles that oversee a whole subtree of agencies (a province's inspector sees its communes).
SUBTREE_ROLES = {Role.INSPECTOR, Role.ADMIN}


# Roles that read an agency's figures: satisfaction results and statistics.
OVERSIGHT_ROLES = {Role.INSPECTOR, Role.LEADER, Role.ADMIN}


def agency_subtree_ids(root_ids: set[int]) -> set[int]:
    """The agencies and all their descendants (one query per level of the tree)."""
    seen = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        frontier = set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
        seen |= frontier
    return seen


def staff_agency_ids(*, user, roles=None) -> set[int]:
    """The agencies of the user's memberships (only those with one of `roles`, when given), with the whole
    subtree under an inspector's or administrator's agency. Computed once per request and role set."""
    cache = getattr(user, "_onecua_agency_ids", None)
    if cache is None:
        cache = user._onecua_agency_ids = {}
    key = frozenset(roles) if roles is not None else None
    if key not in cache:
        memberships = [m for m in memberships_of(user=user) if roles is None or m.role in roles]
        overseen = {m.agency_id for m in memberships if m.role in SUBTREE_ROLES}
        cache[key] = {m.agency_id for m in memberships} | (agency_subtree_ids(overseen) if overseen else set())
    return set(cache[key])


def oversight_agency_ids(*, user) -> set[int]:
    """Agencies whose figures the user may read (statistics, satisfaction results, follow-ups): an inspector's or
    administrator's whole subtree, a leader's own agencies. Empty: no access to those pages."""
    return staff_agency_ids(user=user, roles=OVERSIGHT_ROLES)


def oversight_scope_ids(*, user, agency: Agency | None) -> set[int]:
    """The agencies a figures page counts: `agency` and its subtree (or, None, all the user may read), within
    what the user may read."""
    allowed = oversight_agency_ids(user=user)
    return allowed if agency is None else agency_subtree_ids({agency.pk}) & allowed


def is_overseer(*, user) -> bool:
    """Does the user read figures anywhere (navigation links; no query: memberships are loaded once)?"""
    return any(m.role in OVERSIGHT_ROLES for m in memberships_of(user=user))
