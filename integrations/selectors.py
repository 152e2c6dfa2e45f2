"""What the sync page reads: rows of the desks the user may see, counts per desk and state, unmapped states."""

from django.db.models import Count, Exists, OuterRef, QuerySet

from accounts.models import Role
from accounts.scoping import staff_agency_ids
from integrations.models import DONE_STATUSES, SyncRow, SyncStatus
from procedures.models import Agency

# Who may press Thử lại / Bỏ qua: the desk's clerks and the administrators of its agency tree.
ACT_ROLES = {Role.CLERK, Role.ADMIN}


def sync_agency_ids(*, user) -> set[int]:
    """The desks whose rows the user sees: their agencies, with the whole subtree for an inspector or admin."""
    return staff_agency_ids(user=user)


def acting_agency_ids(*, user) -> set[int]:
    return staff_agency_ids(user=user, roles=ACT_ROLES)


def sync_rows_for(*, user, agency_id: int | None = None, status: str | None = None) -> QuerySet[SyncRow]:
    """Rows of the user's desks, newest first, each with `waiting`: an earlier row of its dossier is not done
    (it goes only after that one)."""
    agencies = sync_agency_ids(user=user)
    if agency_id is not None:
        agencies &= {agency_id}
    earlier = SyncRow.objects.filter(dossier_id=OuterRef("dossier_id"), id__lt=OuterRef("id")).exclude(
        status__in=DONE_STATUSES)
    qs = (SyncRow.objects.filter(agency_id__in=agencies).select_related("dossier", "agency")
          .annotate(waiting=Exists(earlier)).defer("payload"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def counts_by_desk(*, user) -> list[tuple[Agency, dict[str, int]]]:
    """Per desk the user sees: the number of rows in each state (one grouped query)."""
    agencies = sync_agency_ids(user=user)
    counts: dict[int, dict[str, int]] = {}
    for agency_id, status, n in (SyncRow.objects.filter(agency_id__in=agencies).values_list("agency_id", "status")
                                 .annotate(n=Count("id")).order_by()):
        counts.setdefault(agency_id, {})[status] = n
    desks = Agency.objects.filter(pk__in=counts).order_by("identifier")
    return [(desk, {s.value: counts[desk.pk].get(s.value, 0) for s in SyncStatus}) for desk in desks]


def unmapped_states(*, user) -> list[dict]:
    """The (state, action) pairs whose rows wait for a mapping, with how many rows and dossiers."""
    agencies = sync_agency_ids(user=user)
    return list(SyncRow.objects.filter(agency_id__in=agencies, status=SyncStatus.UNMAPPED)
                .values("local_state", "action").annotate(rows=Count("id"), dossiers=Count("dossier_id", distinct=True))
                .order_by("local_state", "action"))


def desks_for_filter(*, user) -> QuerySet[Agency]:
    return Agency.objects.filter(pk__in=sync_agency_ids(user=user), is_one_stop_desk=True).order_by("identifier")
