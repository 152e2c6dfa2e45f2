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


# ---------------------------------------------------------------- staff queues
from dataclasses import dataclass  # noqa: E402
from datetime import datetime, time, timedelta  # noqa: E402

from django.db.models import Count, F  # noqa: E402
from django.utils import timezone  # noqa: E402

from procedures.worktime import TZ  # noqa: E402

from .models import Channel, State  # noqa: E402


@dataclass(frozen=True)
class QueueDef:
    key: str
    label: str
    role: str


QUEUES = [
    QueueDef("to_check", "Hồ sơ trực tuyến chờ kiểm tra", Role.CLERK),
    QueueDef("supplemented", "Hồ sơ đã bổ sung, chờ tiếp nhận", Role.CLERK),
    QueueDef("to_hand_over", "Đã tiếp nhận, chờ chuyển xử lý", Role.CLERK),
    QueueDef("to_return", "Có kết quả, chờ trả", Role.CLERK),
    QueueDef("assigned", "Được phân công cho tôi", Role.OFFICER),
    QueueDef("unassigned", "Chờ phân công", Role.OFFICER),
    QueueDef("due_soon", "Sắp đến hạn (trong 1 ngày)", Role.OFFICER),
    QueueDef("overdue", "Quá hạn", Role.OFFICER),
    QueueDef("paused", "Tạm dừng (chờ bổ sung, chờ nghĩa vụ tài chính)", Role.OFFICER),
    QueueDef("awaiting_approval", "Chờ phê duyệt", Role.LEADER),
]
QUEUE_BY_KEY = {q.key: q for q in QUEUES}


def _queue_filter(key: str, *, user, agencies: dict[str, set[int]], now: datetime) -> Q:
    desk = agencies.get(Role.CLERK, set())
    officer = agencies.get(Role.OFFICER, set()) | agencies.get(Role.LEADER, set())
    leader = agencies.get(Role.LEADER, set())
    soon = now + timedelta(days=1)
    return {
        "to_check": Q(state=State.SUBMITTED, channel=Channel.ONLINE, receiving_agency_id__in=desk,
                      desk_supplement_count=0),
        "supplemented": Q(state=State.SUBMITTED, receiving_agency_id__in=desk, desk_supplement_count__gt=0),
        "to_hand_over": Q(state=State.RECEIVED, receiving_agency_id__in=desk),
        "to_return": Q(state=State.RESOLVED, receiving_agency_id__in=desk),
        "assigned": Q(state=State.PROCESSING, assigned_officer=user),
        "unassigned": Q(state=State.PROCESSING, handling_agency_id__in=officer, assigned_officer__isnull=True),
        "due_soon": Q(state=State.PROCESSING, handling_agency_id__in=officer, due_at__gte=now, due_at__lte=soon),
        "overdue": Q(state__in=[State.RECEIVED, State.PROCESSING], handling_agency_id__in=officer | desk,
                     due_at__lt=now),
        "paused": Q(state__in=[State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT], received_at__isnull=False,
                    handling_agency_id__in=officer),
        "awaiting_approval": Q(state=State.PROCESSING, handling_agency_id__in=leader) & ~Q(proposed_outcome=""),
    }[key]


def _agencies_by_role(user) -> dict[str, set[int]]:
    result: dict[str, set[int]] = {}
    for m in memberships_of(user=user):
        result.setdefault(m.role, set()).add(m.agency_id)
    return result


def staff_queues(*, user, now: datetime | None = None) -> list[tuple[QueueDef, int]]:
    """The user's queues with their counts, in one query."""
    now = now or timezone.now()
    agencies = _agencies_by_role(user)
    mine = [q for q in QUEUES if q.role in agencies or (q.role == Role.OFFICER and Role.LEADER in agencies
                                                          and q.key in {"unassigned", "overdue", "paused"})]
    if not mine:
        return []
    counts = dossiers_visible_to(user=user).aggregate(
        **{q.key: Count("pk", filter=_queue_filter(q.key, user=user, agencies=agencies, now=now)) for q in mine}
    )
    return [(q, counts[q.key]) for q in mine]


def search_filter(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    digits = "".join(ch for ch in text if ch.isdigit())
    q = Q(code__icontains=text) | Q(applicant_name__icontains=text)
    if len(digits) >= 6:
        q |= Q(applicant_phone__endswith=digits) | Q(applicant_id_number=digits)
    return q


def queue_dossiers(*, user, key: str | None, search: str = "", now: datetime | None = None) -> QuerySet[Dossier]:
    """A queue (or all visible dossiers when key is None), searched, sorted by due time; related rows joined."""
    now = now or timezone.now()
    qs = dossiers_visible_to(user=user)
    if key is not None:
        qs = qs.filter(_queue_filter(key, user=user, agencies=_agencies_by_role(user), now=now))
    if search:
        qs = qs.filter(search_filter(search))
    return qs.select_related("procedure", "receiving_agency", "handling_agency", "assigned_officer").order_by(
        F("due_at").asc(nulls_last=True), "submitted_at", "pk"
    )


def day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=TZ)
    return start, start + timedelta(days=1)


def tracking_book_dossiers(*, user, agency_id: int, start, end) -> QuerySet[Dossier]:
    """Form 07: dossiers received at a desk between two dates (inclusive), in book order."""
    lo, _ = day_bounds(start)
    _, hi = day_bounds(end)
    return (
        dossiers_visible_to(user=user)
        .filter(receiving_agency_id=agency_id, received_at__gte=lo, received_at__lt=hi)
        .select_related("procedure", "handling_agency")
        .order_by("received_at", "pk")
    )
