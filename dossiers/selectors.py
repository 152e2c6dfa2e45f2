"""Reads of dossiers. Every staff queryset starts from `dossiers_visible_to`, the one scoping selector."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.scoping import staff_agency_ids
from accounts.selectors import memberships_of
from core.compiled import Compiled
from dossiers.access import citizen_dossiers_q
from dossiers.actions import ACTIONS
from dossiers.form_numbers import FORM_TITLES
from dossiers.models import (
    RUNNING_STATES,
    Apology,
    ApologyProposal,
    AttachmentPurpose,
    Channel,
    Dossier,
    DossierEvent,
    State,
    SupplementRequest,
)
from procedures.worktime import TZ


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


def _queue_filter(key: str, *, user, agencies: dict[str, set[int]], now: datetime,
                  soon: datetime | None = None) -> Q:
    """A queue's filter at `now`; "due soon" means by `soon` (default: a day after now)."""
    desk = agencies.get(Role.CLERK, set())
    officer = agencies.get(Role.OFFICER, set()) | agencies.get(Role.LEADER, set())
    leader = agencies.get(Role.LEADER, set())
    soon = soon or now + timedelta(days=1)
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


def _queue_scope(user) -> tuple:
    """What the text of a user's queue statements depends on besides the time (the key of their compiled shape):
    the user, the agencies the scoping selector lets them see and their agencies by role. A change of memberships
    changes the key: a statement kept for the old ones is never used again."""
    by_role = _agencies_by_role(user)
    return (user.pk, frozenset(staff_agency_ids(user=user)), tuple(sorted((r, frozenset(a)) for r, a in by_role.items())))


# The queue page's statements (counts, a page's ids, its rows), compiled once per shape and connection: the
# querysets below stay the definition (built through `dossiers_visible_to`), only their SQL is kept.
_QUEUE_STATEMENTS = Compiled(size=256)


def _times(now: datetime) -> list[datetime]:
    """The values of a queue statement: now, and the end of "due soon" (each its own parameter)."""
    return [now, now + timedelta(days=1)]


def staff_queues(*, user, now: datetime | None = None) -> list[tuple[QueueDef, int]]:
    """The user's queues with their counts, in one query."""
    now = now or timezone.now()
    agencies = _agencies_by_role(user)
    mine = [q for q in QUEUES if q.role in agencies or (q.role == Role.OFFICER and Role.LEADER in agencies
                                                          and q.key in {"unassigned", "overdue", "paused"})]
    if not mine:
        return []
    keys = tuple(q.key for q in mine)

    def build(at, soon):
        visible = dossiers_visible_to(user=user)
        return count_statement({k: visible.filter(_queue_filter(k, user=user, agencies=agencies, now=at, soon=soon))
                                for k in keys})

    (row,) = _QUEUE_STATEMENTS.rows(("counts", keys, _queue_scope(user)), build, _times(now))
    return [(q, count) for q, count in zip(mine, row, strict=True)]


def count_statement(querysets: dict[str, QuerySet]) -> tuple[str, list]:
    """ONE statement counting the rows of each queryset: a scalar COUNT subquery each, so that each is served by its
    own index (a queue's desk or agency and state: migration 0014's queue indexes, index-only on PostgreSQL)
    instead of one pass over every dossier the user may see. Returns (sql, params)."""
    parts, params = [], []
    for queryset in querysets.values():
        try:
            sql, part_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a filter on an empty set of agencies: nothing to count
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(part_params)
    return "SELECT " + ", ".join(parts), params


def search_filter(text: str) -> Q:
    text = text.strip()
    if not text:
        return Q()
    digits = "".join(ch for ch in text if ch.isdigit())
    q = Q(code__icontains=text) | Q(applicant_name__icontains=text)
    if len(digits) >= 6:
        q |= Q(applicant_phone__endswith=digits) | Q(applicant_id_number=digits)
    return q


