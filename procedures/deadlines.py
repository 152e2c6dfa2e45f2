"""Due times of the catalog's procedures: the time rules (worktime) applied with the database's calendar."""

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal

from procedures import worktime
from procedures.calendars import build_calendar
from procedures.models import Agency, Procedure


@dataclass(frozen=True)
class DeadlineRule:
    """The deadline part of a procedure, as a dossier snapshots it at reception."""

    amount: Decimal
    unit: str
    cutoff: time | None

    @classmethod
    def of(cls, procedure: Procedure) -> "DeadlineRule":
        return cls(amount=procedure.deadline_amount, unit=procedure.deadline_unit, cutoff=procedure.cutoff_time)


@dataclass(frozen=True)
class DueTime:
    received_at: datetime
    clock_start: datetime
    due_at: datetime


def compute_due(
    *, rule: DeadlineRule, received_at: datetime, agency: Agency | None = None, calendar=None
) -> DueTime:
    cal = calendar if calendar is not None else build_calendar(agency=agency)
    start = worktime.clock_start(cal, received_at, cutoff=rule.cutoff)
    due = worktime.due_from_start(cal, start, rule.amount, rule.unit)
    return DueTime(received_at=worktime.to_local(received_at), clock_start=start, due_at=due)
