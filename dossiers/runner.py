"""The machinery every action on a dossier runs through: counters and codes, the locked row, the event row,
the registry's transition, and the signals to the apps above."""

import functools
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from core.errors import ConcurrentChange, TransitionRefused
from core.prepared import Prepared, insert_row
from dossiers import permissions, steps
from dossiers.actions import ACTIONS
from dossiers.models import CounterKind, Dossier, DossierCounter, DossierEvent, State, figures_of
from dossiers.signals import announce_figures, dossier_acted, dossier_changed
from procedures import worktime
from procedures.calendars import build_calendar
from procedures.models import Agency

APPLICANT = object()  # marker: the applicant acts (the caller has verified code + phone or the account)
# marker for `expected_version`: the actor saw no page of the dossier (a gateway's server-to-server confirmation),
# so whatever the dossier became meanwhile is no conflict.
ANY_VERSION = object()
# The statement every action starts with, compiled once per connection (core/prepared.py).
_LOCK = Prepared(lambda pk: Dossier.objects.select_for_update(of=("self",))
                 .select_related("procedure", "receiving_agency").filter(pk=pk), probe=-1)
# The dossiers locked by the `locked_dossier` blocks now open in this context: {pk: locked copy}.
_held: ContextVar[dict | None] = ContextVar("dossiers_held", default=None)


# ---------------------------------------------------------------- counters and codes
def _next_value(*, kind: str, agency: Agency, day) -> int:
    """Increment the (kind, agency, day) counter; the UPDATE locks its row until commit, so values are distinct."""
    value = _increment(kind=kind, agency=agency, day=day)
    if value is None:
        try:
            with transaction.atomic():
                DossierCounter.objects.create(kind=kind, agency=agency, day=day, last_value=1)
                return 1
        except IntegrityError:
            value = _increment(kind=kind, agency=agency, day=day)
    return value


def _increment(*, kind: str, agency: Agency, day) -> int | None:
    """UPDATE … RETURNING: the increment and its value in one statement; None when the row does not exist yet."""
    meta = DossierCounter._meta
    column = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {column(meta.db_table)} SET {column('last_value')} = {column('last_value')} + 1 "
            f"WHERE {column('kind')} = %s AND {column(meta.get_field('agency').column)} = %s "
            f"AND {column('day')} = %s RETURNING {column('last_value')}",
            [kind, agency.pk, meta.get_field("day").get_db_prep_value(day, connection)])
        row = cursor.fetchone()
    return None if row is None else row[0]


def next_dossier_code(*, agency: Agency, at: datetime) -> str:
    day = worktime.to_local(at).date()
    value = _next_value(kind=CounterKind.CODE, agency=agency, day=day)
    return f"{agency.identifier}-{day:%y%m%d}-{value:04d}"


def next_book_entry(*, agency: Agency, at: datetime) -> int:
    day = worktime.to_local(at).date().replace(month=1, day=1)
    return _next_value(kind=CounterKind.BOOK, agency=agency, day=day)


# ---------------------------------------------------------------- the action runner
def _actor_label(actor) -> str:
    if actor is APPLICANT or actor is None:
        return _("Người nộp hồ sơ")
    return str(actor)


def record_event(dossier: Dossier, *, action: str, actor, from_state: str, note: str = "", from_agency=None,
            to_agency=None, at=None, step_timeliness: str = "") -> DossierEvent:
    # One INSERT whose text is written once (core/prepared.py): every action writes an event; DossierEvent has no
    # save() of its own and no save signal receivers.
    return insert_row(DossierEvent(
        dossier=dossier,
        action=action,
        actor=None if actor is APPLICANT else actor,
        actor_label=_actor_label(actor),
        from_state=from_state,
        to_state=dossier.state,
        note=note,
        from_agency=from_agency,
        to_agency=to_agency,
        at=at or timezone.now(),
        step_timeliness=step_timeliness,
    ))