def queue_dossiers(*, user, key: str | None, search: str = "", now: datetime | None = None,
                   soon: datetime | None = None) -> QuerySet[Dossier]:
    """A queue (or all visible dossiers when key is None), searched, sorted by due time; related rows joined."""
    now = now or timezone.now()
    qs = dossiers_visible_to(user=user)
    if key is not None:
        qs = qs.filter(_queue_filter(key, user=user, agencies=_agencies_by_role(user), now=now, soon=soon))
    if search:
        qs = qs.filter(search_filter(search))
    return qs.select_related("procedure", "receiving_agency", "handling_agency", "assigned_officer").order_by(
        *QUEUE_ORDER)


# A queue's order: due time first (none last), then submission, then id (a total order: pages never overlap).
QUEUE_ORDER = (F("due_at").asc(nulls_last=True), "submitted_at", "pk")


def queue_count(*, user, key: str | None, search: str = "", now: datetime) -> int:
    """The number of dossiers of `queue_dossiers` (the "all" tab's or a search's total: the tabs are counted by
    `staff_queues`)."""
    if search:
        return queue_dossiers(user=user, key=key, search=search, now=now).count()
    (row,) = _QUEUE_STATEMENTS.rows(
        ("count", key, _queue_scope(user)),
        lambda at, soon: count_statement({key: queue_dossiers(user=user, key=key, now=at, soon=soon)}),
        _times(now))
    return row[0]


def queue_rows(*, user, key: str | None, search: str = "", now: datetime, offset: int,
               limit: int) -> list["QueueRow"]:
    """`queue_page(queue_dossiers(...))`: the same rows in the same order. Without a search, in one statement
    compiled once per queue, page and scope: the page's ids (the filter and the sort on the dossier table alone,
    through its queue indexes) as a subquery of the rows' statement, which joins the names for those rows only."""
    if search:
        return queue_page(queue_dossiers(user=user, key=key, search=search, now=now), offset=offset, limit=limit)

    def build(at, soon):
        page = queue_dossiers(user=user, key=key, now=at, soon=soon).values("pk")[offset:offset + limit]
        return (Dossier.objects.filter(pk__in=page).order_by(*QUEUE_ORDER)
                .values_list(*QUEUE_ROW_COLUMNS.values()))

    found = _QUEUE_STATEMENTS.rows(("page", key, offset, limit, _queue_scope(user)), build, _times(now))
    return [_queue_row(values) for values in found]


class QueueRow(dict):
    """One row of a queue's page: plain values (no model instances to build), readable as keys (the template's
    first lookup) and as attributes (row.pk)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value


# What a queue's row shows (workspace/home.html): the page reads these columns only, then the officer's name.
QUEUE_ROW_COLUMNS = {
    "pk": "pk", "code": "code", "state": "state", "applicant_name": "applicant_name",
    "applicant_phone": "applicant_phone", "due_at": "due_at", "has_steps": "has_steps",
    "procedure_name": "procedure__name", "agency_name": "handling_agency__name", "officer_id": "assigned_officer_id",
    "officer_full_name": "assigned_officer__full_name", "officer_first_name": "assigned_officer__first_name",
    "officer_last_name": "assigned_officer__last_name", "officer_username": "assigned_officer__username",
}
_ROW_NAMES = tuple(QUEUE_ROW_COLUMNS)


def _queue_row(values) -> QueueRow:
    """A row of QUEUE_ROW_COLUMNS' values; the assigned officer reads as User.__str__ does (full name, else first
    and last name, else the user name)."""
    row = QueueRow(zip(_ROW_NAMES, values, strict=True))
    full, first, last, username = (row.pop("officer_full_name"), row.pop("officer_first_name"),
                                   row.pop("officer_last_name"), row.pop("officer_username"))
    row["officer"] = (full or f"{first} {last}".strip() or username) if row["officer_id"] else ""
    return row


def rows_of(ids: list[int]) -> list[QueueRow]:
    """The queue rows of these dossiers, in this order (one statement, compiled once per number of rows)."""
    if not ids:
        return []
    found = _QUEUE_STATEMENTS.rows(
        ("rows", len(ids)),
        lambda *pks: Dossier.objects.filter(pk__in=pks).order_by().values_list(*QUEUE_ROW_COLUMNS.values()), ids)
    by_id = {row["pk"]: row for row in map(_queue_row, found)}
    return [by_id[pk] for pk in ids if pk in by_id]


def queue_page(queryset: QuerySet[Dossier], *, offset: int, limit: int) -> list[QueueRow]:
    """One page of a queue (`queue_dossiers`): the ids first — the filter and the sort on the dossier table alone,
    through its queue indexes, no join —, then those rows' shown values with the names they show (`rows_of`)."""
    return rows_of(list(queryset.values_list("pk", flat=True)[offset:offset + limit]))


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


