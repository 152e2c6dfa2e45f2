"""Reads of dossiers. Every staff queryset starts from `dossiers_visible_to`, the one scoping selector."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import memberships_of
from procedures.models import Agency
from procedures.worktime import TZ

from .documents import FORM_TITLES
from .models import RUNNING_STATES, Apology, AttachmentPurpose, Channel, Dossier, DossierEvent, State

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


def dossiers_received_by(*, user, agency_ids) -> QuerySet[Dossier]:
    """Staff: the dossiers received by those of `agency_ids` the user belongs to (or oversees) — a part of
    `dossiers_visible_to` that indexes on the receiving agency serve alone (statistics drill-down lists)."""
    allowed = set(agency_ids) & staff_agency_ids(user=user)
    return Dossier.objects.filter(receiving_agency_id__in=allowed)


def dossier_for_staff(*, user, pk: int) -> Dossier:
    """One dossier the user may see, or Dossier.DoesNotExist (views answer 404, revealing nothing)."""
    return (
        dossiers_visible_to(user=user)
        .select_related("procedure", "receiving_agency", "handling_agency", "competent_agency", "assigned_officer")
        .get(pk=pk)
    )


def dossier_events(*, dossier: Dossier) -> QuerySet[DossierEvent]:
    return (dossier.events.select_related("actor", "from_agency", "to_agency").prefetch_related("attachments")
            .order_by("at", "id"))


@dataclass(frozen=True)
class AttachmentGroup:
    purpose: str
    title: str
    at: object  # when the files came (a supplement answer's time); None for the application and the result
    attachments: list


_PURPOSE_ORDER = {AttachmentPurpose.APPLICATION: 0, AttachmentPurpose.SUPPLEMENT: 1, AttachmentPurpose.RESULT: 2}


def dossier_attachment_groups(*, dossier: Dossier) -> list[AttachmentGroup]:
    """Every file of the dossier, grouped by what brought it: the application, each supplement answer (with its
    time), the result. One query."""
    groups: dict[tuple, AttachmentGroup] = {}
    for attachment in dossier.attachments.select_related("event", "document").order_by("uploaded_at", "id"):
        purpose = AttachmentPurpose(attachment.purpose)
        supplement = purpose == AttachmentPurpose.SUPPLEMENT
        key = (purpose, attachment.event_id if supplement else None)
        if key not in groups:
            groups[key] = AttachmentGroup(
                purpose=purpose, title=str(_("Hồ sơ bổ sung") if supplement else purpose.label),
                at=(attachment.event.at if attachment.event else attachment.uploaded_at) if supplement else None,
                attachments=[])
        groups[key].attachments.append(attachment)
    return sorted(groups.values(), key=lambda g: (_PURPOSE_ORDER[g.purpose], g.at or g.attachments[0].uploaded_at))


# ---------------------------------------------------------------- staff queues


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
        "overdue": Q(state__in=RUNNING_STATES, handling_agency_id__in=officer | desk,
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
    """The local day as [midnight, next midnight) in Asia/Ho_Chi_Minh."""
    start = datetime.combine(day, time(0, 0), tzinfo=TZ)
    return start, start + timedelta(days=1)


def period_bounds(start, end) -> tuple[datetime, datetime]:
    """Local days start..end (inclusive) as [midnight of start, midnight after end)."""
    return day_bounds(start)[0], day_bounds(end)[1]


def tracking_book_dossiers(*, user, agency_id: int, start, end) -> QuerySet[Dossier]:
    """Form 07: dossiers received at a desk between two dates (inclusive), in book order."""
    lo, hi = period_bounds(start, end)
    return (
        dossiers_visible_to(user=user)
        .filter(receiving_agency_id=agency_id, received_at__gte=lo, received_at__lt=hi)
        .select_related("procedure", "competent_agency")
        .order_by("received_at", "pk")
    )


# ---------------------------------------------------------------- the citizen's view
CITIZEN_TEXT = {
    "submit": "Hồ sơ đã được nộp, đang chờ Bộ phận Một cửa kiểm tra.",
    "receive": "Hồ sơ đã được tiếp nhận. Thời hạn giải quyết bắt đầu được tính.",
    "refuse": "Hồ sơ không được tiếp nhận. Lý do: {note}",
    "request_supplement": "Cơ quan đề nghị bổ sung, hoàn thiện hồ sơ: {note}",
    "answer_supplement": "Bạn đã bổ sung hồ sơ.",
    "forward": "Hồ sơ đã được chuyển đến {to_agency} để giải quyết.",
    "assign": "Hồ sơ đang được cán bộ xem xét.",
    "propose": "Hồ sơ đang được trình lãnh đạo phê duyệt.",
    "await_payment": "Đề nghị bạn thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế): {note}",
    "confirm_payment": "Đã ghi nhận bạn hoàn thành nghĩa vụ tài chính.",
    "approve": "Đã có kết quả giải quyết. Mời bạn nhận kết quả.",
    "decline": "Cơ quan có văn bản trả lời không giải quyết. Mời bạn nhận văn bản trả lời.",
    "stop": "Cơ quan dừng giải quyết hồ sơ. Lý do: {note}",
    "withdraw": "Hồ sơ đã được rút theo đề nghị của bạn.",
    "return_result": "Bạn đã nhận kết quả.",
    "apologise": "Cơ quan xin lỗi vì chậm giải quyết và hẹn lại thời gian trả kết quả.",
}
NEXT_STEP = {
    State.SUBMITTED: "Chờ Bộ phận Một cửa kiểm tra hồ sơ; bạn sẽ nhận được thông báo.",
    State.RECEIVED: "Hồ sơ đang được xử lý; bạn chưa cần làm gì.",
    State.PROCESSING: "Hồ sơ đang được xử lý; bạn chưa cần làm gì.",
    State.SUPPLEMENT_REQUESTED: "Bạn cần bổ sung giấy tờ theo yêu cầu (nút “Bổ sung hồ sơ” bên dưới).",
    State.AWAITING_PAYMENT: "Bạn cần thực hiện nghĩa vụ tài chính theo thông báo.",
    State.RESOLVED: "Mời bạn đến nhận kết quả theo ngày hẹn (mang theo giấy tiếp nhận).",
    State.RETURNED: "Hồ sơ đã hoàn thành.",
    State.REFUSED: "Hồ sơ đã kết thúc.",
    State.WITHDRAWN: "Hồ sơ đã kết thúc.",
    State.STOPPED: "Hồ sơ đã kết thúc.",
}


def find_tracked_dossier(*, code: str, secret: str) -> Dossier | None:
    """The dossier whose code AND phone (or ID number) match; None otherwise, whichever part was wrong."""
    if not code or not secret:
        return None
    return (
        Dossier.objects.filter(code=code)
        .filter(Q(applicant_phone=secret) | Q(applicant_id_number=secret))
        .select_related("procedure", "receiving_agency")
        .first()
    )


def citizen_timeline(*, dossier: Dossier) -> list[tuple]:
    rows = []
    for e in dossier.events.select_related("to_agency").order_by("at", "id"):
        text = CITIZEN_TEXT.get(e.action, e.action_label)
        rows.append((e.at, text.format(note=e.note, to_agency=e.to_agency.name if e.to_agency else "")))
    return rows


def citizen_forms(*, dossier: Dossier) -> list[tuple[str, str]]:
    """Forms issued to the applicant: receipt 01, supplement request 02, refusal 03, apology 04, stop notice 05."""
    numbers = []
    if dossier.received_at:
        numbers.append("01")
    if dossier.supplement_requests.exists():
        numbers.append("02")
    if dossier.state == State.REFUSED:
        numbers.append("03")
    if Apology.objects.filter(dossier=dossier).exists():
        numbers.append("04")
    if dossier.state in {State.WITHDRAWN, State.STOPPED}:
        numbers.append("05")
    return [(n, FORM_TITLES[n]) for n in numbers]


def next_step(dossier: Dossier) -> str:
    return NEXT_STEP[State(dossier.state)]


# ---------------------------------------------------------------- published processing reality
@dataclass(frozen=True)
class ProcessingReality:
    count: int
    median_days: str
    p90_days: str
    on_time_percent: int


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = max(0, min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def procedure_processing_reality(*, procedure, now: datetime | None = None, limit: int = 20000):
    """Median and 90th-percentile working days from clock start to resolution, and the share on time, over the
    last 12 months; None when nothing was resolved."""
    from procedures.calendars import build_calendar
    from procedures.worktime import working_time_between

    now = now or timezone.now()
    rows = list(
        Dossier.objects.filter(procedure=procedure, resolved_at__gte=now - timedelta(days=365),
                               clock_started_at__isnull=False)
        .order_by("-resolved_at").values_list("clock_started_at", "resolved_at", "timeliness")[:limit]
    )
    if not rows:
        return None
    cal = build_calendar()
    days = sorted(max(0.0, working_time_between(cal, start, end).total_seconds()) / cal.seconds_per_day
                  for start, end, _t in rows)
    on_time = sum(1 for *_x, t in rows if t in ("early", "on_time"))
    return ProcessingReality(
        count=len(rows), median_days=f"{_percentile(days, 0.5):.1f}".replace(".", ","),
        p90_days=f"{_percentile(days, 0.9):.1f}".replace(".", ","), on_time_percent=round(100 * on_time / len(rows)))


def procedure_page_context(*, procedure) -> dict:
    return {"reality": procedure_processing_reality(procedure=procedure)}