def refused(dossier: Dossier, action: str) -> TransitionRefused:
    rule = permissions.RULES.get(action)
    return TransitionRefused(
        _("Không thể %(action)s: hồ sơ %(code)s đang ở trạng thái “%(state)s”.")
        % {"action": rule.label if rule else action, "code": dossier.code, "state": State(dossier.state).label}
    )


def _conflict(code: str) -> ConcurrentChange:
    return ConcurrentChange(
        _("Hồ sơ %(code)s vừa được người khác cập nhật. Hãy tải lại trang để xem trạng thái mới.") % {"code": code})


@contextmanager
def locked_dossier(dossier: Dossier | int, *, actor, action: str, expected_version=None, savepoint: bool = True):
    """Inside one transaction: the dossier's row locked (with its procedure and desk), checked against what the
    actor saw (`expected_version`, default the caller's copy: any later change, even one keeping the state, is
    a conflict; ANY_VERSION: no check) and against the action's rule for this actor. Yields the locked copy.

    Inside the block, a nested `locked_dossier` of the same dossier (a service holding the lock to decide which
    action to run) reuses that copy instead of reading the row again, and takes no savepoint of its own: an
    error in the nested action spoils the holder's transaction up to the holder's own savepoint, so no copy
    changed in memory by a failed action can be written later.

    `dossier` may be a bare key when `expected_version` is ANY_VERSION (no copy of the row to build).
    savepoint=False, inside the caller's transaction: no savepoint of its own (two statements fewer) — for a
    holder whose refusals all come before its first write (the lock, the checks), which then gives each action it
    runs the savepoint it needs; an error after a write must then fail the caller's whole transaction."""
    if isinstance(dossier, int):
        if expected_version is not ANY_VERSION:
            raise TypeError("locked_dossier() takes a key only with expected_version=ANY_VERSION")
        pk, dossier = dossier, None
    else:
        pk = dossier.pk
    held = _held.get() or {}
    copy = held.get(pk) if connection.in_atomic_block else None
    block = (transaction.atomic(savepoint=copy is None) if savepoint or not connection.in_atomic_block
             else nullcontext())
    with block:
        if copy is not None:
            locked = copy
        else:
            locked = None if pk is None else _LOCK.get(int(pk))
            if locked is None:
                raise TransitionRefused(_("Hồ sơ không còn tồn tại."))
        if expected_version is not ANY_VERSION:
            expected = dossier.version if expected_version is None else expected_version
            if locked.version != expected or locked.state != dossier.state:
                raise _conflict(locked.code)
        if actor is not APPLICANT and ACTIONS[action].rule is not None:  # rule None: the applicant's own action
            permissions.check(user=actor, action=action, dossier=locked)
        token = _held.set({**held, locked.pk: locked})
        try:
            yield locked
        finally:
            _held.reset(token)


def announce(dossier: Dossier, *, action: str, event: DossierEvent, from_state: str, details: dict | None = None) -> None:
    """The apps above hear of the action: inside the transaction (the outbox, payments, printing) and after
    commit. `details`: what the action carries beyond its event row (e.g. the amount asked for)."""
    dossier_acted.send(sender=Dossier, dossier=dossier, action=action, event=event, details=details or {})
    dossier_id, to_state = dossier.pk, dossier.state
    transaction.on_commit(lambda: dossier_changed.send(
        sender=Dossier, dossier_id=dossier_id, action=action, from_state=from_state, to_state=to_state))