def dossiers_of_citizen(*, user) -> QuerySet[Dossier]:
    """"My dossiers": those linked to the account, and, for an account keyed by a personal identification number
    (signed in through the national identity), every dossier whose applicant or authorised person bears that
    number, desk dossiers received before the account existed included. Newest first."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    return (Dossier.objects.filter(citizen_dossiers_q(user)).select_related("procedure")
            .order_by("-submitted_at", "-pk"))


def citizen_timeline(*, dossier: Dossier) -> list[tuple]:
    rows = []
    # Plain values (no event objects): the tracking page is the busiest citizen page.
    events = dossier.events.order_by("at", "id").values_list("at", "action", "note", "to_agency__name")
    for at, action, note, to_agency in events:
        entry = ACTIONS.get(action)
        text = entry.citizen_text if entry is not None and entry.citizen_text else (entry.label if entry else action)
        rows.append((at, str(text).format(note=note, to_agency=to_agency or "")))
    return rows


def citizen_forms_annotations() -> dict:
    """What `citizen_forms` reads besides the dossier's own columns, as annotations for the query that loads the
    dossier (dossiers.access.tracked_or_404(annotate=…)): then `citizen_forms` runs no query."""
    return {"issued_supplement_request": Exists(SupplementRequest.objects.filter(dossier=OuterRef("pk"))),
            "issued_apology": Exists(Apology.objects.filter(dossier=OuterRef("pk")))}


def citizen_forms(*, dossier: Dossier) -> list[tuple[str, str]]:
    """Forms issued to the applicant: receipt 01, supplement request 02, refusal 03, apology 04, stop notice 05."""
    numbers = []
    if hasattr(dossier, "issued_supplement_request") and hasattr(dossier, "issued_apology"):
        supplement, apology = dossier.issued_supplement_request, dossier.issued_apology  # read with the dossier
    else:
        supplement, apology = Dossier.objects.filter(pk=dossier.pk).values_list(  # one query for both
            *citizen_forms_annotations().values()).first() or (False, False)
    if dossier.received_at:
        numbers.append("01")
    if supplement:
        numbers.append("02")
    if dossier.state == State.REFUSED:
        numbers.append("03")
    if apology:
        numbers.append("04")
    if dossier.state in {State.WITHDRAWN, State.STOPPED}:
        numbers.append("05")
    return [(n, FORM_TITLES[n]) for n in numbers]


def next_step(dossier: Dossier) -> str:
    return NEXT_STEP[State(dossier.state)]










def stop_proposal(dossier: Dossier) -> DossierEvent | None:
    """The officer's pending proposal to stop (none once the dossier's state changed after it)."""
    last = dossier.events.exclude(action="propose_stop").order_by("-at", "-id").first()
    proposals = dossier.events.filter(action="propose_stop")
    if last is not None:
        proposals = proposals.filter(id__gt=last.id)
    return proposals.select_related("actor").order_by("-id").first()


def pending_apology_proposal(dossier: Dossier) -> ApologyProposal | None:
    if Apology.objects.filter(dossier=dossier).exists():
        return None
    return dossier.apology_proposals.select_related("proposed_by").first()
