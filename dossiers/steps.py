"""A dossier's internal process (procedures/process.py), copied at reception: each step's due time from the legal
clock (the allotted hours so far walked from reception, moved by the pauses as the dossier's own due time is,
rules 7–8), and each step's timeliness recorded when an action hands the dossier on (rule 9 against the step's
due time). Called by the runner and the services inside the action's transaction; no transaction of its own.

Which step an action finishes: the first open step whose role the actor holds at the desk or at the agency
handling the dossier; open steps before it that may be skipped are marked skipped, a step that may not be
skipped stops the search (the action then finishes no step: e.g. a leader assigning an officer while the
officer's review is the current step)."""

from datetime import datetime
from decimal import Decimal

from accounts.models import StaffMembership
from core.compiled import Compiled
from dossiers.models import Dossier, DossierStep
from procedures import worktime
from procedures.process import HOURS_PER_DAY, ProcessStep


def step_amount(dossier: Dossier, end_hours: Decimal) -> Decimal:
    """The step's end in the dossier's deadline unit (working days: hours / 8)."""
    if dossier.deadline_unit == worktime.Unit.WORKING_DAYS:
        return Decimal(end_hours) / HOURS_PER_DAY
    return Decimal(end_hours)


def step_due(cal, dossier: Dossier, end_hours: Decimal, pauses=()) -> datetime:
    return worktime.recompute_due(cal, dossier.received_at, step_amount(dossier, end_hours),
                                  dossier.deadline_unit, cutoff=dossier.deadline_cutoff, pauses=pauses)


def copy_process(dossier: Dossier, *, calendar, now: datetime) -> None:
    """At reception (the dossier's deadline snapshot and received_at already set): one DossierStep per step of
    the procedure's process, the first one started. A deadline not counted in working time takes no process."""
    if dossier.deadline_unit not in (worktime.Unit.WORKING_HOURS, worktime.Unit.WORKING_DAYS):
        return
    template = list(ProcessStep.objects.filter(procedure_id=dossier.procedure_id).order_by("order"))
    if not template:
        return
    rows, end = [], Decimal(0)
    for i, step in enumerate(template):
        end += step.hours
        rows.append(DossierStep(
            dossier=dossier, order=step.order, name=step.name, role=step.role, agency_kind=step.agency_kind,
            agency_id=step.agency_id, hours=step.hours, end_hours=end, may_skip=step.may_skip,
            due_at=step_due(calendar, dossier, end), started_at=now if i == 0 else None))
    DossierStep.objects.bulk_create(rows)
    dossier.has_steps = True


def recompute_steps(dossier: Dossier, *, calendar, pauses) -> int:
    """The open steps' due times from the stored inputs with the current calendar and the pauses (rule 8);
    finished steps keep theirs (their result is final). Returns how many moved."""
    if not dossier.has_steps or dossier.received_at is None:
        return 0
    moved = 0
    for step in dossier.steps.filter(finished_at__isnull=True):
        due = step_due(calendar, dossier, step.end_hours, pauses)
        if due != step.due_at:
            # Still open when written: a step an action finished meanwhile keeps the due time it was judged by.
            moved += DossierStep.objects.filter(pk=step.pk, finished_at__isnull=True).update(due_at=due)
    return moved


def actor_roles(actor, agency_ids) -> set[str]:
    if actor is None or not getattr(actor, "pk", None):
        return set()
    return set(StaffMembership.objects.filter(user_id=actor.pk, agency_id__in=list(agency_ids), is_active=True)
               .values_list("role", flat=True))


def finish_current(dossier: Dossier, *, actor, agency_ids, now: datetime) -> str:
    """The step this hand-over finishes (see the module's text): its end and timeliness written, the next open
    step started. Returns the timeliness ("" when no step finished)."""
    if not dossier.has_steps:
        return ""
    roles = actor_roles(actor, agency_ids)
    if not roles:
        return ""
    open_steps = list(dossier.steps.filter(finished_at__isnull=True).order_by("order"))
    for i, step in enumerate(open_steps):
        if step.role in roles:
            for skipped in open_steps[:i]:
                skipped.finished_at, skipped.skipped = now, True
                skipped.save(update_fields=["finished_at", "skipped"])
            step.finished_at = now
            step.timeliness = worktime.timeliness(step.due_at, now).value
            if step.started_at is None:
                step.started_at = now
            step.save(update_fields=["finished_at", "timeliness", "started_at"])
            if i + 1 < len(open_steps):
                following = open_steps[i + 1]
                following.started_at = now
                following.save(update_fields=["started_at"])
            return step.timeliness
        if not step.may_skip:
            break
    return ""


def current_steps(dossiers) -> dict[int, DossierStep]:
    """For a page of dossiers (a queue's rows: dossiers or selectors.QueueRow), in one query: {dossier pk: its
    current step} (started, not finished), for those with a process. A row that does not carry `has_steps` is
    looked up; no query when every row says it has none."""
    ids = [d.pk for d in dossiers if getattr(d, "has_steps", True)]
    if not ids:
        return {}
    steps = _CURRENT_STEPS.instances(
        ("current", len(ids)),
        lambda *pks: DossierStep.objects.filter(dossier_id__in=pks, finished_at__isnull=True,
                                                started_at__isnull=False).order_by("order"), ids)
    return {s.dossier_id: s for s in steps}


_CURRENT_STEPS = Compiled(size=32)  # one shape per number of rows of a queue page


def step_is_late(step: DossierStep | None, now: datetime) -> bool:
    """The current step is past its own due time (the queue's lateness; rule 9's pending status)."""
    return step is not None and worktime.pending_status(step.due_at, now) == worktime.PendingStatus.OVERDUE