def run_action(*, dossier: Dossier, actor, action: str, change: Callable[[Dossier, datetime], dict | None],
         expected_version=None, number: Callable[[Dossier, datetime], None] | None = None,
         attach: Callable[[Dossier, DossierEvent], None] | None = None) -> Dossier:
    """Lock, check, transition (the registry's for `action`), change, record, save; notify after commit.
    Nothing changes if anything fails.

    `number` draws values from a counter row every action at the desk updates (the tracking book). The rows
    only this action writes come first (event, outbox); the shared rows (that counter, then the statistics
    summary written by `announce_figures`) come last, so their locks are held only for a statement or two and
    the commit, which is what lets many clerks of one desk act at once. `attach` stores the files the action
    brings, linked to its event."""
    now = timezone.now()
    entry = ACTIONS[action]
    with locked_dossier(dossier, actor=actor, action=action, expected_version=expected_version) as locked:
        method = getattr(locked, entry.transition_for(locked))
        if not can_proceed(method):
            raise refused(locked, action)
        from_state = locked.state
        before = figures_of(locked)
        columns = [f.attname for f in Dossier._meta.concrete_fields if not f.primary_key]
        read = [getattr(locked, name) for name in columns]
        where = (locked.receiving_agency_id, locked.handling_agency_id)  # the actor's roles count here
        event_kwargs = change(locked, now) or {}
        if entry.hands_on and actor is not APPLICANT:
            # The step this hand-over finishes, judged against its own due time (dossiers/steps.py).
            step_result = steps.finish_current(locked, actor=actor, agency_ids=where, now=now)
            if step_result:
                event_kwargs["step_timeliness"] = step_result
        details = event_kwargs.pop("details", None)
        method()
        event = record_event(locked, action=action, actor=actor, from_state=from_state, at=now, **event_kwargs)
        if attach is not None:
            attach(locked, event)
        announce(locked, action=action, event=event, from_state=from_state, details=details)
        if number is not None:
            number(locked, now)
        version = locked.version
        locked.version = F("version") + 1
        try:
            # Only the columns this action changed (the row is locked: nobody else changed the others).
            locked.save(update_fields=[name for name, value in zip(columns, read, strict=True)
                                       if name == "version" or getattr(locked, name) != value])
        except ConcurrentTransition:
            raise _conflict(locked.code) from None
        # The row is locked and was just written from this copy: only the version needs its new value (no
        # reload, which would also drop the procedure and agency loaded with the lock).
        locked.version = version + 1
        announce_figures([(before, figures_of(locked))])
    return locked


def record_only(*, dossier: Dossier, actor, action: str, expected_version,
                 apply: Callable[[Dossier, datetime], str]) -> Dossier:
    """An action that changes no state (a proposal for the leader, the apology): the row locked and checked as
    for a transition, `apply` (its own checks and rows, returning the event's note; a column it updates it also sets on `d`), its event written, the
    version moved on so a page shown before it is out of date, the apps above told."""
    now = timezone.now()
    with locked_dossier(dossier, actor=actor, action=action, expected_version=expected_version) as d:
        note = apply(d, now)
        with connection.cursor() as cursor:  # the version moved on (the statement's text written once)
            cursor.execute(_bump_version_sql(connection.vendor), [d.pk])
        d.version += 1  # the row is locked: no reload (django-fsm's refresh_from_db is not thread-safe)
        event = record_event(d, action=action, actor=actor, from_state=d.state, at=now, note=note)
        announce(d, action=action, event=event, from_state=d.state)
    return d


@functools.cache
def _bump_version_sql(vendor: str) -> str:
    """UPDATE … SET version = version + 1 WHERE id = %s (Dossier.objects.filter(pk=…).update(version=F(…) + 1)
    without the ORM's compilation on every call)."""
    quote = connection.ops.quote_name
    version = quote(Dossier._meta.get_field("version").column)
    return (f"UPDATE {quote(Dossier._meta.db_table)} SET {version} = {version} + 1 "
            f"WHERE {quote(Dossier._meta.pk.column)} = %s")


def calendar_of(dossier: Dossier):
    return build_calendar(agency=dossier.receiving_agency)


# ---------------------------------------------------------------- use cases run in one durable transaction
@transaction.atomic(durable=True)
def in_one_transaction(work: Callable[[], Dossier]) -> Dossier:
    """The boundary of a use case: its whole work commits or nothing does; never nested in another."""
    return work()
